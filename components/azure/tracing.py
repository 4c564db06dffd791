"""Application Insights for the collector's `azuremonitor` exporter: workspace-based, so traces land
in the same Log Analytics workspace as the logs, and its connection string kept a secret (Pulumi
state and a Kubernetes Secret that the collector reads as an environment variable)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native.applicationinsights import Component
from pulumi_azure_native.authorization import RoleAssignment
from pulumi_kubernetes.core.v1 import Secret
from pulumi_kubernetes.meta.v1 import ObjectMetaArgs

from components.azure.roles import READER, role_definition_id
from components.labels import cloud_tags, common_labels
from components.providers import Providers
from settings import StackSettings

CONNECTION_STRING_KEY = "connection-string"


@dataclass
class AzureTraceSinkArgs:
    settings: StackSettings
    providers: Providers
    namespace: pulumi.Resource
    # The Log Analytics workspace's ARM id: the logging capability's, so logs and traces are queried
    # together (and a trace_id in a log line joins its spans in one KQL query).
    workspace_resource_id: pulumi.Input[str]
    # Grafana's Azure reader (the logging capability's app registration): its traces datasource
    # queries Application Insights as this principal.
    grafana_reader_principal_id: pulumi.Input[str] | None = None


class AzureTraceSink(pulumi.ComponentResource):
    def __init__(self, name: str, args: AzureTraceSinkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("todo-observability:tracing:AzureTraceSink", name, None, opts)
        settings = args.settings
        azure = settings.azure
        if azure is None or args.providers.azure is None:
            raise ValueError("todo-observability:azure is required when tracing.backend is azure-monitor")
        self.app_insights = Component(
            f"{name}-app-insights",
            resource_name_=f"appi-{settings.cluster.name}",
            resource_group_name=azure.resource_group,
            location=azure.location,
            kind="other",
            application_type="other",
            ingestion_mode="LogAnalytics",
            workspace_resource_id=args.workspace_resource_id,
            disable_ip_masking=False,
            tags=cloud_tags(settings.stack),
            opts=pulumi.ResourceOptions(
                parent=self,
                provider=args.providers.azure,
                protect=settings.is_production,
                additional_secret_outputs=["connectionString", "instrumentationKey"],
            ),
        )
        self.secret_name = f"{name}-app-insights"
        self.secret = Secret(
            f"{name}-connection-string",
            metadata=ObjectMetaArgs(
                name=self.secret_name,
                namespace=settings.tracing.namespace,
                labels=common_labels("tracing", settings.stack),
            ),
            type="Opaque",
            string_data={CONNECTION_STRING_KEY: pulumi.Output.secret(self.app_insights.connection_string)},
            opts=args.providers.k8s_opts(self, depends_on=[args.namespace]),
        )
        if args.grafana_reader_principal_id is None:
            raise ValueError("the azure-monitor trace backend needs the logging capability's Grafana reader")
        # Reader (control-plane */read, which covers Application Insights queries) on this component only.
        self.grafana_reader_role = RoleAssignment(
            f"{name}-grafana-reader",
            principal_id=args.grafana_reader_principal_id,
            principal_type="ServicePrincipal",
            role_definition_id=role_definition_id(azure.subscription_id, READER),
            scope=self.app_insights.id,
            opts=pulumi.ResourceOptions(parent=self, provider=args.providers.azure),
        )
        self.register_outputs({"appInsightsId": self.app_insights.id, "secretName": self.secret_name})
