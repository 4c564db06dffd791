"""The contract between LoggingPipeline and the per-cloud log sinks (components/<cloud>/log_sink.py):
what a sink gets, and what it gives Fluent Bit besides its destinations. No component lives here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import pulumi

from components.namespaces import NamespaceRef
from contracts.context import StackContext
from contracts.inputs import GrafanaInputs
from render.fluent_bit import SinkOutputs
from settings.model import ClusterSettings, LoggingSettings, Section

if TYPE_CHECKING:
    from components.grafana_identity import GrafanaIdentity

__all__ = ["LogSink", "LogSinkArgs", "SinkBinding", "former_sink_urn", "secret_env"]

# The logging capability's top-level component (__main__.py), the parent of every sink.
PIPELINE_TYPE = "todo-observability:logging:LoggingPipeline"
PIPELINE_NAME = "logging"


@dataclass
class LogSinkArgs:
    """What a platform's sink gets (components/<cloud>/platform.py `log_sink`)."""

    logging: LoggingSettings
    cluster: ClusterSettings
    # The platform's own config section (`Platform.section`), read only by that platform's sink.
    cloud: Section | None
    context: StackContext
    # The logging namespace: Fluent Bit runs there and reads the sink's Secrets there.
    namespace: NamespaceRef
    # The platform's own stack secrets (`components.platform.platform_secrets`), by name.
    platform_secrets: dict[str, pulumi.Output[str]]
    # Grafana's one cloud identity, granted read on the logs (None where the platform has none).
    grafana_identity: GrafanaIdentity | None
    # The provider IAM writes must use (`Providers.identity`: OCI's home region); None inherits the
    # pipeline's providers like every other child.
    identity_provider: pulumi.ProviderResource | None


@dataclass
class SinkBinding:
    """What a sink hands to Fluent Bit: its outputs (once cloud ids are known) and how the pod gets
    credentials: env vars from Secrets, files mounted from Secrets, or a cloud identity."""

    outputs: pulumi.Output[SinkOutputs]
    env: list[dict[str, Any]] = field(default_factory=list)
    volumes: list[dict[str, Any]] = field(default_factory=list)
    volume_mounts: list[dict[str, Any]] = field(default_factory=list)
    service_account_annotations: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    # Grafana's `logs` datasource and the grants it waits for (the identity's own inputs come from it).
    grafana: GrafanaInputs | None = None
    depends_on: list[pulumi.Resource] = field(default_factory=list)
    # Annotations of Fluent Bit's pods: a credential's id here rolls the DaemonSet when it is rotated.
    pod_annotations: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    # The cloud id of the store the logs land in, where another capability may keep its data next to
    # them (Azure: the Log Analytics workspace, where Application Insights keeps traces); None elsewhere.
    log_store_id: pulumi.Output[str] | None = None


class LogSink(Protocol):
    """What every per-cloud sink component (components/<cloud>/log_sink.py) gives the pipeline."""

    binding: SinkBinding


def secret_env(variable: str, secret_name: str, key: str) -> dict[str, Any]:
    return {"name": variable, "valueFrom": {"secretKeyRef": {"name": secret_name, "key": key}}}


def former_sink_urn(sink_name: str, sink_type: str) -> pulumi.Output[str]:
    """The URN of a sink (child of the `logging` pipeline) as stacks created before issue #19 hold it:
    resources it created that another component owns now alias their old parent with it."""
    pipeline = pulumi.create_urn(PIPELINE_NAME, PIPELINE_TYPE)
    return pulumi.create_urn(sink_name, sink_type, parent=pipeline)
