"""Defaults that depend on the environment, as raw config layered under the stack file (each cloud's
own defaults are its platform's, components/<cloud>/platform.py).

The app contract (docs/app-contract.md) gives the default `services` and `kafka` sections; a stack
file that sets `services` replaces the whole list.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def merge(base: Any, override: Any) -> Any:
    """Deep merge for maps; lists and scalars in `override` replace those in `base`."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = merge(base.get(key), value) if key in base else value
        return merged
    return override


# Log retention a production stack must keep at least (settings.validation), and its default there.
MIN_PRODUCTION_LOG_RETENTION_DAYS = 30

WORKER_SLO = {"availability": 0.995, "latency": 0.99, "latencyThresholdSeconds": 2.0}


def _worker(name: str, subscribes: list[str], publishes: list[str] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "kind": "worker",
        "subscribes": subscribes,
        "publishes": publishes or [],
        "routes": ["/healthz", "/readyz", "/metrics"] + [f"/events/{t}" for t in subscribes],
        "slo": WORKER_SLO,
    }


# Histogram buckets the alert thresholds must sit on (a threshold between buckets is interpolated,
# so an alert would fire at a value nobody chose). The app's are fixed by the app contract; Dapr's
# are set by this project in the Dapr Configuration (`spec.metrics.latencyDistributionBuckets`).
APP_LATENCY_BUCKETS_SECONDS = (0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0)
DAPR_LATENCY_BUCKETS_MS = (5, 10, 25, 50, 100, 250, 500, 1000, 2000, 5000, 10000)

APP_CONTRACT_SERVICES: list[dict[str, Any]] = [
    {
        "name": "frontend",
        "kind": "frontend",
        "port": 3000,
        "healthPath": "/api/health",
        "livenessPath": "/api/health",
        "exposesMetrics": False,
        "critical": True,
        "routes": ["/", "/api/health"],
        "slo": {"availability": 0.999},
    },
    {
        "name": "chat-api",
        "kind": "api",
        "critical": True,
        "criticalRoutes": ["/api/chat", "/api/tasks"],
        "routes": ["/api/chat", "/api/tasks", "/api/tasks/{task_id}", "/healthz", "/readyz", "/metrics"],
        "publishes": ["task-events", "reminders", "task-updates"],
        "slo": {"availability": 0.999, "latency": 0.99, "latencyThresholdSeconds": 1.0},
    },
    _worker("notification-service", ["reminders"]),
    _worker("recurring-task-service", ["task-events"], ["task-events"]),
    _worker("audit-service", ["task-events"]),
    _worker("websocket-service", ["task-updates"]),
]

ENVIRONMENT_DEFAULTS: dict[str, dict[str, Any]] = {
    "production": {
        "metrics": {
            "prometheus": {"replicas": 2, "retention": "15d", "retentionSize": "80GB", "storageSize": "100Gi"},
            "alertmanagerReplicas": 3,
        },
        "tracing": {"collectorReplicas": 2, "samplingRate": 0.1},
        "logging": {"retentionDays": MIN_PRODUCTION_LOG_RETENTION_DAYS, "auditRetentionDays": 365},
        # Mandatory in production (settings.validation routing_problems): the Watchdog's heartbeat.
        "alerting": {"receivers": {"deadMansSwitch": {"enabled": True}}},
    },
    "staging": {
        "metrics": {"prometheus": {"replicas": 2}, "alertmanagerReplicas": 2},
        "tracing": {"collectorReplicas": 2},
    },
    "development": {
        "metrics": {
            "prometheus": {
                "replicas": 1,
                "retention": "3d",
                "retentionSize": "8GB",
                "storageSize": "10Gi",
                "resources": {"cpuRequest": "200m", "memoryRequest": "512Mi", "memoryLimit": "2Gi"},
            },
            "alertmanagerReplicas": 1,
        },
        "tracing": {"collectorReplicas": 1, "samplingRate": 1.0},
        "logging": {"retentionDays": 7, "auditRetentionDays": 30},
        "grafana": {"persistenceSize": "2Gi"},
    },
}


def defaults_for(platform_defaults: Mapping[str, Any], environment: str) -> dict[str, Any]:
    """Raw config defaults for a platform (components/<cloud>/platform.py `defaults`) and an
    environment, before the stack file is merged on top."""
    base: dict[str, Any] = {"services": APP_CONTRACT_SERVICES}
    base = merge(base, dict(platform_defaults))
    return merge(base, ENVIRONMENT_DEFAULTS.get(environment, {}))
