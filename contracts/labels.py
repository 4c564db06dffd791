"""The labels every object this program creates carries, from one place."""

from __future__ import annotations

PART_OF = "todo-observability"
MANAGED_BY = "pulumi"

# kube-prometheus-stack's Prometheus selects rules, monitors and probes by this label (see
# render/kube_prometheus_stack.py `selectors`: they match `release: <release name>`).
PROMETHEUS_SELECTOR_LABEL = "release"


def common_labels(component: str, stack: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/part-of": PART_OF,
        "app.kubernetes.io/managed-by": MANAGED_BY,
        "app.kubernetes.io/component": component,
        "todo-observability/stack": stack,
    }


def monitoring_labels(component: str, stack: str, release_name: str) -> dict[str, str]:
    """Labels for ServiceMonitors, PodMonitors, Probes, ScrapeConfigs and PrometheusRules."""
    return {**common_labels(component, stack), PROMETHEUS_SELECTOR_LABEL: release_name}


def cloud_tags(stack: str) -> dict[str, str]:
    """Tags (Azure, OCI freeform) and labels (GCP) of cloud resources: keys and values that all
    three clouds accept (GCP labels allow only lowercase letters, digits, `-` and `_`)."""
    return {"part-of": PART_OF, "managed-by": MANAGED_BY, "stack": stack}
