"""Todo / Kafka: brokers (health, CPU, memory, disk, network), topics (in/out, partitions, ISR),
consumer lag in messages and seconds per consumer group (= Dapr app id of the subscriber) and
producers. kafka_exporter and Dapr work whatever runs Kafka; what the dashboard shows of the brokers
themselves depends on who runs them, decided once in `broker_view`: Strimzi's JMX exporter plus the
kubelet's series of the broker pods, or the managed vendor's metrics endpoint with a note naming the
broker metrics the vendor does not expose (docs/kafka.md, "Broker metrics per mode")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from grafana_foundation_sdk.builders.dashboard import Dashboard

from contracts import uids
from dashboards.common import (
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
    note,
    pod_network,
    q,
    sel,
    single,
)
from dashboards.recording_rules import (
    consumer_lag_messages,
    consumer_lag_seconds,
    group_consume_rate,
    producer_errors,
    publish_rate,
    topic_produce_rate,
)
from rules.model import any_of, regex_literal
from settings.model import KafkaSettings, ThresholdSettings

GROUP = 'consumergroup=~"$service"'
GROUP_LINKS = (
    Link(
        "Dapr pub/sub of ${__field.labels.consumergroup}",
        dashboard_url(uids.DAPR, service="${__field.labels.consumergroup}"),
    ),
)
# render/kafka_scrape.py puts this label on every series scraped from a vendor's metrics endpoint.
VENDOR_CLUSTER_LABEL = "kafka_cluster"
# Strimzi's container of a Kafka node (broker or KRaft controller); the pod also runs no sidecar by default.
STRIMZI_KAFKA_CONTAINER = "kafka"


def topics_regex(kafka: KafkaSettings) -> str:
    return any_of(kafka.topics)


# ---- Strimzi: names the operator gives the Kafka nodes -----------------------------------------


def strimzi_node_pods(kafka: KafkaSettings) -> str:
    """`pod=~` operand for the Kafka nodes: `<cluster>-<node pool>-<id>` (KafkaNodePools) or
    `<cluster>-kafka-<id>` (without pools). The entity operator and Strimzi's exporter are
    Deployments: their pod names end in a random suffix, all digits only by rare chance, and where
    cAdvisor has a container label the `kafka` container matcher leaves them out anyway."""
    return f"{regex_literal(kafka.cluster_name)}-[a-z0-9-]+-[0-9]+"


def strimzi_data_volumes(kafka: KafkaSettings) -> str:
    """`persistentvolumeclaim=~` operand for the nodes' data volumes: `data-<pod>`, or `data-<id>-<pod>`
    for each volume of JBOD storage."""
    return f"data(-[0-9]+)?-{strimzi_node_pods(kafka)}"


# ---- what the dashboard shows of the brokers, per way of running Kafka -------------------------


@dataclass(frozen=True)
class BrokerView:
    """The broker panels a stack can fill: `health` stats (16 columns, beside the exporter's two),
    the `resources` row (CPU, memory, disk, network, or why not) and broker-side produce requests."""

    summary: str
    health: list[Any]
    resources: list[Any]
    produce_requests: list[Any]


def strimzi_view(kafka: KafkaSettings, thresholds: ThresholdSettings) -> BrokerView:
    jmx = sel(f'namespace="{kafka.namespace}"')
    pods = f'namespace="{kafka.namespace}", pod=~"{strimzi_node_pods(kafka)}"'
    kafka_container = f'container="{STRIMZI_KAFKA_CONTAINER}"'
    container = sel(pods, kafka_container)
    cpu_limit = sel(pods, kafka_container, 'resource="cpu"')
    heap = sel(pods, 'area="heap"')
    # cAdvisor reports network per pod (sandbox), not per container.
    pod = sel(pods)
    volumes = sel(f'namespace="{kafka.namespace}"', f'persistentvolumeclaim=~"{strimzi_data_volumes(kafka)}"')
    limit = thresholds.resource_usage_percent / 100
    health = [
        single(
            "Active controllers",
            "KRaft controllers that are active; exactly one is healthy.",
            q(f"sum(kafka_controller_kafkacontroller_activecontrollercount{jmx})"),
            width=4,
            thresholds=Thresholds(warning=1, critical=1, higher_is_better=True),
        ),
        single(
            "Offline partitions",
            "Partitions without a leader: producers and consumers of them are stuck.",
            q(f"sum(kafka_controller_kafkacontroller_offlinepartitionscount{jmx})"),
            width=4,
            thresholds=Thresholds(warning=1, critical=1),
        ),
        single(
            "Under min ISR",
            "Partitions below min.insync.replicas: acks=all producers are refused.",
            q(f"sum(kafka_server_replicamanager_underminisrpartitioncount{jmx})"),
            width=4,
            thresholds=Thresholds(warning=1, critical=1),
        ),
        single(
            "Leaders per broker (spread)",
            "Max minus min partition leaders per broker; large values mean an unbalanced cluster.",
            q(f"max(kafka_server_replicamanager_leadercount{jmx}) - min(kafka_server_replicamanager_leadercount{jmx})"),
            width=4,
        ),
    ]
    resources = [
        graph(
            "Broker CPU",
            "Cores used by each Kafka node's `kafka` container (cAdvisor), and its CPU limit.",
            [
                q(f"sum by (pod) (rate(container_cpu_usage_seconds_total{container}[{RATE}]))", "used {{pod}}"),
                q(f"max by (pod) (kube_pod_container_resource_limits{cpu_limit})", "limit {{pod}}"),
            ],
            unit="cores",
            width=8,
        ),
        graph(
            "Broker memory",
            "Working set of each Kafka node's container (what the OOM killer looks at) and the JVM heap "
            "in use inside it (JMX).",
            [
                q(f"sum by (pod) (container_memory_working_set_bytes{container})", "working set {{pod}}"),
                q(f"sum by (pod) (jvm_memory_used_bytes{heap})", "heap {{pod}}"),
            ],
            unit="bytes",
            width=8,
        ),
        graph(
            "Broker network",
            "Bytes per second received and sent by each Kafka node pod (cAdvisor), all traffic included.",
            pod_network(pod),
            unit="Bps",
            width=8,
        ),
        graph(
            "Broker disk used",
            "Share of each data volume in use (kubelet volume stats of the `data-*` PVCs). Dashed: "
            "alerting.thresholds.resourceUsagePercent.",
            [
                q(
                    "max by (persistentvolumeclaim) "
                    f"(kubelet_volume_stats_used_bytes{volumes} / kubelet_volume_stats_capacity_bytes{volumes})",
                    "{{persistentvolumeclaim}}",
                )
            ],
            unit="percentunit",
            width=8,
            thresholds=Thresholds(critical=limit),
        ),
        graph(
            "Log size per broker",
            "Bytes of partition logs each broker keeps on disk (JMX kafka.log Size, all partitions).",
            [q(f"sum by (pod) (kafka_log_log_size{jmx})", "{{pod}}")],
            unit="bytes",
            width=8,
        ),
        graph(
            "Partitions and leaders per broker",
            "Replicas each broker hosts and the ones it leads; under-replicated partitions as the brokers count them.",
            [
                q(f"sum by (pod) (kafka_server_replicamanager_partitioncount{jmx})", "partitions {{pod}}"),
                q(f"sum by (pod) (kafka_server_replicamanager_leadercount{jmx})", "leaders {{pod}}"),
                q(
                    f"sum by (pod) (kafka_server_replicamanager_underreplicatedpartitions{jmx})",
                    "under-replicated {{pod}}",
                ),
            ],
            unit="short",
            width=8,
        ),
        graph(
            "Broker bytes in/out",
            "Bytes per second received from producers and sent to consumers and followers, per broker.",
            [
                q(
                    f"sum by (pod) (rate(kafka_server_brokertopicmetrics_bytesin_total{jmx}[{RATE}]))",
                    "in {{pod}}",
                ),
                q(
                    f"sum by (pod) (rate(kafka_server_brokertopicmetrics_bytesout_total{jmx}[{RATE}]))",
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
                    f"sum by (pod) (rate(kafka_server_replicamanager_isrshrinks_total{jmx}[{RATE}]))",
                    "shrink {{pod}}",
                ),
                q(
                    f"sum by (pod) (rate(kafka_server_replicamanager_isrexpands_total{jmx}[{RATE}]))",
                    "expand {{pod}}",
                ),
            ],
            unit="ops",
            width=12,
        ),
    ]
    produce_requests = [
        graph(
            "Produce requests on the brokers",
            "Produce requests per second and the failed ones, as the brokers count them.",
            [
                q(f"sum(rate(kafka_server_brokertopicmetrics_totalproducerequests_total{jmx}[{RATE}]))", "total"),
                q(f"sum(rate(kafka_server_brokertopicmetrics_failedproducerequests_total{jmx}[{RATE}]))", "failed"),
            ],
            unit="reqps",
            width=24,
            height=6,
        )
    ]
    return BrokerView("Strimzi (in-cluster)", health, resources, produce_requests)


REDPANDA_NOT_EXPOSED = """\
Redpanda Cloud's metrics endpoint serves no OS- or node-level metrics, so these broker metrics have
**no panel here**: broker **CPU**, **memory**, **disk** and **network** (see the cluster in the Redpanda
Cloud console). Redpanda replicates with Raft: there are **no active-controller or ISR metrics**; the
leadership changes and under-replicated replicas above stand in for them, and kafka_exporter's
in-sync replicas per partition are in the Topics row. Shown below: Kafka API traffic, produce
latency and request errors as Redpanda counts them."""

CONFLUENT_NOT_EXPOSED = """\
Confluent Cloud's Metrics API has no per-broker metrics, so these broker metrics have **no panel
here**: broker **CPU** (only the cluster load above, Dedicated clusters only), **memory**, **disk**
(only retained bytes per topic below) and **network** (only Kafka payload bytes per topic below);
**active controllers**, **leaders** and broker-side **ISR** (kafka_exporter's view of ISR is in the
Topics row); **producer errors** (only Dapr's failed publishes, in the Producers row)."""


def redpanda_view(kafka: KafkaSettings, thresholds: ThresholdSettings) -> BrokerView:
    cluster = f'{VENDOR_CLUSTER_LABEL}="{kafka.cluster_name}"'
    vendor = sel(cluster)
    # User topics live in Redpanda's `kafka` namespace; `redpanda`/`kafka_internal` hold its own.
    topics = sel(cluster, 'redpanda_namespace="kafka"', f'redpanda_topic=~"{topics_regex(kafka)}"')
    produce = sel(cluster, 'redpanda_request="produce"')
    # The +Inf bucket of a histogram counts every observation: the request rate without `_count`.
    produce_requests_total = sel(cluster, 'redpanda_request="produce"', 'le="+Inf"')
    health = [
        single(
            "Brokers (Redpanda)",
            "Fully commissioned brokers in the cluster, as Redpanda reports them.",
            q(f"max(redpanda_cluster_brokers{vendor})"),
            width=4,
        ),
        single(
            "Unavailable partitions",
            "Partitions without a leader (no Raft quorum): producers and consumers of them are stuck.",
            q(f"max(redpanda_cluster_unavailable_partitions{vendor})"),
            width=4,
            thresholds=Thresholds(warning=1, critical=1),
        ),
        single(
            "Under-replicated replicas",
            "Replicas behind their Raft leader (Redpanda's counterpart of under-replicated partitions).",
            q(f"sum(redpanda_kafka_under_replicated_replicas{vendor})"),
            width=4,
            thresholds=Thresholds(warning=1, critical=1),
        ),
        single(
            "Leadership changes",
            "Raft leadership changes in the selected time range; a steady stream means unstable brokers.",
            q(f"sum(increase(redpanda_raft_leadership_changes{vendor}[$__range]))"),
            width=4,
            decimals=0,
        ),
    ]
    resources = [
        note("Not exposed by Redpanda Cloud", REDPANDA_NOT_EXPOSED, height=6),
        graph(
            "Kafka API bytes (produce / consume)",
            "Bytes per second written to and read from topic partitions, cluster-wide (Kafka payload, "
            "not the brokers' network).",
            [
                q(
                    f"sum by (redpanda_request) (rate(redpanda_kafka_request_bytes_total{sel(cluster)}[{RATE}]))",
                    "{{redpanda_request}}",
                )
            ],
            unit="Bps",
            width=12,
        ),
        graph(
            "Records produced and fetched per topic",
            "Records per second written to and read from the Todo topics.",
            [
                q(
                    f"sum by (redpanda_topic) (rate(redpanda_kafka_records_produced_total{topics}[{RATE}]))",
                    "produced {{redpanda_topic}}",
                ),
                q(
                    f"sum by (redpanda_topic) (rate(redpanda_kafka_records_fetched_total{topics}[{RATE}]))",
                    "fetched {{redpanda_topic}}",
                ),
            ],
            unit="ops",
            width=12,
        ),
    ]
    produce_requests = [
        graph(
            "Produce requests on the brokers",
            "Produce requests per second, as Redpanda counts them.",
            [
                q(
                    f"sum(rate(redpanda_kafka_request_latency_seconds_bucket{produce_requests_total}[{RATE}]))",
                    "produce",
                )
            ],
            unit="reqps",
            width=8,
            height=6,
        ),
        graph(
            "Produce latency P95",
            "95th percentile of the time Redpanda took to answer a produce request.",
            [
                q(
                    "histogram_quantile(0.95, sum by (le) "
                    f"(rate(redpanda_kafka_request_latency_seconds_bucket{produce}[{RATE}])))",
                    "P95",
                )
            ],
            unit="s",
            width=8,
            height=6,
        ),
        graph(
            "Request errors on the brokers",
            "Kafka API and internal RPC requests Redpanda answered with an error (all request types).",
            [
                q(
                    f"sum by (redpanda_server) (rate(redpanda_rpc_request_errors_total{vendor}[{RATE}]))",
                    "{{redpanda_server}}",
                )
            ],
            unit="reqps",
            width=8,
            height=6,
        ),
    ]
    return BrokerView("managed (Redpanda Cloud)", health, resources, produce_requests)


def confluent_view(kafka: KafkaSettings, thresholds: ThresholdSettings) -> BrokerView:
    cluster = f'{VENDOR_CLUSTER_LABEL}="{kafka.cluster_name}"'
    vendor = sel(cluster)
    topics = sel(cluster, f'topic=~"{topics_regex(kafka)}"')
    # The export holds each minute's count for counters (it is scraped every 60 s), hence "per minute".
    health = [
        single(
            "Cluster load",
            "Confluent's utilisation of the cluster (0 to 1), the nearest it offers to broker CPU; Dedicated "
            "clusters only, empty otherwise. Red from alerting.thresholds.resourceUsagePercent.",
            q(f"max(confluent_kafka_server_cluster_load_percent{vendor})"),
            unit="percentunit",
            width=4,
            thresholds=Thresholds(critical=thresholds.resource_usage_percent / 100),
        ),
        single(
            "Partitions (Confluent)",
            "Partitions in the cluster, as Confluent counts them.",
            q(f"max(confluent_kafka_server_partition_count{vendor})"),
            width=4,
        ),
        single(
            "Active connections",
            "Client connections to the cluster.",
            q(f"sum(confluent_kafka_server_active_connection_count{vendor})"),
            width=4,
        ),
        single(
            "Retained bytes (Todo topics)",
            "Bytes the Todo topics currently keep in the cluster.",
            q(f"sum(confluent_kafka_server_retained_bytes{topics})"),
            unit="bytes",
            width=4,
        ),
    ]
    resources = [
        note("Not exposed by Confluent Cloud", CONFLUENT_NOT_EXPOSED, height=6),
        graph(
            "Bytes received and sent per topic (per minute)",
            "Kafka payload bytes produced to and consumed from each Todo topic in each minute.",
            [
                q(f"sum by (topic) (confluent_kafka_server_received_bytes{topics})", "received {{topic}}"),
                q(f"sum by (topic) (confluent_kafka_server_sent_bytes{topics})", "sent {{topic}}"),
            ],
            unit="bytes",
            width=12,
        ),
        graph(
            "Records received and sent per topic (per minute)",
            "Records produced to and consumed from each Todo topic in each minute.",
            [
                q(f"sum by (topic) (confluent_kafka_server_received_records{topics})", "received {{topic}}"),
                q(f"sum by (topic) (confluent_kafka_server_sent_records{topics})", "sent {{topic}}"),
            ],
            unit="short",
            width=12,
        ),
    ]
    produce_requests = [
        graph(
            "Requests on the cluster by type (per minute)",
            "Kafka API requests per minute by type (Produce, Fetch, ...). Confluent exports no error count.",
            [q(f"sum by (type) (confluent_kafka_server_request_count{vendor})", "{{type}}")],
            unit="short",
            width=24,
            height=6,
        )
    ]
    return BrokerView("managed (Confluent Cloud)", health, resources, produce_requests)


def unscraped_view(kafka: KafkaSettings) -> BrokerView:
    text = (
        f"`kafka.metricsEndpoint` is not set, so nothing scrapes {kafka.vendor}'s metrics: the broker "
        "metrics (CPU, memory, disk, network, controllers, ISR, leaders, broker-side produce requests) have "
        "no data on this stack. kafka_exporter (lag, offsets, partitions, ISR) and Dapr (publishes, "
        "producer errors) still fill the other rows. See docs/kafka.md for the vendor's endpoint."
    )
    return BrokerView(f"managed ({kafka.vendor}, metrics not scraped)", [], [note("Broker metrics", text)], [])


VENDOR_VIEWS: dict[str, Callable[[KafkaSettings, ThresholdSettings], BrokerView]] = {
    "strimzi": strimzi_view,
    "redpanda": redpanda_view,
    "confluent": confluent_view,
}


def broker_view(kafka: KafkaSettings, thresholds: ThresholdSettings) -> BrokerView:
    """The one place the dashboard looks at how Kafka runs (validation ties vendor to mode)."""
    if kafka.mode == "managed" and not kafka.metrics_endpoint:
        return unscraped_view(kafka)
    return VENDOR_VIEWS[kafka.vendor](kafka, thresholds)


# ---- rows ----------------------------------------------------------------------------------------


def cluster_health(view: BrokerView) -> Section:
    exporter = sel()
    exporter_stats = [
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
    return Section("Brokers", [*exporter_stats, *view.health])


def broker_resources(view: BrokerView) -> Section:
    return Section("Broker resources and replication", view.resources)


def topics(kafka: KafkaSettings) -> Section:
    topic = sel(f'topic=~"{topics_regex(kafka)}"')
    return Section(
        "Topics",
        [
            graph(
                "Messages in per topic",
                "Messages appended per second, from the growth of the partitions' newest offsets "
                "(recording kafka:topic_produce_rate:rate5m).",
                [q(topic_produce_rate(f'topic=~"{topics_regex(kafka)}"'), "{{topic}}")],
                unit="ops",
                width=8,
            ),
            graph(
                "Messages consumed per group and topic",
                "Offsets committed per second by each consumer group (= subscriber app id; recording "
                "kafka:consumergroup_consume_rate:rate5m).",
                [q(group_consume_rate(GROUP), "{{consumergroup}} {{topic}}")],
                unit="ops",
                width=8,
                links=GROUP_LINKS,
            ),
            # Raw gauges: one series per partition of the three Todo topics.
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


def consumer_lag(thresholds: ThresholdSettings) -> Section:
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


def producers(view: BrokerView) -> Section:
    return Section(
        "Producers",
        [
            graph(
                "Publishes per service and topic",
                "Messages the apps publish through Dapr pub/sub (the only way apps reach Kafka); "
                "recording dapr:pubsub_egress:rate5m.",
                [q(publish_rate(NAMESPACE, SERVICE), "{{service}} {{topic}}")],
                unit="ops",
                width=12,
            ),
            graph(
                "Producer errors",
                "Publishes that failed (Dapr egress success=false) per service and topic; recording "
                "dapr:pubsub_egress_failed:rate5m, which KafkaProducerErrors alerts on.",
                [q(producer_errors(NAMESPACE, SERVICE), "{{service}} {{topic}}")],
                unit="ops",
                width=12,
            ),
            *view.produce_requests,
        ],
    )


def build(config: DashboardSections) -> Dashboard:
    view = broker_view(config.kafka, config.thresholds)
    return dashboard(
        uids.KAFKA,
        DASHBOARD_TITLES[uids.KAFKA],
        f"Kafka for the Todo services, {view.summary}. Service = consumer group = Dapr app id of the subscriber.",
        ["todo", "kafka"],
        config.app_variables(),
        [
            cluster_health(view),
            broker_resources(view),
            topics(config.kafka),
            consumer_lag(config.thresholds),
            producers(view),
        ],
        logs_datasource_type=config.logs_datasource_type,
    )
