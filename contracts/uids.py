"""Stable dashboard and datasource UIDs: alerts' `dashboard_url`, dashboard links and panels point at
these, so they never change."""

OVERVIEW = "todo-overview"
DAPR = "todo-dapr"
KAFKA = "todo-kafka"
KUBERNETES = "todo-kubernetes"
PIPELINE = "todo-observability-pipeline"
LOGS = "todo-logs"

# Grafana datasource uids that dashboards, derived fields and the capabilities' datasources share.
LOGS_DATASOURCE = "logs"
TRACES_DATASOURCE = "traces"
