"""The one builder of a container's `resources` block from a `ResourceSettings` section (Prometheus in
render/kube_prometheus_stack.py, Fluent Bit in components/logging.py)."""

from __future__ import annotations

from settings.model import ResourceSettings


def resource_requirements(resources: ResourceSettings) -> dict[str, dict[str, str]]:
    """Requests and limits; an empty value is left out rather than sent as "" (which the API server
    refuses as a quantity). The CPU limit is empty by default: throttling hurts more than it saves."""
    requests = {"cpu": resources.cpu_request, "memory": resources.memory_request}
    limits = {"cpu": resources.cpu_limit, "memory": resources.memory_limit}
    return {
        "requests": {k: v for k, v in requests.items() if v},
        "limits": {k: v for k, v in limits.items() if v},
    }
