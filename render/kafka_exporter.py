"""kafka_exporter (prometheus-kafka-exporter chart) values and its ServiceMonitor.

The chart's own ServiceMonitor is switched off: this program creates one as a custom resource, so it
carries the Prometheus selector label and waits for the CRD release like every other monitor.
"""

from __future__ import annotations

from typing import Any

from render.monitors import MonitorManifest, monitor
from settings.model import KafkaSettings

CHART_APP_LABEL = "prometheus-kafka-exporter"
# `app.kubernetes.io/component` of every monitor the Kafka capability creates.
MONITOR_COMPONENT = "kafka-monitoring"
SERVICE_PORT_NAME = "exporter-port"
METRICS_PORT = 9308
CA_MOUNT_PATH = "/etc/kafka-ca"
# The chart reads the SASL user and password from these keys of `sasl.scram.secretName`.
SASL_SECRET_KEYS = ("username", "password")

# kafka_exporter's `--sasl.mechanism` spelling (it lower-cases the flag before matching).
EXPORTER_SASL_MECHANISMS: dict[str, str] = {
    "SCRAM-SHA-256": "scram-sha256",
    "SCRAM-SHA-512": "scram-sha512",
    "PLAIN": "plain",
}


def bootstrap_list(kafka: KafkaSettings) -> list[str]:
    return [server.strip() for server in kafka.bootstrap_servers.split(",") if server.strip()]


def tls_values(kafka: KafkaSettings) -> dict[str, Any]:
    if not kafka.tls:
        return {"enabled": False}
    tls: dict[str, Any] = {"enabled": True, "insecureSkipVerify": False}
    if kafka.tls_ca_secret:
        # The chart then also passes cert/key paths; kafka_exporter skips client certificates when
        # neither file exists, so a CA-only Secret is enough.
        tls.update({"mountPath": CA_MOUNT_PATH, "secretName": kafka.tls_ca_secret, "caFile": "ca.crt"})
    return tls


def sasl_values(kafka: KafkaSettings, sasl_secret: str) -> dict[str, Any]:
    if kafka.sasl is None:
        return {"enabled": False}
    return {
        "enabled": True,
        "handshake": True,
        # The chart's only user/password route is its `scram` block, whatever the mechanism.
        "scram": {
            "enabled": True,
            "mechanism": EXPORTER_SASL_MECHANISMS[kafka.sasl.mechanism],
            "secretName": sasl_secret,
        },
    }


def kafka_exporter_values(kafka: KafkaSettings, sasl_secret: str, pod_labels: dict[str, str]) -> dict[str, Any]:
    """Values for prometheus-kafka-exporter (keys checked against its values.yaml at the pinned version)."""
    probe = {"httpGet": {"path": "/", "port": SERVICE_PORT_NAME}, "periodSeconds": 30, "timeoutSeconds": 10}
    return {
        "kafkaServer": bootstrap_list(kafka),
        "tls": tls_values(kafka),
        "sasl": sasl_values(kafka, sasl_secret),
        "prometheus": {"serviceMonitor": {"enabled": False}},
        "service": {"type": "ClusterIP", "port": METRICS_PORT},
        "liveness": {"enabled": True, "probe": probe},
        "readiness": {"enabled": True, "probe": probe},
        "podLabels": pod_labels,
        "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "256Mi"}},
        "containerSecurityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "runAsUser": 65534,
            "capabilities": {"drop": ["ALL"]},
        },
    }


def service_monitor(release_name: str, namespace: str, scrape_interval: str) -> MonitorManifest:
    """Selects the chart's Service (in `namespace`, next to the monitor) by the labels its template
    sets (`app`, `release`)."""
    return monitor(
        "ServiceMonitor",
        release_name,
        namespace,
        MONITOR_COMPONENT,
        {"app": CHART_APP_LABEL, "release": release_name},
        [namespace],
        [{"port": SERVICE_PORT_NAME, "path": "/metrics", "interval": scrape_interval}],
    )
