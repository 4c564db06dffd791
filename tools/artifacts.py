"""What a reviewer needs from a render, derived from the recorded resources: each extractor turns
the registrations into files under build/<stack>/. Extractors read what would be deployed; they
never re-render from config, so the files are the truth about the program."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import yaml

from tools.mocks import Registration, mask_secrets

Files = dict[str, str]
Extractor = Callable[[list[Registration]], Files]

RELEASE_TYPE = "kubernetes:helm.sh/v3:Release"
PROMETHEUS_RULE_TYPE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
CONFIG_MAP_TYPE = "kubernetes:core/v1:ConfigMap"
SECRET_TYPE = "kubernetes:core/v1:Secret"


# libyaml's emitter where PyYAML was built with it (a tenth of the pure-Python emitter's time), PyYAML's
# own otherwise. The two fold long quoted strings differently, so lines are never folded: with no width
# limit both write the same bytes (tests/test_render.py dumps every rendered artifact with both).
DUMPER: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
UNFOLDED = 2**31 - 1  # libyaml's width is a C int


def to_yaml(value: Any, dumper: type[yaml.SafeDumper] = DUMPER) -> str:
    return yaml.dump(value, Dumper=dumper, sort_keys=True, default_flow_style=False, allow_unicode=True, width=UNFOLDED)


def to_json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True) + "\n"


def _qualified(registrations: list[Registration]) -> dict[str, str]:
    return {r.urn: f"{r.type}::{r.name}" for r in registrations}


def resources_json(registrations: list[Registration]) -> Files:
    names = _qualified(registrations)
    rows = [
        {
            "type": r.type,
            "name": r.name,
            "parent": names.get(r.parent_urn),
            "custom": r.custom,
            "protect": r.protect,
            "dependsOn": sorted(names.get(d, d) for d in r.dependencies),
            "provider": r.provider or None,
            "inputs": mask_secrets(r.inputs),
        }
        for r in sorted(registrations, key=lambda r: r.urn)
    ]
    return {"resources.json": to_json(rows)}


def helm_values(registrations: list[Registration]) -> Files:
    files: Files = {}
    for r in registrations:
        if r.type == RELEASE_TYPE:
            release = r.inputs.get("name", r.name)
            files[f"helm/{release}.values.yaml"] = to_yaml(mask_secrets(r.inputs.get("values") or {}))
    return files


def prometheus_rules(registrations: list[Registration]) -> Files:
    """PrometheusRule specs as plain `groups:` files, the format promtool reads."""
    files: Files = {}
    for r in registrations:
        if r.type == PROMETHEUS_RULE_TYPE:
            name = (r.inputs.get("metadata") or {}).get("name", r.name)
            files[f"rules/{name}.yaml"] = to_yaml({"groups": (r.inputs.get("spec") or {}).get("groups", [])})
    return files


def grafana_dashboards(registrations: list[Registration]) -> Files:
    files: Files = {}
    for r in registrations:
        labels = (r.inputs.get("metadata") or {}).get("labels") or {}
        if r.type == CONFIG_MAP_TYPE and labels.get("grafana_dashboard") == "1":
            for key, body in sorted((r.inputs.get("data") or {}).items()):
                if key.endswith(".json"):
                    files[f"dashboards/{key}"] = to_json(json.loads(body))
    return files


def alertmanager_config(registrations: list[Registration]) -> Files:
    """Alertmanager's configuration as kube-prometheus-stack deploys it. Receivers read their
    secrets from files of a mounted Kubernetes Secret, so the config itself holds none."""
    for r in registrations:
        if r.type == RELEASE_TYPE and r.inputs.get("chart") == "kube-prometheus-stack":
            config = ((r.inputs.get("values") or {}).get("alertmanager") or {}).get("config")
            if config:
                return {"alertmanager/alertmanager.yaml": to_yaml(mask_secrets(config))}
    return {}


def _capability_extractors() -> list[Extractor]:
    import importlib
    import pkgutil

    import tools.extract

    modules = sorted(m.name for m in pkgutil.iter_modules(tools.extract.__path__))
    return [importlib.import_module(f"tools.extract.{name}").extract for name in modules]


# The generic extractors; capability extractors are found at render time, not at import, because they
# import this module (an extractor imported first would otherwise meet a half-initialized one).
EXTRACTORS: list[Extractor] = [
    resources_json,
    helm_values,
    prometheus_rules,
    grafana_dashboards,
    alertmanager_config,
]


def extract_all(registrations: list[Registration]) -> Files:
    files: Files = {}
    for extractor in [*EXTRACTORS, *_capability_extractors()]:
        for path, content in extractor(registrations).items():
            if path in files:
                raise ValueError(f"two extractors write {path}")
            files[path] = content
    return files
