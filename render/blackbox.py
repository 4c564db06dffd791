"""Health probing of the app from outside its pods: blackbox exporter values and one Probe per
service readiness endpoint (the endpoint that answers 503 until the database and Dapr do)."""

from __future__ import annotations

from typing import Any

from settings.model import ServiceSettings

RELEASE_NAME = "blackbox-exporter"
PORT = 9115
MODULE = "http_readiness"
PROBE_JOB = "todo-health"
PROBE_INTERVAL = "30s"
PROBE_TIMEOUT = "10s"


def prober_address(namespace: str) -> str:
    """The exporter's Service in `namespace` (the metrics namespace)."""
    return f"{RELEASE_NAME}.{namespace}.svc:{PORT}"


def blackbox_values(production: bool, monitoring_labels: dict[str, str]) -> dict[str, Any]:
    return {
        # A fixed name: Probe objects address the exporter by its Service.
        "fullnameOverride": RELEASE_NAME,
        "replicas": 2 if production else 1,
        "podDisruptionBudget": {"maxUnavailable": 1} if production else {},
        "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}, "limits": {"memory": "64Mi"}},
        # The chart's liveness and readiness probes (/-/healthy) stay as they are.
        "config": {
            "modules": {
                MODULE: {
                    "prober": "http",
                    # Shorter than the probe's scrape timeout, so a hung endpoint counts as a failure.
                    "timeout": "5s",
                    "http": {
                        "method": "GET",
                        "valid_status_codes": [200],
                        "preferred_ip_protocol": "ip4",
                        "follow_redirects": False,
                    },
                }
            }
        },
        # The exporter's own metrics, selected by the stack's Prometheus.
        "serviceMonitor": {"selfMonitor": {"enabled": True, "labels": monitoring_labels}},
    }


def readiness_url(service: ServiceSettings) -> str:
    return f"http://{service.name}.{service.namespace}.svc:{service.port}{service.health_path}"


def probe_spec(prober_namespace: str, service: ServiceSettings) -> dict[str, Any]:
    return {
        "jobName": PROBE_JOB,
        "interval": PROBE_INTERVAL,
        "scrapeTimeout": PROBE_TIMEOUT,
        "module": MODULE,
        "prober": {"url": prober_address(prober_namespace), "scheme": "http", "path": "/probe"},
        "targets": {
            "staticConfig": {
                "static": [readiness_url(service)],
                # The Probe lives in the metrics namespace; the operator adds `namespace: <probe's
                # namespace>` only when this label is missing, so the series keep the service's.
                "labels": {"service": service.name, "namespace": service.namespace, "probe": "readiness"},
            }
        },
    }
