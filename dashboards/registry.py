"""The list of the stack's Grafana dashboards, rendered to JSON, and how Grafana's dashboard sidecar
finds them.

Pure: config sections in (dashboards.common.DashboardSections), dashboard JSON out.
components/dashboards.py puts each one in a ConfigMap.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from grafana_foundation_sdk.builders.dashboard import Dashboard

from dashboards import dapr, kafka, kubernetes, logs, overview, pipeline
from dashboards.common import DashboardSections, to_model
from render.kube_prometheus_stack import DASHBOARD_FOLDER_ANNOTATION as FOLDER_ANNOTATION
from render.kube_prometheus_stack import DASHBOARD_LABEL, DASHBOARD_LABEL_VALUE
from render.log_datasources import LOKI_PLUGIN

# The label, its value and the folder annotation come from the Grafana sidecar's values, so the
# ConfigMaps match what the sidecar watches by construction (tests check the rendered result too).
__all__ = ["DASHBOARD_LABEL", "DASHBOARD_LABEL_VALUE", "FOLDER_ANNOTATION", "render_dashboards"]

APPLICATION_FOLDER = "Todo"
PLATFORM_FOLDER = "Observability"


@dataclass(frozen=True)
class DashboardSpec:
    key: str
    folder: str
    build: Callable[[DashboardSections], Dashboard]
    # Whether the stack has what the dashboard queries (default: every stack).
    wanted: Callable[[DashboardSections], bool] = lambda _config: True


def logs_datasource_is_loki(config: DashboardSections) -> bool:
    """Whether the `logs` datasource speaks LogQL, i.e. whether LogQL panels have something to query."""
    return config.logs_datasource_type == LOKI_PLUGIN


DASHBOARDS: tuple[DashboardSpec, ...] = (
    DashboardSpec("todo-overview", APPLICATION_FOLDER, overview.build),
    DashboardSpec("todo-dapr", APPLICATION_FOLDER, dapr.build),
    DashboardSpec("todo-kafka", APPLICATION_FOLDER, kafka.build),
    DashboardSpec("todo-kubernetes", APPLICATION_FOLDER, kubernetes.build),
    DashboardSpec("todo-observability-pipeline", PLATFORM_FOLDER, pipeline.build),
    # LogQL panels: only where the `logs` datasource is Loki.
    DashboardSpec("todo-logs", APPLICATION_FOLDER, logs.build, logs_datasource_is_loki),
)


@dataclass(frozen=True)
class RenderedDashboard:
    key: str
    folder: str
    model: dict[str, Any]

    @property
    def file_name(self) -> str:
        return f"{self.key}.json"

    @property
    def uid(self) -> str:
        return str(self.model["uid"])

    def json(self) -> str:
        # Sorted keys keep the ConfigMap byte-identical between runs, so Pulumi shows no spurious diff.
        return json.dumps(self.model, indent=2, sort_keys=True)


def render_dashboards(config: DashboardSections) -> list[RenderedDashboard]:
    return [
        RenderedDashboard(spec.key, spec.folder, to_model(spec.build(config)))
        for spec in DASHBOARDS
        if spec.wanted(config)
    ]
