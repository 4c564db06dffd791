"""Dapr: sidecars of the app's pods, component initialisation, the control plane, circuit breakers."""

from __future__ import annotations

from contracts import uids
from render.monitors import DAPR_SIDECAR_SAMPLE_LIMIT
from rules.model import Alert, RuleGroup, any_of, as_service, service_from_pod, with_node
from settings.model import ServiceSettings

SIDECAR_CONTAINER = "daprd"
SIDECAR_FOR = "5m"
CONTROL_PLANE_FOR = "5m"
# A failed component stays failed until its sidecar restarts; a crash-looping sidecar is scraped only
# now and then, so a failure seen once keeps the alert up this long.
INIT_FAIL_WINDOW = "10m"


def build(services: list[ServiceSettings], application_namespaces: list[str], dapr_namespace: str) -> list[RuleGroup]:
    app_namespaces = any_of(application_namespaces)
    control_plane = f'namespace="{dapr_namespace}"'
    sidecar = f'container="{SIDECAR_CONTAINER}", namespace=~"{app_namespaces}"'
    over_sample_limit = (
        f"max by (namespace, pod) (scrape_samples_post_metric_relabeling{{{sidecar}}}) > {DAPR_SIDECAR_SAMPLE_LIMIT}"
    )
    alerts = [
        Alert(
            "DaprSidecarDown",
            with_node(
                service_from_pod(
                    f"max by (namespace, pod) (up{{{sidecar}}}) == 0\n"
                    # Over its sample limit the sidecar answers but the scrape is discarded (up = 0):
                    # DaprSidecarSampleLimitExceeded says that, this alert would send people looking
                    # for a dead sidecar.
                    f"unless on (namespace, pod)\n{over_sample_limit}",
                    services,
                )
            ),
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
            "DaprSidecarSampleLimitExceeded",
            with_node(service_from_pod(over_sample_limit, services)),
            severity="warning",
            duration=SIDECAR_FOR,
            summary="Dapr sidecar of {{ $labels.pod }} exposes more series than its scrape limit",
            description=(
                "The daprd sidecar of {{ $labels.namespace }}/{{ $labels.pod }} exposes {{ $value }} samples "
                f"after relabeling, over the PodMonitor's sampleLimit of {DAPR_SIDECAR_SAMPLE_LIMIT}: every "
                "scrape of it is discarded (up = 0), so its Dapr metrics and alerts are blind; the sidecar "
                "itself still works. Usually HTTP metrics with high-cardinality paths."
            ),
            dashboard=uids.DAPR,
        ),
        Alert(
            "DaprSidecarNotReady",
            with_node(
                service_from_pod(f"max by (namespace, pod) (kube_pod_container_status_ready{{{sidecar}}})", services)
                + " == 0"
            ),
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
            # daprd creates this counter at the first failure, already at 1, and a restarted sidecar
            # starts it at 1 again: increase() never sees those. A live sidecar that has the series
            # failed to initialise the component and runs without it.
            as_service(
                "sum by (namespace, app_id, component, reason) "
                f"(max_over_time(dapr_runtime_component_init_fail_total[{INIT_FAIL_WINDOW}]))",
                "app_id",
            )
            + " > 0",
            severity="warning",
            summary="Dapr component {{ $labels.component }} fails to initialise in {{ $labels.app_id }}",
            description=(
                "Sidecars of {{ $labels.app_id }} seen in the last "
                f"{INIT_FAIL_WINDOW} counted {{{{ $value | humanize }}}} failed initialisations of Dapr "
                "component {{ $labels.component }} (reason: {{ $labels.reason }}): they run without it "
                "until they restart cleanly."
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
