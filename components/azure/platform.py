"""Azure (AKS): everything the cloud changes, in one object (`AZURE`).

Its part of the configuration model (defaults and rules), the azure-native and azuread providers, the
Logs Ingestion sink, the storage account Thanos uses, Application Insights for traces and Grafana's
app registration. Cloud SDKs are imported inside the methods, so the registry loads cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pulumi

from components.platform import own_section
from render.log_datasources import AZURE_MONITOR_PLUGIN
from settings.model import AZURE_MAX_INTERACTIVE_DAYS
from settings.platform_rules import PlatformRules, Report

if TYPE_CHECKING:
    from components.grafana_identity import GrafanaIdentity, GrafanaIdentityArgs
    from components.log_sink import LogSink, LogSinkArgs
    from components.long_term_storage import BucketAccess, BucketAccessArgs, BucketConfig
    from components.trace_backend import TraceBackend, TraceBackendArgs
    from settings import StackSettings
    from settings.model import AzureSettings


def _azure_problems(s: StackSettings, report: Report) -> None:
    if not s.cluster.oidc_issuer_url:
        report(
            "cluster.oidcIssuerUrl",
            "is required on Azure (workload identity), an https:// URL: "
            "az aks show -n <cluster> -g <rg> --query oidcIssuerProfile.issuerUrl -o tsv",
            uses=("cloud",),
        )
    retention = s.logging.retention_days
    if not 4 <= retention <= AZURE_MAX_INTERACTIVE_DAYS:
        report(
            "logging.retentionDays",
            f"must be between 4 and {AZURE_MAX_INTERACTIVE_DAYS} on Azure "
            f"(a Log Analytics table's interactive retention) (got {retention})",
        )


RULES = PlatformRules(
    cloud="azure",
    defaults={
        "cluster": {"storageClass": "managed-csi-premium"},
        "tracing": {"backend": "azure-monitor"},
        "metrics": {"longTerm": {"enabled": True}},
    },
    required_keys={
        "subscriptionId": "a GUID: az account show --query id -o tsv",
        "tenantId": "a GUID: az account show --query tenantId -o tsv",
        "resourceGroup": "the resource group name",
        "location": "an Azure region such as westeurope",
    },
    trace_backends=("azure-monitor", "jaeger"),
    bucket_name=(r"^[a-z0-9]{3,24}$", "3-24 lowercase letters and digits (a storage account name)"),
    validators=(_azure_problems,),
)


@dataclass(frozen=True)
class AzureProviders:
    azure: pulumi.ProviderResource
    azuread: pulumi.ProviderResource


class AzurePlatform:
    rules = RULES
    # The `logs` datasource its sink provisions.
    logs_datasource_type: str | None = AZURE_MONITOR_PLUGIN

    def cloud_providers(self, settings: StackSettings) -> AzureProviders:
        from pulumi_azure_native.provider import Provider as AzureProvider
        from pulumi_azuread.provider import Provider as AzureAdProvider

        azure = settings.azure
        assert azure is not None, "the config model requires the azure section on Azure"
        return AzureProviders(
            azure=AzureProvider(
                "azure-native",
                subscription_id=azure.subscription_id,
                tenant_id=azure.tenant_id,
                location=azure.location,
            ),
            azuread=AzureAdProvider("azuread", tenant_id=azure.tenant_id),
        )

    def identity_provider(self, cloud: AzureProviders) -> None:
        """IAM writes go through the inherited provider."""
        return None

    def provider_list(self, cloud: AzureProviders) -> list[pulumi.ProviderResource]:
        return [cloud.azure, cloud.azuread]

    def grafana_identity(
        self, name: str, args: GrafanaIdentityArgs, opts: pulumi.ResourceOptions
    ) -> GrafanaIdentity | None:
        from components.azure.grafana_identity import AzureGrafanaIdentity, AzureGrafanaIdentityArgs
        from settings.model import AzureSettings

        return AzureGrafanaIdentity(
            name,
            AzureGrafanaIdentityArgs(
                args.context, own_section(args.cloud, AzureSettings), args.cluster.name, args.metrics_namespace
            ),
            opts,
        )

    def log_sink(self, name: str, args: LogSinkArgs, opts: pulumi.ResourceOptions) -> LogSink:
        from components.azure.log_sink import AzureLogSink

        return AzureLogSink(name, args, opts)

    def section(self, settings: StackSettings) -> AzureSettings | None:
        """Its own config section (`todo-observability:azure`), for the capabilities' Azure code."""
        return settings.azure

    def bucket_access(self, name: str, args: BucketAccessArgs, opts: pulumi.ResourceOptions) -> BucketAccess:
        from components.azure.thanos_storage import AzureThanosStorage

        return AzureThanosStorage(name, args, opts)

    def objstore_config(self, config: BucketConfig, secret_key: str | None) -> dict[str, Any]:
        from components.azure.thanos_storage import objstore_config

        return objstore_config(config)

    def trace_backend(self, name: str, args: TraceBackendArgs, opts: pulumi.ResourceOptions) -> TraceBackend | None:
        if args.tracing.backend != "azure-monitor":
            return None
        from components.azure.tracing import AzureTraceBackend

        return AzureTraceBackend(name, args, opts)


AZURE = AzurePlatform()
