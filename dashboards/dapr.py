"""Todo / Dapr: the sidecars (HTTP and gRPC traffic, pub/sub ingress and egress, component init failures,
circuit breakers) and the Dapr control plane. Dapr counters have no `_total` suffix and its latencies
are in milliseconds."""

from __future__ import annotations

from grafana_foundation_sdk.builders.dashboard import Dashboard

from contracts import uids
from dashboards.common import (
    APP_ID,
    DASHBOARD_TITLES,
    NAMESPACE,
    RATE,
    SERVICE,
    DashboardSections,
    Link,
    Section,
    Thresholds,
    dashboard,
    dashboard_url,
    graph,
    q,
    rates,
    sel,
    single,
)
from dashboards.recording_rules import (
    producer_errors,
    publish_rate,
    pubsub_ingress_rate,
    pubsub_processing_p95_ms,
)
from settings.model import ThresholdSettings

SIDECAR = sel(NAMESPACE, APP_ID)
APP_LINKS = (
    Link("Pods of ${__field.labels.app_id}", dashboard_url(uids.KUBERNETES, service="${__field.labels.app_id}")),
    Link("Kafka view of ${__field.labels.app_id}", dashboard_url(uids.KAFKA, service="${__field.labels.app_id}")),
)
# The pub/sub recordings copy app_id to `service`.
SERVICE_LINKS = (
    Link("Pods of ${__field.labels.service}", dashboard_url(uids.KUBERNETES, service="${__field.labels.service}")),
    Link("Kafka view of ${__field.labels.service}", dashboard_url(uids.KAFKA, service="${__field.labels.service}")),
)


def http_traffic() -> Section:
    return Section(
        "Service invocation and Dapr API (HTTP)",
        [
            graph(
                "HTTP requests served by the sidecar",
                "Requests to each sidecar's HTTP server (Dapr API and service invocation) by status.",
                [
                    q(
                        f"sum by (app_id, status) (rate(dapr_http_server_request_count{SIDECAR}[{RATE}]))",
                        "{{app_id}} {{status}}",
                    )
                ],
                unit="reqps",
                width=8,
                links=APP_LINKS,
            ),
            graph(
                "HTTP server P95 latency",
                "95th percentile of the sidecar's HTTP server latency.",
                [
                    q(
                        "histogram_quantile(0.95, sum by (app_id, le) "
                        f"(rate(dapr_http_server_latency_bucket{SIDECAR}[{RATE}])))",
                        "{{app_id}}",
                    )
                ],
                unit="ms",
                width=8,
            ),
            graph(
                "HTTP client calls by status",
                "Calls the sidecar made to its app or to other sidecars, by status.",
                [
                    q(
                        f"sum by (app_id, status) (rate(dapr_http_client_completed_count{SIDECAR}[{RATE}]))",
                        "{{app_id}} {{status}}",
                    )
                ],
                unit="reqps",
                width=8,
            ),
        ],
    )


def grpc_traffic() -> Section:
    return Section(
        "gRPC",
        [
            graph(
                "gRPC server RPCs by status",
                "RPCs the sidecar served (Dapr API over gRPC, sidecar-to-sidecar invocation).",
                [
                    q(
                        "sum by (app_id, grpc_server_status) "
                        f"(rate(dapr_grpc_io_server_completed_rpcs{SIDECAR}[{RATE}]))",
                        "{{app_id}} {{grpc_server_status}}",
                    )
                ],
                unit="reqps",
                width=8,
            ),
            graph(
                "gRPC server P95 latency",
                "95th percentile of the sidecar's gRPC server latency.",
                [
                    q(
                        "histogram_quantile(0.95, sum by (app_id, le) "
                        f"(rate(dapr_grpc_io_server_server_latency_bucket{SIDECAR}[{RATE}])))",
                        "{{app_id}}",
                    )
                ],
                unit="ms",
                width=8,
            ),
            graph(
                "gRPC client RPCs by status",
                "RPCs the sidecar made (to other sidecars and to components over gRPC).",
                [
                    q(
                        "sum by (app_id, grpc_client_status) "
                        f"(rate(dapr_grpc_io_client_completed_rpcs{SIDECAR}[{RATE}]))",
                        "{{app_id}} {{grpc_client_status}}",
                    )
                ],
                unit="reqps",
                width=8,
            ),
        ],
    )


def pubsub(thresholds: ThresholdSettings) -> Section:
    processing_p95 = thresholds.kafka_processing_p95_seconds * 1000
    # Every panel reads the recordings the pub/sub alerts use (per service, topic and status, over
    # every pub/sub component; the Todo apps have one, kafka.pubsubComponent): the P95 would otherwise
    # scan every latency bucket of every subscriber and topic.
    return Section(
        "Pub/sub",
        [
            graph(
                "Ingress by process_status",
                "Messages delivered to subscribers: success, retry (redelivered) or drop (lost for the app).",
                [q(pubsub_ingress_rate(NAMESPACE, SERVICE), "{{service}} {{topic}} {{process_status}}")],
                unit="ops",
                width=8,
                links=SERVICE_LINKS,
            ),
            graph(
                "Ingress processing P95",
                "95th percentile of the time the subscriber took to process a message, as "
                "KafkaMessageProcessingSlow sees it. The dashed line is its threshold "
                "(alerting.thresholds.kafkaProcessingP95Seconds).",
                [q(pubsub_processing_p95_ms(NAMESPACE, SERVICE), "{{service}} {{topic}}")],
                unit="ms",
                width=8,
                thresholds=Thresholds(critical=processing_p95),
            ),
            graph(
                "Egress failures",
                "Publishes that the pub/sub component rejected (success=false), per publisher and topic: "
                "what KafkaProducerErrors alerts on.",
                [q(producer_errors(NAMESPACE, SERVICE), "{{service}} {{topic}}")],
                unit="ops",
                width=8,
                links=SERVICE_LINKS,
            ),
            graph(
                "Egress by result",
                "All publishes and the failed ones, per publisher and topic.",
                [
                    q(publish_rate(NAMESPACE, SERVICE), "all {{service}} {{topic}}"),
                    q(producer_errors(NAMESPACE, SERVICE), "failed {{service}} {{topic}}"),
                ],
                unit="ops",
                width=24,
                height=6,
            ),
        ],
    )


def components_and_resiliency() -> Section:
    # The gauge has one series per state; the current state's series is 1.
    open_breakers = sel(NAMESPACE, APP_ID, 'status="open"')
    return Section(
        "Components and resiliency",
        [
            graph(
                "Component init failures",
                "Components a sidecar failed to initialise, by reason. Any value means an app runs without "
                "its pub/sub, state store or binding.",
                [
                    q(
                        "sum by (app_id, component, reason) "
                        f"(increase(dapr_runtime_component_init_fail_total{SIDECAR}[{RATE}]))",
                        "{{app_id}} {{component}} {{reason}}",
                    )
                ],
                unit="short",
                width=8,
            ),
            graph(
                "Open circuit breakers",
                "Circuit breakers currently open (1) per app and target: calls to that target fail fast.",
                [q(f"max by (app_id, target) (dapr_resiliency_cb_state{open_breakers})", "{{app_id}} {{target}}")],
                unit="short",
                width=8,
            ),
            graph(
                "Resiliency policies applied",
                "Retries, timeouts and circuit breakers executed per second, by policy.",
                [
                    q(
                        f"sum by (app_id, policy) (rate(dapr_resiliency_count{SIDECAR}[{RATE}]))",
                        "{{app_id}} {{policy}}",
                    )
                ],
                unit="ops",
                width=8,
            ),
        ],
    )


def control_plane(dapr_namespace: str) -> Section:
    system = sel(f'namespace="{dapr_namespace}"')
    return Section(
        f"Control plane ({dapr_namespace})",
        [
            single(
                "Control plane targets up",
                "Scraped control plane pods that answer (operator, sentry, placement, injector, scheduler).",
                q(f"sum(up{system})"),
                thresholds=Thresholds(warning=1, critical=1, higher_is_better=True),
                width=4,
            ),
            single(
                "Issuer certificate expires in",
                "Time left before Sentry's issuer (root) certificate expires; mTLS breaks after that.",
                q(f"min(dapr_sentry_issuercert_expiry_timestamp{system}) - time()"),
                unit="s",
                width=4,
                thresholds=Thresholds(warning=30 * 86400, critical=7 * 86400, higher_is_better=True),
            ),
            single(
                "Placement hosts",
                "Hosts reported to the placement service.",
                q(f"max(dapr_placement_runtimes_total{system})"),
                width=4,
            ),
            graph(
                "Sentry certificate signing",
                "Workload certificate requests signed and failed per second.",
                rates(
                    system,
                    [
                        ("dapr_sentry_cert_sign_success_total", "signed"),
                        ("dapr_sentry_cert_sign_failure_total", "failed"),
                    ],
                ),
                unit="ops",
                width=6,
                height=4,
            ),
            graph(
                "Sidecar injection",
                "Sidecar injections that succeeded and failed; a failure leaves a pod without Dapr.",
                rates(
                    system,
                    [
                        ("dapr_injector_sidecar_injection_succeeded_total", "succeeded"),
                        ("dapr_injector_sidecar_injection_failed_total", "failed"),
                    ],
                ),
                unit="ops",
                width=6,
                height=4,
            ),
        ],
    )


def build(config: DashboardSections) -> Dashboard:
    return dashboard(
        uids.DAPR,
        DASHBOARD_TITLES[uids.DAPR],
        "Dapr sidecars of the Todo services and the Dapr control plane. Service = Dapr app id.",
        ["todo", "dapr"],
        config.app_variables(),
        [
            http_traffic(),
            grpc_traffic(),
            pubsub(config.thresholds),
            components_and_resiliency(),
            control_plane(config.metrics.dapr_namespace),
        ],
        logs_datasource_type=config.logs_datasource_type,
    )
