"""Jaeger v2 (chart `jaeger`, `userconfig`): one process receiving OTLP from the collector, storing
in memory (local) or in Badger on a PersistentVolumeClaim, and serving the query UI and API."""

from __future__ import annotations

from typing import Any

from settings import StackSettings

RELEASE_NAME = "jaeger"
QUERY_PORT = 16686
QUERY_GRPC_PORT = 16685
OTLP_GRPC_PORT = 4317
HEALTH_PORT = 13133
BADGER_MOUNT = "/badger"
BADGER_VOLUME = "badger-data"
STORE = "primary"


def jaeger_host(settings: StackSettings) -> str:
    return f"{RELEASE_NAME}.{settings.tracing.namespace}.svc.cluster.local"


def query_url(settings: StackSettings) -> str:
    return f"http://{jaeger_host(settings)}:{QUERY_PORT}"


def pvc_name(settings: StackSettings) -> str:
    return f"{RELEASE_NAME}-badger"


def storage_backend(settings: StackSettings) -> dict[str, Any]:
    t = settings.tracing
    if t.jaeger_storage == "badger":
        return {
            "badger": {
                "directories": {"keys": f"{BADGER_MOUNT}/keys", "values": f"{BADGER_MOUNT}/values"},
                "ephemeral": False,
                "ttl": {"spans": f"{t.jaeger_retention_hours}h"},
            }
        }
    return {"memory": {"max_traces": 100000}}


def jaeger_config(settings: StackSettings) -> dict[str, Any]:
    return {
        "service": {
            "extensions": ["jaeger_storage", "jaeger_query", "healthcheckv2"],
            "pipelines": {
                "traces": {
                    "receivers": ["otlp"],
                    "processors": ["batch"],
                    "exporters": ["jaeger_storage_exporter"],
                }
            },
            "telemetry": {
                "resource": {"service.name": "jaeger"},
                "metrics": {
                    "level": "detailed",
                    "readers": [{"pull": {"exporter": {"prometheus": {"host": "0.0.0.0", "port": 8888}}}}],
                },
            },
        },
        "extensions": {
            # The chart's liveness and readiness probes call /status on this port.
            "healthcheckv2": {"use_v2": True, "http": {"endpoint": f"0.0.0.0:{HEALTH_PORT}"}},
            "jaeger_query": {
                "storage": {"traces": STORE},
                "http": {"endpoint": f"0.0.0.0:{QUERY_PORT}"},
                "grpc": {"endpoint": f"0.0.0.0:{QUERY_GRPC_PORT}"},
            },
            "jaeger_storage": {"backends": {STORE: storage_backend(settings)}},
        },
        # Only the collector sends here, already sampled, over OTLP.
        "receivers": {"otlp": {"protocols": {"grpc": {"endpoint": f"0.0.0.0:{OTLP_GRPC_PORT}"}}}},
        "processors": {"batch": {}},
        "exporters": {"jaeger_storage_exporter": {"trace_storage": STORE}},
    }


def jaeger_values(settings: StackSettings) -> dict[str, Any]:
    jaeger: dict[str, Any] = {
        # Badger is a single-writer embedded store: one replica, replaced with Recreate (chart default).
        "replicas": 1,
        "resources": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "1Gi"}},
    }
    if settings.tracing.jaeger_storage == "badger":
        jaeger["extraVolumes"] = [{"name": BADGER_VOLUME, "persistentVolumeClaim": {"claimName": pvc_name(settings)}}]
        jaeger["extraVolumeMounts"] = [{"name": BADGER_VOLUME, "mountPath": BADGER_MOUNT}]
    return {"userconfig": jaeger_config(settings), "jaeger": jaeger}
