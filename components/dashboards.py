"""The Todo Grafana dashboards, one ConfigMap each in the metrics namespace, labelled and annotated
so that Grafana's dashboard sidecar loads them into their folder (see dashboards/registry.py)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_kubernetes.core.v1 import ConfigMap
from pulumi_kubernetes.meta.v1 import ObjectMetaArgs

from components.namespaces import NamespaceRef
from contracts.context import StackContext
from contracts.labels import common_labels
from dashboards.common import DashboardSections
from dashboards.registry import DASHBOARD_LABEL, DASHBOARD_LABEL_VALUE, FOLDER_ANNOTATION, render_dashboards


@dataclass(frozen=True)
class DashboardsArgs:
    # The config sections (and the platform's logs datasource type) the dashboards read.
    sections: DashboardSections
    context: StackContext
    # The metrics namespace: the sidecar searches only there.
    namespace: NamespaceRef


class Dashboards(pulumi.ComponentResource):
    def __init__(self, name: str, args: DashboardsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("todo-observability:dashboards:Dashboards", name, None, opts)
        self.config_maps: dict[str, ConfigMap] = {}
        for rendered in render_dashboards(args.sections):
            self.config_maps[rendered.uid] = ConfigMap(
                f"{name}-{rendered.key}",
                metadata=ObjectMetaArgs(
                    name=f"dashboard-{rendered.key}",
                    namespace=args.namespace.name,
                    labels={**common_labels("dashboards", args.context.stack), DASHBOARD_LABEL: DASHBOARD_LABEL_VALUE},
                    annotations={FOLDER_ANNOTATION: rendered.folder},
                ),
                data={rendered.file_name: rendered.json()},
                opts=pulumi.ResourceOptions(parent=self, depends_on=[args.namespace.resource]),
            )
        self.uids = sorted(self.config_maps)
        self.register_outputs({"uids": self.uids})
