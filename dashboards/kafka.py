"""Todo / Kafka: brokers, topics (in/out, partitions, ISR), consumer lag in messages and seconds per
consumer group (= Dapr app id of the subscriber) and producers. kafka_exporter works for Strimzi and
managed Kafka alike; the broker-internal panels (JMX) exist only when Kafka runs on Strimzi."""

from __future__ import annotations

from typing import Any

from grafana_foundation_sdk.builders.dashboard import Dashboard

from dashboards import uids
from dashboards.common import (
    APP_ID,
    DASHBOARD_TITLES,
    NAMESPACE,
    RATE,
    Link,
    Section,
    Thresholds,
    VariableChoice,
    dashboard,
    dashboard_url,
    graph,
    q,
    sel,
    single,
)
from dashboards.recording_rules import consumer_lag_messages, consumer_lag_seconds
from settings import StackSettings

GROUP = 'consumergroup=~"$service"'
GROUP_LINKS = (
    Link(
        "Dapr pub/sub of ${__field.labels.consumergroup}",
        dashboard_url(uids.DAPR, service="${__field.labels.consumergroup}"),
    ),
)


def topics_regex(settings: StackSettings) -> str:
    return "|".join(settings.kafka.topics)


def cluster_health(settings: StackSettings) -> Section:
    exporter = sel()
    panels: list[Any] = [
        single(
            "Brokers",
            "Brokers kafka_exporter sees in the cluster metadata.",
            q(f"max(kafka_brokers{exporter})"),
            width=4,
            thresholds=Thresholds(warning=2, critical=1, higher_is_better=True),
        ),
        single(
            "Under-replicated partitions",
            "Partitions with fewer in-sync replicas than replicas (kafka_exporter).",
            q(f"sum(kafka_topic_partition_under_replicated_partition{exporter})"),
            width=4,
            thresholds=Thresholds(warning=1, critical=1),
        ),
    ]
    if settings.kafka.mode == "strimzi":
        brokers = sel(f'namespace="{settings.kafka.namespace}"')
        panels += [
            single(
                "Active controllers",
                "KRaft controllers that are active; exactly one is healthy.",
                q(f"sum(kafka_controller_kafkacontroller_activecontrollercount{brokers})"),
                width=4,
                thresholds=Thresholds(warning=1, critical=1, higher_is_better=True),
            ),
            single(
                "Offline partitions",
                "Partitions without a leader: producers and consumers of them are stuck.",
                q(f"sum(kafka_controller_kafkacontroller_offlinepartitionscount{brokers})"),
                width=4,
                thresholds=Thresholds(warning=1, critical=1),
            ),
            single(
                "Under min ISR",
                "Partitions below min.insync.replicas: acks=all producers are refused.",
                q(f"sum(kafka_server_replicamanager_underminisrpartitioncount{brokers})"),
                width=4,
                thresholds=Thresholds(warning=1, critical=1),
            ),
            single(
                "Leaders per broker (spread)",
                "Max minus min partition leaders per broker; large values mean an unbalanced cluster.",
                q(
                    f"max(kafka_server_replicamanager_leadercount{brokers}) "
                    f"- min(kafka_server_replicamanager_leadercount{brokers})"
                ),
                width=4,
            ),
            graph(
                "Broker bytes in/out",
                "Bytes per second received from producers and sent to consumers and followers, per broker pod.",
                [
                    q(
                        f"sum by (pod) (rate(kafka_server_brokertopicmetrics_bytesin_total{brokers}[{RATE}]))",
                        "in {{pod}}",
                    ),
                    q(
                        f"sum by (pod) (rate(kafka_server_brokertopicmetrics_bytesout_total{brokers}[{RATE}]))",
                        "out {{pod}}",
                    ),
                ],
                unit="Bps",
                width=12,
            ),
            graph(
                "ISR shrinks and expands",
                "Replicas leaving and rejoining the in-sync set; flapping points at a slow broker or network.",
                [
                    q(
                        f"sum by (pod) (rate(kafka_server_replicamanager_isrshrinks_total{brokers}[{RATE}]))",
                        "shrink {{pod}}",
                    ),
                    q(
                        f"sum by (pod) (rate(kafka_server_replicamanager_isrexpands_total{brokers}[{RATE}]))",
                        "expand {{pod}}",
                    ),
                ],
                unit="ops",
                width=12,
            ),
        ]
    return Section("Brokers", panels)


def topics(settings: StackSettings) -> Section:
    topic = sel(f'topic=~"{topics_regex(settings)}"')
    return Section(
        "Topics",
        [
            graph(
                "Messages in per topic",
                "Messages appended per second, from the growth of the partitions' newest offsets.",
                [
                    q(
                        f"sum by (topic) (rate(kafka_topic_partition_current_offset{topic}[{RATE}]))",
                        "{{topic}}",
                    )
                ],
                unit="ops",
                width=8,
            ),
            graph(
                "Messages consumed per group and topic",
                "Offsets committed per second by each consumer group (= subscriber app id).",
                [
                    q(
                        "sum by (consumergroup, topic) "
                        f"(rate(kafka_consumergroup_current_offset_sum{sel(GROUP)}[{RATE}]))",
                        "{{consumergroup}} {{topic}}",
                    )
                ],
                unit="ops",
                width=8,
                links=GROUP_LINKS,
            ),
            graph(
                "Partitions and in-sync replicas",
                "Partitions per topic, and in-sync replicas against assigned replicas summed over partitions.",
                [
                    q(f"max by (topic) (kafka_topic_partitions{topic})", "partitions {{topic}}"),
                    q(f"sum by (topic) (kafka_topic_partition_in_sync_replica{topic})", "in-sync {{topic}}"),
                    q(f"sum by (topic) (kafka_topic_partition_replicas{topic})", "replicas {{topic}}"),
                ],
                unit="short",
                width=8,
            ),
        ],
    )


def consumer_lag(settings: StackSettings) -> Section:
    thresholds = settings.alerting.thresholds
    return Section(
        "Consumer lag",
        [
            graph(
                "Lag in messages",
                "Messages not yet consumed per group and topic (partitions without a committed offset, "
                "reported as -1, are left out). Dashed: alerting.thresholds.consumerLagMessages.",
                [q(consumer_lag_messages(GROUP), "{{consumergroup}} {{topic}}")],
                unit="short",
                width=8,
                thresholds=Thresholds(critical=thresholds.consumer_lag_messages),
                links=GROUP_LINKS,
            ),
            graph(
                "Lag in seconds (estimate)",
                "Lag divided by the group's consume rate; no value while the group consumes nothing. "
                "Dashed: alerting.thresholds.consumerLagSeconds.",
                [q(consumer_lag_seconds(GROUP), "{{consumergroup}} {{topic}}")],
                unit="s",
                width=8,
                thresholds=Thresholds(critical=thresholds.consumer_lag_seconds),
                links=GROUP_LINKS,
            ),
            graph(
                "Consumer group members",
                "Members of each consumer group; 0 means nobody consumes (subscriber down).",
                [q(f"max by (consumergroup) (kafka_consumergroup_members{sel(GROUP)})", "{{consumergroup}}")],
                unit="short",
                width=8,
                links=GROUP_LINKS,
            ),
        ],
    )


def producers(settings: StackSettings) -> Section:
    component = f'component="{settings.kafka.pubsub_component}"'
    publishes = sel(NAMESPACE, APP_ID, component)
    failed = sel(NAMESPACE, APP_ID, component, 'success="false"')
    panels: list[Any] = [
        graph(
            "Publishes per app and topic",
            "Messages the apps publish through Dapr pub/sub (the only way apps reach Kafka).",
            [
                q(
                    f"sum by (app_id, topic) (rate(dapr_component_pubsub_egress_count{publishes}[{RATE}]))",
                    "{{app_id}} {{topic}}",
                )
            ],
            unit="ops",
            width=12,
        ),
        graph(
            "Producer errors",
            "Publishes that failed (Dapr egress success=false), per app and topic.",
            [
                q(
                    f"sum by (app_id, topic) (rate(dapr_component_pubsub_egress_count{failed}[{RATE}]))",
                    "{{app_id}} {{topic}}",
                )
            ],
            unit="ops",
            width=12,
        ),
    ]
    if settings.kafka.mode == "strimzi":
        brokers = sel(f'namespace="{settings.kafka.namespace}"')
        panels.append(
            graph(
                "Produce requests on the brokers",
                "Produce requests per second and the failed ones, as the brokers count them.",
                [
                    q(
                        f"sum(rate(kafka_server_brokertopicmetrics_totalproducerequests_total{brokers}[{RATE}]))",
                        "total",
                    ),
                    q(
                        f"sum(rate(kafka_server_brokertopicmetrics_failedproducerequests_total{brokers}[{RATE}]))",
                        "failed",
                    ),
                ],
                unit="reqps",
                width=24,
                height=6,
            )
        )
    return Section("Producers", panels)


def build(settings: StackSettings) -> Dashboard:
    mode = "Strimzi (in-cluster)" if settings.kafka.mode == "strimzi" else f"managed ({settings.kafka.vendor})"
    return dashboard(
        uids.KAFKA,
        DASHBOARD_TITLES[uids.KAFKA],
        f"Kafka for the Todo services, {mode}. Service = consumer group = Dapr app id of the subscriber.",
        ["todo", "kafka"],
        VariableChoice(settings.cloud, settings.application_namespaces, [s.name for s in settings.services]),
        [cluster_health(settings), topics(settings), consumer_lag(settings), producers(settings)],
    )
