"""Rules that span several keys, run by `StackSettings`' model validator.

Each rule reports `(key, message, uses=...)`: the key it names and the other keys it reads. The
loader drops a report whose keys were already rejected on their own (so a user never sees a follow-on
error about a key they did not set, nor two errors for one mistake).
"""

from __future__ import annotations

import re
from collections import Counter

from pydantic.alias_generators import to_snake

from settings.defaults import APP_LATENCY_BUCKETS_SECONDS, DAPR_LATENCY_BUCKETS_MS, MIN_PRODUCTION_LOG_RETENTION_DAYS
from settings.errors import shown
from settings.fields import duration_seconds
from settings.model import StackSettings
from settings.platform_rules import PlatformRules, Report


def platform_problems(s: StackSettings, report: Report, platform: PlatformRules) -> None:
    """The cloud's own part of the model (components/<cloud>/platform.py): its required section
    keys, trace backends, bucket names and object storage, then the rules only it has."""
    cloud = platform.cloud
    if platform.required_keys:
        section = getattr(s, cloud)
        if section is None:
            report(
                cloud,
                f"is required when todo-observability:cloud is {cloud} (keys: {', '.join(platform.required_keys)})",
                uses=("cloud",),
            )
        else:
            for key, hint in platform.required_keys.items():
                if not getattr(section, to_snake(key)):
                    report(f"{cloud}.{key}", f"is required when cloud is {cloud} ({hint})", uses=("cloud",))
    allowed, backend = platform.trace_backends, s.tracing.backend
    if backend not in allowed:
        # The model takes any name (settings.fields TraceBackendName); one no cloud runs gets these words too.
        got = backend if re.fullmatch(r"[\w.-]{1,32}", backend) else shown(backend)
        report(
            "tracing.backend",
            f"must be one of {', '.join(allowed)} when cloud is {cloud} (got {got})",
            uses=("cloud",),
        )
    lt = s.metrics.long_term
    if lt.in_cluster_object_store and platform.cloud_object_storage:
        report(
            "metrics.longTerm.inClusterObjectStore",
            f"is only for a cloud without object storage (allowed on {cloud}: false)",
            uses=("cloud",),
        )
    if lt.enabled and not platform.cloud_object_storage and not lt.in_cluster_object_store:
        report(
            "metrics.longTerm.enabled",
            f"needs metrics.longTerm.inClusterObjectStore: true on the {cloud} cloud (there is no cloud bucket)",
            uses=("metrics.longTerm.inClusterObjectStore",),
        )
    if lt.enabled and lt.bucket_name and platform.bucket_name is not None:
        pattern, hint = platform.bucket_name
        if not re.match(pattern, lt.bucket_name):
            report(
                "metrics.longTerm.bucketName",
                f"must be {hint} on {cloud} (got {lt.bucket_name[:40]!r})",
                uses=("metrics.longTerm.enabled",),
            )
    for rule in platform.validators:
        rule(s, report)


def service_problems(s: StackSettings, report: Report) -> None:
    if not s.services:
        report("services", "must list at least one service")
    counts = Counter(service.name for service in s.services)
    for name, count in sorted(counts.items()):
        if count > 1:
            report("services", f"names service {name!r} {count} times; names must be unique")
    published = {topic for service in s.services for topic in service.publishes} | set(s.kafka.topics)
    for i, service in enumerate(s.services):
        key = f"services[{i}]"
        if service.slo.latency > 0 and service.slo.latency_threshold_seconds * 1000 not in _all_buckets_ms():
            report(
                f"{key}.slo.latencyThresholdSeconds",
                f"must be a histogram bucket boundary (app: {_fmt(APP_LATENCY_BUCKETS_SECONDS)} s; "
                f"Dapr: {_fmt(DAPR_LATENCY_BUCKETS_MS)} ms) (got {service.slo.latency_threshold_seconds})",
                uses=(f"{key}.slo.latency",),
            )
        for j, topic in enumerate(service.subscribes):
            if topic not in published:
                report(
                    f"{key}.subscribes[{j}]",
                    f"names topic {topic!r} that no service publishes and kafka.topics does not list "
                    f"(allowed: {', '.join(sorted(published))}, or add it to kafka.topics)",
                    uses=("kafka.topics", *(f"services[{k}].publishes" for k in range(len(s.services)))),
                )


def _all_buckets_ms() -> set[float]:
    return {round(b * 1000, 3) for b in APP_LATENCY_BUCKETS_SECONDS} | {float(b) for b in DAPR_LATENCY_BUCKETS_MS}


def _fmt(values: tuple[float, ...]) -> str:
    return ", ".join(f"{v:g}" for v in values)


def threshold_problems(s: StackSettings, report: Report) -> None:
    t = s.alerting.thresholds
    if t.latency_p95_seconds not in APP_LATENCY_BUCKETS_SECONDS:
        report(
            "alerting.thresholds.latencyP95Seconds",
            f"must be one of the app's histogram buckets {_fmt(APP_LATENCY_BUCKETS_SECONDS)} "
            f"(got {t.latency_p95_seconds:g})",
        )
    if round(t.kafka_processing_p95_seconds * 1000, 3) not in {float(b) for b in DAPR_LATENCY_BUCKETS_MS}:
        report(
            "alerting.thresholds.kafkaProcessingP95Seconds",
            f"must be one of Dapr's latency buckets {_fmt(tuple(b / 1000 for b in DAPR_LATENCY_BUCKETS_MS))} s "
            f"(got {t.kafka_processing_p95_seconds:g})",
        )
    email = s.alerting.receivers.email
    if email.enabled:
        forms = {"to": "e-mail addresses", "sender": "an e-mail address", "smarthost": "host:port"}
        for key, form in forms.items():
            if not getattr(email, key):
                report(
                    f"alerting.receivers.email.{key}",
                    f"is required when e-mail is enabled ({form})",
                    uses=("alerting.receivers.email.enabled",),
                )


def logging_problems(s: StackSettings, report: Report) -> None:
    retention = s.logging.retention_days
    if s.is_production and retention < MIN_PRODUCTION_LOG_RETENTION_DAYS:
        report(
            "logging.retentionDays",
            f"must be >= {MIN_PRODUCTION_LOG_RETENTION_DAYS} in a production stack (got {retention})",
        )
    if s.logging.audit_retention_days < retention:
        report(
            "logging.auditRetentionDays",
            f"must be >= logging.retentionDays ({retention}): audit records are kept longer than ordinary logs "
            f"(got {s.logging.audit_retention_days})",
            uses=("logging.retentionDays",),
        )


def kafka_problems(s: StackSettings, report: Report) -> None:
    k = s.kafka
    if k.mode == "strimzi" and k.vendor != "strimzi":
        report("kafka.vendor", f"must be strimzi when kafka.mode is strimzi (got {k.vendor})", uses=("kafka.mode",))
    if k.mode == "managed":
        if k.vendor == "strimzi":
            report("kafka.vendor", "must be redpanda or confluent when kafka.mode is managed", uses=("kafka.mode",))
        if k.sasl is None or not k.sasl.username:
            report("kafka.sasl.username", "is required when kafka.mode is managed (SASL_SSL)", uses=("kafka.mode",))
        if not k.tls:
            report("kafka.tls", "must be true when kafka.mode is managed (SASL_SSL)", uses=("kafka.mode",))
    if k.ui.ingress_host and not k.ui.ingress_tls_secret:
        report(
            "kafka.ui.ingressTlsSecret",
            "is required when kafka.ui.ingressHost is set (the name of a TLS Secret)",
            uses=("kafka.ui.ingressHost",),
        )
    if bool(k.ui.oidc_issuer_url) != bool(k.ui.oidc_client_id):
        report(
            "kafka.ui.oidcIssuerUrl",
            "and todo-observability:kafka.ui.oidcClientId must be set together",
            uses=("kafka.ui.oidcClientId",),
        )


def grafana_problems(s: StackSettings, report: Report) -> None:
    if s.grafana.ingress_host and not s.grafana.ingress_tls_secret:
        report(
            "grafana.ingressTlsSecret",
            "is required when grafana.ingressHost is set (the name of a TLS Secret)",
            uses=("grafana.ingressHost",),
        )


HUMAN_RECEIVERS = ("pagerduty", "slack", "teams", "email")


def routing_problems(s: StackSettings, report: Report) -> None:
    receivers = s.alerting.receivers
    if receivers.slack.enabled and not receivers.slack.channel.startswith(("#", "@")):
        report(
            "alerting.receivers.slack.channel",
            f"must be a channel ('#name') or a user ('@name') when Slack is enabled (got {receivers.slack.channel!r})",
            uses=("alerting.receivers.slack.enabled",),
        )
    if receivers.email.enabled and receivers.email.username and not receivers.email.require_tls:
        report(
            "alerting.receivers.email.requireTls",
            "must be true when alerting.receivers.email.username is set: the SMTP password is never sent in clear",
            uses=("alerting.receivers.email.enabled", "alerting.receivers.email.username"),
        )
    if s.is_production and not receivers.dead_mans_switch.enabled:
        report(
            "alerting.receivers.deadMansSwitch.enabled",
            "must be true in a production stack: without the Watchdog's heartbeat nobody learns that "
            "Prometheus or Alertmanager stopped alerting (allowed: true; got false)",
        )
    if s.is_production and not any(getattr(receivers, name).enabled for name in HUMAN_RECEIVERS):
        report(
            "alerting.receivers",
            "must enable at least one receiver a person reads in a production stack (allowed: "
            + ", ".join(f"alerting.receivers.{name}.enabled: true" for name in HUMAN_RECEIVERS)
            + "); the dead man's switch only proves alerting works",
        )


def tracing_problems(s: StackSettings, report: Report) -> None:
    t = s.tracing
    if t.backend == "jaeger" and t.jaeger_storage == "memory" and s.is_production:
        report(
            "tracing.jaegerStorage",
            "must be badger in a production stack: in-memory traces vanish on every restart "
            "(allowed: memory, badger; got memory)",
            uses=("tracing.backend",),
        )


# Thanos downsamples raw blocks to 5m once they are 40 hours old: a shorter raw retention deletes them
# before any downsampled copy exists.
_MIN_RAW_RETENTION_SECONDS = 40 * 3600


def long_term_storage_problems(s: StackSettings, report: Report) -> None:
    lt = s.metrics.long_term
    if not lt.enabled:
        return
    enabled = ("metrics.longTerm.enabled",)
    raw, five, hour = (duration_seconds(d) for d in (lt.raw_retention, lt.five_minute_retention, lt.one_hour_retention))
    if raw < _MIN_RAW_RETENTION_SECONDS:
        report(
            "metrics.longTerm.rawRetention",
            f"must be at least 40h: Thanos downsamples blocks only once they are 40 hours old (got {lt.raw_retention})",
            uses=enabled,
        )
    if not raw <= five <= hour:
        report(
            "metrics.longTerm.fiveMinuteRetention",
            "must lie between rawRetention and oneHourRetention, or zoomed-out queries lose data the raw blocks "
            f"still have (got raw {lt.raw_retention}, 5m {lt.five_minute_retention}, 1h {lt.one_hour_retention})",
            uses=(*enabled, "metrics.longTerm.rawRetention", "metrics.longTerm.oneHourRetention"),
        )


def kafka_monitoring_problems(s: StackSettings, report: Report) -> None:
    k = s.kafka
    if s.is_production and k.ui.enabled and not k.ui.read_only:
        report(
            "kafka.ui.readOnly",
            "must be true in a production stack: operators browse topics there, they do not change them (got false)",
            uses=("kafka.ui.enabled",),
        )
    if k.metrics_endpoint:
        if k.mode != "managed":
            report(
                "kafka.metricsEndpoint",
                "is only for kafka.mode managed; Strimzi brokers are scraped through PodMonitors",
                uses=("kafka.mode",),
            )
        if not re.match(r"^https://[^/\s?#@]+(/\S*)?$", k.metrics_endpoint):
            report(
                "kafka.metricsEndpoint",
                "must be an https:// URL (the vendor's credentials travel with every scrape)",
            )
        if k.vendor == "confluent" and not k.metrics_username:
            report(
                "kafka.metricsUsername",
                "is required when kafka.vendor is confluent and kafka.metricsEndpoint is set "
                "(the Cloud API key of the Metrics API)",
                uses=("kafka.vendor", "kafka.metricsEndpoint"),
            )
    if k.strimzi_kafka_exporter and k.mode != "strimzi":
        report("kafka.strimziKafkaExporter", "can be true only when kafka.mode is strimzi", uses=("kafka.mode",))


_PROMETHEUS_SIZE_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40, "P": 2**50}
# The WAL, the head block and compaction need room beyond the blocks that retentionSize counts.
MAX_RETENTION_SIZE_SHARE = 0.85


def _bytes(size: str) -> float:
    """Prometheus sizes (40GB, 40GiB: both powers of two) and Kubernetes volume sizes (50Gi)."""
    match = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)([KMGTP]?)(?:i?B|i)?", size)
    return float(match.group(1)) * _PROMETHEUS_SIZE_UNITS[match.group(2)] if match else 0.0


def metrics_problems(s: StackSettings, report: Report) -> None:
    prom = s.metrics.prometheus
    retention_bytes, volume_bytes = _bytes(prom.retention_size), _bytes(prom.storage_size)
    if retention_bytes and volume_bytes and retention_bytes > MAX_RETENTION_SIZE_SHARE * volume_bytes:
        report(
            "metrics.prometheus.retentionSize",
            f"must be at most {MAX_RETENTION_SIZE_SHARE:.0%} of metrics.prometheus.storageSize "
            f"({prom.storage_size}) so the write-ahead log still fits (got {prom.retention_size})",
            uses=("metrics.prometheus.storageSize",),
        )
    if s.is_production and prom.replicas < 2:
        report(
            "metrics.prometheus.replicas",
            "must be 2 or more in a production stack (a single Prometheus is a single point of failure for "
            f"alerting) (got {prom.replicas})",
        )
    if s.is_production and s.metrics.alertmanager_replicas < 2:
        report(
            "metrics.alertmanagerReplicas",
            "must be 2 or more in a production stack (clustered Alertmanagers keep silences and deduplicate) "
            f"(got {s.metrics.alertmanager_replicas})",
        )


def slo_problems(s: StackSettings, report: Report) -> None:
    """The SLO rules (rules/slo.py) need a histogram for a latency SLO and a threshold on that histogram's
    buckets."""
    dapr_buckets = _fmt(tuple(b / 1000 for b in DAPR_LATENCY_BUCKETS_MS))
    for i, service in enumerate(s.services):
        slo, key = service.slo, f"services[{i}].slo"
        if slo.latency <= 0:
            continue
        uses = (f"{key}.latency", f"services[{i}].kind", f"services[{i}].subscribes")
        by_dapr = service.kind == "worker" and bool(service.subscribes)
        if not by_dapr and not service.exposes_metrics:
            report(
                f"{key}.latency",
                "needs a latency histogram: set it only for a service with exposesMetrics true or a worker that "
                f"subscribes to topics (got {slo.latency:g} for {service.name})",
                uses=(*uses, f"services[{i}].exposesMetrics"),
            )
        elif by_dapr and round(slo.latency_threshold_seconds * 1000, 3) not in {
            float(b) for b in DAPR_LATENCY_BUCKETS_MS
        }:
            report(
                f"{key}.latencyThresholdSeconds",
                f"of worker {service.name} is measured by Dapr and must be one of its buckets {dapr_buckets} s "
                f"(got {slo.latency_threshold_seconds:g})",
                uses=uses,
            )
        elif not by_dapr and slo.latency_threshold_seconds not in APP_LATENCY_BUCKETS_SECONDS:
            report(
                f"{key}.latencyThresholdSeconds",
                f"of {service.name} must be one of the app's buckets {_fmt(APP_LATENCY_BUCKETS_SECONDS)} s "
                f"(got {slo.latency_threshold_seconds:g})",
                uses=uses,
            )


RULES = (
    service_problems,
    threshold_problems,
    logging_problems,
    kafka_problems,
    kafka_monitoring_problems,
    grafana_problems,
    routing_problems,
    tracing_problems,
    long_term_storage_problems,
    metrics_problems,
    slo_problems,
)


def cross_field_problems(s: StackSettings, report: Report, platform: PlatformRules | None) -> None:
    # The cloud's rules first (where the old cloud_problems ran): a key that does not fit the cloud
    # (local in production, a missing cloud section) explains the rules that follow from it.
    if platform is not None:
        platform_problems(s, report, platform)
    for rule in RULES:
        rule(s, report)
