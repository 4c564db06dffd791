"""Todo / Kubernetes: the application's pods against their requests and limits, restarts, OOM kills
and evictions. Cluster-wide views stay in kube-prometheus-stack's own dashboards (linked)."""

from __future__ import annotations

from grafana_foundation_sdk.builders.dashboard import Dashboard, DashboardLink
from grafana_foundation_sdk.models.dashboard import DashboardLinkType

from contracts import uids
from dashboards.common import (
    DASHBOARD_TITLES,
    KUBERNETES_MIXIN_TAG,
    NAMESPACE,
    RATE,
    SERVICE_PODS,
    DashboardSections,
    Query,
    Section,
    Thresholds,
    dashboard,
    graph,
    pod_network,
    q,
    sel,
)
from settings.model import ThresholdSettings

# cAdvisor also reports a pod-level cgroup (container="") and the pause container (container="POD").
CONTAINERS = sel(NAMESPACE, SERVICE_PODS, 'container!=""', 'container!="POD"')
PODS = sel(NAMESPACE, SERVICE_PODS)
OOM_KILLED = sel(NAMESPACE, SERVICE_PODS, 'reason="OOMKilled"')
EVICTED = sel(NAMESPACE, SERVICE_PODS, 'reason="Evicted"')
CRASH_LOOPING = sel(NAMESPACE, SERVICE_PODS, 'reason="CrashLoopBackOff"')
DEPLOYMENTS = sel(NAMESPACE, 'deployment=~"$service"')


def _per_container(metric: str, resource: str) -> str:
    pods = sel(NAMESPACE, SERVICE_PODS, f'resource="{resource}"')
    return f"sum by (pod, container) ({metric}{pods})"


def _against_requests_and_limits(resource: str, usage: str) -> list[Query]:
    return [
        q(usage, "used {{pod}}/{{container}}"),
        q(_per_container("kube_pod_container_resource_requests", resource), "request {{pod}}/{{container}}"),
        q(_per_container("kube_pod_container_resource_limits", resource), "limit {{pod}}/{{container}}"),
    ]


def _share_of_limit(resource: str, usage: str) -> list[Query]:
    # Containers without a limit have no series to divide by, so they drop out.
    limit = _per_container("kube_pod_container_resource_limits", resource)
    return [q(f"{usage}\n/\n{limit}", "{{pod}}/{{container}}")]


def cpu(thresholds: ThresholdSettings) -> Section:
    usage = f"sum by (pod, container) (rate(container_cpu_usage_seconds_total{CONTAINERS}[{RATE}]))"
    threshold = thresholds.resource_usage_percent / 100
    return Section(
        "CPU",
        [
            graph(
                "CPU usage against requests and limits",
                "Cores used per container, with the container's request and limit.",
                _against_requests_and_limits("cpu", usage),
                unit="cores",
                width=12,
            ),
            graph(
                "CPU used, share of limit",
                "Usage / limit per container (containers without a CPU limit are absent). Dashed: "
                "alerting.thresholds.resourceUsagePercent.",
                _share_of_limit("cpu", usage),
                unit="percentunit",
                width=6,
                thresholds=Thresholds(critical=threshold),
            ),
            graph(
                "CPU throttling",
                "Share of CFS periods in which the container was throttled.",
                [
                    q(
                        "sum by (pod, container) "
                        f"(rate(container_cpu_cfs_throttled_periods_total{CONTAINERS}[{RATE}]))\n/\n"
                        f"sum by (pod, container) (rate(container_cpu_cfs_periods_total{CONTAINERS}[{RATE}]))",
                        "{{pod}}/{{container}}",
                    )
                ],
                unit="percentunit",
                width=6,
            ),
        ],
    )


def memory(thresholds: ThresholdSettings) -> Section:
    working_set = f"sum by (pod, container) (container_memory_working_set_bytes{CONTAINERS})"
    threshold = thresholds.resource_usage_percent / 100
    return Section(
        "Memory",
        [
            graph(
                "Memory working set against requests and limits",
                "Working set (what the OOM killer looks at) per container, with request and limit.",
                _against_requests_and_limits("memory", working_set),
                unit="bytes",
                width=12,
            ),
            graph(
                "Memory used, share of limit",
                "Working set / limit per container. Dashed: alerting.thresholds.resourceUsagePercent.",
                _share_of_limit("memory", working_set),
                unit="percentunit",
                width=12,
                thresholds=Thresholds(critical=threshold),
            ),
        ],
    )


def disruptions() -> Section:
    return Section(
        "Restarts, OOM kills, evictions",
        [
            graph(
                "Container restarts",
                "Restarts per container over the last hour.",
                [
                    q(
                        f"sum by (pod, container) (increase(kube_pod_container_status_restarts_total{PODS}[1h]))",
                        "{{pod}}/{{container}}",
                    )
                ],
                unit="short",
                width=8,
            ),
            graph(
                "OOM kills",
                "Containers whose last termination was OOMKilled, and OOM events the kernel reported.",
                [
                    q(
                        f"sum by (pod, container) (kube_pod_container_status_last_terminated_reason{OOM_KILLED})",
                        "last terminated OOMKilled {{pod}}/{{container}}",
                    ),
                    q(
                        f"sum by (pod, container) (increase(container_oom_events_total{CONTAINERS}[{RATE}]))",
                        "OOM events {{pod}}/{{container}}",
                    ),
                ],
                unit="short",
                width=8,
            ),
            graph(
                "Evicted and crash-looping pods",
                "Pods evicted by the kubelet (node pressure) and containers waiting in CrashLoopBackOff.",
                [
                    q(
                        f"sum by (pod) (kube_pod_status_reason{EVICTED})",
                        "evicted {{pod}}",
                    ),
                    q(
                        f"sum by (pod, container) (kube_pod_container_status_waiting_reason{CRASH_LOOPING})",
                        "crash loop {{pod}}/{{container}}",
                    ),
                ],
                unit="short",
                width=8,
            ),
            graph(
                "Available replicas",
                "Available replicas against the desired count per Deployment (= service).",
                [
                    q(
                        f"sum by (deployment) (kube_deployment_status_replicas_available{DEPLOYMENTS})",
                        "available {{deployment}}",
                    ),
                    q(
                        f"sum by (deployment) (kube_deployment_spec_replicas{DEPLOYMENTS})",
                        "desired {{deployment}}",
                    ),
                ],
                unit="short",
                width=12,
                height=6,
            ),
            graph(
                "Network traffic per pod",
                "Bytes per second received and sent per pod.",
                pod_network(PODS),
                unit="Bps",
                width=12,
                height=6,
            ),
        ],
    )


def build(config: DashboardSections) -> Dashboard:
    chart_dashboards = (
        DashboardLink("Kubernetes (cluster dashboards)")
        .type(DashboardLinkType.DASHBOARDS)
        .tags([KUBERNETES_MIXIN_TAG])
        .as_dropdown(True)
        .include_vars(False)
        .keep_time(True)
    )
    return dashboard(
        uids.KUBERNETES,
        DASHBOARD_TITLES[uids.KUBERNETES],
        "The Todo services' pods: CPU and memory against requests and limits, restarts, OOM kills, evictions.",
        ["todo", "kubernetes"],
        config.app_variables(),
        [cpu(config.thresholds), memory(config.thresholds), disruptions()],
        logs_datasource_type=config.logs_datasource_type,
        extra_links=[chart_dashboards],
    )
