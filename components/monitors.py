"""Scrape targets outside the chart: each application service, every Dapr sidecar, the Dapr control
plane, and ZooKeeper / Schema Registry where the stack has them (manifests in render/monitors.py)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_kubernetes.apiextensions import CustomResource
from pulumi_kubernetes.meta.v1 import ObjectMetaArgs

from components.crds import PrometheusOperatorCrds
from components.labels import monitoring_labels
from components.providers import Providers
from render.monitors import API_VERSION, scrape_targets
from settings import StackSettings


@dataclass
class ScrapeTargetsArgs:
    settings: StackSettings
    providers: Providers
    crds: PrometheusOperatorCrds
    # The metrics namespace, where the monitors live.
    namespace: pulumi.Resource


class ScrapeTargets(pulumi.ComponentResource):
    monitors: dict[str, CustomResource]

    def __init__(self, name: str, args: ScrapeTargetsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("todo-observability:monitors:ScrapeTargets", name, None, opts)
        settings = args.settings
        self.monitors = {}
        for manifest in scrape_targets(settings):
            self.monitors[manifest.name] = CustomResource(
                f"{name}-{manifest.name}",
                api_version=API_VERSION,
                kind=manifest.kind,
                metadata=ObjectMetaArgs(
                    name=manifest.name,
                    namespace=manifest.namespace,
                    labels=monitoring_labels(manifest.component, settings.stack, settings.metrics.release_name),
                ),
                spec=manifest.spec,
                opts=args.providers.k8s_opts(self, depends_on=[*args.crds.depends_on(), args.namespace]),
            )
        self.register_outputs({"monitors": sorted(self.monitors)})
