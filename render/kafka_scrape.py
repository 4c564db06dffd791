"""What Prometheus scrapes of Kafka itself: Strimzi pods (PodMonitors) or a managed vendor's
metrics endpoint (ScrapeConfig spec).

Strimzi labels every pod it creates with `strimzi.io/kind: Kafka`, `strimzi.io/cluster: <name>` and
`strimzi.io/component-type` (`kafka` for brokers and KRaft controllers, `entity-operator`,
`kafka-exporter`); the JMX exporter and Strimzi's Kafka Exporter listen on the port named
`tcp-prometheus` (9404), the topic and user operators on `healthcheck-to` / `healthcheck-uo`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from render.kafka_exporter import MONITOR_COMPONENT
from render.monitors import MonitorManifest, monitor
from settings.model import KafkaSettings

METRICS_PORT_NAME = "tcp-prometheus"
ENTITY_OPERATOR_PORTS = ("healthcheck-to", "healthcheck-uo")
# Redpanda Cloud's Prometheus endpoint always authenticates the user `prometheus`.
REDPANDA_METRICS_USER = "prometheus"
# Confluent's export endpoint aggregates per minute and asks not to be scraped more often.
VENDOR_SCRAPE_INTERVAL = {"redpanda": "30s", "confluent": "60s"}
VENDOR_SECRET_KEYS = ("username", "password")


def _strimzi_match_labels(kafka: KafkaSettings, component_type: str) -> dict[str, str]:
    return {
        "strimzi.io/kind": "Kafka",
        "strimzi.io/cluster": kafka.cluster_name,
        "strimzi.io/component-type": component_type,
    }


def _strimzi_relabelings() -> list[dict[str, Any]]:
    # Keep Strimzi's pod labels (cluster, pool, broker/controller role) on every series, and the
    # node, so broker panels can be split by role and joined with node metrics.
    return [
        {"action": "labelmap", "regex": "__meta_kubernetes_pod_label_(strimzi_io_.+)", "replacement": "$1"},
        {"sourceLabels": ["__meta_kubernetes_pod_node_name"], "targetLabel": "node", "action": "replace"},
    ]


def strimzi_pod_monitors(
    kafka: KafkaSettings, scrape_interval: str, name_prefix: str, namespace: str
) -> list[MonitorManifest]:
    """PodMonitors `<name_prefix>-<part>` in `namespace` for the brokers/controllers, the entity
    operator and, where Strimzi runs it, Strimzi's own Kafka Exporter."""

    def endpoint(port: str) -> dict[str, Any]:
        return {"port": port, "path": "/metrics", "interval": scrape_interval, "relabelings": _strimzi_relabelings()}

    def pod_monitor(suffix: str, component_type: str, ports: tuple[str, ...]) -> MonitorManifest:
        return monitor(
            "PodMonitor",
            f"{name_prefix}-{suffix}",
            namespace,
            MONITOR_COMPONENT,
            _strimzi_match_labels(kafka, component_type),
            [kafka.namespace],
            [endpoint(port) for port in ports],
        )

    monitors = [
        pod_monitor("kafka-nodes", "kafka", (METRICS_PORT_NAME,)),
        pod_monitor("entity-operator", "entity-operator", ENTITY_OPERATOR_PORTS),
    ]
    if kafka.strimzi_kafka_exporter:
        monitors.append(pod_monitor("strimzi-kafka-exporter", "kafka-exporter", (METRICS_PORT_NAME,)))
    return monitors


def vendor_metrics_username(kafka: KafkaSettings) -> str:
    if kafka.metrics_username:
        return kafka.metrics_username
    return REDPANDA_METRICS_USER if kafka.vendor == "redpanda" else ""


def vendor_scrape_config_spec(kafka: KafkaSettings, credentials_secret: str) -> dict[str, Any]:
    """A ScrapeConfig (monitoring.coreos.com/v1alpha1) for `kafka.metricsEndpoint`, basic auth from a Secret."""
    url = urlsplit(kafka.metrics_endpoint)
    spec: dict[str, Any] = {
        "scheme": url.scheme.upper(),
        "staticConfigs": [{"targets": [url.netloc], "labels": {"kafka_cluster": kafka.cluster_name}}],
        "metricsPath": url.path or "/metrics",
        "scrapeInterval": VENDOR_SCRAPE_INTERVAL[kafka.vendor],
        "scrapeTimeout": "30s",
        "honorTimestamps": True,
        "basicAuth": {
            "username": {"name": credentials_secret, "key": VENDOR_SECRET_KEYS[0]},
            "password": {"name": credentials_secret, "key": VENDOR_SECRET_KEYS[1]},
        },
    }
    params = parse_qs(url.query)
    if params:
        spec["params"] = {key: sorted(values) for key, values in sorted(params.items())}
    return spec
