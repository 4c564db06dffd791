"""Jaeger v2 (chart `jaeger`, `userconfig`): one process receiving OTLP from the collector, storing
in memory (local) or in Badger on a PersistentVolumeClaim, and serving the query UI and API. The same
on every cloud: the collector's exporter to it is here too (`collector_exporter`)."""

from __future__ import annotations

from typing import Any

from settings.model import TracingSettings

RELEASE_NAME = "jaeger"
QUERY_PORT = 16686
QUERY_GRPC_PORT = 16685
OTLP_GRPC_PORT = 4317
HEALTH_PORT = 13133
BADGER_MOUNT = "/badger"
BADGER_VOLUME = "badger-data"
STORE = "primary"
PVC_NAME = f"{RELEASE_NAME}-badger"
# The collector's exporter to Jaeger; `otlp_grpc` is the current name of the OTLP exporter.
COLLECTOR_EXPORTER = "otlp_grpc/jaeger"


def jaeger_host(tracing: TracingSettings) -> str:
    return f"{RELEASE_NAME}.{tracing.namespace}.svc.cluster.local"


def query_url(tracing: TracingSettings) -> str:
    return f"http://{jaeger_host(tracing)}:{QUERY_PORT}"


def collector_exporter(tracing: TracingSettings) -> dict[str, dict[str, Any]]:
    return {
        COLLECTOR_EXPORTER: {
            "endpoint": f"{jaeger_host(tracing)}:{OTLP_GRPC_PORT}",
            # In-cluster hop to Jaeger's OTLP receiver, which listens without TLS.
            "tls": {"insecure": True},
            "sending_queue": {"enabled": True, "queue_size": 5000},
            "retry_on_failure": {"enabled": True, "max_elapsed_time": "300s"},
        }
    }


def storage_backend(t: TracingSettings) -> dict[str, Any]:
    if t.jaeger_storage == "badger":
        return {
            "badger": {
                "directories": {"keys": f"{BADGER_MOUNT}/keys", "values": f"{BADGER_MOUNT}/values"},
                "ephemeral": False,
                "ttl": {"spans": f"{t.jaeger_retention_hours}h"},
            }
        }
    return {"memory": {"max_traces": 100000}}


def jaeger_config(tracing: TracingSettings) -> dict[str, Any]:
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
            "jaeger_storage": {"backends": {STORE: storage_backend(tracing)}},
        },
        # Only the collector sends here, already sampled, over OTLP.
        "receivers": {"otlp": {"protocols": {"grpc": {"endpoint": f"0.0.0.0:{OTLP_GRPC_PORT}"}}}},
        "processors": {"batch": {}},
        "exporters": {"jaeger_storage_exporter": {"trace_storage": STORE}},
    }


def jaeger_values(tracing: TracingSettings) -> dict[str, Any]:
    jaeger: dict[str, Any] = {
        # Badger is a single-writer embedded store: one replica, replaced with Recreate (chart default).
        "replicas": 1,
        "resources": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "1Gi"}},
    }
    if tracing.jaeger_storage == "badger":
        jaeger["extraVolumes"] = [{"name": BADGER_VOLUME, "persistentVolumeClaim": {"claimName": PVC_NAME}}]
        jaeger["extraVolumeMounts"] = [{"name": BADGER_VOLUME, "mountPath": BADGER_MOUNT}]
    return {"userconfig": jaeger_config(tracing), "jaeger": jaeger}
