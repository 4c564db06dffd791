"""Grafana's traces datasource (uid `traces`) for the stack's tracing backend. Log datasources link a
log line's `trace_id` to it by this uid."""

from __future__ import annotations

from typing import Any

from render.jaeger import query_url
from render.log_datasources import azure_monitor_datasource
from settings import StackSettings

UID = "traces"
# Not built into Grafana: installed as a plugin.
CLOUD_TRACE_PLUGIN = "googlecloud-trace-datasource"


def traces_datasource(settings: StackSettings) -> dict[str, Any]:
    backend = settings.tracing.backend
    base: dict[str, Any] = {"uid": UID, "access": "proxy", "editable": False}
    if backend == "jaeger":
        return {**base, "name": "Traces (Jaeger)", "type": "jaeger", "url": query_url(settings)}
    if backend == "azure-monitor" and settings.azure is not None:
        # Application Insights (query type "Traces") as the logging capability's Grafana reader,
        # which components/azure/tracing.py grants Reader on the Application Insights component.
        datasource = azure_monitor_datasource(
            "Traces (Application Insights)", UID, settings.azure.tenant_id, settings.azure.subscription_id
        )
        return {**datasource, "editable": False}
    if backend == "cloud-trace" and settings.gcp is not None:
        # `gce`: Grafana's Workload Identity, the logging capability's reader service account, which
        # components/gcp/log_sink.py grants roles/cloudtrace.user when this backend is on.
        return {
            **base,
            "name": "Traces (Cloud Trace)",
            "type": CLOUD_TRACE_PLUGIN,
            "jsonData": {"authenticationType": "gce", "defaultProject": settings.gcp.project},
        }
    raise ValueError(f"todo-observability:tracing.backend {backend!r} has no Grafana datasource")


def plugins(settings: StackSettings) -> list[str]:
    return [CLOUD_TRACE_PLUGIN] if settings.tracing.backend == "cloud-trace" else []
