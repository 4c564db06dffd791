"""The typed stack configuration: one frozen pydantic model per `todo-observability:<section>`.

Field names are snake_case; users write the camelCase form (`retention_days` -> `retentionDays`, the
alias generator). Unknown keys are errors (`extra="forbid"`), every number has a lower and an upper
bound, and every string with a form has a type from `settings.fields` that says it in words.
Defaults live here; those that depend on the cloud or the environment are the overlays in
`settings.defaults`. Rules that span several keys are model validators (`StackSettings._cross_field`,
rules in `settings.validation`).

Start-up cost (a render parses its config once): the sections are `BaseModel`s, not pydantic
dataclasses (no generated `__init__`/`__eq__` per class), and their validators are built on first use
(`defer_build`). A nested section's default is an empty mapping validated by its parent (`nested`), so
loading a stack builds the one `StackSettings` validator and not one more per defaulted section.
"""

from typing import Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationInfo, model_validator
from pydantic.alias_generators import to_camel

from contracts.context import StackContext
from settings.fields import (
    BootstrapServers,
    CpuQuantity,
    DnsLabel,
    Duration,
    Email,
    Flag,
    Guid,
    HostName,
    HostPort,
    HttpsUrl,
    HttpUrl,
    K8sName,
    MemoryQuantity,
    Path,
    PositiveDuration,
    Quantity,
    Route,
    TraceBackendName,
    checked,
    count,
    number,
    text,
)


class Section(BaseModel):
    """A `todo-observability:<section>` (or a part of one)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        validate_by_alias=True,
        # Code (tests, the lab) builds variants with snake_case names: `replace(settings, ...)`.
        validate_by_name=True,
        # `pulumi config set --path k 2` stores an integer even where text is meant (clientSecretRotation).
        coerce_numbers_to_str=True,
        defer_build=True,
    )


SectionT = TypeVar("SectionT", bound=Section)


def nested(**defaults: Any) -> Any:
    """The default of a nested section: `defaults` (field names) validated by the enclosing model."""
    return Field(default_factory=lambda: dict(defaults), validate_default=True)


def replace(section: SectionT, **changes: Any) -> SectionT:
    """A copy of `section` with `changes` (field names), validated again (what `dataclasses.replace` did).
    No collector is passed, so `StackSettings`' cross-field rules do not run, and `stack` is not kept."""
    values = {name: getattr(section, name) for name in type(section).__pydantic_fields__}
    return type(section)(**{**values, **changes})


Cloud = Literal["azure", "gcp", "oci", "local"]
Environment = Literal["production", "staging", "development"]

# Limits that more than one rule uses, stated once.
AZURE_MAX_INTERACTIVE_DAYS = 730  # a Log Analytics table's interactive retention; also Entra ID secret lifetime
MAX_RETENTION_DAYS = 4383  # 12 years: Log Analytics' total retention, and the cap used everywhere else
# Fluent Bit's filesystem buffer per output (logging.bufferLimit) must hold every chunk eviction cannot
# touch, or new logs are dropped unseen: the chunk being written and one per flush in flight
# (render/fluent_bit.py MAX_CHUNKS_UP); tests/test_config_table.py derives the floor from the chunk size.
MIN_LOG_BUFFER = "160M"
# Fluent Bit sizes are decimal (1M = 1,000,000 bytes).
_FLUENT_BIT_UNITS = {"K": 10**3, "M": 10**6, "G": 10**9}


def fluent_bit_bytes(size: str) -> int:
    return int(size[:-1]) * _FLUENT_BIT_UNITS[size[-1]]


def _is_log_buffer(value: str) -> bool:
    return (
        len(value) > 1
        and value[:-1].isdigit()
        and value[-1] in _FLUENT_BIT_UNITS
        and fluent_bit_bytes(value) >= fluent_bit_bytes(MIN_LOG_BUFFER)
    )


class ClusterSettings(Section):
    name: DnsLabel = "todo"
    # kubectl context to use; empty means the ambient context. A kubeconfig file's content goes in
    # `secrets.kubeconfig` instead, so it stays a Pulumi secret.
    context: str = ""
    storage_class: K8sName = ""
    # Where the cluster's OIDC issuer is needed (AKS workload identity), it is given here.
    oidc_issuer_url: HttpsUrl = ""
    # Location of the cluster (GKE zone/region) used in log resources and labels.
    location: text(r"[a-z0-9-]+", "a zone or region such as europe-west1", empty_ok=True) = ""


class AzureSettings(Section):
    subscription_id: Guid = ""
    tenant_id: Guid = ""
    resource_group: text(r"[-\w.()]{0,89}[-\w()]", "a resource group name (letters, digits, -_.())", empty_ok=True) = ""
    location: text(r"[a-z0-9]+", "an Azure region such as westeurope", empty_ok=True) = ""
    # Lifetime of the app registrations' client secrets (Fluent Bit's ingestion, Grafana's reader).
    client_secret_validity_days: count(30, AZURE_MAX_INTERACTIVE_DAYS) = 365
    # Change this value (e.g. to the date) to issue new client secrets before they expire.
    client_secret_rotation: text(r"[A-Za-z0-9._-]{1,64}", "a short label such as 2026-07") = "1"


class GcpSettings(Section):
    project: text(
        r"[a-z][a-z0-9-]{4,28}[a-z0-9]", "a GCP project ID (6-30 lowercase letters, digits, '-')", empty_ok=True
    ) = ""
    region: text(r"[a-z]+-[a-z]+[0-9]+", "a GCP region such as europe-west1", empty_ok=True) = ""


OCI_REGION = text(r"[a-z]+-[a-z]+-[0-9]+", "an OCI region such as eu-frankfurt-1", empty_ok=True)


class OciSettings(Section):
    # The tenancy OCID stands for the root compartment.
    compartment_id: text(
        r"ocid1\.(compartment|tenancy)\.[a-z0-9._-]+",
        "a compartment OCID (ocid1.compartment.oc1..) or the tenancy OCID",
        empty_ok=True,
    ) = ""
    region: OCI_REGION = ""
    # IAM writes (policies) go to the tenancy's home region; empty when it is `region`.
    home_region: OCI_REGION = ""
    # Object storage namespace of the tenancy (`oci os ns get`).
    object_storage_namespace: text(
        r"[a-z0-9]+", "an object storage namespace (lowercase letters, digits)", empty_ok=True
    ) = ""
    # Fluent Bit's uploads to Logging Analytics: the tenancy, the API-key user and its key's fingerprint
    # (non-secret, written into the OCI config file; only the private key is a secret), and the IAM
    # group of that user, which the program's policy allows to upload into the compartment.
    tenancy_id: text(r"ocid1\.tenancy\.[a-z0-9._-]+", "a tenancy OCID (ocid1.tenancy.oc1..)", empty_ok=True) = ""
    log_upload_user_id: text(r"ocid1\.user\.[a-z0-9._-]+", "a user OCID (ocid1.user.oc1..)", empty_ok=True) = ""
    log_upload_key_fingerprint: text(
        r"([0-9a-f]{2}:){15}[0-9a-f]{2}", "an API key fingerprint (16 hex pairs joined by ':')", empty_ok=True
    ) = ""
    log_upload_group: text(
        r"[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)?", "an IAM group name, or <identity domain>/<group>", empty_ok=True
    ) = ""


class ResourceSettings(Section):
    cpu_request: CpuQuantity = "100m"
    memory_request: MemoryQuantity = "128Mi"
    cpu_limit: CpuQuantity = ""
    memory_limit: MemoryQuantity = "256Mi"


class SloSettings(Section):
    # Fraction of requests (or events) that must succeed over the window, e.g. 0.999.
    availability: number(0.5, 0.99999) = 0.999
    # Fraction that must be faster than `latency_threshold_seconds`; 0 disables the latency SLO.
    latency: number(0.0, 0.99999) = 0.0
    latency_threshold_seconds: number(0.001, 60.0) = 1.0

    # Keys that were taken out, and why: the loader tells a stack file that still sets one to remove it.
    # The window only ever accepted 30d: the burn-rate alerts are tuned for 30 days (rules/slo.py SLO_WINDOW).
    removed_keys: ClassVar[dict[str, str]] = {"window": "the SLO window is always 30d"}


Topic = text(r"[A-Za-z0-9._-]{1,249}", "a Kafka topic name (letters, digits, '.', '_', '-')")


class ServiceSettings(Section):
    name: DnsLabel
    kind: Literal["frontend", "api", "worker"] = "worker"
    namespace: DnsLabel = "todo"
    port: count(1, 65535) = 8000
    metrics_path: Path = "/metrics"
    # Readiness endpoint, probed from outside by the blackbox exporter.
    health_path: Path = "/readyz"
    liveness_path: Path = "/healthz"
    # FastAPI services expose the Prometheus instrumentator metrics; the Next.js frontend does not.
    exposes_metrics: Flag = True
    critical: Flag = False
    # Route prefixes whose latency is alerted on and that Dapr's path matching keeps as templates.
    critical_routes: list[Route] = Field(default_factory=list)
    routes: list[Route] = Field(default_factory=list)
    publishes: list[Topic] = Field(default_factory=list)
    subscribes: list[Topic] = Field(default_factory=list)
    slo: SloSettings = nested()


class KafkaSaslSettings(Section):
    mechanism: Literal["SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"] = "SCRAM-SHA-512"
    username: str = ""


class KafkaUiSettings(Section):
    enabled: Flag = True
    read_only: Flag = True
    # When set, Kafka UI is exposed through an ingress with TLS; otherwise it stays ClusterIP.
    ingress_host: HostName = ""
    ingress_tls_secret: K8sName = ""
    ingress_class: K8sName = ""
    # OAuth2/OIDC login; the client secret goes in `secrets.kafkaUiOidcClientSecret`.
    oidc_issuer_url: HttpsUrl = ""
    oidc_client_id: str = ""


class KafkaSettings(Section):
    mode: Literal["strimzi", "managed"] = "strimzi"
    vendor: Literal["strimzi", "redpanda", "confluent"] = "strimzi"
    cluster_name: DnsLabel = "todo-kafka"
    namespace: DnsLabel = "kafka"
    bootstrap_servers: BootstrapServers = "todo-kafka-kafka-bootstrap.kafka.svc:9092"
    tls: Flag = False
    sasl: KafkaSaslSettings | None = None
    # Managed vendors' Prometheus endpoint (Confluent's Metrics API export, Redpanda Cloud's).
    metrics_endpoint: str = ""
    # Basic-auth user of `metrics_endpoint`: the Confluent Cloud API key; Redpanda Cloud's is always
    # `prometheus`. The password goes in `secrets.kafkaMetricsPassword`.
    metrics_username: str = ""
    # Secret in the metrics namespace with a `ca.crt` the brokers' certificates chain to (Strimzi: a
    # copy of `<cluster>-cluster-ca-cert`); empty trusts the public CAs that managed vendors use.
    tls_ca_secret: K8sName = ""
    # The Kafka CR runs Strimzi's own Kafka Exporter (`spec.kafkaExporter`): scrape it instead of
    # installing a second exporter, so lag series are not counted twice.
    strimzi_kafka_exporter: Flag = False
    zookeeper: Flag = False
    schema_registry: Flag = False
    pubsub_component: DnsLabel = "kafka-pubsub"
    topics: list[Topic] = Field(default_factory=lambda: ["task-events", "reminders", "task-updates"])
    ui: KafkaUiSettings = nested()


class PrometheusSettings(Section):
    replicas: count(1, 5) = 1
    retention: Duration = "15d"
    # Prometheus' byte size (its GB is 2^30 bytes, like Gi); must leave room for the WAL on the volume.
    retention_size: text(
        r"[0-9]+(\.[0-9]+)?(B|KB|MB|GB|TB|PB|KiB|MiB|GiB|TiB|PiB)", "a Prometheus size such as 40GB"
    ) = "40GB"
    storage_size: text(r"[0-9]+(Mi|Gi|Ti)", "a volume size such as 50Gi") = "50Gi"
    scrape_interval: PositiveDuration = "30s"
    resources: ResourceSettings = nested(cpu_request="500m", memory_request="2Gi", cpu_limit="", memory_limit="4Gi")


class LongTermStorageSettings(Section):
    enabled: Flag = False
    raw_retention: Duration = "30d"
    five_minute_retention: Duration = "180d"
    one_hour_retention: Duration = "2y"
    # Local stacks only: run an in-cluster S3-compatible store to try Thanos out.
    in_cluster_object_store: Flag = False
    # Storage account (Azure) or bucket (GCP, OCI) name; empty derives one from the cluster name.
    bucket_name: str = ""
    # How long deleted or overwritten blocks stay recoverable (soft delete / noncurrent versions).
    deleted_object_retention_days: count(1, 365) = 7
    query_replicas: count(1, 10) = 2
    compactor_storage_size: Quantity = "50Gi"
    store_gateway_storage_size: Quantity = "20Gi"
    # OCI: the OKE cluster's OCID, so the workload identity policy admits only this cluster's pods.
    oke_cluster_id: str = ""


class MetricsSettings(Section):
    namespace: DnsLabel = "monitoring"
    release_name: DnsLabel = "kube-prometheus-stack"
    prometheus: PrometheusSettings = nested()
    alertmanager_replicas: count(1, 5) = 1
    long_term: LongTermStorageSettings = nested()
    dapr_namespace: DnsLabel = "dapr-system"
    # Namespaces whose pods carry Dapr sidecars (default: every service namespace).
    application_namespaces: list[DnsLabel] = Field(default_factory=list)


class LoggingSettings(Section):
    namespace: DnsLabel = "logging"
    retention_days: count(1, MAX_RETENTION_DAYS) = 30
    audit_retention_days: count(1, MAX_RETENTION_DAYS) = 365
    # GCP: generation of the audit log bucket. A locked bucket's retention can never change: to change
    # auditRetentionDays on a locked (production) bucket, raise this too; a new bucket takes the audit
    # stream and the old one keeps its records until they expire (docs/logging.md).
    audit_bucket_generation: count(1, 99) = 1
    # Upper bound of Fluent Bit's on-disk buffer per output, on each node.
    buffer_limit: checked(_is_log_buffer, f"a Fluent Bit size of at least {MIN_LOG_BUFFER}, such as 500M or 2G") = "2G"
    # Fluent Bit's memory limit bounds its in-memory chunks (storage.max_chunks_up) and emitters.
    resources: ResourceSettings = nested(cpu_request="100m", memory_request="128Mi", cpu_limit="", memory_limit="512Mi")
    # OCI: name of the Logging Analytics log source this program creates to parse the records as JSON
    # (empty: "<cluster.name> JSON records"). Not an Oracle-defined source: those cannot be changed.
    oci_log_source_name: text(
        r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}", "a log source name (letters, digits, space . _ -)", empty_ok=True
    ) = ""
    # Azure: days the audit table stays queryable at full speed; the rest of auditRetentionDays is
    # the cheaper archive tier (search jobs / restore). Capped at auditRetentionDays.
    interactive_audit_retention_days: count(4, AZURE_MAX_INTERACTIVE_DAYS) = 90

    # Keys that lived here once, and where they went: the loader names the new key to a stack file that
    # still sets an old one. Both rotate every Azure app registration's secret, not only Fluent Bit's.
    moved_keys: ClassVar[dict[str, str]] = {
        "clientSecretValidityDays": "azure.clientSecretValidityDays",
        "clientSecretRotation": "azure.clientSecretRotation",
    }


class TracingSettings(Section):
    namespace: DnsLabel = "tracing"
    # Which backends a stack can use depends on its cloud: the platform's rule checks the name
    # (settings.validation platform_problems), so any other value is told what this cloud runs.
    backend: TraceBackendName = "jaeger"
    # Fraction of traces kept after tail sampling keeps every error and slow trace.
    sampling_rate: number(0.0, 1.0) = 0.1
    slow_trace_threshold_ms: count(1, 600_000) = 1000
    collector_replicas: count(1, 10) = 1
    jaeger_storage: Literal["memory", "badger"] = "memory"
    # How Dapr sidecars send their spans to the collector: OTLP over gRPC (default), OTLP over HTTP, or Zipkin.
    dapr_protocol: Literal["grpc", "http", "zipkin"] = "grpc"
    # Name of the Dapr Configuration created in every application namespace (`dapr.io/config` annotation).
    dapr_configuration_name: DnsLabel = "todo-observability"
    # How long the tail sampler waits for a trace's late spans before it decides.
    decision_wait_seconds: count(1, 120) = 10
    collector_memory_limit: Quantity = "1Gi"
    # Badger only: the PVC size and how long spans are kept.
    jaeger_storage_size: Quantity = "20Gi"
    jaeger_retention_hours: count(1, 8760) = 168


class ThresholdSettings(Section):
    error_rate_percent: number(0.01, 100.0) = 5.0
    error_rate_window: Duration = "5m"
    latency_p95_seconds: number(0.001, 60.0) = 1.0
    latency_for: Duration = "15m"
    kafka_processing_p95_seconds: number(0.001, 60.0) = 2.0
    resource_usage_percent: number(1.0, 100.0) = 85.0
    consumer_lag_messages: count(1, 1_000_000_000) = 5000
    consumer_lag_seconds: count(1, 604_800) = 300
    # Minimum evidence of every ratio alert (5xx, chat/tool failures, retries, failed publishes, SLO
    # burn rates): at least this many failed events in the alert's (short) window, and at least this
    # many requests per second (0: no request-rate minimum, so a quiet service that fails every
    # request still pages).
    error_rate_min_failed_requests: count(1, 1000) = 3
    error_rate_min_requests_per_second: number(0.0, 10000.0) = 0.0
    # ServiceTrafficDrop (critical services): request rate below (100 - this)% of the same time a day
    # and a week earlier, judged only where that earlier rate was at least the floor below.
    traffic_drop_percent: number(10.0, 99.9) = 90.0
    traffic_drop_min_requests_per_second: number(0.001, 10000.0) = 0.5


class PagerDutyReceiver(Section):
    enabled: Flag = False


class SlackReceiver(Section):
    enabled: Flag = False
    channel: str = "#todo-alerts"


class TeamsReceiver(Section):
    enabled: Flag = False


EmailList = text(
    r"[^@\s,]+@[^@\s,]+\.[A-Za-z]{2,}(\s*,\s*[^@\s,]+@[^@\s,]+\.[A-Za-z]{2,})*",
    "e-mail addresses with a domain, such as oncall@example.com (comma-separated)",
    empty_ok=True,
)


class EmailReceiver(Section):
    enabled: Flag = False
    to: EmailList = ""
    sender: Email = ""
    smarthost: HostPort = ""
    username: str = ""
    require_tls: Flag = True


class DeadMansSwitchReceiver(Section):
    enabled: Flag = False
    # How often the always-firing Watchdog is re-sent; the switch alarms when it stops arriving, so
    # this must be well under the check-in period configured at the dead man's switch service.
    repeat_interval: PositiveDuration = "1m"


class ReceiverSettings(Section):
    pagerduty: PagerDutyReceiver = nested()
    slack: SlackReceiver = nested()
    teams: TeamsReceiver = nested()
    email: EmailReceiver = nested()
    dead_mans_switch: DeadMansSwitchReceiver = nested()


class AlertingSettings(Section):
    runbook_base_url: HttpUrl = "https://github.com/todo-ai/todo-observability/blob/main/runbooks"
    grafana_url: HttpUrl = "http://localhost:3000"
    group_wait: Duration = "30s"
    # Alertmanager refuses a zero group_interval or repeat_interval (config.Route validation).
    group_interval: PositiveDuration = "5m"
    repeat_interval: PositiveDuration = "4h"
    thresholds: ThresholdSettings = nested()
    receivers: ReceiverSettings = nested()


class GrafanaSettings(Section):
    admin_user: text(r"[A-Za-z0-9._@-]{1,64}", "a user name (letters, digits, '.', '_', '@', '-')") = "admin"
    persistence_size: Quantity = "10Gi"
    # Exposed only through an ingress with TLS when a host is given; otherwise ClusterIP.
    ingress_host: HostName = ""
    ingress_tls_secret: K8sName = ""
    ingress_class: K8sName = ""


class StackSettings(Section):
    """The whole stack configuration. `stack` is filled in by the loader, not read from config."""

    environment: Environment
    cloud: Cloud
    cluster: ClusterSettings = nested()
    azure: AzureSettings | None = None
    gcp: GcpSettings | None = None
    oci: OciSettings | None = None
    services: list[ServiceSettings] = Field(default_factory=list)
    kafka: KafkaSettings = nested()
    metrics: MetricsSettings = nested()
    logging: LoggingSettings = nested()
    tracing: TracingSettings = nested()
    alerting: AlertingSettings = nested()
    grafana: GrafanaSettings = nested()
    _stack: str = PrivateAttr(default="")

    @property
    def stack(self) -> str:
        return self._stack

    def set_stack(self, stack: str) -> None:
        """Called once by the loader (the stack's name is not a config key)."""
        self._stack = stack

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    def context(self) -> StackContext:
        """The stack-wide facts every capability gets besides its own sections."""
        return StackContext(
            stack=self.stack,
            production=self.is_production,
            release_label=self.metrics.release_name,
            metrics_namespace=self.metrics.namespace,
            scrape_interval=self.metrics.prometheus.scrape_interval,
            storage_class=self.cluster.storage_class,
        )

    @property
    def application_namespaces(self) -> list[str]:
        configured = list(self.metrics.application_namespaces)
        return configured or sorted({service.namespace for service in self.services})

    @model_validator(mode="after")
    def _cross_field(self, info: ValidationInfo) -> "StackSettings":
        """Rules across keys and sections (settings.validation). They report into the loader's collector
        instead of raising, so that they all run, and run even where other keys failed (the loader
        validates again without those keys and drops rules that read them). Code that builds variants
        of loaded settings (`replace`) passes no collector and is not re-checked."""
        context = info.context or {}
        report: Any = context.get("report")
        if report is not None:
            from settings.validation import cross_field_problems

            cross_field_problems(self, report, context.get("platform"))
        return self
