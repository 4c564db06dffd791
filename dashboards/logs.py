"""Todo / Logs: the three saved searches of the logging capability as panels on Loki, the `logs`
datasource of stacks that run Loki. The queries are `render/log_queries.py::logql_queries()` verbatim,
so the dashboard and the documented saved searches cannot drift apart; their parameters are this
dashboard's template variables."""

from __future__ import annotations

from typing import Any

from grafana_foundation_sdk.builders import common as common_builders
from grafana_foundation_sdk.builders import dashboard as dashboard_builders
from grafana_foundation_sdk.builders import logs, loki, timeseries
from grafana_foundation_sdk.models import common as common_models
from grafana_foundation_sdk.models import dashboard as dashboard_models

from contracts import uids
from dashboards.common import ALL, DASHBOARD_TITLES, DashboardSections, dashboard_frame
from render.log_datasources import LOGS_UID, LOKI_PLUGIN
from render.log_queries import (
    LOGQL_SERVICE_VARIABLE,
    LOGQL_TASK_ID_VARIABLE,
    LOGQL_TRACE_ID_VARIABLE,
    SavedQuery,
    logql_queries,
)
from settings.model import ServiceSettings

LOGS = dashboard_models.DataSourceRef(type_val=LOKI_PLUGIN, uid=LOGS_UID)
FULL_WIDTH = 24

DESCRIPTIONS = {
    "errors-by-service": "ERROR and CRITICAL lines per service, counted over 5 minutes (choose services above).",
    "logs-of-trace": "Every app and audit line of the trace whose id is typed in the `trace_id` box above, "
    "oldest first. Lines link to the trace in the traces datasource.",
    "audit-trail-of-task": "The audit records of the task whose id is typed in the `task_id` box above, oldest first.",
}


def _target(query: SavedQuery) -> loki.Dataquery:
    return loki.Dataquery().expr(query.query).datasource(LOGS).query_type("range").range(True)


def _is_metric_query(query: SavedQuery) -> bool:
    """LogQL metric queries wrap a log query in a range aggregation; a Logs panel cannot draw their series."""
    return not query.query.lstrip().startswith("{")


def _panel(query: SavedQuery) -> Any:
    if _is_metric_query(query):
        return (
            timeseries.Panel()
            .title(query.title)
            .description(DESCRIPTIONS[query.key])
            .datasource(LOGS)
            .unit("short")
            .span(FULL_WIDTH)
            .height(8)
            .fill_opacity(10)
            .stacking(common_builders.StackingConfig().mode(common_models.StackingMode.NORMAL))
            .legend(
                common_builders.VizLegendOptions()
                .show_legend(True)
                .display_mode(common_models.LegendDisplayMode.TABLE)
                .placement(common_models.LegendPlacement.BOTTOM)
                .calcs(["sum", "max"])
            )
            .with_target(_target(query).legend_format("{{service}}"))
        )
    return (
        logs.Panel()
        .title(query.title)
        .description(DESCRIPTIONS[query.key])
        .datasource(LOGS)
        .span(FULL_WIDTH)
        .height(12)
        .show_time(True)
        .wrap_log_message(True)
        .prettify_log_message(False)
        .enable_log_details(True)
        # A trace or a task's trail reads as a story: oldest line first.
        .sort_order(common_models.LogsSortOrder.ASCENDING)
        .dedup_strategy(common_models.LogsDedupStrategy.NONE)
        .with_target(_target(query))
    )


def _variables(services: list[ServiceSettings]) -> list[Any]:
    """The same `service` variable as the other Todo dashboards (the dashboards dropdown hands it
    over), and a textbox per id the searches take."""
    service = (
        dashboard_builders.CustomVariable(LOGQL_SERVICE_VARIABLE)
        .label("Service")
        .values(",".join(s.name for s in services))
        .multi(True)
        .include_all(True)
        .all_value(ALL)
        .current(dashboard_models.VariableOption(text="All", value="$__all"))
    )
    trace_id = dashboard_builders.TextBoxVariable(LOGQL_TRACE_ID_VARIABLE).label("trace_id")
    task_id = dashboard_builders.TextBoxVariable(LOGQL_TASK_ID_VARIABLE).label("task_id")
    return [service, trace_id, task_id]


def build(config: DashboardSections) -> dashboard_builders.Dashboard:
    title = DASHBOARD_TITLES[uids.LOGS]
    builder = dashboard_frame(
        uids.LOGS,
        title,
        "The saved log searches: errors by service, all logs of one trace, the audit trail of one task.",
        ["todo", "logs"],
        _variables(config.services),
        config.logs_datasource_type,
    )
    for query in logql_queries():
        builder = builder.with_panel(_panel(query))
    return builder
