"""The one monitor builder (`monitor`), and the ServiceMonitors and PodMonitors for the application,
its Dapr sidecars, the Dapr control plane and the optional ZooKeeper / Schema Registry (Strimzi's
broker and controller monitors belong to the Kafka capability; Fluent Bit and the collector build
theirs with `monitor` too). Pure: config sections in, manifests out; components/monitors.py applies them.

The application's monitors live in the metrics namespace and name their targets' namespaces in
`namespaceSelector.matchNames`: the program owns that namespace, and the application's namespaces
may not exist yet when the stack is deployed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from catalog.metrics import DAPR_SIDECAR
from settings.model import KafkaSettings, MetricsSettings, ServiceSettings

# From the app contract: every Service of the app carries this label and names its port `http`.
APP_PART_OF_LABEL = "app.kubernetes.io/part-of"
APP_PART_OF = "todo"
APP_PORT_NAME = "http"

# Set by Dapr's sidecar injector on every pod it injected with metrics on (pkg/injector consts).
DAPR_METRICS_ENABLED_LABEL = "dapr.io/metrics-enabled"
DAPR_SIDECAR_PORT = "dapr-metrics"
# The Dapr Helm chart puts this on every control-plane pod (global.k8sLabels) and names the port `metrics`.
DAPR_CONTROL_PLANE_LABELS = {"app.kubernetes.io/part-of": "dapr"}
DAPR_CONTROL_PLANE_PORT = "metrics"
# daprd answers on any path of its metrics port; the Dapr chart's scrape annotation uses `/`.
DAPR_METRICS_PATH = "/"

STRIMZI_METRICS_PORT = "tcp-prometheus"
SCHEMA_REGISTRY_LABELS = {"app.kubernetes.io/name": "schema-registry"}
SCHEMA_REGISTRY_PORT = "metrics"

# A scrape returning more samples than this fails as a whole (up == 0, TargetDown fires), which
# turns a cardinality explosion into an alert instead of a slow Prometheus.
DAPR_SIDECAR_SAMPLE_LIMIT = 4000
APP_SAMPLE_LIMIT = 5000


@dataclass(frozen=True)
class MonitorManifest:
    kind: str
    name: str
    namespace: str
    # `app.kubernetes.io/component` of the object, i.e. what it watches.
    component: str
    spec: dict[str, Any]


def monitor(
    kind: str,
    name: str,
    namespace: str,
    component: str,
    match_labels: dict[str, str],
    namespaces: list[str],
    endpoints: list[dict[str, Any]],
    sample_limit: int | None = None,
) -> MonitorManifest:
    """The one ServiceMonitor/PodMonitor builder: a monitor in `namespace` selecting `match_labels` in
    `namespaces` (components/monitors.py `monitor_resource` turns it into a resource)."""
    spec: dict[str, Any] = {
        "selector": {"matchLabels": match_labels},
        "namespaceSelector": {"matchNames": namespaces},
    }
    if sample_limit is not None:
        spec["sampleLimit"] = sample_limit
    spec["endpoints" if kind == "ServiceMonitor" else "podMetricsEndpoints"] = endpoints
    return MonitorManifest(kind=kind, name=name, namespace=namespace, component=component, spec=spec)


def dapr_sidecar_keep_regex() -> str:
    """Only the sidecar series some rule or dashboard may use (catalog.metrics.DAPR_SIDECAR)."""
    return "(" + "|".join(re.escape(name) for name in sorted(DAPR_SIDECAR)) + ")"


def app_service_monitor(service: ServiceSettings, namespace: str) -> MonitorManifest:
    return monitor(
        "ServiceMonitor",
        f"app-{service.name}",
        namespace,
        service.name,
        {APP_PART_OF_LABEL: APP_PART_OF},
        [service.namespace],
        [
            {
                "port": APP_PORT_NAME,
                "path": service.metrics_path,
                # The contract names no per-service label, only the Service name: keep that one.
                # Dapr's own `<app-id>-dapr` Services are dropped here too.
                "relabelings": [
                    {
                        "action": "keep",
                        "sourceLabels": ["__meta_kubernetes_service_name"],
                        "regex": re.escape(service.name),
                    }
                ],
            }
        ],
        sample_limit=APP_SAMPLE_LIMIT,
    )


def dapr_sidecar_pod_monitor(application_namespaces: list[str], namespace: str) -> MonitorManifest:
    return monitor(
        "PodMonitor",
        "dapr-sidecars",
        namespace,
        "dapr-sidecar",
        {DAPR_METRICS_ENABLED_LABEL: "true"},
        list(application_namespaces),
        [
            {
                "port": DAPR_SIDECAR_PORT,
                "path": DAPR_METRICS_PATH,
                # The target's namespace is authoritative; honoring the sidecar's own labels would
                # also let an exposition overwrite pod/job/instance.
                "honorLabels": False,
                "metricRelabelings": [
                    {"action": "keep", "sourceLabels": ["__name__"], "regex": dapr_sidecar_keep_regex()},
                    # daprd's `namespace` is always the pod's own, already on the series as
                    # `namespace`: the renamed copy is a duplicate.
                    {"action": "labeldrop", "regex": "exported_namespace"},
                ],
            }
        ],
        sample_limit=DAPR_SIDECAR_SAMPLE_LIMIT,
    )


def dapr_control_plane_pod_monitor(dapr_namespace: str, namespace: str) -> MonitorManifest:
    return monitor(
        "PodMonitor",
        "dapr-control-plane",
        namespace,
        "dapr-control-plane",
        dict(DAPR_CONTROL_PLANE_LABELS),
        [dapr_namespace],
        # Here Dapr's `namespace` names the application a request was about (injection, certificate
        # signing); it stays, as `exported_namespace`, next to the pod's `namespace` (dapr-system).
        [{"port": DAPR_CONTROL_PLANE_PORT, "path": DAPR_METRICS_PATH, "honorLabels": False}],
    )


def zookeeper_pod_monitor(kafka: KafkaSettings, namespace: str) -> MonitorManifest:
    return monitor(
        "PodMonitor",
        "kafka-zookeeper",
        namespace,
        "zookeeper",
        {"strimzi.io/cluster": kafka.cluster_name, "strimzi.io/name": f"{kafka.cluster_name}-zookeeper"},
        [kafka.namespace],
        [{"port": STRIMZI_METRICS_PORT, "path": "/metrics"}],
    )


def schema_registry_service_monitor(kafka: KafkaSettings, namespace: str) -> MonitorManifest:
    return monitor(
        "ServiceMonitor",
        "schema-registry",
        namespace,
        "schema-registry",
        dict(SCHEMA_REGISTRY_LABELS),
        [kafka.namespace],
        [{"port": SCHEMA_REGISTRY_PORT, "path": "/metrics"}],
    )


def scrape_targets(
    services: list[ServiceSettings],
    application_namespaces: list[str],
    metrics: MetricsSettings,
    kafka: KafkaSettings,
) -> list[MonitorManifest]:
    """Every monitor this capability creates, in the metrics namespace."""
    namespace = metrics.namespace
    manifests = [app_service_monitor(s, namespace) for s in services if s.exposes_metrics]
    manifests.append(dapr_sidecar_pod_monitor(application_namespaces, namespace))
    manifests.append(dapr_control_plane_pod_monitor(metrics.dapr_namespace, namespace))
    # Only an in-cluster (Strimzi) Kafka has pods to scrape; managed vendors report through their
    # metrics endpoint, which the Kafka capability scrapes.
    if kafka.mode == "strimzi" and kafka.zookeeper:
        manifests.append(zookeeper_pod_monitor(kafka, namespace))
    if kafka.mode == "strimzi" and kafka.schema_registry:
        manifests.append(schema_registry_service_monitor(kafka, namespace))
    return manifests
