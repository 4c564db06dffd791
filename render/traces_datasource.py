"""Grafana's traces datasource (uid `traces`), one per stack whatever the backend: log datasources link a
log line's `trace_id` to it by this uid. Jaeger's is here; a cloud's own trace backend builds its own
with `datasource` (components/<cloud>/tracing.py)."""

from __future__ import annotations

from typing import Any

from contracts import uids
from render.jaeger import query_url
from settings.model import TracingSettings

UID = uids.TRACES_DATASOURCE


def datasource(name: str, datasource_type: str, **fields: Any) -> dict[str, Any]:
    """The `traces` datasource, provisioned read-only: it is code, not something edited in Grafana."""
    return {"uid": UID, "access": "proxy", "editable": False, "name": name, "type": datasource_type, **fields}


def jaeger_datasource(tracing: TracingSettings) -> dict[str, Any]:
    return datasource("Traces (Jaeger)", "jaeger", url=query_url(tracing))
