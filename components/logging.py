"""Logs: Fluent Bit from its pinned chart as a DaemonSet on every node, shipping container logs (app and
Dapr sidecars) to the cloud's log store, and audit records to a separate destination kept longer.
The pipeline itself is rendered in render/fluent_bit.py; the destinations come from the platform's sink
(components/<cloud>/log_sink.py), which also grants Grafana's cloud identity read on the logs. Fluent
Bit's own metrics are scraped through a ServiceMonitor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pulumi

from components.crds import PrometheusOperatorCrds
from components.helm import chart_release
from components.log_sink import PIPELINE_TYPE, LogSinkArgs, SinkBinding
from components.monitors import monitor_resource
from components.namespaces import NamespaceRef
from components.platform import Platform
from components.versions import FLUENT_BIT
from contracts.context import StackContext
from contracts.inputs import GrafanaInputs
from contracts.labels import common_labels
from render.fluent_bit import (
    FLUENT_BIT_NAME,
    STATE_DIR,
    SinkOutputs,
    placement_values,
    probe_values,
    render_fluent_bit,
    service_monitor,
)
from render.resources import resource_requirements
from settings.model import ClusterSettings, LoggingSettings, Section

if TYPE_CHECKING:
    from components.grafana_identity import GrafanaIdentity


@dataclass
class LoggingPipelineArgs:
    logging: LoggingSettings
    cluster: ClusterSettings
    # The platform's own config section (`Platform.section`), handed on to its sink only.
    cloud: Section | None
    context: StackContext
    # Where Fluent Bit runs.
    namespace: NamespaceRef
    crds: PrometheusOperatorCrds
    platform: Platform
    # The platform's own stack secrets (`components.platform.platform_secrets`), handed to its sink.
    platform_secrets: dict[str, pulumi.Output[str]]
    # Grafana's one cloud identity: the sink grants it read on the logs (None where there is none).
    grafana_identity: GrafanaIdentity | None
    # The provider the sink's IAM writes must use (`Providers.identity`: OCI's home region); None inherits.
    identity_provider: pulumi.ProviderResource | None


class LoggingPipeline(pulumi.ComponentResource):
    """For other capabilities: `grafana` (the `logs` datasource for MetricsStack, None where Grafana has
    none) and `log_store_id` (the sink's store where traces may go too: Azure's workspace; None
    elsewhere). Registered output: `release`, the Fluent Bit release's name."""

    def __init__(self, name: str, args: LoggingPipelineArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(PIPELINE_TYPE, name, None, opts)
        logging, context, platform = args.logging, args.context, args.platform
        sink_args = LogSinkArgs(
            logging,
            args.cluster,
            args.cloud,
            context,
            args.namespace,
            args.platform_secrets,
            args.grafana_identity,
            args.identity_provider,
        )
        self.sink = platform.log_sink(
            f"{name}-{platform.rules.cloud}-sink", sink_args, pulumi.ResourceOptions(parent=self)
        )
        binding = self.sink.binding
        self.release = chart_release(
            FLUENT_BIT_NAME,
            FLUENT_BIT,
            args.namespace.name,
            binding.outputs.apply(lambda outputs: fluent_bit_values(logging, context, outputs, binding)),
            pulumi.ResourceOptions(parent=self, depends_on=[args.namespace.resource, *binding.depends_on]),
        )
        self.service_monitor = monitor_resource(
            f"{name}-service-monitor",
            service_monitor(args.namespace.name, context.scrape_interval),
            context,
            pulumi.ResourceOptions(parent=self, depends_on=[*args.crds.depends_on(), self.release]),
        )
        self.grafana: GrafanaInputs | None = binding.grafana
        self.log_store_id: pulumi.Output[str] | None = binding.log_store_id
        self.register_outputs({"release": self.release.name})


def fluent_bit_values(
    logging: LoggingSettings, context: StackContext, outputs: SinkOutputs, binding: SinkBinding
) -> dict[str, Any]:
    """Values for the fluent-bit chart (keys checked against its values.yaml at the pinned version)."""
    return {
        "kind": "DaemonSet",
        "fullnameOverride": FLUENT_BIT_NAME,
        "labels": common_labels("logging", context.stack),
        "config": render_fluent_bit(logging, outputs).chart_values(),
        "env": list(binding.env),
        "serviceAccount": {"create": True, "annotations": dict(binding.service_account_annotations)},
        "podAnnotations": dict(binding.pod_annotations),
        **probe_values(),
        "extraVolumes": [
            {"name": "fluent-bit-state", "hostPath": {"path": STATE_DIR, "type": "DirectoryOrCreate"}},
            *binding.volumes,
        ],
        "extraVolumeMounts": [{"name": "fluent-bit-state", "mountPath": STATE_DIR}, *binding.volume_mounts],
        "resources": resource_requirements(logging.resources),
        # Linux nodes only, never virtual nodes; the usual pool taints are tolerated.
        **placement_values(),
        # Our own ServiceMonitor (a CustomResource after the CRDs) scrapes it, not the chart's.
        "serviceMonitor": {"enabled": False},
        "testFramework": {"enabled": False},
    }
