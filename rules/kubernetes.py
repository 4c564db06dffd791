"""What kube-prometheus-stack does not ship (see rules/shipped.py): evicted pods, OOMKilled containers,
and the app's services running close to their CPU or memory limit."""

from __future__ import annotations

from contracts import uids
from rules.model import Alert, RuleGroup, any_of, pods_of, service_from_pod, with_node
from settings.model import ServiceSettings, ThresholdSettings

USAGE_FOR = "15m"
# Restarts are counted over a window longer than a scrape gap, so one OOM kill is never missed.
RESTART_WINDOW = "10m"


def build(
    services: list[ServiceSettings],
    t: ThresholdSettings,
    application_namespaces: list[str],
    watched_namespaces: list[str],
) -> list[RuleGroup]:
    """`watched_namespaces`: the app's, Dapr's, Kafka's and this stack's own, where evictions and OOM
    kills matter."""
    namespaces = f'namespace=~"{any_of(watched_namespaces)}"'
    app_containers = (
        f'namespace=~"{any_of(application_namespaces)}", pod=~"{pods_of(services)}", container!="", container!="POD"'
    )
    alerts = [
        Alert(
            "PodEvicted",
            with_node(
                service_from_pod(
                    f'max by (namespace, pod, reason) (kube_pod_status_reason{{reason="Evicted", {namespaces}}})',
                    services,
                )
                + " > 0"
            ),
            severity="warning",
            summary="Pod {{ $labels.namespace }}/{{ $labels.pod }} was evicted",
            description=(
                "The kubelet evicted {{ $labels.namespace }}/{{ $labels.pod }} (Evicted = {{ "
                "$value }}; node under memory, disk or PID "
                "pressure, or ephemeral storage over its limit)."
            ),
            dashboard=uids.KUBERNETES,
        ),
        Alert(
            "ContainerOomKilled",
            with_node(
                service_from_pod(
                    f"sum by (namespace, pod, container) "
                    f"(increase(kube_pod_container_status_restarts_total{{{namespaces}}}[{RESTART_WINDOW}])) > 0\n"
                    "and on (namespace, pod, container)\n"
                    "max by (namespace, pod, container) "
                    f'(kube_pod_container_status_last_terminated_reason{{reason="OOMKilled", {namespaces}}}) == 1',
                    services,
                )
            ),
            severity="warning",
            summary="Container {{ $labels.container }} of {{ $labels.pod }} was OOMKilled",
            description=(
                "{{ $labels.namespace }}/{{ $labels.pod }} container {{ $labels.container }} restarted "
                f"{{{{ $value | humanize }}}} times in {RESTART_WINDOW} after running out of memory (OOMKilled)."
            ),
            dashboard=uids.KUBERNETES,
        ),
        Alert(
            "ServiceCpuNearLimit",
            with_node(
                service_from_pod(
                    "sum by (namespace, pod, container) "
                    f'(rate(container_cpu_usage_seconds_total{{job="kubelet", {app_containers}}}[5m]))\n'
                    "/ on (namespace, pod, container)\n"
                    "sum by (namespace, pod, container) "
                    f'(kube_pod_container_resource_limits{{resource="cpu", {app_containers}}})\n'
                    f"* 100 > {t.resource_usage_percent:g}",
                    services,
                )
            ),
            severity="warning",
            duration=USAGE_FOR,
            summary="{{ $labels.service }} uses more than " + f"{t.resource_usage_percent:g}% of its CPU limit",
            description=(
                "{{ $labels.namespace }}/{{ $labels.pod }} container {{ $labels.container }} uses "
                f'{{{{ $value | printf "%.0f" }}}}% of its CPU limit (threshold {t.resource_usage_percent:g}% '
                f"for {USAGE_FOR}): it is about to be throttled."
            ),
            dashboard=uids.KUBERNETES,
        ),
        Alert(
            "ServiceMemoryNearLimit",
            with_node(
                service_from_pod(
                    "max by (namespace, pod, container) "
                    f'(container_memory_working_set_bytes{{job="kubelet", {app_containers}}})\n'
                    "/ on (namespace, pod, container)\n"
                    "sum by (namespace, pod, container) "
                    f'(kube_pod_container_resource_limits{{resource="memory", {app_containers}}})\n'
                    f"* 100 > {t.resource_usage_percent:g}",
                    services,
                )
            ),
            severity="warning",
            duration=USAGE_FOR,
            summary="{{ $labels.service }} uses more than " + f"{t.resource_usage_percent:g}% of its memory limit",
            description=(
                "{{ $labels.namespace }}/{{ $labels.pod }} container {{ $labels.container }} uses "
                f'{{{{ $value | printf "%.0f" }}}}% of its memory limit (threshold {t.resource_usage_percent:g}% '
                f"for {USAGE_FOR}): the next spike is an OOM kill."
            ),
            dashboard=uids.KUBERNETES,
        ),
    ]
    return [RuleGroup("kubernetes", alerts)]
