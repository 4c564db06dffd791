"""Scrape targets outside the chart: each application service, every Dapr sidecar, the Dapr control
plane, and ZooKeeper / Schema Registry where the stack has them (manifests in render/monitors.py).
`monitor_resource` is the one way this program turns a monitor manifest into a resource."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_kubernetes.apiextensions import CustomResource
from pulumi_kubernetes.meta.v1 import ObjectMetaArgs

from components.crds import PrometheusOperatorCrds
from components.namespaces import NamespaceRef
from contracts import api_versions
from contracts.context import StackContext
from contracts.labels import monitoring_labels
from render.monitors import MonitorManifest, scrape_targets
from settings.model import KafkaSettings, MetricsSettings, ServiceSettings


def monitor_resource(
    resource_name: str, manifest: MonitorManifest, context: StackContext, opts: pulumi.ResourceOptions
) -> CustomResource:
    """A ServiceMonitor or PodMonitor, labelled so kube-prometheus-stack's Prometheus selects it. `opts`
    carries the parent and the dependencies (the CRD release at least)."""
    return CustomResource(
        resource_name,
        api_version=api_versions.MONITORING,
        kind=manifest.kind,
        metadata=ObjectMetaArgs(
            name=manifest.name,
            namespace=manifest.namespace,
            labels=monitoring_labels(manifest.component, context.stack, context.release_label),
        ),
        spec=manifest.spec,
        opts=opts,
    )


@dataclass(frozen=True)
class ScrapeTargetsArgs:
    services: list[ServiceSettings]
    # Where the app's pods run (StackSettings.application_namespaces): the sidecars' PodMonitor selects there.
    application_namespaces: list[str]
    metrics: MetricsSettings
    kafka: KafkaSettings
    context: StackContext
    crds: PrometheusOperatorCrds
    # The metrics namespace, where the monitors live.
    namespace: NamespaceRef


class ScrapeTargets(pulumi.ComponentResource):
    monitors: dict[str, CustomResource]

    def __init__(self, name: str, args: ScrapeTargetsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("todo-observability:monitors:ScrapeTargets", name, None, opts)
        self.monitors = {}
        for manifest in scrape_targets(args.services, args.application_namespaces, args.metrics, args.kafka):
            self.monitors[manifest.name] = monitor_resource(
                f"{name}-{manifest.name}",
                manifest,
                args.context,
                pulumi.ResourceOptions(parent=self, depends_on=[*args.crds.depends_on(), args.namespace.resource]),
            )
        self.register_outputs({"monitors": sorted(self.monitors)})
