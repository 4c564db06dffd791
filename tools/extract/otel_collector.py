"""build/<stack>/otel-collector/config.yaml: the collector's configuration exactly as the chart
deploys it (`alternateConfig` is used as is, never merged), secrets masked; and
build/<stack>/dapr/<namespace>.configuration.yaml: each Dapr Configuration as applied."""

from __future__ import annotations

from typing import Any

from tools.artifacts import RELEASE_TYPE, Files, to_yaml
from tools.mocks import Registration, mask_secrets

COLLECTOR_CHART = "opentelemetry-collector"
DAPR_CONFIGURATION_TYPE = "kubernetes:dapr.io/v1alpha1:Configuration"


def _integral(value: Any) -> Any:
    """The engine carries numbers as doubles; Helm hands the chart JSON, where 8888.0 is 8888."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _integral(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral(v) for v in value]
    return value


def extract(registrations: list[Registration]) -> Files:
    files: Files = {}
    for r in registrations:
        if r.type == RELEASE_TYPE and r.inputs.get("chart") == COLLECTOR_CHART:
            config = (r.inputs.get("values") or {}).get("alternateConfig")
            if config:
                files["otel-collector/config.yaml"] = to_yaml(_integral(mask_secrets(config)))
        elif r.type == DAPR_CONFIGURATION_TYPE:
            metadata = r.inputs.get("metadata") or {}
            document = {
                "apiVersion": r.inputs.get("apiVersion"),
                "kind": r.inputs.get("kind"),
                "metadata": {"name": metadata.get("name"), "namespace": metadata.get("namespace")},
                "spec": r.inputs.get("spec"),
            }
            files[f"dapr/{metadata.get('namespace')}.configuration.yaml"] = to_yaml(_integral(mask_secrets(document)))
    return files
