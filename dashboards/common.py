"""What every Todo dashboard shares: template variables, label selectors, panel builders, links and the
final pass that turns a builder into Grafana's JSON model (stable panel ids and query refIds)."""

from __future__ import annotations

import json
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from grafana_foundation_sdk.builders import common as common_builders
from grafana_foundation_sdk.builders import dashboard as dashboard_builders
from grafana_foundation_sdk.builders import prometheus, stat, text, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import common as common_models
from grafana_foundation_sdk.models import dashboard as dashboard_models
from grafana_foundation_sdk.models import text as text_models

from contracts import uids
from rules.model import pods_of
from settings.model import KafkaSettings, MetricsSettings, ServiceSettings, StackSettings, ThresholdSettings

# Queries go through the dashboard's datasource variable, so the same JSON works against Prometheus
# and against Thanos Query (long-term storage) without an edit.
METRICS = dashboard_models.DataSourceRef(type_val="prometheus", uid="${datasource}")
# The tracing capability provisions its Grafana datasource as uids.TRACES_DATASOURCE on every stack; the
# logging capability provisions the cloud's log store as uids.LOGS_DATASOURCE where Grafana has a
# datasource for it, and links a log line's trace_id to the traces there (Loki's derived fields).

PROJECT_TAG = "todo-observability"
# kube-prometheus-stack tags its own Kubernetes dashboards with this; the app's Kubernetes dashboard links there.
KUBERNETES_MIXIN_TAG = "kubernetes-mixin"
REFRESH = "30s"
DEFAULT_TIME_FROM = "now-6h"
ALL = ".*"

# Selector fragments. Regex matchers (`=~`) also match series without the label, so `$cluster` works
# against a single Prometheus (no `cluster` label) as well as against Thanos (external label `cluster`).
CLUSTER = 'cluster=~"$cluster"'
NAMESPACE = 'namespace=~"$namespace"'
SERVICE = 'service=~"$service"'
APP_ID = 'app_id=~"$service"'


def _service_pods() -> str:
    """`pod=~` for the Deployment pods of the services chosen in `$service`: the pattern of
    rules/model.py `pods_of` with the variable in place of the names, so the Kubernetes dashboard
    and the Kubernetes alerts count exactly the same pods."""
    probe = "service"
    pattern = pods_of([ServiceSettings(name=probe)])
    if not pattern.startswith(f"({probe})"):
        raise ValueError(f"rules.model.pods_of changed shape: {pattern}")
    return f'pod=~"($service){pattern.removeprefix(f"({probe})")}"'


SERVICE_PODS = _service_pods()
RATE = "$__rate_interval"


def sel(*matchers: str) -> str:
    """A `{...}` label selector, always scoped to the chosen cluster."""
    return "{" + ", ".join((CLUSTER, *matchers)) + "}"


@dataclass(frozen=True)
class Query:
    expr: str
    legend: str = ""
    instant: bool = False


def q(expr: str, legend: str = "") -> Query:
    return Query(expr, legend)


def instant(expr: str, legend: str = "") -> Query:
    return Query(expr, legend, instant=True)


def rates(selector: str, series: Sequence[tuple[str, str]], by: str = "") -> list[Query]:
    """One query per (counter, legend): the counter's per-second rate over `selector`, summed (by `by`)."""
    total = f"sum by ({by}) " if by else "sum"
    return [q(f"{total}(rate({counter}{selector}[{RATE}]))", legend) for counter, legend in series]


def pod_network(selector: str) -> list[Query]:
    """Bytes per second in and out of each pod (cAdvisor reports network per pod sandbox, not per container)."""
    return rates(
        selector,
        [
            ("container_network_receive_bytes_total", "in {{pod}}"),
            ("container_network_transmit_bytes_total", "out {{pod}}"),
        ],
        by="pod",
    )


@dataclass(frozen=True)
class Link:
    title: str
    url: str


def dashboard_url(uid: str, **variables: str) -> str:
    """A link to another Todo dashboard that keeps the time range and hands over variables."""
    params = "".join(f"&var-{name}={value}" for name, value in variables.items())
    return f"/d/{uid}?${{__url_time_range}}&${{datasource:queryparam}}&${{cluster:queryparam}}{params}"


def explore_url(datasource_uid: str) -> str:
    pane = {
        "a": {
            "datasource": datasource_uid,
            "queries": [{"refId": "A", "datasource": {"uid": datasource_uid}}],
            "range": {"from": "now-1h", "to": "now"},
        }
    }
    return "/explore?schemaVersion=1&panes=" + quote(json.dumps(pane, separators=(",", ":")))


def explore_links(logs_datasource_type: str | None) -> list[dashboard_builders.DashboardLink]:
    """Links to the traces and, where Grafana has a datasource for the platform's log store (its
    plugin type `logs_datasource_type`, None where there is none), the logs in Explore."""
    targets = [("Traces", uids.TRACES_DATASOURCE)]
    if logs_datasource_type is not None:
        targets.append(("Logs", uids.LOGS_DATASOURCE))
    return [
        dashboard_builders.DashboardLink(title)
        .type(dashboard_models.DashboardLinkType.LINK)
        .icon("external link")
        .tooltip(f"Explore (Grafana datasource uid '{uid}')")
        .url(explore_url(uid))
        for title, uid in targets
    ]


@dataclass(frozen=True)
class Thresholds:
    """Green below `warning`, orange from it, red from `critical` (either may be None)."""

    warning: float | None = None
    critical: float | None = None
    # Inverted: red below `critical`, orange below `warning` (for ratios where higher is better).
    higher_is_better: bool = False

    def builder(self) -> dashboard_builders.ThresholdsConfig:
        if self.higher_is_better:
            steps = [dashboard_models.Threshold(value=None, color="red")]
            if self.critical is not None:
                steps.append(dashboard_models.Threshold(value=self.critical, color="orange"))
            if self.warning is not None:
                steps.append(dashboard_models.Threshold(value=self.warning, color="green"))
        else:
            steps = [dashboard_models.Threshold(value=None, color="green")]
            if self.warning is not None:
                steps.append(dashboard_models.Threshold(value=self.warning, color="orange"))
            if self.critical is not None:
                steps.append(dashboard_models.Threshold(value=self.critical, color="red"))
        return dashboard_builders.ThresholdsConfig().mode(dashboard_models.ThresholdsMode.ABSOLUTE).steps(steps)


def _target(query: Query) -> prometheus.Dataquery:
    target = prometheus.Dataquery().expr(query.expr).datasource(METRICS)
    if query.legend:
        target = target.legend_format(query.legend)
    return target.instant() if query.instant else target.range()


def _data_links(links: Sequence[Link]) -> list[dashboard_builders.DashboardLink]:
    return [dashboard_builders.DashboardLink(link.title).url(link.url) for link in links]


def graph(
    title: str,
    description: str,
    queries: Sequence[Query],
    unit: str = "short",
    width: int = 12,
    height: int = 8,
    thresholds: Thresholds | None = None,
    links: Sequence[Link] = (),
    stacked: bool = False,
) -> timeseries.Panel:
    panel = (
        timeseries.Panel()
        .title(title)
        .description(description)
        .datasource(METRICS)
        .unit(unit)
        .span(width)
        .height(height)
        .fill_opacity(10)
        .legend(
            common_builders.VizLegendOptions()
            .show_legend(True)
            .display_mode(common_models.LegendDisplayMode.TABLE)
            .placement(common_models.LegendPlacement.BOTTOM)
            .calcs(["lastNotNull", "max"])
        )
        .tooltip(
            common_builders.VizTooltipOptions()
            .mode(common_models.TooltipDisplayMode.MULTI)
            .sort(common_models.SortOrder.DESCENDING)
        )
        .targets([_target(query) for query in queries])
    )
    if stacked:
        panel = panel.stacking(common_builders.StackingConfig().mode(common_models.StackingMode.NORMAL))
    if thresholds is not None:
        panel = panel.thresholds(thresholds.builder()).thresholds_style(
            common_builders.GraphThresholdsStyleConfig().mode(common_models.GraphTresholdsStyleMode.DASHED)
        )
    if links:
        panel = panel.data_links(_data_links(links))
    return panel


def single(
    title: str,
    description: str,
    query: Query,
    unit: str = "short",
    width: int = 6,
    height: int = 4,
    thresholds: Thresholds | None = None,
    mappings: dict[str, tuple[str, str]] | None = None,
    links: Sequence[Link] = (),
    decimals: int | None = None,
) -> stat.Panel:
    """A stat panel; `mappings` maps a value to (text, colour), e.g. probe_success 1 -> UP."""
    panel = (
        stat.Panel()
        .title(title)
        .description(description)
        .datasource(METRICS)
        .unit(unit)
        .span(width)
        .height(height)
        .color_mode(common_models.BigValueColorMode.BACKGROUND)
        .graph_mode(common_models.BigValueGraphMode.NONE)
        .reduce_options(common_builders.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
        .with_target(_target(Query(query.expr, query.legend, instant=True)))
    )
    if thresholds is not None:
        panel = panel.thresholds(thresholds.builder())
    if mappings:
        panel = panel.mappings(
            [
                dashboard_models.ValueMap(
                    options={
                        value: dashboard_models.ValueMappingResult(text=text, color=color, index=i)
                        for i, (value, (text, color)) in enumerate(mappings.items())
                    }
                )
            ]
        )
    if links:
        panel = panel.data_links(_data_links(links))
    if decimals is not None:
        panel = panel.decimals(decimals)
    return panel


def note(title: str, markdown: str, width: int = 24, height: int = 6) -> text.Panel:
    """A text panel, for what a stack cannot show (and why) rather than panels that stay empty."""
    return text.Panel().title(title).mode(text_models.TextMode.MARKDOWN).content(markdown).span(width).height(height)


@dataclass
class Section:
    """A row of the dashboard and the panels under it, laid out left to right, wrapping at 24 columns."""

    title: str
    panels: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class VariableChoice:
    """Which template variables a dashboard offers, and their defaults."""

    namespaces: Sequence[str]
    services: Sequence[str] = ()


@dataclass(frozen=True)
class DashboardSections:
    """What the dashboards read of a stack's config and platform."""

    services: list[ServiceSettings]
    # Where the app's pods run (StackSettings.application_namespaces): the `namespace` variable's default.
    application_namespaces: list[str]
    thresholds: ThresholdSettings
    kafka: KafkaSettings
    metrics: MetricsSettings
    logging_namespace: str
    tracing_namespace: str
    # The plugin type of Grafana's `logs` datasource on this platform (Platform.logs_datasource_type),
    # None where Grafana has no datasource for the platform's log store.
    logs_datasource_type: str | None

    @classmethod
    def of(cls, settings: StackSettings, logs_datasource_type: str | None) -> DashboardSections:
        """The sections of a loaded stack config, with its platform's logs datasource type."""
        return cls(
            settings.services,
            settings.application_namespaces,
            settings.alerting.thresholds,
            settings.kafka,
            settings.metrics,
            settings.logging.namespace,
            settings.tracing.namespace,
            logs_datasource_type,
        )

    def app_variables(self) -> VariableChoice:
        """The application dashboards' variables: the app's namespaces and services."""
        return VariableChoice(self.application_namespaces, [s.name for s in self.services])


def _query_variable(name: str, label: str, query: str) -> dashboard_builders.QueryVariable:
    return (
        dashboard_builders.QueryVariable(name)
        .label(label)
        .datasource(METRICS)
        .query({"query": query, "refId": name})
        .refresh(dashboard_models.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(dashboard_models.VariableSort.ALPHABETICAL_ASC)
    )


def variables(choice: VariableChoice) -> list[Any]:
    datasource = dashboard_builders.DatasourceVariable("datasource").label("Metrics").type("prometheus")
    cluster = (
        _query_variable("cluster", "Cluster", "label_values(up, cluster)")
        .include_all(True)
        .all_value(ALL)
        .current(dashboard_models.VariableOption(text="All", value="$__all"))
    )
    default_namespaces = list(choice.namespaces)
    namespace = (
        _query_variable("namespace", "Namespace", 'label_values(kube_pod_info{cluster=~"$cluster"}, namespace)')
        .multi(True)
        .include_all(True)
        .all_value(ALL)
        .current(dashboard_models.VariableOption(text=default_namespaces, value=default_namespaces))
    )
    chosen: list[Any] = [datasource, cluster, namespace]
    if choice.services:
        chosen.append(
            dashboard_builders.CustomVariable("service")
            .label("Service")
            .values(",".join(choice.services))
            .multi(True)
            .include_all(True)
            .all_value(ALL)
            .current(dashboard_models.VariableOption(text="All", value="$__all"))
        )
    return chosen


def dashboard_frame(
    uid: str,
    title: str,
    description: str,
    tags: Iterable[str],
    variables: Sequence[Any],
    logs_datasource_type: str | None,
    extra_links: Sequence[dashboard_builders.DashboardLink] = (),
) -> dashboard_builders.Dashboard:
    """What every Todo dashboard shares: uid, tags, refresh, time range, variables, and links to the
    other Todo dashboards and to Explore."""
    return (
        dashboard_builders.Dashboard(title)
        .uid(uid)
        .description(description)
        .tags(sorted({PROJECT_TAG, *tags}))
        .refresh(REFRESH)
        .time(DEFAULT_TIME_FROM, "now")
        .timezone("browser")
        .timepicker(dashboard_builders.TimePicker().refresh_intervals(["30s", "1m", "5m", "15m", "1h"]))
        .variables(list(variables))
        .links(
            [
                dashboard_builders.DashboardLink("Todo dashboards")
                .type(dashboard_models.DashboardLinkType.DASHBOARDS)
                .tags([PROJECT_TAG])
                .as_dropdown(True)
                .include_vars(True)
                .keep_time(True),
                *explore_links(logs_datasource_type),
                *extra_links,
            ]
        )
    )


def dashboard(
    uid: str,
    title: str,
    description: str,
    tags: Iterable[str],
    choice: VariableChoice,
    sections: Sequence[Section],
    *,
    logs_datasource_type: str | None,
    extra_links: Sequence[dashboard_builders.DashboardLink] = (),
) -> dashboard_builders.Dashboard:
    builder = dashboard_frame(
        uid, title, description, tags, variables(choice), logs_datasource_type, extra_links
    ).tooltip(dashboard_models.DashboardCursorSync.CROSSHAIR)
    for section in sections:
        builder = builder.with_row(dashboard_builders.Row(section.title))
        for panel in section.panels:
            builder = builder.with_panel(panel)
    return builder


def to_model(builder: dashboard_builders.Dashboard) -> dict[str, Any]:
    """Grafana's JSON model, with ids and refIds the SDK leaves to the caller: panel ids in layout
    order (stable across renders, so links to `viewPanel=<id>` keep working) and refIds A, B, ..."""
    model: dict[str, Any] = json.loads(json.dumps(builder.build(), cls=JSONEncoder))
    for panel_id, panel in enumerate(model.get("panels", []), start=1):
        panel["id"] = panel_id
        if panel.get("options") is None and panel.get("type") != "row":
            panel["options"] = {}
        for letter, target in zip(string.ascii_uppercase, panel.get("targets") or [], strict=False):
            target["refId"] = letter
    return model


DASHBOARD_TITLES: dict[str, str] = {
    uids.OVERVIEW: "Todo / Overview",
    uids.DAPR: "Todo / Dapr",
    uids.KAFKA: "Todo / Kafka",
    uids.KUBERNETES: "Todo / Kubernetes",
    uids.PIPELINE: "Todo / Observability pipeline",
    uids.LOGS: "Todo / Logs",
}
