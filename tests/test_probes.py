"""Every workload the Helm releases start has liveness and readiness probes, and a startup probe where
start-up is slow: by the chart's defaults (recorded below with their source, at the pinned version) or
by our values. The values may never switch a probe off.

Workloads this program creates directly are checked by the policy pack (tests/test_guardrails.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from components import versions
from components.versions import ChartPin
from tests.harness import Rendered

LIVENESS, READINESS, STARTUP = "liveness", "readiness", "startup"
# A values path; a "name=x" step picks the list item whose `name` is x.
Path = tuple[str, ...]


@dataclass(frozen=True)
class WorkloadProbes:
    chart: ChartPin
    # The chart version these facts were read at: a new pin must re-check them.
    verified_at: str
    workload: str
    by_chart: frozenset[str]
    # Probes our values add, and where.
    by_values: Mapping[str, Path] = field(default_factory=dict)
    # Slow starters need a startup probe; `why` says why one is or is not there.
    slow_start: bool = False
    why: str = ""
    # The row applies only when this values path is set (e.g. the Thanos sidecar).
    when: Path = ()
    # Startup probes we add must give at least this many seconds (periodSeconds x failureThreshold).
    startup_window: int = 0


def probes(*names: str) -> frozenset[str]:
    return frozenset(names)


KPS, GRAFANA = versions.KUBE_PROMETHEUS_STACK, "grafana 12.11.1 (grafana-community/helm-charts)"

WORKLOADS: tuple[WorkloadProbes, ...] = (
    # kube-prometheus-stack values.yaml: prometheusOperator.livenessProbe/readinessProbe.enabled: true;
    # templates/prometheus-operator/deployment.yaml renders both on /healthz.
    WorkloadProbes(KPS, "88.5.3", "prometheus-operator Deployment", probes(LIVENESS, READINESS)),
    # prometheus-operator v0.93 pkg/prometheus/promcfg.go BuildProbes: startup and readiness on /-/ready,
    # liveness on /-/healthy; the startup probe allows 15 s x 60 = 15 min for the WAL replay.
    WorkloadProbes(
        KPS,
        "88.5.3",
        "Prometheus StatefulSet (operator-generated)",
        probes(LIVENESS, READINESS, STARTUP),
        slow_start=True,
        why="WAL replay: the operator's own startupProbe (maximumStartupDurationSeconds unset = 15 min)",
    ),
    # prometheus-operator v0.93 pkg/alertmanager/statefulset.go: liveness /-/healthy, readiness /-/ready.
    WorkloadProbes(KPS, "88.5.3", "Alertmanager StatefulSet (operator-generated)", probes(LIVENESS, READINESS)),
    # prometheus-operator v0.93 pkg/operator/config_reloader.go addProbes: liveness, readiness and startup
    # on /healthz, only with --enable-config-reloader-probes (chart: prometheusConfigReloader.enableProbe,
    # default false).
    WorkloadProbes(
        KPS,
        "88.5.3",
        "config-reloader sidecars of Prometheus and Alertmanager",
        probes(),
        {
            LIVENESS: ("prometheusOperator", "prometheusConfigReloader", "enableProbe"),
            READINESS: ("prometheusOperator", "prometheusConfigReloader", "enableProbe"),
        },
    ),
    # prometheus-operator v0.93 pkg/prometheus/server/statefulset.go createThanosContainer: ports http
    # (10902) and grpc, no probes; prometheusSpec.containers is merged into it by container name.
    WorkloadProbes(
        KPS,
        "88.5.3",
        "thanos-sidecar in the Prometheus pods",
        probes(),
        {
            LIVENESS: ("prometheus", "prometheusSpec", "containers", "name=thanos-sidecar", "livenessProbe"),
            READINESS: ("prometheus", "prometheusSpec", "containers", "name=thanos-sidecar", "readinessProbe"),
        },
        when=("prometheus", "prometheusSpec", "thanos"),
    ),
    # grafana chart values.yaml: readinessProbe and livenessProbe on /api/health; the liveness probe waits
    # 60 s and tolerates 10 failures, which covers plugin and dashboard loading. Its k8s-sidecar
    # containers have no probes: the chart has one shared sidecar.livenessProbe while each sidecar
    # serves health on its own port (see docs/guardrails.md).
    WorkloadProbes(KPS, "88.5.3", f"Grafana Deployment ({GRAFANA})", probes(LIVENESS, READINESS)),
    # kube-state-metrics 8.4.0 templates/deployment.yaml: /livez and /readyz always; startupProbe.enabled false.
    WorkloadProbes(KPS, "88.5.3", "kube-state-metrics Deployment (8.4.0)", probes(LIVENESS, READINESS)),
    # prometheus-node-exporter 4.56.1 templates/daemonset.yaml: liveness and readiness on / always.
    WorkloadProbes(KPS, "88.5.3", "node-exporter DaemonSet (4.56.1)", probes(LIVENESS, READINESS)),
    # prometheus-blackbox-exporter 11.17.2 values.yaml: livenessProbe and readinessProbe on /-/healthy.
    WorkloadProbes(versions.BLACKBOX_EXPORTER, "11.17.2", "blackbox-exporter Deployment", probes(LIVENESS, READINESS)),
    # prometheus-kafka-exporter 3.1.1 values.yaml: startup/liveness/readiness.enabled all false.
    WorkloadProbes(
        versions.KAFKA_EXPORTER,
        "3.1.1",
        "kafka-exporter Deployment",
        probes(),
        {LIVENESS: ("liveness",), READINESS: ("readiness",)},
        why="a Go binary that exits when Kafka is unreachable: no slow start to protect",
    ),
    # stevehipwell thanos 1.24.1 templates/*: livenessProbe (/-/healthy) and readinessProbe (/-/ready) for
    # query, compact and store gateway; no startupProbe key exists.
    WorkloadProbes(versions.THANOS, "1.24.1", "Thanos Query Deployment", probes(LIVENESS, READINESS)),
    WorkloadProbes(versions.THANOS, "1.24.1", "Thanos Compactor StatefulSet", probes(LIVENESS, READINESS)),
    # thanos v0.42.4 cmd/thanos/store.go: healthy as soon as the HTTP server runs, ready only after
    # InitialSync (index headers); so liveness never fires during the slow part.
    WorkloadProbes(
        versions.THANOS,
        "1.24.1",
        "Thanos Store Gateway StatefulSet",
        probes(LIVENESS, READINESS),
        slow_start=True,
        why="/-/healthy answers while index headers load and only readiness waits; the chart has no startupProbe",
    ),
    # fluent-bit 0.58.1 values.yaml: livenessProbe on /, readinessProbe on /api/v2/health, both on the
    # HTTP server (HTTP_Server On); render/fluent_bit.py may retune them, never remove them.
    WorkloadProbes(versions.FLUENT_BIT, "0.58.1", "fluent-bit DaemonSet", probes(LIVENESS, READINESS)),
    # opentelemetry-collector 0.170.0 values.yaml: liveness and readiness on :13133 (the health_check
    # extension); startupProbe {} and not needed by a Go binary.
    WorkloadProbes(
        versions.OPENTELEMETRY_COLLECTOR, "0.170.0", "otel-collector Deployment", probes(LIVENESS, READINESS)
    ),
    # jaeger 4.11.1 templates/jaeger/jaeger-deploy.yaml: liveness and readiness on /status :13133, fixed.
    WorkloadProbes(versions.JAEGER, "4.11.1", "Jaeger Deployment", probes(LIVENESS, READINESS)),
    # kafbat kafka-ui: liveness and readiness on /actuator/health always; startup probe since PR #64
    # (merged 2026-04-13, before the 1.6.4 release PR #65) with a 200 s window, which we widen.
    WorkloadProbes(
        versions.KAFKA_UI,
        "1.6.4",
        "Kafka UI Deployment",
        probes(LIVENESS, READINESS, STARTUP),
        {STARTUP: ("probes", "startup")},
        slow_start=True,
        why="a Spring Boot JVM on a 100m CPU request",
        startup_window=300,
    ),
    # loki 18.11.0 templates/_pod.tpl: coalesce(component, defaults, loki).livenessProbe/readinessProbe;
    # loki.livenessProbe (buildinfo) and loki.readinessProbe (/ready) set, loki.startupProbe {}.
    WorkloadProbes(
        versions.LOKI,
        "18.11.0",
        "Loki single binary StatefulSet",
        probes(LIVENESS, READINESS),
        {STARTUP: ("loki", "startupProbe")},
        slow_start=True,
        why="WAL replay and ring join before /ready",
        startup_window=600,
    ),
)

# Charts that start no long-running workload.
NO_WORKLOADS = {versions.PROMETHEUS_OPERATOR_CRDS.chart: "CRDs only"}

PROBE_KEYS = {"livenessProbe", "readinessProbe", "startupProbe", "liveness", "readiness", "startup", "probes"}
# Switches that turn a probe off without a probe key of their own.
PROBE_SWITCHES = {"enableProbe"}


def lookup(values: Any, path: Path) -> Any:
    current = values
    for step in path:
        if step.startswith("name=") and isinstance(current, list):
            current = next((item for item in current if item.get("name") == step[len("name=") :]), None)
        elif isinstance(current, Mapping):
            current = current.get(step)
        else:
            return None
    return current


def switched_off(value: Any) -> bool:
    if value is None or value is False or value == {}:
        return True
    return isinstance(value, Mapping) and value.get("enabled") is False


def probe_switches(values: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(values, Mapping):
        for key, item in values.items():
            here = f"{path}.{key}" if path else str(key)
            if key in PROBE_KEYS or key in PROBE_SWITCHES:
                yield here, item
            yield from probe_switches(item, here)
    elif isinstance(values, list):
        for i, item in enumerate(values):
            yield from probe_switches(item, f"{path}[{i}]")


def releases_by_chart(rendered: Rendered) -> dict[str, str]:
    return {row["inputs"]["chart"]: name for name, row in rendered.releases().items()}


def applicable(rendered: Rendered) -> Iterator[tuple[WorkloadProbes, dict[str, Any]]]:
    charts = releases_by_chart(rendered)
    for row in WORKLOADS:
        if row.chart.chart not in charts:
            continue
        values = rendered.helm_values(charts[row.chart.chart])
        if row.when and lookup(values, row.when) is None:
            continue
        yield row, values


def test_no_values_key_switches_a_probe_off(rendered: Rendered) -> None:
    offenders = [
        f"{release}: {path} = {value!r}"
        for release in rendered.releases()
        for path, value in probe_switches(rendered.helm_values(release))
        if switched_off(value)
    ]
    assert offenders == []


@pytest.mark.parametrize(
    "values",
    [
        {"liveness": {"enabled": False, "probe": {"httpGet": {"path": "/"}}}},
        {"grafana": {"readinessProbe": {}}},
        {"loki": {"startupProbe": None}},
        {"probes": {"enabled": False}},
        {"prometheusOperator": {"prometheusConfigReloader": {"enableProbe": False}}},
        {"prometheus": {"prometheusSpec": {"containers": [{"name": "x", "livenessProbe": False}]}}},
    ],
)
def test_the_walk_finds_each_kind_of_switch(values: dict[str, Any]) -> None:
    assert any(switched_off(value) for _, value in probe_switches(values))


def test_every_installed_chart_has_its_workloads_recorded(rendered: Rendered) -> None:
    recorded = {row.chart.chart for row in WORKLOADS} | set(NO_WORKLOADS)
    assert set(releases_by_chart(rendered)) <= recorded


def test_probe_facts_were_read_at_the_pinned_version() -> None:
    stale = {row.workload: (row.verified_at, row.chart.version) for row in WORKLOADS}
    assert {w: v for w, v in stale.items() if v[0] != v[1]} == {}, "re-check the chart's probes, then update"


def test_every_workload_gets_liveness_readiness_and_startup_where_slow() -> None:
    for row in WORKLOADS:
        provided = row.by_chart | set(row.by_values)
        assert {LIVENESS, READINESS} <= provided, row.workload
        if row.slow_start:
            assert STARTUP in provided or row.why, row.workload
        if STARTUP not in provided:
            assert not row.startup_window, row.workload


def test_our_values_add_what_the_chart_lacks(rendered: Rendered) -> None:
    checked = 0
    for row, values in applicable(rendered):
        for probe, path in row.by_values.items():
            value = lookup(values, path)
            assert value is True or (isinstance(value, Mapping) and value and not switched_off(value)), (
                row.workload,
                probe,
                value,
            )
            if isinstance(value, Mapping) and "enabled" in value:
                # Charts with an on/off switch take the probe itself from a sibling key.
                assert value["enabled"] is True and value["probe"]["httpGet"], row.workload
            checked += 1
    assert checked >= 3, "kafka-exporter's two probes and the config reloaders' are set in every stack"


def test_the_startup_probes_we_add_are_present_and_long_enough(rendered: Rendered) -> None:
    for row, values in applicable(rendered):
        if STARTUP not in row.by_values:
            continue
        startup = lookup(values, row.by_values[STARTUP])
        window = startup["periodSeconds"] * startup["failureThreshold"]
        assert window >= row.startup_window, (row.workload, window)
        assert startup.get("timeoutSeconds", 1) <= startup["periodSeconds"], row.workload


def test_thanos_sidecar_probes_follow_the_thanos_sidecar(rendered: Rendered) -> None:
    values = rendered.helm_values("kube-prometheus-stack")
    spec = values["prometheus"]["prometheusSpec"]
    sidecar = lookup(spec, ("containers", "name=thanos-sidecar"))
    if "thanos" in spec:
        assert sidecar["livenessProbe"]["httpGet"] == {"path": "/-/healthy", "port": "http"}
        assert sidecar["readinessProbe"]["httpGet"] == {"path": "/-/ready", "port": "http"}
    else:
        # A patch for a container the operator does not create would add a broken container.
        assert sidecar is None


def test_chart_probes_have_something_to_answer_them(rendered: Rendered) -> None:
    """The charts probe fixed ports and paths; our config must serve them."""
    charts = releases_by_chart(rendered)
    otel = rendered.helm_values(charts[versions.OPENTELEMETRY_COLLECTOR.chart])["alternateConfig"]
    assert "health_check" in otel["service"]["extensions"]
    assert otel["extensions"]["health_check"]["endpoint"].endswith(":13133")
    # Both Fluent Bit probes (the chart's or render/fluent_bit.py's) call its HTTP server.
    fluent_bit = rendered.helm_values(charts[versions.FLUENT_BIT.chart])["config"]["service"]
    assert re.search(r"^\s*HTTP_Server\s+On$", fluent_bit, re.MULTILINE)
    if versions.JAEGER.chart in charts:
        jaeger = rendered.helm_values(charts[versions.JAEGER.chart])["userconfig"]
        assert "healthcheckv2" in jaeger["service"]["extensions"]
        assert jaeger["extensions"]["healthcheckv2"]["http"]["endpoint"].endswith(":13133")
