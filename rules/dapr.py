"""Dapr: sidecars of the app's pods, component initialisation, the control plane, circuit breakers."""

from __future__ import annotations

from dashboards import uids
from rules.model import Alert, RuleGroup, any_of, as_service, service_from_pod
from settings.model import StackSettings

SIDECAR_CONTAINER = "daprd"
SIDECAR_FOR = "5m"
CONTROL_PLANE_FOR = "5m"


def build(settings: StackSettings) -> list[RuleGroup]:
    app_namespaces = any_of(settings.application_namespaces)
    control_plane = f'namespace="{settings.metrics.dapr_namespace}"'
    sidecar = f'container="{SIDECAR_CONTAINER}", namespace=~"{app_namespaces}"'
    alerts = [
        Alert(
            "DaprSidecarDown",
            service_from_pod(f"max by (namespace, pod) (up{{{sidecar}}})", settings.services) + " == 0",
            severity="critical",
            duration=SIDECAR_FOR,
            summary="Dapr sidecar of {{ $labels.pod }} does not answer",
            description=(
                "Prometheus cannot scrape the daprd sidecar of {{ $labels.namespace }}/{{ "
                "$labels.pod }} (up = {{ $value }}): "
                "service invocation and pub/sub of that pod are down."
            ),
            dashboard=uids.DAPR,
        ),
        Alert(
            "DaprSidecarNotReady",
            service_from_pod(
                f"max by (namespace, pod) (kube_pod_container_status_ready{{{sidecar}}})", settings.services
            )
            + " == 0",
            severity="warning",
            duration=SIDECAR_FOR,
            summary="Dapr sidecar of {{ $labels.pod }} is not ready",
            description=(
                "The daprd container of {{ $labels.namespace }}/{{ $labels.pod }} has been "
                "unready (ready = {{ $value }}) for "
                f"{SIDECAR_FOR}: it cannot reach the control plane, a component or the app."
            ),
            dashboard=uids.DAPR,
        ),
        Alert(
            "DaprComponentInitFailed",
            as_service(
                "sum by (namespace, app_id, component, reason) (increase(dapr_runtime_component_init_fail_total[10m]))",
                "app_id",
            )
            + " > 0",
            severity="warning",
            summary="Dapr component {{ $labels.component }} fails to initialise in {{ $labels.app_id }}",
            description=(
                "{{ $labels.app_id }} failed to initialise Dapr component {{ $labels.component }} "
                "{{ $value | humanize }} times in 10m (reason: {{ $labels.reason }})."
            ),
            dashboard=uids.DAPR,
        ),
        Alert(
            "DaprControlPlaneDown",
            f"max by (namespace, deployment) (kube_deployment_status_replicas_available{{{control_plane}}}) == 0\n"
            "or label_replace(max by (namespace, statefulset) (kube_statefulset_status_replicas_ready{"
            f'{control_plane}}}), "deployment", "$1", "statefulset", "(.*)") == 0',
            severity="critical",
            duration=CONTROL_PLANE_FOR,
            summary="Dapr control plane service {{ $labels.deployment }} is down",
            description=(
                "{{ $labels.deployment }} in {{ $labels.namespace }} has {{ $value }} ready "
                "replicas: sidecar injection, "
                "certificates (sentry), actors/placement or scheduling stop working for new pods."
            ),
            dashboard=uids.DAPR,
        ),
        Alert(
            "DaprCircuitBreakerOpen",
            as_service('max by (namespace, app_id, name, target) (dapr_resiliency_cb_state{status="open"})', "app_id")
            + " == 1",
            severity="warning",
            duration="1m",
            summary="Dapr circuit breaker is open in {{ $labels.app_id }} for {{ $labels.target }}",
            description=(
                "Resiliency policy {{ $labels.name }} of {{ $labels.app_id }} has opened its circuit breaker "
                "for {{ $labels.target }} (open = {{ $value }}): calls fail fast until it half-opens."
            ),
            dashboard=uids.DAPR,
        ),
    ]
    return [RuleGroup("dapr", alerts)]
