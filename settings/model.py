"""The typed stack configuration: one frozen dataclass per `todo-observability:<section>`.

Field names are snake_case; users write the camelCase form (`retention_days` -> `retentionDays`).
Defaults that depend on the cloud or the environment live in `settings.defaults`, not here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from settings.schema import DURATION_PATTERN, constraint

Cloud = Literal["azure", "gcp", "oci", "local"]
Environment = Literal["production", "staging", "development"]
Severity = Literal["critical", "warning", "info"]

DNS_LABEL = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"
DNS_HINT = "a lowercase DNS label (a-z, 0-9, '-')"
DURATION_HINT = "a Prometheus duration such as 30s, 5m, 15d"


def duration(default: str) -> str:
    return constraint(default, pattern=DURATION_PATTERN, hint=DURATION_HINT)


def dns_label(default: str) -> str:
    return constraint(default, pattern=DNS_LABEL, hint=DNS_HINT)


@dataclass(frozen=True)
class ClusterSettings:
    name: str = dns_label("todo")
    # kubectl context to use; empty means the ambient context. A kubeconfig file's content goes in
    # `secrets.kubeconfig` instead, so it stays a Pulumi secret.
    context: str = ""
    storage_class: str = ""
    # Where the cluster's OIDC issuer is needed (AKS workload identity), it is given here.
    oidc_issuer_url: str = ""
    # Location of the cluster (GKE zone/region) used in log resources and labels.
    location: str = ""


@dataclass(frozen=True)
class AzureSettings:
    subscription_id: str = ""
    tenant_id: str = ""
    resource_group: str = ""
    location: str = ""


@dataclass(frozen=True)
class GcpSettings:
    project: str = ""
    region: str = ""


@dataclass(frozen=True)
class OciSettings:
    compartment_id: str = ""
    region: str = ""
    # IAM writes (policies) go to the tenancy's home region; empty when it is `region`.
    home_region: str = ""
    # Object storage namespace of the tenancy (`oci os ns get`).
    object_storage_namespace: str = ""
    # Fluent Bit's uploads to Logging Analytics: the tenancy, the API-key user and its key's fingerprint
    # (non-secret, written into the OCI config file; only the private key is a secret), and the IAM
    # group of that user, which the program's policy allows to upload into the compartment.
    tenancy_id: str = ""
    log_upload_user_id: str = ""
    log_upload_key_fingerprint: str = ""
    log_upload_group: str = ""


@dataclass(frozen=True)
class ResourceSettings:
    cpu_request: str = "100m"
    memory_request: str = "128Mi"
    cpu_limit: str = ""
    memory_limit: str = "256Mi"


@dataclass(frozen=True)
class SloSettings:
    # Fraction of requests (or events) that must succeed over the window, e.g. 0.999.
    availability: float = constraint(0.999, minimum=0.5, maximum=0.99999)
    # Fraction that must be faster than `latency_threshold_seconds`; 0 disables the latency SLO.
    latency: float = constraint(0.0, minimum=0.0, maximum=0.99999)
    latency_threshold_seconds: float = constraint(1.0, minimum=0.001)
    window: str = duration("30d")


@dataclass(frozen=True)
class ServiceSettings:
    name: str = constraint(pattern=DNS_LABEL, hint=DNS_HINT)
    kind: Literal["frontend", "api", "worker"] = "worker"
    namespace: str = dns_label("todo")
    port: int = constraint(8000, minimum=1, maximum=65535)
    metrics_path: str = "/metrics"
    # Readiness endpoint, probed from outside by the blackbox exporter.
    health_path: str = "/readyz"
    liveness_path: str = "/healthz"
    # FastAPI services expose the Prometheus instrumentator metrics; the Next.js frontend does not.
    exposes_metrics: bool = True
    critical: bool = False
    # Route prefixes whose latency is alerted on and that Dapr's path matching keeps as templates.
    critical_routes: list[str] = field(default_factory=list)
    routes: list[str] = field(default_factory=list)
    publishes: list[str] = field(default_factory=list)
    subscribes: list[str] = field(default_factory=list)
    slo: SloSettings = field(default_factory=SloSettings)


@dataclass(frozen=True)
class KafkaSaslSettings:
    mechanism: Literal["SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"] = "SCRAM-SHA-512"
    username: str = ""


@dataclass(frozen=True)
class KafkaUiSettings:
    enabled: bool = True
    read_only: bool = True
    # When set, Kafka UI is exposed through an ingress with TLS; otherwise it stays ClusterIP.
    ingress_host: str = ""
    ingress_tls_secret: str = ""
    ingress_class: str = ""
    # OAuth2/OIDC login; the client secret goes in `secrets.kafkaUiOidcClientSecret`.
    oidc_issuer_url: str = ""
    oidc_client_id: str = ""


@dataclass(frozen=True)
class KafkaSettings:
    mode: Literal["strimzi", "managed"] = "strimzi"
    vendor: Literal["strimzi", "redpanda", "confluent"] = "strimzi"
    cluster_name: str = dns_label("todo-kafka")
    namespace: str = dns_label("kafka")
    bootstrap_servers: str = "todo-kafka-kafka-bootstrap.kafka.svc:9092"
    tls: bool = False
    sasl: KafkaSaslSettings | None = None
    # Managed vendors' Prometheus endpoint (Confluent's Metrics API export, Redpanda Cloud's).
    metrics_endpoint: str = ""
    # Basic-auth user of `metrics_endpoint`: the Confluent Cloud API key; Redpanda Cloud's is always
    # `prometheus`. The password goes in `secrets.kafkaMetricsPassword`.
    metrics_username: str = ""
    # Secret in the metrics namespace with a `ca.crt` the brokers' certificates chain to (Strimzi: a
    # copy of `<cluster>-cluster-ca-cert`); empty trusts the public CAs that managed vendors use.
    tls_ca_secret: str = ""
    # The Kafka CR runs Strimzi's own Kafka Exporter (`spec.kafkaExporter`): scrape it instead of
    # installing a second exporter, so lag series are not counted twice.
    strimzi_kafka_exporter: bool = False
    zookeeper: bool = False
    schema_registry: bool = False
    pubsub_component: str = "kafka-pubsub"
    topics: list[str] = field(default_factory=lambda: ["task-events", "reminders", "task-updates"])
    ui: KafkaUiSettings = field(default_factory=KafkaUiSettings)


@dataclass(frozen=True)
class PrometheusSettings:
    replicas: int = constraint(1, minimum=1, maximum=5)
    retention: str = duration("15d")
    # Prometheus' byte size (its GB is 2^30 bytes, like Gi); must leave room for the WAL on the volume.
    retention_size: str = constraint(
        "40GB", pattern=r"^[0-9]+(\.[0-9]+)?(B|KB|MB|GB|TB|PB|KiB|MiB|GiB|TiB|PiB)$", hint="a size such as 40GB"
    )
    storage_size: str = constraint("50Gi", pattern=r"^[0-9]+(Mi|Gi|Ti)$", hint="a volume size such as 50Gi")
    scrape_interval: str = duration("30s")
    resources: ResourceSettings = field(default_factory=lambda: ResourceSettings("500m", "2Gi", "", "4Gi"))


@dataclass(frozen=True)
class LongTermStorageSettings:
    enabled: bool = False
    raw_retention: str = duration("30d")
    five_minute_retention: str = duration("180d")
    one_hour_retention: str = duration("2y")
    # Local stacks only: run an in-cluster S3-compatible store to try Thanos out.
    in_cluster_object_store: bool = False
    # Storage account (Azure) or bucket (GCP, OCI) name; empty derives one from the cluster name.
    bucket_name: str = ""
    # How long deleted or overwritten blocks stay recoverable (soft delete / noncurrent versions).
    deleted_object_retention_days: int = constraint(7, minimum=1, maximum=365)
    query_replicas: int = constraint(2, minimum=1, maximum=10)
    compactor_storage_size: str = "50Gi"
    store_gateway_storage_size: str = "20Gi"
    # OCI: the OKE cluster's OCID, so the workload identity policy admits only this cluster's pods.
    oke_cluster_id: str = ""


@dataclass(frozen=True)
class MetricsSettings:
    namespace: str = dns_label("monitoring")
    release_name: str = dns_label("kube-prometheus-stack")
    prometheus: PrometheusSettings = field(default_factory=PrometheusSettings)
    alertmanager_replicas: int = constraint(1, minimum=1, maximum=5)
    long_term: LongTermStorageSettings = field(default_factory=LongTermStorageSettings)
    dapr_namespace: str = dns_label("dapr-system")
    # Namespaces whose pods carry Dapr sidecars (default: every service namespace).
    application_namespaces: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LoggingSettings:
    namespace: str = dns_label("logging")
    retention_days: int = constraint(30, minimum=1, maximum=4383)
    audit_retention_days: int = constraint(365, minimum=1, maximum=4383)
    # Upper bound of Fluent Bit's on-disk buffer per output, on each node.
    buffer_limit: str = constraint("2G", pattern=r"^[0-9]+[KMG]$", hint="a Fluent Bit size such as 500M or 2G")
    # Fluent Bit's memory limit bounds its in-memory chunks (storage.max_chunks_up) and emitters.
    resources: ResourceSettings = field(default_factory=lambda: ResourceSettings("100m", "128Mi", "", "512Mi"))
    # OCI Logging Analytics log source that parses the records (a built-in JSON source by default).
    oci_log_source_name: str = "Kubernetes Container Generic Logs"
    # Azure: days the audit table stays queryable at full speed; the rest of auditRetentionDays is
    # the cheaper archive tier (search jobs / restore). Capped at auditRetentionDays.
    interactive_audit_retention_days: int = constraint(90, minimum=4, maximum=730)
    # Azure: lifetime of the app registrations' client secrets (Fluent Bit's ingestion, Grafana's reader).
    client_secret_validity_days: int = constraint(365, minimum=30, maximum=730)
    # Azure: change this value (e.g. to the date) to issue new client secrets before they expire.
    client_secret_rotation: str = constraint(
        "1", pattern=r"^[A-Za-z0-9._-]{1,64}$", hint="a short label such as 2026-07"
    )


@dataclass(frozen=True)
class TracingSettings:
    namespace: str = dns_label("tracing")
    backend: Literal["jaeger", "azure-monitor", "cloud-trace", "oci-apm"] = "jaeger"
    # Fraction of traces kept after tail sampling keeps every error and slow trace.
    sampling_rate: float = constraint(0.1, minimum=0.0, maximum=1.0)
    slow_trace_threshold_ms: int = constraint(1000, minimum=1)
    collector_replicas: int = constraint(1, minimum=1, maximum=10)
    jaeger_storage: Literal["memory", "badger"] = "memory"
    # How Dapr sidecars send their spans to the collector: OTLP over gRPC (default), OTLP over HTTP, or Zipkin.
    dapr_protocol: Literal["grpc", "http", "zipkin"] = "grpc"
    # Name of the Dapr Configuration created in every application namespace (`dapr.io/config` annotation).
    dapr_configuration_name: str = dns_label("todo-observability")
    # How long the tail sampler waits for a trace's late spans before it decides.
    decision_wait_seconds: int = constraint(10, minimum=1, maximum=120)
    collector_memory_limit: str = "1Gi"
    # Badger only: the PVC size and how long spans are kept.
    jaeger_storage_size: str = "20Gi"
    jaeger_retention_hours: int = constraint(168, minimum=1, maximum=8760)


@dataclass(frozen=True)
class ThresholdSettings:
    error_rate_percent: float = constraint(5.0, minimum=0.01, maximum=100.0)
    error_rate_window: str = duration("5m")
    latency_p95_seconds: float = constraint(1.0, minimum=0.001)
    latency_for: str = duration("15m")
    kafka_processing_p95_seconds: float = constraint(2.0, minimum=0.001)
    resource_usage_percent: float = constraint(85.0, minimum=1.0, maximum=100.0)
    consumer_lag_messages: int = constraint(5000, minimum=1)
    consumer_lag_seconds: int = constraint(300, minimum=1)


@dataclass(frozen=True)
class PagerDutyReceiver:
    enabled: bool = False


@dataclass(frozen=True)
class SlackReceiver:
    enabled: bool = False
    channel: str = "#todo-alerts"


@dataclass(frozen=True)
class TeamsReceiver:
    enabled: bool = False


@dataclass(frozen=True)
class EmailReceiver:
    enabled: bool = False
    to: str = ""
    sender: str = ""
    smarthost: str = constraint("", pattern=r"^$|^[^:\s]+:[0-9]+$", hint="host:port")
    username: str = ""
    require_tls: bool = True


@dataclass(frozen=True)
class DeadMansSwitchReceiver:
    enabled: bool = False
    # How often the always-firing Watchdog is re-sent; the switch alarms when it stops arriving, so
    # this must be well under the check-in period configured at the dead man's switch service.
    repeat_interval: str = duration("1m")


@dataclass(frozen=True)
class ReceiverSettings:
    pagerduty: PagerDutyReceiver = field(default_factory=PagerDutyReceiver)
    slack: SlackReceiver = field(default_factory=SlackReceiver)
    teams: TeamsReceiver = field(default_factory=TeamsReceiver)
    email: EmailReceiver = field(default_factory=EmailReceiver)
    dead_mans_switch: DeadMansSwitchReceiver = field(default_factory=DeadMansSwitchReceiver)


@dataclass(frozen=True)
class AlertingSettings:
    runbook_base_url: str = constraint(
        "https://github.com/todo-ai/todo-observability/blob/main/runbooks",
        pattern=r"^https?://\S+[^/]$",
        hint="an http(s) URL without a trailing slash",
    )
    grafana_url: str = constraint("http://localhost:3000", pattern=r"^https?://\S+[^/]$", hint="an http(s) URL")
    group_wait: str = duration("30s")
    group_interval: str = duration("5m")
    repeat_interval: str = duration("4h")
    thresholds: ThresholdSettings = field(default_factory=ThresholdSettings)
    receivers: ReceiverSettings = field(default_factory=ReceiverSettings)


@dataclass(frozen=True)
class GrafanaSettings:
    admin_user: str = "admin"
    persistence_size: str = "10Gi"
    # Exposed only through an ingress with TLS when a host is given; otherwise ClusterIP.
    ingress_host: str = ""
    ingress_tls_secret: str = ""
    ingress_class: str = ""


@dataclass(frozen=True)
class StackSettings:
    """The whole stack configuration. `stack` is filled in by the loader, not read from config."""

    environment: Environment
    cloud: Cloud
    cluster: ClusterSettings = field(default_factory=ClusterSettings)
    azure: AzureSettings | None = None
    gcp: GcpSettings | None = None
    oci: OciSettings | None = None
    services: list[ServiceSettings] = field(default_factory=list)
    kafka: KafkaSettings = field(default_factory=KafkaSettings)
    metrics: MetricsSettings = field(default_factory=MetricsSettings)
    logging: LoggingSettings = field(default_factory=LoggingSettings)
    tracing: TracingSettings = field(default_factory=TracingSettings)
    alerting: AlertingSettings = field(default_factory=AlertingSettings)
    grafana: GrafanaSettings = field(default_factory=GrafanaSettings)
    stack: str = field(default="", init=False)

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def application_namespaces(self) -> list[str]:
        configured = list(self.metrics.application_namespaces)
        return configured or sorted({service.namespace for service in self.services})
