"""Grafana's traces datasource (uid `traces`) for the stack's tracing backend. Log datasources link a
log line's `trace_id` to it by this uid."""

from __future__ import annotations

from typing import Any

from render.jaeger import query_url
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
        # Application Insights traces through the Azure Monitor datasource, as Grafana's own identity.
        return {
            **base,
            "name": "Traces (Application Insights)",
            "type": "grafana-azure-monitor-datasource",
            "jsonData": {
                "azureAuthType": "workloadidentity",
                "subscriptionId": settings.azure.subscription_id,
                "tenantId": settings.azure.tenant_id,
            },
        }
    if backend == "cloud-trace" and settings.gcp is not None:
        return {
            **base,
            "name": "Traces (Cloud Trace)",
            "type": CLOUD_TRACE_PLUGIN,
            "jsonData": {"authenticationType": "gce", "defaultProject": settings.gcp.project},
        }
    raise ValueError(f"todo-observability:tracing.backend {backend!r} has no Grafana datasource")


def plugins(settings: StackSettings) -> list[str]:
    return [CLOUD_TRACE_PLUGIN] if settings.tracing.backend == "cloud-trace" else []
