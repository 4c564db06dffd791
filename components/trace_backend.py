"""The contract of a cloud's own trace backend (components/<cloud>/platform.py `trace_backend`): what it
needs from the program, and what it hands the collector and Grafana. Jaeger, the same on every cloud, is
the tracing capability's own (components/tracing.py); a platform returns None for it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import pulumi

from components.namespaces import NamespaceRef
from contracts.context import StackContext
from contracts.inputs import GrafanaInputs
from settings.model import ClusterSettings, Section, TracingSettings

if TYPE_CHECKING:
    from components.grafana_identity import GrafanaIdentity


@dataclass
class TraceBackendArgs:
    """What a platform's trace backend gets (built by TracingPipeline from its own args)."""

    # `backend` picks the platform's own backend, or none (Jaeger).
    tracing: TracingSettings
    cluster: ClusterSettings
    # The platform's own config section (`Platform.section`), read only by that platform's backend.
    cloud: Section | None
    context: StackContext
    # The tracing namespace: where the collector runs and reads the backend's Secrets.
    namespace: NamespaceRef
    # Grafana's one cloud identity, granted read on the backend's traces (None where the platform has none).
    grafana_identity: GrafanaIdentity | None
    # The log sink's store (`SinkBinding.log_store_id`): a backend may keep traces next to the logs
    # (Azure's workspace-based Application Insights in the Log Analytics workspace); None where it has none.
    log_store_id: pulumi.Output[str] | None


@dataclass
class TraceBinding:
    """What a trace backend hands the collector (its exporter and how its pod authenticates) and Grafana."""

    # The collector's one exporter to the backend, `{name: configuration}`; credentials never appear here.
    exporter: dict[str, dict[str, Any]]
    # Grafana's `traces` datasource (render/traces_datasource.py `datasource`), its plugins and what it waits for.
    grafana: GrafanaInputs
    env: list[dict[str, Any]] = field(default_factory=list)
    service_account_annotations: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    # What the collector waits for.
    depends_on: list[pulumi.Resource] = field(default_factory=list)


class TraceBackend(Protocol):
    binding: TraceBinding
