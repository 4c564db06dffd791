"""Google Cloud (GKE): everything the cloud changes, in one object (`GCP`).

Its part of the configuration model (defaults and rules), the gcp provider, the Cloud Logging sink, the
GCS bucket Thanos uses, Cloud Trace and Grafana's service account. Cloud SDKs are imported inside the
methods, so the registry loads cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pulumi

from components.platform import own_section
from render.log_datasources import CLOUD_LOGGING_PLUGIN
from settings.platform_rules import PlatformRules, Report

if TYPE_CHECKING:
    from components.grafana_identity import GrafanaIdentity, GrafanaIdentityArgs
    from components.log_sink import LogSink, LogSinkArgs
    from components.long_term_storage import BucketAccess, BucketAccessArgs, BucketConfig
    from components.trace_backend import TraceBackend, TraceBackendArgs
    from settings import StackSettings
    from settings.model import GcpSettings

# A Cloud Logging bucket keeps logs at most this long.
MAX_LOG_BUCKET_RETENTION_DAYS = 3650


def _gcp_problems(s: StackSettings, report: Report) -> None:
    if not s.cluster.location:
        report("cluster.location", "is required on GCP (the GKE cluster's zone or region)", uses=("cloud",))
    if s.logging.audit_retention_days > MAX_LOG_BUCKET_RETENTION_DAYS:
        report(
            "logging.auditRetentionDays",
            f"must be <= {MAX_LOG_BUCKET_RETENTION_DAYS} on GCP (a Cloud Logging bucket's retention) "
            f"(got {s.logging.audit_retention_days})",
        )


RULES = PlatformRules(
    cloud="gcp",
    defaults={
        "cluster": {"storageClass": "premium-rwo"},
        "tracing": {"backend": "cloud-trace"},
        "metrics": {"longTerm": {"enabled": True}},
    },
    required_keys={"project": "a GCP project ID", "region": "a GCP region such as europe-west1"},
    trace_backends=("cloud-trace", "jaeger"),
    bucket_name=(r"^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$", "3-63 lowercase letters, digits, '-', '_' or '.'"),
    validators=(_gcp_problems,),
)


@dataclass(frozen=True)
class GcpProviders:
    gcp: pulumi.ProviderResource


class GcpPlatform:
    rules = RULES
    # The `logs` datasource its sink provisions.
    logs_datasource_type: str | None = CLOUD_LOGGING_PLUGIN

    def cloud_providers(self, settings: StackSettings) -> GcpProviders:
        from pulumi_gcp.provider import Provider as GcpProvider

        gcp = settings.gcp
        assert gcp is not None, "the config model requires the gcp section on GCP"
        return GcpProviders(gcp=GcpProvider("gcp", project=gcp.project, region=gcp.region))

    def identity_provider(self, cloud: GcpProviders) -> None:
        """IAM writes go through the inherited provider."""
        return None

    def provider_list(self, cloud: GcpProviders) -> list[pulumi.ProviderResource]:
        return [cloud.gcp]

    def grafana_identity(
        self, name: str, args: GrafanaIdentityArgs, opts: pulumi.ResourceOptions
    ) -> GrafanaIdentity | None:
        from components.gcp.grafana_identity import GcpGrafanaIdentity, GcpGrafanaIdentityArgs
        from settings.model import GcpSettings

        return GcpGrafanaIdentity(
            name,
            GcpGrafanaIdentityArgs(
                args.context, own_section(args.cloud, GcpSettings), args.cluster.name, args.metrics_namespace
            ),
            opts,
        )

    def log_sink(self, name: str, args: LogSinkArgs, opts: pulumi.ResourceOptions) -> LogSink:
        from components.gcp.log_sink import GcpLogSink

        return GcpLogSink(name, args, opts)

    def section(self, settings: StackSettings) -> GcpSettings | None:
        """Its own config section (`todo-observability:gcp`), for the capabilities' GCP code."""
        return settings.gcp

    def bucket_access(self, name: str, args: BucketAccessArgs, opts: pulumi.ResourceOptions) -> BucketAccess:
        from components.gcp.thanos_storage import GcpThanosStorage

        return GcpThanosStorage(name, args, opts)

    def objstore_config(self, config: BucketConfig, secret_key: str | None) -> dict[str, Any]:
        from components.gcp.thanos_storage import objstore_config

        return objstore_config(config)

    def trace_backend(self, name: str, args: TraceBackendArgs, opts: pulumi.ResourceOptions) -> TraceBackend | None:
        if args.tracing.backend != "cloud-trace":
            return None
        from components.gcp.tracing import GcpTraceBackend

        return GcpTraceBackend(name, args, opts)


GCP = GcpPlatform()
