"""Kafka through kafka_exporter, Strimzi's JMX metrics and Dapr pub/sub: the recording rules the
alerts and the Kafka dashboard read, and the alerts on lag, processing time, drops and broker health."""

from __future__ import annotations

from contracts import uids
from rules.model import Alert, Recording, RuleGroup, any_of, as_service, events_in, with_evidence
from settings.model import KafkaSettings, ServiceSettings, ThresholdSettings

LAG = "kafka:consumergroup_lag:sum"
CONSUME_RATE = "kafka:consumergroup_consume_rate:rate5m"
LAG_SECONDS = "kafka:consumergroup_lag_seconds:estimate"
PRODUCE_RATE = "kafka:topic_produce_rate:rate5m"
PUBLISH_RATE = "dapr:pubsub_egress:rate5m"
PRODUCER_ERRORS = "dapr:pubsub_egress_failed:rate5m"
INGRESS_RATE = "dapr:pubsub_ingress:rate5m"
PROCESSING_P95_MS = "dapr:pubsub_ingress_latency_ms:p95_5m"

# A consumer that falls behind during a deploy catches up within minutes; lag that lasts is real.
LAG_FOR = "10m"
# Stalled = not one committed offset in the 5m consume-rate window, held 3m more: a hung consumer is
# reported about 8 minutes after its last commit, while a rebalance (consumption paused for a minute or
# two, then the backlog drains) never empties the 5m window.
STALLED_FOR = "3m"
STALLED_AFTER = "8m"
BROKER_FOR = "5m"
PUBSUB_FOR = "5m"
DROP_WINDOW = "10m"
# Broker metrics that are simply gone (scrape target deleted, wrong endpoint) leave the broker alerts blind.
METRICS_ABSENT_FOR = "10m"
# A metric each managed vendor's endpoint always serves while the cluster exists.
VENDOR_PRESENCE_METRIC = {"redpanda": "redpanda_cluster_brokers", "confluent": "confluent_kafka_server_partition_count"}
DAPR_PUBSUB_BY = "namespace, app_id, topic"


def dapr_rate5m(selector: str) -> str:
    """Per-second rate over 5m per app and topic, counting a new series' first events (Dapr creates
    the `success="false"` and per-`process_status` series only when the first such event happens)."""
    return as_service(f"{events_in(selector, '5m', DAPR_PUBSUB_BY)}\n/ 300", "app_id")


def recordings() -> list[Recording]:
    return [
        # kafka_exporter reports -1 for partitions where the group never committed an offset.
        Recording(LAG, "sum by (consumergroup, topic) (kafka_consumergroup_lag >= 0)"),
        Recording(CONSUME_RATE, "sum by (consumergroup, topic) (rate(kafka_consumergroup_current_offset[5m]))"),
        # Only where the group consumes: a stalled group has no estimate (and KafkaConsumerLagHigh still fires).
        Recording(LAG_SECONDS, f"{LAG}\n/ on (consumergroup, topic)\n({CONSUME_RATE} > 0)"),
        Recording(PRODUCE_RATE, "sum by (topic) (rate(kafka_topic_partition_current_offset[5m]))"),
        Recording(PUBLISH_RATE, dapr_rate5m("dapr_component_pubsub_egress_count")),
        Recording(PRODUCER_ERRORS, dapr_rate5m('dapr_component_pubsub_egress_count{success="false"}')),
        Recording(
            INGRESS_RATE,
            as_service(
                events_in("dapr_component_pubsub_ingress_count", "5m", f"{DAPR_PUBSUB_BY}, process_status") + "\n/ 300",
                "app_id",
            ),
        ),
        Recording(
            PROCESSING_P95_MS,
            as_service(
                "histogram_quantile(0.95, sum by (namespace, app_id, topic, le) "
                "(rate(dapr_component_pubsub_ingress_latencies_bucket[5m])))",
                "app_id",
            ),
        ),
    ]


def lag_alerts(t: ThresholdSettings) -> list[Alert]:
    return [
        Alert(
            "KafkaConsumerLagHigh",
            as_service(LAG, "consumergroup") + f" > {t.consumer_lag_messages}",
            severity="warning",
            duration=LAG_FOR,
            summary="Consumer group {{ $labels.consumergroup }} is behind on {{ $labels.topic }}",
            description=(
                "{{ $labels.consumergroup }} has {{ $value }} unconsumed messages on {{ $labels.topic }} "
                f"(threshold {t.consumer_lag_messages} messages for {LAG_FOR})."
            ),
            dashboard=uids.KAFKA,
        ),
        Alert(
            "KafkaConsumerLagDelayHigh",
            as_service(LAG_SECONDS, "consumergroup") + f" > {t.consumer_lag_seconds}",
            severity="warning",
            duration=LAG_FOR,
            summary="Consumer group {{ $labels.consumergroup }} is minutes behind on {{ $labels.topic }}",
            description=(
                "At its current consume rate {{ $labels.consumergroup }} needs {{ $value | humanizeDuration }} "
                f"to catch up on {{{{ $labels.topic }}}} (threshold {t.consumer_lag_seconds}s for {LAG_FOR})."
            ),
            dashboard=uids.KAFKA,
        ),
        Alert(
            "KafkaConsumerStalled",
            # KafkaConsumerLagDelayHigh divides by the consume rate, so it cannot see a consumer that
            # stopped consuming: a hung subscriber still has members and lag, but no progress.
            as_service(f"{LAG} > 0\nand on (consumergroup, topic)\n{CONSUME_RATE} == 0", "consumergroup"),
            severity="critical",
            duration=STALLED_FOR,
            summary="Consumer group {{ $labels.consumergroup }} has stopped consuming {{ $labels.topic }}",
            description=(
                "{{ $labels.consumergroup }} has {{ $value }} unconsumed messages on {{ $labels.topic }} and "
                f"has not committed a single offset for about {STALLED_AFTER}: the subscriber is hung or every "
                "delivery fails, and these events are not processed."
            ),
            dashboard=uids.KAFKA,
        ),
    ]


def processing_alerts(t: ThresholdSettings) -> list[Alert]:
    threshold_ms = round(t.kafka_processing_p95_seconds * 1000)
    ratio = t.error_rate_percent
    return [
        Alert(
            "KafkaMessageProcessingSlow",
            f"{PROCESSING_P95_MS} > {threshold_ms}",
            severity="warning",
            duration=t.latency_for,
            summary="{{ $labels.service }} processes {{ $labels.topic }} messages slowly",
            description=(
                "P95 time for {{ $labels.service }} to handle a {{ $labels.topic }} message is "
                f'{{{{ $value | printf "%.0f" }}}} ms (threshold {threshold_ms} ms for {t.latency_for}).'
            ),
            dashboard=uids.KAFKA,
        ),
        Alert(
            "DaprPubsubMessagesDropped",
            # Every drop is a lost event, the very first one of a sidecar too (its series starts at 1).
            as_service(
                events_in('dapr_component_pubsub_ingress_count{process_status="drop"}', DROP_WINDOW, DAPR_PUBSUB_BY),
                "app_id",
            )
            + " > 0",
            severity="warning",
            summary="{{ $labels.service }} drops {{ $labels.topic }} messages",
            description=(
                "Dapr dropped {{ $value | humanize }} {{ $labels.topic }} messages for {{ $labels.service }} "
                f"in the last {DROP_WINDOW}: the app answered DROP or the message could not be delivered; "
                "dropped messages are not redelivered."
            ),
            dashboard=uids.KAFKA,
        ),
        Alert(
            "DaprPubsubRetriesHigh",
            with_evidence(
                f'{INGRESS_RATE}{{process_status="retry"}}\n/ ignoring (process_status)\n'
                f"sum without (process_status) ({INGRESS_RATE}) * 100 > {ratio:g}",
                "namespace, app_id, topic",
                f'{INGRESS_RATE}{{process_status="retry"}} * 300',
                t.error_rate_min_failed_requests,
                f"sum without (process_status) ({INGRESS_RATE})",
                t.error_rate_min_requests_per_second,
            ),
            severity="warning",
            duration=PUBSUB_FOR,
            summary="{{ $labels.service }} asks Dapr to retry {{ $labels.topic }} messages",
            description=(
                '{{ $value | printf "%.2f" }}% of {{ $labels.topic }} deliveries to {{ $labels.service }} '
                f"end in RETRY over 5m (threshold {ratio:g}%)."
            ),
            dashboard=uids.KAFKA,
        ),
        Alert(
            "KafkaProducerErrors",
            with_evidence(
                f"{PRODUCER_ERRORS}\n/\n({PUBLISH_RATE} > 0) * 100 > {ratio:g}",
                "namespace, app_id, topic",
                f"{PRODUCER_ERRORS} * 300",
                t.error_rate_min_failed_requests,
                PUBLISH_RATE,
                t.error_rate_min_requests_per_second,
            ),
            severity="critical",
            duration=PUBSUB_FOR,
            summary="{{ $labels.service }} fails to publish to {{ $labels.topic }}",
            description=(
                '{{ $value | printf "%.2f" }}% of publishes by {{ $labels.service }} to {{ $labels.topic }} '
                f"failed over 5m (threshold {ratio:g}%): events are being lost unless the app retries."
            ),
            dashboard=uids.KAFKA,
        ),
    ]


def consumer_group_alerts(services: list[ServiceSettings]) -> list[Alert]:
    groups = [s.name for s in services if s.subscribes]
    if not groups:
        return []
    return [
        Alert(
            "KafkaConsumerGroupNoMembers",
            as_service(
                f'max by (consumergroup) (kafka_consumergroup_members{{consumergroup=~"{any_of(groups)}"}})',
                "consumergroup",
            )
            + " == 0",
            severity="critical",
            duration=BROKER_FOR,
            summary="Consumer group {{ $labels.consumergroup }} has no members",
            description=(
                "Consumer group {{ $labels.consumergroup }} has {{ $value }} members: its topics are not "
                "processed until {{ $labels.service }} reconnects."
            ),
            dashboard=uids.KAFKA,
        )
    ]


def broker_alerts(kafka: KafkaSettings) -> list[Alert]:
    alerts = [
        Alert(
            "KafkaUnderReplicatedPartitions",
            "sum by (topic) (kafka_topic_partition_under_replicated_partition) > 0",
            severity="warning",
            duration=BROKER_FOR,
            summary="Topic {{ $labels.topic }} has under-replicated partitions",
            description=(
                "{{ $value }} partitions of {{ $labels.topic }} have fewer in-sync replicas than replicas: "
                "one more broker failure can lose data."
            ),
            dashboard=uids.KAFKA,
        )
    ]
    if kafka.mode != "strimzi":
        return [*alerts, *vendor_alerts(kafka)]
    in_kafka = f'namespace="{kafka.namespace}"'
    return [
        *alerts,
        Alert(
            "KafkaOfflinePartitions",
            f"sum(kafka_controller_kafkacontroller_offlinepartitionscount{{{in_kafka}}}) > 0",
            severity="critical",
            duration="1m",
            summary="Kafka has offline partitions",
            description=(
                f"{{{{ $value }}}} partitions of {kafka.cluster_name} have no leader: "
                "producers and consumers of those partitions are stopped."
            ),
            dashboard=uids.KAFKA,
        ),
        Alert(
            "KafkaNoActiveController",
            # `or vector(0)`: when every controller's JMX target is gone (pods deleted, PodMonitor
            # broken) there is no series to compare, and that must read as no controller, not as fine.
            f"(sum(kafka_controller_kafkacontroller_activecontrollercount{{{in_kafka}}}) or vector(0)) < 1",
            severity="critical",
            duration=BROKER_FOR,
            summary="Kafka has no active controller",
            description=(
                f"{kafka.cluster_name} reports {{{{ $value }}}} active KRaft controllers (0 also when "
                "no controller's metrics are scraped at all): metadata changes, leader elections and topic "
                "creation are blocked."
            ),
            dashboard=uids.KAFKA,
        ),
    ]


def vendor_alerts(kafka: KafkaSettings) -> list[Alert]:
    """A managed vendor runs the brokers and controllers and exposes no JMX: its own endpoint's metrics."""
    cluster = f'kafka_cluster="{kafka.cluster_name}"'
    presence = VENDOR_PRESENCE_METRIC.get(kafka.vendor)
    if presence is None:
        return []
    alerts = [
        Alert(
            "KafkaBrokerMetricsAbsent",
            f"absent({presence}{{{cluster}}})",
            severity="warning",
            duration=METRICS_ABSENT_FOR,
            summary=f"No broker metrics from {kafka.vendor} for Kafka cluster {kafka.cluster_name}",
            description=(
                f"Prometheus has had no {presence} from the vendor's metrics endpoint for "
                f"{METRICS_ABSENT_FOR} (absent = {{{{ $value }}}}): the broker alerts of {kafka.cluster_name} "
                "are blind (scrape failing, credentials expired or endpoint changed)."
            ),
            dashboard=uids.KAFKA,
        )
    ]
    if kafka.vendor == "redpanda":
        alerts.append(
            Alert(
                "KafkaOfflinePartitions",
                # Redpanda's partitions without a Raft quorum: the managed form of Kafka's offline partitions.
                f"sum(redpanda_cluster_unavailable_partitions{{{cluster}}}) > 0",
                severity="critical",
                duration="1m",
                summary="Kafka has offline partitions",
                description=(
                    f"{{{{ $value }}}} partitions of {kafka.cluster_name} (Redpanda Cloud) have no leader: "
                    "producers and consumers of those partitions are stopped."
                ),
                dashboard=uids.KAFKA,
            )
        )
    return alerts


def build(kafka: KafkaSettings, services: list[ServiceSettings], t: ThresholdSettings) -> list[RuleGroup]:
    return [
        RuleGroup(
            "kafka",
            [
                *recordings(),
                *lag_alerts(t),
                *processing_alerts(t),
                *consumer_group_alerts(services),
                *broker_alerts(kafka),
            ],
        )
    ]
