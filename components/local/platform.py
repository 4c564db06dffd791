"""minikube or kind: everything the local platform changes, in one object (`LOCAL`).

Its part of the configuration model (defaults and rules); no cloud providers; Loki as the log store,
an in-cluster S3-compatible store for Thanos, Jaeger for traces.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pulumi

from render.log_datasources import LOKI_PLUGIN
from settings.platform_rules import PlatformRules, Report

if TYPE_CHECKING:
    from components.grafana_identity import GrafanaIdentity, GrafanaIdentityArgs
    from components.log_sink import LogSink, LogSinkArgs
    from components.long_term_storage import BucketAccess, BucketAccessArgs, BucketConfig
    from components.trace_backend import TraceBackend, TraceBackendArgs
    from settings import StackSettings


def _local_problems(s: StackSettings, report: Report) -> None:
    if s.is_production:
        report(
            "environment",
            "must be development or staging when todo-observability:cloud is local (got production)",
            uses=("cloud",),
        )


RULES = PlatformRules(
    cloud="local",
    defaults={
        "cluster": {"storageClass": "standard"},
        "tracing": {"backend": "jaeger", "jaegerStorage": "memory"},
        "metrics": {"longTerm": {"enabled": False}},
    },
    trace_backends=("jaeger",),
    cloud_object_storage=False,
    validators=(_local_problems,),
)


class LocalPlatform:
    rules = RULES
    # The `logs` datasource its sink provisions.
    logs_datasource_type: str | None = LOKI_PLUGIN

    def cloud_providers(self, settings: StackSettings) -> None:
        return None

    def provider_list(self, cloud: None) -> list[pulumi.ProviderResource]:
        return []

    def identity_provider(self, cloud: None) -> None:
        return None

    def grafana_identity(
        self, name: str, args: GrafanaIdentityArgs, opts: pulumi.ResourceOptions
    ) -> GrafanaIdentity | None:
        return None

    def log_sink(self, name: str, args: LogSinkArgs, opts: pulumi.ResourceOptions) -> LogSink:
        from components.local.log_sink import LocalLogSink

        return LocalLogSink(name, args, opts)

    def section(self, settings: StackSettings) -> None:
        """The local platform has no config section of its own."""
        return None

    def bucket_access(self, name: str, args: BucketAccessArgs, opts: pulumi.ResourceOptions) -> BucketAccess:
        from components.local.thanos_storage import LocalObjectStore

        return LocalObjectStore(name, args, opts)

    def objstore_config(self, config: BucketConfig, secret_key: str | None) -> dict[str, Any]:
        from components.local.thanos_storage import objstore_config

        return objstore_config(config, secret_key or "")

    def trace_backend(self, name: str, args: TraceBackendArgs, opts: pulumi.ResourceOptions) -> TraceBackend | None:
        return None


LOCAL = LocalPlatform()
