"""Stable dashboard UIDs: alerts' `dashboard_url` and dashboard links point at these, so they never change."""

OVERVIEW = "todo-overview"
DAPR = "todo-dapr"
KAFKA = "todo-kafka"
KUBERNETES = "todo-kubernetes"
PIPELINE = "todo-observability-pipeline"
LOGS = "todo-logs"
