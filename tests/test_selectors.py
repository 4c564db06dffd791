"""Every ServiceMonitor, PodMonitor, Probe, ScrapeConfig and PrometheusRule in a stack's render is
selected by the Prometheus that kube-prometheus-stack creates from the rendered values, whoever
created the object.

The Prometheus spec is derived from the values as the chart's templates/prometheus/prometheus.yaml
(at the pinned version, components/versions.py) does: a non-empty `<kind>Selector` is used as given;
otherwise, while `<kind>SelectorNilUsesHelmValues` is true (its default), `release: <release name>`; otherwise `{}`.
A non-empty `<kind>NamespaceSelector` is used as given, otherwise `{}`, which the operator reads as
every namespace. Label selectors follow Kubernetes: all matchLabels and all matchExpressions.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from render.kube_prometheus_stack import SELECTED_KINDS
from tests.harness import Rendered
from tools.stackfile import stack_file

KPS = "kube-prometheus-stack"
MONITORING_GROUP = "kubernetes:monitoring.coreos.com/"
NAMESPACE_TYPE = "kubernetes:core/v1:Namespace"


def matches(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    """Kubernetes label-selector semantics; an empty selector matches everything."""
    selector = selector or {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values") or []
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and key in labels and labels[key] in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
        if operator not in ("In", "NotIn", "Exists", "DoesNotExist"):
            raise ValueError(f"unknown selector operator {operator!r}")
    return True


def prometheus_selectors(values: dict[str, Any], release_name: str) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """Per kind, the (object selector, namespace selector) the chart writes into the Prometheus CR."""
    spec = (values.get("prometheus") or {}).get("prometheusSpec") or {}
    result = {}
    for kind, prefix in SELECTED_KINDS.items():
        selector = spec.get(f"{prefix}Selector")
        if not selector:
            uses_helm = spec.get(f"{prefix}SelectorNilUsesHelmValues", True)
            selector = {"matchLabels": {"release": release_name}} if uses_helm else {}
        result[kind] = (selector, spec.get(f"{prefix}NamespaceSelector") or {})
    return result


def namespace_labels(rendered: Rendered) -> dict[str, dict[str, str]]:
    """Labels of the namespaces the program creates; others get only the one Kubernetes sets."""
    labels = {}
    for row in rendered.of_type(NAMESPACE_TYPE):
        metadata = row["inputs"]["metadata"]
        labels[metadata["name"]] = {**(metadata.get("labels") or {}), "kubernetes.io/metadata.name": metadata["name"]}
    return labels


def selectable_objects(rendered: Rendered) -> list[dict[str, Any]]:
    return [
        r
        for r in rendered.resources
        if r["custom"] and r["type"].startswith(MONITORING_GROUP) and r["type"].rsplit(":", 1)[-1] in SELECTED_KINDS
    ]


def unselected(rendered: Rendered) -> list[str]:
    release = rendered.releases()[KPS]["inputs"]["name"]
    selectors = prometheus_selectors(rendered.helm_values(KPS), release)
    known_namespaces = namespace_labels(rendered)
    missed = []
    for row in selectable_objects(rendered):
        kind = row["type"].rsplit(":", 1)[-1]
        metadata = row["inputs"].get("metadata") or {}
        namespace = metadata.get("namespace") or "default"
        ns_labels = known_namespaces.get(namespace, {"kubernetes.io/metadata.name": namespace})
        selector, namespace_selector = selectors[kind]
        if not matches(namespace_selector, ns_labels) or not matches(selector, metadata.get("labels") or {}):
            missed.append(f"{kind} {namespace}/{metadata.get('name')} ({row['name']})")
    return missed


# Monitors that charts create from their values: (chart, kind, path to the monitor's values, the key
# that switches it on, the key whose labels the chart puts on it). Checked against the charts'
# templates at the pinned versions (components/versions.py): prometheus-blackbox-exporter
# templates/selfservicemonitor.yaml and stevehipwell thanos templates/<component>/servicemonitor.yaml (both in
# the release's namespace).
# kube-prometheus-stack's own monitors carry `release: <release>` from the chart itself.
CHART_MONITORS: dict[str, list[tuple[str, tuple[str, ...], str, str]]] = {
    "prometheus-blackbox-exporter": [("ServiceMonitor", ("serviceMonitor", "selfMonitor"), "enabled", "labels")],
    "thanos": [("ServiceMonitor", ("serviceMonitor",), "enabled", "additionalLabels")],
}
MONITOR_KEYS = {"serviceMonitor", "podMonitor", "selfMonitor", "prometheusRule"}


def enabled_monitor_paths(values: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every `serviceMonitor`-like block of chart values that is switched on."""
    found = []
    if isinstance(values, dict):
        for key, value in values.items():
            if key in MONITOR_KEYS and isinstance(value, dict) and value.get("enabled") is True:
                found.append((*path, key))
            found += enabled_monitor_paths(value, (*path, key))
    return found


def chart_monitors(rendered: Rendered) -> list[tuple[str, str, str, dict[str, str]]]:
    """(kind, namespace, description, labels) of every monitor a chart creates from the rendered values."""
    monitors = []
    for release, row in rendered.releases().items():
        chart = row["inputs"]["chart"]
        if chart == KPS:
            continue
        values = rendered.helm_values(release)
        known = {path: (kind, switch, labels_key) for kind, path, switch, labels_key in CHART_MONITORS.get(chart, [])}
        for path in enabled_monitor_paths(values):
            assert path in known, f"{release}: chart {chart} creates a monitor at {'.'.join(path)}; add it above"
        for path, (kind, _, labels_key) in known.items():
            block: Any = values
            for key in path:
                block = (block or {}).get(key) or {}
            if block.get("enabled") is True:
                monitors.append(
                    (kind, row["inputs"]["namespace"], f"{release} {'.'.join(path)}", block.get(labels_key) or {})
                )
    return monitors


def test_every_monitor_probe_scrape_config_and_rule_is_selected(rendered: Rendered) -> None:
    objects = selectable_objects(rendered)
    kinds = {r["type"].rsplit(":", 1)[-1] for r in objects}
    # Not vacuous: this capability alone creates ServiceMonitors and PodMonitors in every stack.
    assert {"ServiceMonitor", "PodMonitor"} <= kinds, kinds
    assert unselected(rendered) == []


def test_monitors_that_charts_create_are_selected(rendered: Rendered) -> None:
    release = rendered.releases()[KPS]["inputs"]["name"]
    selectors = prometheus_selectors(rendered.helm_values(KPS), release)
    known_namespaces = namespace_labels(rendered)
    monitors = chart_monitors(rendered)
    # Not vacuous: the blackbox exporter monitors itself in every stack.
    assert any(description.startswith("blackbox-exporter ") for _, _, description, _ in monitors)
    missed = []
    for kind, namespace, description, labels in monitors:
        selector, namespace_selector = selectors[kind]
        ns_labels = known_namespaces.get(namespace, {"kubernetes.io/metadata.name": namespace})
        if not matches(namespace_selector, ns_labels) or not matches(selector, labels):
            missed.append(f"{kind} {namespace} ({description}) labels={labels}")
    assert missed == []


def test_chart_monitor_discovery_finds_switched_on_blocks_only() -> None:
    values = {
        "serviceMonitor": {"enabled": True, "additionalLabels": {}},
        "query": {"podMonitor": {"enabled": False}},
        "exporter": {"serviceMonitor": {"selfMonitor": {"enabled": True}}},
    }
    assert enabled_monitor_paths(values) == [("serviceMonitor",), ("exporter", "serviceMonitor", "selfMonitor")]


def test_strimzi_brokers_and_controllers_are_scraped_and_selected(rendered: Rendered) -> None:
    kafka = yaml.safe_load(stack_file(rendered.stack).read_text())["config"].get("todo-observability:kafka") or {}
    strimzi = [
        r
        for r in selectable_objects(rendered)
        if r["type"].endswith(":PodMonitor")
        and any(e.get("port") == "tcp-prometheus" for e in r["inputs"]["spec"].get("podMetricsEndpoints") or [])
        and "strimzi.io/cluster" in (r["inputs"]["spec"].get("selector") or {}).get("matchLabels", {})
    ]
    if kafka.get("mode", "strimzi") != "strimzi":
        assert strimzi == [], "a managed Kafka has no Strimzi pods to scrape"
        return
    assert strimzi, "Strimzi brokers and controllers must be scraped"
    assert not [m for m in unselected(rendered) if any(m.endswith(f"({r['name']})") for r in strimzi)]


# --- the evaluator itself: each rule can say no ------------------------------------------------


@pytest.mark.parametrize(
    ("selector", "labels", "expected"),
    [
        ({}, {}, True),
        ({"matchLabels": {"release": "kps"}}, {"release": "kps", "x": "y"}, True),
        ({"matchLabels": {"release": "kps"}}, {"release": "other"}, False),
        ({"matchLabels": {"release": "kps"}}, {}, False),
        ({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["a", "b"]}]}, {"tier": "b"}, True),
        ({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["a"]}]}, {"tier": "b"}, False),
        ({"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["a"]}]}, {}, True),
        ({"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["a"]}]}, {"tier": "a"}, False),
        ({"matchExpressions": [{"key": "tier", "operator": "Exists"}]}, {"tier": ""}, True),
        ({"matchExpressions": [{"key": "tier", "operator": "Exists"}]}, {}, False),
        ({"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]}, {"tier": "a"}, False),
        (
            {"matchLabels": {"a": "1"}, "matchExpressions": [{"key": "b", "operator": "Exists"}]},
            {"a": "1"},
            False,
        ),
    ],
)
def test_label_selector_semantics(selector: dict[str, Any], labels: dict[str, str], expected: bool) -> None:
    assert matches(selector, labels) is expected


def test_chart_defaults_select_by_release_label_and_explicit_selectors_win() -> None:
    defaults = prometheus_selectors({}, "kps")
    assert defaults["ServiceMonitor"] == ({"matchLabels": {"release": "kps"}}, {})
    opened = prometheus_selectors(
        {"prometheus": {"prometheusSpec": {"podMonitorSelectorNilUsesHelmValues": False}}}, "kps"
    )
    assert opened["PodMonitor"][0] == {} and opened["ServiceMonitor"][0] == {"matchLabels": {"release": "kps"}}
    explicit = {"prometheus": {"prometheusSpec": {"ruleSelector": {"matchLabels": {"team": "todo"}}}}}
    assert prometheus_selectors(explicit, "kps")["PrometheusRule"][0] == {"matchLabels": {"team": "todo"}}


def test_an_unlabelled_or_misplaced_object_would_be_reported(renders: dict[str, Rendered]) -> None:
    rendered = renders["prod"]
    release = rendered.releases()[KPS]["inputs"]["name"]
    spec = rendered.helm_values(KPS)["prometheus"]["prometheusSpec"]
    selector, namespace_selector = prometheus_selectors(rendered.helm_values(KPS), release)["ServiceMonitor"]
    assert not matches(selector, {"app.kubernetes.io/part-of": "todo-observability"}), "the release label is required"
    restricted = {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}
    assert not matches(restricted, {"kubernetes.io/metadata.name": "kafka"})
    assert spec["serviceMonitorNamespaceSelector"] == namespace_selector == {}
