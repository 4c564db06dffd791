"""The local stack's Loki values against the pinned chart's own install-time checks (issue #14 item 4).

There is no Helm here, so the checks of loki 18.11.0 `templates/validate.yaml` are restated in Python below,
one function per `fail`, over the chart's defaults (the values.yaml of that version, only the keys the checks
read) with our values merged on top as Helm merges them."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from components.versions import LOKI
from render.loki import render_loki_values
from tools.stackfile import stack_settings


def local_loki_values() -> dict[str, Any]:
    settings = stack_settings("local")
    return render_loki_values(settings.logging, settings.cluster.storage_class)


# loki 18.11.0 values.yaml: the defaults of every key templates/validate.yaml reads.
CHART_DEFAULTS: dict[str, Any] = {
    "deploymentMode": "Monolithic",
    "minio": {"enabled": False},
    "ignoreMinioDeprecation": False,
    "lokiCanary": {"enabled": True},
    "test": {"enabled": True},
    "loki": {"storage": {"type": "s3"}, "schemaConfig": {}, "structuredConfig": {}, "useTestSchema": False},
    "singleBinary": {"replicas": 0},
    "backend": {"replicas": 3},
    "read": {"replicas": 3},
    "write": {"replicas": 3},
    "ingester": {"replicas": 0},
    "distributor": {"replicas": 0},
    "querier": {"replicas": 0},
    "queryFrontend": {"replicas": 0},
    "queryScheduler": {"replicas": 0},
    "indexGateway": {"replicas": 0},
    "compactor": {"replicas": 0},
    "ruler": {"replicas": 0},
}
SCALABLE = ("backend", "read", "write")
DISTRIBUTED = (
    "ingester",
    "distributor",
    "querier",
    "queryFrontend",
    "queryScheduler",
    "indexGateway",
    "compactor",
    "ruler",
)
AUTOSCALED = (
    "querier",
    "distributor",
    "ingester",
    "queryFrontend",
    "bloomBuilder",
    "bloomGateway",
    "bloomPlanner",
    "patternIngester",
    "overridesExporter",
    "gateway",
    "read",
    "write",
    "backend",
    "singleBinary",
)
# templates/_helpers.tpl "loki.isUsingObjectStorage"
OBJECT_STORAGE_TYPES = ("s3", "gcs", "azure", "swift", "alibabacloud", "cos", "bos")


def merged(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Helm's values merge: maps merge key by key, anything else is replaced."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def go_int(value: Any) -> int:
    """Sprig's `int`: null (a replica count left to an autoscaler) is 0."""
    return 0 if value is None else int(value)


def validate(values: dict[str, Any]) -> list[str]:
    """templates/validate.yaml of loki 18.11.0, condition by condition; returns the messages `fail` would print."""
    v = values
    errors: list[str] = []
    if v.get("config"):
        errors.append("Top level 'config' is not allowed")
    if not v["lokiCanary"]["enabled"] and v["test"]["enabled"]:
        errors.append("Helm test requires the Loki Canary to be enabled")
    if v["minio"]["enabled"] and not v["ignoreMinioDeprecation"]:
        errors.append("The Loki chart builtin MinIO dependency is deprecated")
    monolithic = go_int(v["singleBinary"]["replicas"])
    filesystem = v["loki"]["storage"]["type"] not in OBJECT_STORAGE_TYPES
    scalable = any(go_int(v[name]["replicas"]) > 0 for name in SCALABLE)
    distributed = any(go_int(v[name]["replicas"]) > 0 for name in DISTRIBUTED)
    if filesystem and monolithic > 1:
        errors.append("Cannot run more than 1 Monolithic replica without an object storage backend.")
    if filesystem and monolithic == 0 and (scalable or distributed):
        errors.append(
            "Cannot run scalable targets (backend, read, write) or distributed targets without an object storage"
        )
    if scalable and distributed and v["deploymentMode"] != "SimpleScalable<->Distributed":
        errors.append("more than zero replicas configured for scalable targets and distributed targets")
    if monolithic > 0 and distributed:
        errors.append("more than zero replicas configured for both the monolithic and distributed targets")
    if (
        monolithic > 0
        and scalable
        and v["deploymentMode"] not in ("Monolithic<->SimpleScalable", "SingleBinary<->SimpleScalable")
    ):
        errors.append("more than zero replicas configured for both the monolithic and simple scalable targets")
    for name in AUTOSCALED:  # templates/_keda.tpl "loki.validateAutoscaling"
        component = v.get(name) or {}
        if (component.get("kedaAutoscaling") or {}).get("enabled") and (component.get("autoscaling") or {}).get(
            "enabled"
        ):
            errors.append(f"Cannot enable both HPA and Keda based autoscaling for {name} at the same time.")
    schema = v["loki"].get("schemaConfig")
    structured_schema = (v["loki"].get("structuredConfig") or {}).get("schema_config")
    if (schema or structured_schema) and v["loki"]["useTestSchema"]:
        errors.append("loki.useTestSchema must be false if loki.schemaConfig or structuredConfig.schema_config")
    if not schema and not structured_schema and not v["loki"]["useTestSchema"]:
        errors.append("You must provide a schema_config for Loki")
    return errors


def test_the_checks_are_those_of_the_pinned_chart() -> None:
    assert (LOKI.chart, LOKI.version) == ("loki", "18.11.0"), "re-read templates/validate.yaml at the new version"


def test_the_restated_checks_catch_what_the_chart_refuses() -> None:
    # The values that failed the first install: single binary on, read/write/backend left at the chart's 3.
    old = merged(CHART_DEFAULTS, {"singleBinary": {"replicas": 1}, "loki": {"storage": {"type": "filesystem"}}})
    assert any("monolithic and simple scalable" in e for e in validate(old))
    assert any("schema_config" in e for e in validate(old))


def test_local_loki_values_pass_the_charts_validation() -> None:
    values = local_loki_values()
    assert validate(merged(CHART_DEFAULTS, values)) == []


def test_local_loki_is_one_monolithic_replica_and_nothing_else() -> None:
    values = merged(CHART_DEFAULTS, local_loki_values())
    assert values["deploymentMode"] == "Monolithic"
    assert values["singleBinary"]["replicas"] == 1
    assert {name: go_int(values[name]["replicas"]) for name in SCALABLE + DISTRIBUTED} == dict.fromkeys(
        SCALABLE + DISTRIBUTED, 0
    )


@pytest.mark.parametrize("component", SCALABLE)
def test_a_scalable_replica_next_to_the_single_binary_is_refused(component: str) -> None:
    values = local_loki_values()
    values[component] = {"replicas": 1}
    assert validate(merged(CHART_DEFAULTS, values))
