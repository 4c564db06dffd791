"""Every Helm chart this program installs, pinned in one place: one file says what runs, and a Renovate PR moves
a pin (README, "Tests"). Facts read from a chart at its pin carry their own check that fails on a bump until they
are re-read (tests/test_probes.py for docs/guardrails.md's probe table, rules/shipped.py for the shipped alerts).

Renovate reads the pins below (renovate.json, custom regex managers): keep each one a literal
`ChartPin("<chart>", "<version>", <repo URL literal or PROMETHEUS_COMMUNITY>, ...)`; tests/test_renovate.py
fails when a pin is written in a shape no manager matches. A bump PR also updates `app_version` by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

PROMETHEUS_COMMUNITY = "https://prometheus-community.github.io/helm-charts"


@dataclass(frozen=True)
class ChartPin:
    chart: str
    version: str
    repo: str
    app_version: str


PROMETHEUS_OPERATOR_CRDS = ChartPin("prometheus-operator-crds", "31.0.1", PROMETHEUS_COMMUNITY, "v0.93.1")
KUBE_PROMETHEUS_STACK = ChartPin("kube-prometheus-stack", "88.5.3", PROMETHEUS_COMMUNITY, "v0.93.1")
BLACKBOX_EXPORTER = ChartPin("prometheus-blackbox-exporter", "11.17.2", PROMETHEUS_COMMUNITY, "v0.28.0")
KAFKA_EXPORTER = ChartPin("prometheus-kafka-exporter", "3.1.1", PROMETHEUS_COMMUNITY, "v1.9.0")
THANOS = ChartPin("thanos", "1.24.1", "https://stevehipwell.github.io/helm-charts/", "v0.42.4")
FLUENT_BIT = ChartPin("fluent-bit", "0.58.1", "https://fluent.github.io/helm-charts", "5.1.1")
OPENTELEMETRY_COLLECTOR = ChartPin(
    "opentelemetry-collector", "0.170.0", "https://open-telemetry.github.io/opentelemetry-helm-charts", "0.158.0"
)
JAEGER = ChartPin("jaeger", "4.11.1", "https://jaegertracing.github.io/helm-charts", "2.19.0")
KAFKA_UI = ChartPin("kafka-ui", "1.6.4", "https://kafbat.github.io/helm-charts", "v1.5.0")
LOKI = ChartPin("loki", "18.11.0", "https://grafana-community.github.io/helm-charts", "3.7.6")

ALL_CHARTS: tuple[ChartPin, ...] = (
    PROMETHEUS_OPERATOR_CRDS,
    KUBE_PROMETHEUS_STACK,
    BLACKBOX_EXPORTER,
    KAFKA_EXPORTER,
    THANOS,
    FLUENT_BIT,
    OPENTELEMETRY_COLLECTOR,
    JAEGER,
    KAFKA_UI,
    LOKI,
)

# Pulled by scripts/verify_charts.py for their CRDs only (Dapr runs in the cluster already; this program creates
# Dapr `Configuration` objects and validates them against the CRD of the Dapr version it supports).
DAPR = ChartPin("dapr", "1.17.3", "https://dapr.github.io/helm-charts/", "1.17.3")
VALIDATION_CHARTS: tuple[ChartPin, ...] = (DAPR,)

# The Kubernetes version every validation targets (scripts/verify_charts.py's `helm template --kube-version` and
# kubeconform `-kubernetes-version`, tests/test_kubernetes_objects.py's kubernetes-validate): the oldest minor of
# SUPPORTED_KUBERNETES_MINORS, so nothing relies on an API or field the oldest supported cluster lacks.
SUPPORTED_KUBERNETES_MINORS: tuple[str, ...] = ("1.34", "1.35", "1.36", "1.37")
KUBERNETES_VERSION = f"{SUPPORTED_KUBERNETES_MINORS[0]}.0"
