"""The Todo Grafana dashboards, one ConfigMap each in the metrics namespace, labelled and annotated
so that Grafana's dashboard sidecar loads them into their folder (see render/dashboards.py)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_kubernetes.core.v1 import ConfigMap
from pulumi_kubernetes.meta.v1 import ObjectMetaArgs

from components.labels import common_labels
from components.providers import Providers
from render.dashboards import DASHBOARD_LABEL, DASHBOARD_LABEL_VALUE, FOLDER_ANNOTATION, render_dashboards
from settings import StackSettings


@dataclass
class DashboardsArgs:
    settings: StackSettings
    providers: Providers
    # The metrics namespace: the sidecar searches only there.
    namespace: pulumi.Resource


class Dashboards(pulumi.ComponentResource):
    def __init__(self, name: str, args: DashboardsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("todo-observability:dashboards:Dashboards", name, None, opts)
        settings = args.settings
        self.config_maps: dict[str, ConfigMap] = {}
        for rendered in render_dashboards(settings):
            self.config_maps[rendered.uid] = ConfigMap(
                f"{name}-{rendered.key}",
                metadata=ObjectMetaArgs(
                    name=f"dashboard-{rendered.key}",
                    namespace=settings.metrics.namespace,
                    labels={**common_labels("dashboards", settings.stack), DASHBOARD_LABEL: DASHBOARD_LABEL_VALUE},
                    annotations={FOLDER_ANNOTATION: rendered.folder},
                ),
                data={rendered.file_name: rendered.json()},
                opts=args.providers.k8s_opts(self, depends_on=[args.namespace]),
            )
        self.uids = sorted(self.config_maps)
        self.register_outputs({"uids": self.uids})
