"""Logs: Fluent Bit from its pinned chart as a DaemonSet on every node, shipping container logs (app and
Dapr sidecars) to the cloud's log store, and audit records to a separate destination kept longer.
The pipeline itself is rendered in render/fluent_bit.py; the destinations come from the cloud's sink in
components/<cloud>/log_sink.py. Fluent Bit's own metrics are scraped through a ServiceMonitor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import pulumi
from pulumi_kubernetes.apiextensions import CustomResource
from pulumi_kubernetes.core.v1 import Namespace

from components.crds import PrometheusOperatorCrds
from components.helm import chart_release
from components.labels import common_labels, monitoring_labels
from components.log_sink import FLUENT_BIT_NAME, LogSinkArgs, SinkBinding
from components.metrics_inputs import GrafanaInputs
from components.providers import Providers
from components.versions import FLUENT_BIT
from render.fluent_bit import STATE_DIR, SinkOutputs, placement_values, probe_values, render_fluent_bit
from settings import StackSecrets, StackSettings

METRICS_PATH = "/api/v2/metrics/prometheus"


class LogSink(Protocol):
    """What every per-cloud sink component (components/<cloud>/log_sink.py) gives the pipeline."""

    binding: SinkBinding


@dataclass
class LoggingPipelineArgs:
    settings: StackSettings
    secrets: StackSecrets
    providers: Providers
    logging_namespace: Namespace
    metrics_namespace: Namespace
    crds: PrometheusOperatorCrds


class LoggingPipeline(pulumi.ComponentResource):
    """Outputs: `grafana` (the `logs` datasource for MetricsStack), `release`, and `log_workspace_id`
    (the Azure Log Analytics workspace, where workspace-based Application Insights keeps traces)."""

    def __init__(self, name: str, args: LoggingPipelineArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("todo-observability:logging:LoggingPipeline", name, None, opts)
        settings = args.settings
        sink_args = LogSinkArgs(settings, args.secrets, args.providers, args.logging_namespace, args.metrics_namespace)
        self.sink = _log_sink(f"{name}-{settings.cloud}-sink", sink_args, pulumi.ResourceOptions(parent=self))
        binding = self.sink.binding
        self.release = chart_release(
            FLUENT_BIT_NAME,
            FLUENT_BIT,
            settings.logging.namespace,
            binding.outputs.apply(lambda outputs: fluent_bit_values(settings, outputs, binding)),
            args.providers.k8s_opts(self, depends_on=[args.logging_namespace, *binding.depends_on]),
        )
        self.service_monitor = CustomResource(
            f"{name}-service-monitor",
            api_version="monitoring.coreos.com/v1",
            kind="ServiceMonitor",
            metadata={
                "name": FLUENT_BIT_NAME,
                "namespace": settings.logging.namespace,
                "labels": monitoring_labels("logging", settings.stack, settings.metrics.release_name),
            },
            spec={
                "selector": {"matchLabels": chart_selector_labels()},
                "namespaceSelector": {"matchNames": [settings.logging.namespace]},
                "endpoints": [
                    {"port": "http", "path": METRICS_PATH, "interval": settings.metrics.prometheus.scrape_interval}
                ],
            },
            opts=args.providers.k8s_opts(self, depends_on=[*args.crds.depends_on(), self.release]),
        )
        self.grafana: GrafanaInputs | None = binding.grafana
        self.log_workspace_id = binding.log_workspace_id
        self.grafana_reader_principal_id = binding.grafana_reader_principal_id
        self.register_outputs({"release": self.release.name})


def _log_sink(name: str, args: LogSinkArgs, opts: pulumi.ResourceOptions) -> LogSink:
    """The cloud's sink; imported lazily so a stack loads only its own cloud's SDK."""
    cloud = args.settings.cloud
    if cloud == "azure":
        from components.azure.log_sink import AzureLogSink

        return AzureLogSink(name, args, opts)
    if cloud == "gcp":
        from components.gcp.log_sink import GcpLogSink

        return GcpLogSink(name, args, opts)
    if cloud == "oci":
        from components.oci.log_sink import OciLogSink

        return OciLogSink(name, args, opts)
    from components.local.log_sink import LocalLogSink

    return LocalLogSink(name, args, opts)


def chart_selector_labels() -> dict[str, str]:
    """The chart's `fluent-bit.selectorLabels` for a release named FLUENT_BIT_NAME."""
    return {"app.kubernetes.io/name": "fluent-bit", "app.kubernetes.io/instance": FLUENT_BIT_NAME}


def fluent_bit_values(settings: StackSettings, outputs: SinkOutputs, binding: SinkBinding) -> dict[str, Any]:
    """Values for the fluent-bit chart (keys checked against its values.yaml at 0.58.1)."""
    resources = settings.logging.resources
    limits = {"memory": resources.memory_limit}
    if resources.cpu_limit:
        limits["cpu"] = resources.cpu_limit
    return {
        "kind": "DaemonSet",
        "fullnameOverride": FLUENT_BIT_NAME,
        "labels": common_labels("logging", settings.stack),
        "config": render_fluent_bit(settings, outputs).chart_values(),
        "env": list(binding.env),
        "serviceAccount": {"create": True, "annotations": dict(binding.service_account_annotations)},
        "podAnnotations": dict(binding.pod_annotations),
        **probe_values(),
        "extraVolumes": [
            {"name": "fluent-bit-state", "hostPath": {"path": STATE_DIR, "type": "DirectoryOrCreate"}},
            *binding.volumes,
        ],
        "extraVolumeMounts": [{"name": "fluent-bit-state", "mountPath": STATE_DIR}, *binding.volume_mounts],
        "resources": {"requests": {"cpu": resources.cpu_request, "memory": resources.memory_request}, "limits": limits},
        # Linux nodes only, never virtual nodes; the usual pool taints are tolerated.
        **placement_values(),
        # Our own ServiceMonitor (a CustomResource after the CRDs) scrapes it, not the chart's.
        "serviceMonitor": {"enabled": False},
        "testFramework": {"enabled": False},
    }
