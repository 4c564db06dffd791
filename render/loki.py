"""Values of the Loki chart for the local stack: one monolithic Loki on a filesystem volume, ordinary
logs kept `logging.retentionDays`, the audit stream (`log_type="audit"`) `logging.auditRetentionDays`."""

from __future__ import annotations

from typing import Any

from settings.model import LoggingSettings

RELEASE_NAME = "loki"
HTTP_PORT = 3100
SCALABLE_TARGETS = ("read", "write", "backend")


def service_host(namespace: str) -> str:
    # The chart names the monolithic Service after the release when the release name contains "loki".
    return f"{RELEASE_NAME}.{namespace}.svc.cluster.local"


def render_loki_values(logging: LoggingSettings, storage_class: str) -> dict[str, Any]:
    """`storage_class`: the cluster's, for Loki's volume ("" for the cluster's default)."""
    logs_hours = logging.retention_days * 24
    audit_hours = logging.audit_retention_days * 24
    persistence: dict[str, Any] = {"enabled": True, "size": "10Gi"}
    if storage_class:
        persistence["storageClass"] = storage_class
    return {
        "deploymentMode": "Monolithic",
        "loki": {
            "auth_enabled": False,
            # /ready answers only after the WAL replay and the ring join, which can take minutes;
            # until then the chart's liveness probe must not restart Loki (10 minutes).
            "startupProbe": {
                "httpGet": {"path": "/ready", "port": "http-metrics"},
                "periodSeconds": 10,
                "failureThreshold": 60,
                "timeoutSeconds": 1,
            },
            "commonConfig": {"replication_factor": 1},
            "storage": {"type": "filesystem"},
            "schemaConfig": {
                "configs": [
                    {
                        "from": "2024-04-01",
                        "store": "tsdb",
                        "object_store": "filesystem",
                        "schema": "v13",
                        "index": {"prefix": "index_", "period": "24h"},
                    }
                ]
            },
            "limits_config": {
                "retention_period": f"{logs_hours}h",
                "retention_stream": [{"selector": '{log_type="audit"}', "priority": 1, "period": f"{audit_hours}h"}],
            },
            # Retention is enforced by the compactor only when this is on.
            "compactor": {"retention_enabled": True, "delete_request_store": "filesystem"},
        },
        "singleBinary": {"replicas": 1, "persistence": persistence},
        # The chart defaults the simple-scalable targets to 3 replicas each; next to a single binary its
        # templates/validate.yaml refuses to install ("monolithic and simple scalable targets"), and on a
        # filesystem store they could not run anyway. The distributed targets already default to 0.
        **{target: {"replicas": 0} for target in SCALABLE_TARGETS},
        # Caches, canary, gateway and the Helm test are for larger installs; locally they only cost memory.
        "chunksCache": {"enabled": False},
        "resultsCache": {"enabled": False},
        "lokiCanary": {"enabled": False},
        "test": {"enabled": False},
        "gateway": {"enabled": False},
    }
