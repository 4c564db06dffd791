"""Fluent Bit's configuration directory (/fluent-bit/etc/conf/) exactly as the chart's ConfigMap
template assembles it from the release values: `fluent-bit.conf` is service + inputs + filters +
outputs, `custom_parsers.conf` the parsers, plus any `extraFiles`. Secrets are masked."""

from __future__ import annotations

from typing import Any

from tools.artifacts import RELEASE_TYPE, Files
from tools.mocks import Registration, mask_secrets

CHART = "fluent-bit"
SECTIONS = ("service", "inputs", "filters", "outputs")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def extract(registrations: list[Registration]) -> Files:
    for r in registrations:
        if r.type == RELEASE_TYPE and r.inputs.get("chart") == CHART:
            config = mask_secrets(((r.inputs.get("values") or {}).get("config")) or {})
            files: Files = {
                "fluent-bit/fluent-bit.conf": "".join(_text(config.get(s, "")) for s in SECTIONS),
                "fluent-bit/custom_parsers.conf": _text(config.get("customParsers", "")),
            }
            for name, body in sorted((config.get("extraFiles") or {}).items()):
                files[f"fluent-bit/{name}"] = _text(body)
            return files
    return {}
