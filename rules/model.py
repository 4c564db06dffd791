"""Rules as data: alerts and recording rules, grouped, rendered to the Prometheus rule-file format.

Also the few PromQL builders every domain needs, so that a selector or a bucket boundary is
spelled one way everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from settings.model import ServiceSettings

Severity = Literal["critical", "warning", "info"]

_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}

# Characters RE2 treats as syntax; label values from config are matched literally.
_REGEX_SYNTAX = set(r".+*?()[]{}|^$\\")


@dataclass(frozen=True)
class Alert:
    name: str
    expr: str
    severity: Severity
    summary: str
    description: str
    dashboard: str
    duration: str = "0s"
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)

    def with_annotations(self, **extra: str) -> Alert:
        return replace(self, annotations={**extra, **self.annotations})

    def to_dict(self) -> dict[str, Any]:
        rule: dict[str, Any] = {"alert": self.name, "expr": self.expr}
        if self.duration != "0s":
            rule["for"] = self.duration
        rule["labels"] = {"severity": self.severity, **self.labels}
        rule["annotations"] = {"summary": self.summary, "description": self.description, **self.annotations}
        return rule


@dataclass(frozen=True)
class Recording:
    record: str
    expr: str
    labels: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        rule: dict[str, Any] = {"record": self.record, "expr": self.expr}
        if self.labels:
            rule["labels"] = dict(self.labels)
        return rule


Rule = Alert | Recording


@dataclass(frozen=True)
class RuleGroup:
    """One Prometheus rule group; rules run in order, so alerts read recordings of the same evaluation."""

    name: str
    rules: list[Rule]

    def to_dict(self) -> dict[str, Any]:
        return {"name": f"todo.{self.name}", "rules": [r.to_dict() for r in self.rules]}


def seconds(duration: str) -> int:
    """A Prometheus duration (`5m`, `1h30m`) in whole seconds."""
    return round(sum(float(n) * _UNIT_SECONDS[u] for n, u in re.findall(r"([0-9]+)(ms|s|m|h|d|w|y)", duration)))


def regex_literal(value: str) -> str:
    """`value` as an RE2 pattern matching itself, escaped for a PromQL double-quoted string."""
    return "".join("\\\\" + c if c in _REGEX_SYNTAX else c for c in value)


def any_of(values: list[str]) -> str:
    """A PromQL `=~` operand matching exactly one of `values`."""
    return "|".join(regex_literal(v) for v in sorted(set(values)))


def service_matcher(services: list[ServiceSettings]) -> str:
    """A selector's matcher for the `service` label of exactly `services`."""
    if len(services) == 1:
        return f'service="{services[0].name}"'
    return f'service=~"{any_of([s.name for s in services])}"'


def alike(services: list[ServiceSettings], key: Callable[[ServiceSettings], Hashable]) -> list[list[ServiceSettings]]:
    """`services` split by `key` (what a service-level alert's rule depends on besides the service: its
    severity, the handlers it counts), in config order. One rule serves each part: a rule per service would
    differ only in the name it selects, and Prometheus would evaluate one rule for each service for the same
    alerts (each alert takes `service` from its series, and its text says `{{ $labels.service }}`)."""
    parts: dict[Hashable, list[ServiceSettings]] = {}
    for service in services:
        parts.setdefault(key(service), []).append(service)
    return list(parts.values())


def bucket_label(boundary: float) -> str:
    """A `le` matcher operand for a histogram bucket boundary.

    Clients write integral boundaries as `1` (Go) or `1.0` (Python), and Prometheus 3 rewrites
    them on ingestion; matching both keeps the rule right whichever wrote the sample.
    """
    text = repr(float(boundary))
    if text.endswith(".0"):
        return f"{regex_literal(text[:-2])}(\\\\.0)?"
    return regex_literal(text)


def as_service(expr: str, source_label: str) -> str:
    """Copies `source_label` (a Dapr app id or a consumer group, both equal to the service name) to `service`."""
    return f'label_replace({expr}, "service", "$1", "{source_label}", "(.*)")'


def service_from_pod(expr: str, services: list[ServiceSettings]) -> str:
    """Adds `service` to series of the services' Deployment pods (`<service>-<replicaset hash>-<pod hash>`)."""
    names = any_of([s.name for s in services])
    return f'label_replace({expr}, "service", "$1", "pod", "({names})-[a-z0-9]+-[a-z0-9]+")'


def pods_of(services: list[ServiceSettings]) -> str:
    """A `pod=~` operand selecting the services' Deployment pods."""
    return f"({any_of([s.name for s in services])})-[a-z0-9]+-[a-z0-9]+"


def with_node(expr: str) -> str:
    """Adds the pod's `node` (kube-state-metrics' kube_pod_info) to a pod alert, so Alertmanager's
    KubeNodeNotReady inhibition (`equal: [node]`) can mute it; a pod that kube_pod_info does not know
    (kube-state-metrics down, pod already gone) keeps its alert, only without `node`."""
    return (
        f"(\n{expr}\n)\n* on (namespace, pod) group_left (node)\n"
        'max by (namespace, pod, node) (kube_pod_info{node!=""})\n'
        f"or on (namespace, pod)\n(\n{expr}\n)"
    )


def new_series(selector: str, window: str) -> str:
    """Series of `selector` that did not exist `window` ago."""
    return f"({selector} unless {selector} offset {window})"


def events_in(selector: str, window: str, by: str) -> str:
    """Events a counter counted in `window`, per `by`, including the first events of a series that
    appeared inside it.

    Dapr (and most clients) create a labelled counter only at its first event, already at 1 or more:
    `increase()` takes that first sample as its baseline and never counts it, and a series with one
    sample has no increase at all. Its value is exactly the events it counted since it appeared.
    """
    total = f"sum by ({by})" if by else "sum"
    grown = f"{total} (increase({selector}[{window}]))"
    appeared = f"{total} {new_series(selector, window)}"
    return f"(\n  {grown}\n  + {appeared}\n  or {grown}\n  or {appeared}\n)"


def with_evidence(
    expr: str,
    on: str,
    failed: str,
    min_failed: int,
    total_rate: str = "",
    min_rate: float = 0.0,
    rate_on: str = "",
) -> str:
    """`expr` (a ratio alert) only where there is enough evidence: at least `min_failed` failed events
    (`failed`, a count over the alert's window) and, when `min_rate` > 0, at least `min_rate` events per
    second (`total_rate`). A quiet service that fails one request now and then is not an incident; the
    same service failing every request still is, because its failures add up to `min_failed`."""
    guarded = f"(\n{expr}\n)\nand on ({on})\n(\n{failed}\n) >= {min_failed}"
    if min_rate > 0 and total_rate:
        guarded += f"\nand on ({rate_on or on})\n(\n{total_rate}\n) >= {min_rate:g}"
    return guarded
