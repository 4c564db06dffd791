"""What a reviewer needs from a render, derived from the recorded resources: each extractor turns
the registrations into files under build/<stack>/. Extractors read what would be deployed; they
never re-render from config, so the files are the truth about the program."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import yaml

from tools.mocks import Registration, mask_secrets
from tools.pulumi_internals import SPECIAL_VALUE_KEY

Files = dict[str, str]
Extractor = Callable[[list[Registration]], Files]

RELEASE_TYPE = "kubernetes:helm.sh/v3:Release"
PROMETHEUS_RULE_TYPE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
CONFIG_MAP_TYPE = "kubernetes:core/v1:ConfigMap"
SECRET_TYPE = "kubernetes:core/v1:Secret"


STR_TAG = "tag:yaml.org,2002:str"
MAP_TAG = "tag:yaml.org,2002:map"
SEQ_TAG = "tag:yaml.org,2002:seq"


class PlainRepresenter(yaml.representer.SafeRepresenter):
    """SafeRepresenter's nodes for plain data (dict with str keys, list, str, int, bool, None), built
    without its per-value dispatch: the same nodes, so the same bytes (tests/test_render.py compares
    with `yaml.SafeDumper` over every rendered file and over tricky values). Anything else (floats,
    other key types, subclasses) goes the generic way. Shared dicts and lists become anchors, as there."""

    def represent_data(self, data: Any) -> yaml.Node:
        kind = type(data)
        if kind is str:
            return yaml.ScalarNode(STR_TAG, data, style=self.default_style)
        if (kind is not dict and kind is not list) or self.default_flow_style is None:
            return super().represent_data(data)
        node: yaml.Node | None = self.represented_objects.get(id(data))
        if node is not None:
            return node
        if kind is dict and not all(type(key) is str for key in data):
            return super().represent_data(data)
        self.object_keeper.append(data)
        represent = self.represent_data
        if kind is list:
            items: list[yaml.Node] = []
            node = self.represented_objects[id(data)] = yaml.SequenceNode(
                SEQ_TAG, items, flow_style=self.default_flow_style
            )
            items.extend(represent(item) for item in data)
            return node
        pairs: list[tuple[yaml.Node, yaml.Node]] = []
        node = self.represented_objects[id(data)] = yaml.MappingNode(MAP_TAG, pairs, flow_style=self.default_flow_style)
        style = self.default_style
        pairs.extend(
            (yaml.ScalarNode(STR_TAG, key, style=style), represent(data[key]))
            for key in (sorted(data) if self.sort_keys else data)
        )
        return node


class PlainResolver(yaml.resolver.Resolver):
    """The Resolver's answer for a plain scalar whose first character starts no implicit type (most
    text): the default tag, without trying the patterns. Read from the resolver tables at each call."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        resolvers = self.yaml_implicit_resolvers
        plain = kind is yaml.ScalarNode and value and value[0] not in resolvers and None not in resolvers
        if plain and not self.yaml_path_resolvers:
            return self.DEFAULT_SCALAR_TAG
        return super().resolve(kind, value, implicit)


def plain_dumper(emitter_dumper: type[yaml.SafeDumper]) -> type[yaml.SafeDumper]:
    """`emitter_dumper` (SafeDumper or CSafeDumper) with the plain-data representer and resolver."""
    return type(f"Plain{emitter_dumper.__name__}", (PlainRepresenter, PlainResolver, emitter_dumper), {})


# libyaml's emitter where PyYAML was built with it (a tenth of the pure-Python emitter's time), PyYAML's
# own otherwise. The two fold long quoted strings differently, so lines are never folded: with no width
# limit both write the same bytes (tests/test_render.py dumps every rendered artifact with both).
DUMPER: type[yaml.SafeDumper] = plain_dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper))
UNFOLDED = 2**31 - 1  # libyaml's width is a C int


def to_yaml(value: Any, dumper: type[yaml.SafeDumper] = DUMPER) -> str:
    return yaml.dump(value, Dumper=dumper, sort_keys=True, default_flow_style=False, allow_unicode=True, width=UNFOLDED)


def to_json(value: Any) -> str:
    """`json.dumps(value, indent=2, sort_keys=True)` and a newline. The json module's C encoder does not
    indent; plain data (dict with str keys, list, str, int, float, bool, None) is written here with its
    C string encoder, to the same bytes (tests/test_render.py); anything else goes through json.dumps."""
    chunks: list[str] = []
    try:
        _plain_json(value, "\n", chunks)
    except (_NotPlainError, RecursionError):
        return json.dumps(value, indent=2, sort_keys=True) + "\n"
    chunks.append("\n")
    return "".join(chunks)


class _NotPlainError(Exception):
    pass


_encode_string: Callable[[str], str] = json.encoder.encode_basestring_ascii  # type: ignore[attr-defined]
_JSON_CONSTANTS = {True: "true", False: "false", None: "null"}


def _plain_json(value: Any, newline: str, out: list[str]) -> None:
    """Appends `value` indented as json.dumps(indent=2) would, at the depth `newline` carries."""
    kind = type(value)
    if kind is str:
        out.append(_encode_string(value))
    elif kind is dict:
        if not value:
            out.append("{}")
            return
        if not all(type(key) is str for key in value):
            raise _NotPlainError
        inner = newline + "  "
        separator = "{" + inner
        for key in sorted(value):
            out.append(separator + _encode_string(key) + ": ")
            _plain_json(value[key], inner, out)
            separator = "," + inner
        out.append(newline + "}")
    elif kind is list:
        if not value:
            out.append("[]")
            return
        inner = newline + "  "
        separator = "[" + inner
        for item in value:
            out.append(separator)
            _plain_json(item, inner, out)
            separator = "," + inner
        out.append(newline + "]")
    elif kind is bool or value is None:
        out.append(_JSON_CONSTANTS[value])
    elif kind is int:
        out.append(int.__repr__(value))
    elif kind is float and value == value and value not in (float("inf"), float("-inf")):
        out.append(float.__repr__(value))
    else:
        raise _NotPlainError


def _qualified(registrations: list[Registration]) -> dict[str, str]:
    return {r.urn: f"{r.type}::{r.name}" for r in registrations}


def _may_hold_secrets(registration: Registration) -> bool:
    """Whether the inputs hold a value `mask_secrets` replaces: every such value is a map keyed by the SDK's
    special-value mark (a secret's, and in this SDK a resource reference's), which then appears in the
    recorded JSON. Inputs without it (almost every resource) are written as they are, not copied by a
    walk that would change nothing."""
    return SPECIAL_VALUE_KEY in registration.encoded_inputs


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
            "inputs": mask_secrets(r.inputs) if _may_hold_secrets(r) else r.inputs,
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
