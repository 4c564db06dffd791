"""What the log stores hold and how people search them: the columns of the records Fluent Bit sends
(one list serves the Azure table schema and the Data Collection Rule's stream declaration), and the
three saved searches (errors by service, one trace's logs, one task's audit trail; docs/logging.md,
"Per cloud") in each cloud's query language."""

from __future__ import annotations

from dataclasses import dataclass

# Record fields after the pipeline: the app contract's JSON fields (merged by the kubernetes filter),
# daprd's JSON fields, the unparsed `log` line of non-JSON output, and the Kubernetes metadata map.
# Audit records are assumed to carry `task_id`, `action` and `user_id` besides the common fields.
COMMON_COLUMNS: tuple[tuple[str, str], ...] = (
    ("TimeGenerated", "datetime"),
    ("timestamp", "string"),
    ("level", "string"),
    ("service", "string"),
    ("logger", "string"),
    ("message", "string"),
    ("trace_id", "string"),
    ("span_id", "string"),
    ("request_id", "string"),
    ("log_type", "string"),
    ("stream", "string"),
    ("kubernetes", "dynamic"),
)
CONTAINER_COLUMNS = (
    *COMMON_COLUMNS,
    ("exc_info", "string"),
    ("log", "string"),
    ("msg", "string"),
    ("app_id", "string"),
    ("scope", "string"),
)
AUDIT_COLUMNS = (*COMMON_COLUMNS, ("task_id", "string"), ("action", "string"), ("user_id", "string"))

# Azure: Log Analytics tables use `dateTime`, DCR stream declarations lowercase `datetime`.
TABLE_TYPES = {"datetime": "dateTime", "string": "string", "dynamic": "dynamic"}


def table_columns(columns: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    return [{"name": name, "type": TABLE_TYPES[kind]} for name, kind in columns]


def stream_columns(columns: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    return [{"name": name, "type": kind} for name, kind in columns]


def stream_name(table: str) -> str:
    """The stream `azure_logs_ingestion` posts to for `Table_Name table`."""
    return f"Custom-{table}"


@dataclass(frozen=True)
class SavedQuery:
    key: str
    title: str
    query: str
    # KQL functions take parameters; LogQL uses Grafana variables; the rest a placeholder the user replaces.
    parameters: str = ""


def kql_queries(logs_table: str, audit_table: str) -> list[SavedQuery]:
    return [
        SavedQuery(
            "errors-by-service",
            "Errors by service",
            f"{logs_table}\n"
            '| where level in ("ERROR", "CRITICAL") or tostring(level) =~ "error"\n'
            "| extend svc = coalesce(service, app_id, tostring(kubernetes.container_name))\n"
            "| summarize errors = count() by svc, bin(TimeGenerated, 5m)\n"
            "| render timechart",
        ),
        SavedQuery(
            "logs-of-trace",
            "All logs of one trace_id",
            f"union {logs_table}, {audit_table}\n| where trace_id == traceId\n| order by TimeGenerated asc",
            parameters="traceId:string",
        ),
        SavedQuery(
            "audit-trail-of-task",
            "Audit trail of one task",
            f"{audit_table}\n| where task_id == taskId\n| order by TimeGenerated asc",
            parameters="taskId:string",
        ),
    ]


def cluster_log_filter(project: str, log_name: str, cluster: str, location: str) -> str:
    """One cluster's entries of a log: log names are shared by every cluster of the project, so the
    k8s_container resource labels (which Fluent Bit's stackdriver output sets) tell stacks apart."""
    return (
        f'logName="projects/{project}/logs/{log_name}" AND resource.type="k8s_container" AND '
        f'resource.labels.cluster_name="{cluster}" AND resource.labels.location="{location}"'
    )


def cloud_logging_queries(
    project: str, logs_log_name: str, audit_log_name: str, cluster: str, location: str
) -> list[SavedQuery]:
    logs = f"({cluster_log_filter(project, logs_log_name, cluster, location)})"
    audit = f"({cluster_log_filter(project, audit_log_name, cluster, location)})"
    return [
        SavedQuery("errors-by-service", "Errors by service", f"{logs}\nseverity>=ERROR"),
        SavedQuery(
            "logs-of-trace",
            "All logs of one trace_id (replace TRACE_ID)",
            f'({logs} OR {audit})\ntrace="projects/{project}/traces/TRACE_ID"',
        ),
        SavedQuery(
            "audit-trail-of-task",
            "Audit trail of one task (replace TASK_ID)",
            f'{audit}\njsonPayload.task_id="TASK_ID"',
        ),
    ]


# Grafana template variables of the "Todo / Logs" dashboard (dashboards/logs.py), the LogQL queries'
# parameters: Grafana substitutes them before the query reaches Loki.
LOGQL_SERVICE_VARIABLE = "service"
LOGQL_TRACE_ID_VARIABLE = "trace_id"
LOGQL_TASK_ID_VARIABLE = "task_id"


def logql_queries() -> list[SavedQuery]:
    """The saved searches on Loki, as the panels of the "Todo / Logs" dashboard. The line filter
    (`|=`) before `| json` spares Loki parsing lines that cannot match; `!= ""` keeps an empty
    textbox from listing every line that lacks the field."""
    trace_id = f"${LOGQL_TRACE_ID_VARIABLE}"
    task_id = f"${LOGQL_TASK_ID_VARIABLE}"
    return [
        SavedQuery(
            "errors-by-service",
            "Errors by service",
            'sum by (service) (count_over_time({job="fluent-bit", log_type="app"} | json '
            f'| level=~"ERROR|CRITICAL" | service=~"${LOGQL_SERVICE_VARIABLE}" [5m]))',
        ),
        SavedQuery(
            "logs-of-trace",
            "All logs of one trace_id",
            f'{{job="fluent-bit"}} |= "{trace_id}" | json | trace_id!="" | trace_id="{trace_id}"',
        ),
        SavedQuery(
            "audit-trail-of-task",
            "Audit trail of one task",
            f'{{job="fluent-bit", log_type="audit"}} |= "{task_id}" | json | task_id!="" | task_id="{task_id}"',
        ),
    ]


# OCI: Logging Analytics receives each record as one JSON string (render/lua/record_as_log.lua) and
# parses it with the JSON parser this program creates (components/oci/log_source.py). Each entry maps
# a JSON path of the record to a custom field, named by its display name (what queries use). The
# `todo_` prefix keeps them apart from Oracle-defined fields such as "Service" or "Action".
OCI_FIELD_PREFIX = "todo_"
OCI_PARSED_PATHS: tuple[tuple[str, str], ...] = (
    ("level", "$.level"),
    ("service", "$.service"),
    ("app_id", "$.app_id"),
    ("logger", "$.logger"),
    ("message", "$.message"),
    ("msg", "$.msg"),
    ("log", "$.log"),
    ("exc_info", "$.exc_info"),
    ("trace_id", "$.trace_id"),
    ("span_id", "$.span_id"),
    ("request_id", "$.request_id"),
    ("log_type", "$.log_type"),
    ("task_id", "$.task_id"),
    ("user_id", "$.user_id"),
    ("action", "$.action"),
    ("event_time", "$.event_time"),
    ("namespace", "$.kubernetes.namespace_name"),
    ("pod", "$.kubernetes.pod_name"),
    ("container", "$.kubernetes.container_name"),
    ("node", "$.kubernetes.host"),
)


def oci_field(key: str) -> str:
    """The display name of the Logging Analytics field that holds `key` of OCI_PARSED_PATHS."""
    if key not in dict(OCI_PARSED_PATHS):
        raise KeyError(f"no parsed OCI field {key!r}")
    return f"{OCI_FIELD_PREFIX}{key}"


def oci_queries(logs_group: str, audit_group: str) -> list[SavedQuery]:
    """Logging Analytics searches over the parsed fields, quoted as display names. The app logs
    ERROR/CRITICAL, daprd error/fatal: both spellings are listed."""
    both = f"'Log Group' in ('{logs_group}', '{audit_group}')"
    level, service, container = oci_field("level"), oci_field("service"), oci_field("container")
    errors = "('ERROR', 'CRITICAL', 'error', 'fatal')"
    return [
        SavedQuery(
            "errors-by-service",
            "Errors by service",
            f"'Log Group' = '{logs_group}' and '{level}' in {errors} | stats count by '{service}', '{container}'",
        ),
        SavedQuery(
            "logs-of-trace",
            "All logs of one trace_id",
            f"{both} and '{oci_field('trace_id')}' = 'TRACE_ID' | sort Time",
        ),
        SavedQuery(
            "audit-trail-of-task",
            "Audit trail of one task",
            f"'Log Group' = '{audit_group}' and '{oci_field('task_id')}' = 'TASK_ID' | sort Time",
        ),
    ]


# OCI Management Dashboard saved searches owned by Logging Analytics. The service documents only the
# envelope (provider, metadata version); the widget fields below are what the console writes for a
# Log Explorer search saved as a widget.
OCI_SAVED_SEARCH_PROVIDER = {"provider_id": "log-analytics", "provider_name": "Logging Analytics"}
OCI_SAVED_SEARCH_PROVIDER_VERSION = "3.0.0"
OCI_SAVED_SEARCH_METADATA_VERSION = "2.0"
OCI_SAVED_SEARCH_WIDGET_TEMPLATE = "visualizations/chartWidgetTemplate.html"
OCI_SAVED_SEARCH_WIDGET_VM = "jet-modules/dashboards/widgets/lxSavedSearchWidget"


def oci_saved_search_ui_config(query: SavedQuery, compartment_id: str) -> dict[str, object]:
    """The widget's query, its scope (the compartment of the log groups) and how results are shown."""
    log_group_scope = {
        "type": "LogGroup",
        "flags": {"IncludeSubCompartments": False},
        "values": [{"value": compartment_id}],
    }
    return {
        "queryString": query.query,
        "scopeFilters": {"filters": [log_group_scope], "isGlobal": False},
        "timeSelection": {"timePeriod": "l24hour"},
        "visualizationType": "summary_table" if "| stats" in query.query else "records_histogram",
        "visualizationOptions": {},
        "showTitle": True,
        "enableWidgetInApp": True,
        "vizType": "lxSavedSearchWidgetType",
    }
