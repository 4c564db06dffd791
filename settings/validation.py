"""Rules that span several keys; each returns messages that name the key and the allowed values."""

from __future__ import annotations

import re
from collections import Counter

from settings.defaults import APP_LATENCY_BUCKETS_SECONDS, DAPR_LATENCY_BUCKETS_MS
from settings.model import StackSettings
from settings.schema import config_key

MIN_PRODUCTION_LOG_RETENTION_DAYS = 30

REQUIRED_CLOUD_KEYS: dict[str, tuple[str, ...]] = {
    "azure": ("subscriptionId", "tenantId", "resourceGroup", "location"),
    "gcp": ("project", "region"),
    "oci": ("compartmentId", "region", "objectStorageNamespace"),
}

BACKENDS_BY_CLOUD: dict[str, tuple[str, ...]] = {
    "azure": ("azure-monitor", "jaeger"),
    "gcp": ("cloud-trace", "jaeger"),
    "oci": ("jaeger", "oci-apm"),
    "local": ("jaeger",),
}


def _camel_value(section: object, key: str) -> object:
    snake = "".join("_" + c.lower() if c.isupper() else c for c in key)
    return getattr(section, snake)


def cloud_problems(s: StackSettings) -> list[str]:
    problems = []
    if s.cloud == "local" and s.is_production:
        problems.append(
            f"{config_key('environment')} must be development or staging when "
            f"{config_key('cloud')} is local (got production)"
        )
    for cloud, keys in REQUIRED_CLOUD_KEYS.items():
        section = getattr(s, cloud)
        if s.cloud != cloud:
            continue
        if section is None:
            problems.append(
                f"{config_key(cloud)} is required when {config_key('cloud')} is {cloud} (keys: {', '.join(keys)})"
            )
            continue
        for key in keys:
            if not _camel_value(section, key):
                problems.append(f"{config_key(cloud + '.' + key)} is required when cloud is {cloud}")
    if s.cloud == "azure" and not s.cluster.oidc_issuer_url:
        problems.append(
            f"{config_key('cluster.oidcIssuerUrl')} is required on Azure (workload identity): "
            "az aks show -n <cluster> -g <rg> --query oidcIssuerProfile.issuerUrl -o tsv"
        )
    if s.cloud == "gcp" and not s.cluster.location:
        problems.append(f"{config_key('cluster.location')} is required on GCP (the GKE cluster's zone or region)")
    allowed = BACKENDS_BY_CLOUD[s.cloud]
    if s.tracing.backend not in allowed:
        problems.append(
            f"{config_key('tracing.backend')} must be one of {', '.join(allowed)} when cloud is "
            f"{s.cloud} (got {s.tracing.backend})"
        )
    if s.metrics.long_term.in_cluster_object_store and s.cloud != "local":
        problems.append(f"{config_key('metrics.longTerm.inClusterObjectStore')} is only for the local cloud")
    return problems


def service_problems(s: StackSettings) -> list[str]:
    problems = []
    if not s.services:
        problems.append(f"{config_key('services')} must list at least one service")
    counts = Counter(service.name for service in s.services)
    for name, count in sorted(counts.items()):
        if count > 1:
            problems.append(f"{config_key('services')} names service {name!r} {count} times; names must be unique")
    for i, service in enumerate(s.services):
        key = f"services[{i}]"
        for attr in ("metrics_path", "health_path", "liveness_path"):
            if not getattr(service, attr).startswith("/"):
                camel = "".join(p if j == 0 else p.title() for j, p in enumerate(attr.split("_")))
                problems.append(f"{config_key(f'{key}.{camel}')} must start with '/'")
        for route in list(service.routes) + list(service.critical_routes):
            if not route.startswith("/"):
                problems.append(f"{config_key(key + '.routes')} entries must start with '/' (got {route!r})")
        if service.slo.latency > 0 and service.slo.latency_threshold_seconds * 1000 not in _all_buckets_ms():
            problems.append(
                f"{config_key(key + '.slo.latencyThresholdSeconds')} must be a histogram bucket boundary "
                f"(app: {_fmt(APP_LATENCY_BUCKETS_SECONDS)} s; Dapr: {_fmt(DAPR_LATENCY_BUCKETS_MS)} ms) "
                f"(got {service.slo.latency_threshold_seconds})"
            )
    return problems


def _all_buckets_ms() -> set[float]:
    return {round(b * 1000, 3) for b in APP_LATENCY_BUCKETS_SECONDS} | {float(b) for b in DAPR_LATENCY_BUCKETS_MS}


def _fmt(values: tuple[float, ...]) -> str:
    return ", ".join(f"{v:g}" for v in values)


def threshold_problems(s: StackSettings) -> list[str]:
    t = s.alerting.thresholds
    problems = []
    if t.latency_p95_seconds not in APP_LATENCY_BUCKETS_SECONDS:
        problems.append(
            f"{config_key('alerting.thresholds.latencyP95Seconds')} must be one of the app's histogram "
            f"buckets {_fmt(APP_LATENCY_BUCKETS_SECONDS)} (got {t.latency_p95_seconds:g})"
        )
    if round(t.kafka_processing_p95_seconds * 1000, 3) not in {float(b) for b in DAPR_LATENCY_BUCKETS_MS}:
        problems.append(
            f"{config_key('alerting.thresholds.kafkaProcessingP95Seconds')} must be one of Dapr's "
            f"latency buckets {_fmt(tuple(b / 1000 for b in DAPR_LATENCY_BUCKETS_MS))} s "
            f"(got {t.kafka_processing_p95_seconds:g})"
        )
    email = s.alerting.receivers.email
    if email.enabled:
        for key in ("to", "sender", "smarthost"):
            if not getattr(email, key):
                problems.append(f"{config_key('alerting.receivers.email.' + key)} is required when e-mail is enabled")
    return problems


def logging_problems(s: StackSettings) -> list[str]:
    problems = []
    retention = s.logging.retention_days
    if s.is_production and retention < MIN_PRODUCTION_LOG_RETENTION_DAYS:
        problems.append(
            f"{config_key('logging.retentionDays')} must be >= {MIN_PRODUCTION_LOG_RETENTION_DAYS} "
            f"in a production stack (got {retention})"
        )
    if s.logging.audit_retention_days < retention:
        problems.append(
            f"{config_key('logging.auditRetentionDays')} must be >= logging.retentionDays ({retention}): "
            f"audit records are kept longer than ordinary logs (got {s.logging.audit_retention_days})"
        )
    # OCI needs no step rule: logs go to Logging Analytics, whose purge tasks take any number of days.
    if s.cloud == "azure" and not 4 <= retention <= 730:
        problems.append(
            f"{config_key('logging.retentionDays')} must be between 4 and 730 on Azure "
            f"(a Log Analytics table's interactive retention) (got {retention})"
        )
    if s.cloud == "gcp" and s.logging.audit_retention_days > 3650:
        problems.append(
            f"{config_key('logging.auditRetentionDays')} must be <= 3650 on GCP "
            f"(a Cloud Logging bucket's retention) (got {s.logging.audit_retention_days})"
        )
    return problems


OCI_LOG_UPLOAD_KEYS: dict[str, tuple[str, str]] = {
    "tenancyId": (r"^ocid1\.tenancy\.[a-z0-9._-]+$", "a tenancy OCID (ocid1.tenancy.oc1..)"),
    "logUploadUserId": (r"^ocid1\.user\.[a-z0-9._-]+$", "a user OCID (ocid1.user.oc1..)"),
    "logUploadKeyFingerprint": (
        r"^([0-9a-f]{2}:){15}[0-9a-f]{2}$",
        "an API key fingerprint (16 hex pairs joined by ':')",
    ),
    "logUploadGroup": (r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)?$", "an IAM group name, or <identity domain>/<group>"),
}


def oci_log_upload_problems(s: StackSettings) -> list[str]:
    """Fluent Bit's OCI config file and upload policy are built from these keys."""
    if s.cloud != "oci" or s.oci is None:
        return []
    problems = []
    for key, (pattern, hint) in OCI_LOG_UPLOAD_KEYS.items():
        value = str(_camel_value(s.oci, key))
        if not value:
            problems.append(f"{config_key('oci.' + key)} is required when cloud is oci ({hint})")
        elif not re.fullmatch(pattern, value):
            problems.append(f"{config_key('oci.' + key)} must be {hint} (got {value!r})")
    return problems


def kafka_problems(s: StackSettings) -> list[str]:
    k = s.kafka
    problems = []
    if k.mode == "strimzi" and k.vendor != "strimzi":
        problems.append(f"{config_key('kafka.vendor')} must be strimzi when kafka.mode is strimzi (got {k.vendor})")
    if k.mode == "managed":
        if k.vendor == "strimzi":
            problems.append(f"{config_key('kafka.vendor')} must be redpanda or confluent when kafka.mode is managed")
        if k.sasl is None or not k.sasl.username:
            problems.append(f"{config_key('kafka.sasl.username')} is required when kafka.mode is managed (SASL_SSL)")
        if not k.tls:
            problems.append(f"{config_key('kafka.tls')} must be true when kafka.mode is managed (SASL_SSL)")
    if k.ui.ingress_host and not k.ui.ingress_tls_secret:
        problems.append(f"{config_key('kafka.ui.ingressTlsSecret')} is required when kafka.ui.ingressHost is set")
    if bool(k.ui.oidc_issuer_url) != bool(k.ui.oidc_client_id):
        problems.append(
            f"{config_key('kafka.ui.oidcIssuerUrl')} and {config_key('kafka.ui.oidcClientId')} must be set together"
        )
    return problems


def grafana_problems(s: StackSettings) -> list[str]:
    if s.grafana.ingress_host and not s.grafana.ingress_tls_secret:
        return [f"{config_key('grafana.ingressTlsSecret')} is required when grafana.ingressHost is set"]
    return []


def routing_problems(s: StackSettings) -> list[str]:
    receivers = s.alerting.receivers
    problems = []
    if receivers.slack.enabled and not receivers.slack.channel.startswith(("#", "@")):
        problems.append(
            f"{config_key('alerting.receivers.slack.channel')} must be a channel ('#name') or a user ('@name') "
            f"when Slack is enabled (got {receivers.slack.channel!r})"
        )
    if receivers.email.enabled and receivers.email.username and not receivers.email.require_tls:
        problems.append(
            f"{config_key('alerting.receivers.email.requireTls')} must be true when "
            "alerting.receivers.email.username is set: the SMTP password is never sent in clear"
        )
    if s.is_production and not receivers.dead_mans_switch.enabled:
        problems.append(
            f"{config_key('alerting.receivers.deadMansSwitch.enabled')} must be true in a production stack: "
            "without the Watchdog's heartbeat nobody learns that Prometheus or Alertmanager stopped alerting "
            "(allowed: true; got false)"
        )
    return problems


def tracing_problems(s: StackSettings) -> list[str]:
    t = s.tracing
    problems = []
    if t.backend == "jaeger" and t.jaeger_storage == "memory" and s.is_production:
        problems.append(
            f"{config_key('tracing.jaegerStorage')} must be badger in a production stack: in-memory traces "
            "vanish on every restart (allowed: memory, badger; got memory)"
        )
    if t.backend == "oci-apm":
        problems.append(
            f"{config_key('tracing.backend')} oci-apm is not implemented: on OCI use jaeger "
            "(with tracing.jaegerStorage badger); see docs/tracing.md"
        )
    return problems


_DURATION_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
_AZURE_ACCOUNT = r"^[a-z0-9]{3,24}$"
_GCS_BUCKET = r"^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$"
_OCI_BUCKET = r"^[A-Za-z0-9._-]{1,256}$"
# Thanos downsamples raw blocks to 5m once they are 40 hours old: a shorter raw retention deletes them
# before any downsampled copy exists.
_MIN_RAW_RETENTION_SECONDS = 40 * 3600


def _duration_seconds(text: str) -> float:
    return sum(float(n) * _DURATION_UNIT_SECONDS[u] for n, u in re.findall(r"([0-9]+)(ms|s|m|h|d|w|y)", text))


def long_term_storage_problems(s: StackSettings) -> list[str]:
    lt = s.metrics.long_term
    if not lt.enabled:
        return []
    problems = []
    if s.cloud == "local" and not lt.in_cluster_object_store:
        problems.append(
            f"{config_key('metrics.longTerm.enabled')} needs metrics.longTerm.inClusterObjectStore: true "
            "on the local cloud (there is no cloud bucket)"
        )
    raw, five, hour = (
        _duration_seconds(d) for d in (lt.raw_retention, lt.five_minute_retention, lt.one_hour_retention)
    )
    if raw < _MIN_RAW_RETENTION_SECONDS:
        problems.append(
            f"{config_key('metrics.longTerm.rawRetention')} must be at least 40h: Thanos downsamples blocks "
            f"only once they are 40 hours old (got {lt.raw_retention})"
        )
    if not raw <= five <= hour:
        problems.append(
            f"{config_key('metrics.longTerm.fiveMinuteRetention')} must lie between rawRetention and "
            f"oneHourRetention, or zoomed-out queries lose data the raw blocks still have (got raw "
            f"{lt.raw_retention}, 5m {lt.five_minute_retention}, 1h {lt.one_hour_retention})"
        )
    name_rules = {
        "azure": (_AZURE_ACCOUNT, "3-24 lowercase letters and digits (a storage account name)"),
        "gcp": (_GCS_BUCKET, "3-63 lowercase letters, digits, '-', '_' or '.'"),
        "oci": (_OCI_BUCKET, "letters, digits, '-', '_' or '.'"),
    }
    if lt.bucket_name and s.cloud in name_rules:
        pattern, hint = name_rules[s.cloud]
        if not re.match(pattern, lt.bucket_name):
            problems.append(
                f"{config_key('metrics.longTerm.bucketName')} must be {hint} on {s.cloud} (got {lt.bucket_name!r})"
            )
    if s.cloud == "oci" and not re.match(r"^ocid1\.cluster\.", lt.oke_cluster_id):
        problems.append(
            f"{config_key('metrics.longTerm.okeClusterId')} is required on OCI: the OKE cluster OCID "
            "(ocid1.cluster....) that the workload identity policy admits"
        )
    return problems


def kafka_monitoring_problems(s: StackSettings) -> list[str]:
    k = s.kafka
    problems = []
    if s.is_production and k.ui.enabled and not k.ui.read_only:
        problems.append(
            f"{config_key('kafka.ui.readOnly')} must be true in a production stack: operators browse "
            "topics there, they do not change them (got false)"
        )
    if k.metrics_endpoint:
        if k.mode != "managed":
            problems.append(
                f"{config_key('kafka.metricsEndpoint')} is only for kafka.mode managed; Strimzi brokers are "
                "scraped through PodMonitors"
            )
        if not re.match(r"^https://[^/\s?#]+(/\S*)?$", k.metrics_endpoint):
            problems.append(
                f"{config_key('kafka.metricsEndpoint')} must be an https:// URL (the vendor's credentials travel "
                f"with every scrape) (got {k.metrics_endpoint!r})"
            )
        if k.vendor == "confluent" and not k.metrics_username:
            problems.append(
                f"{config_key('kafka.metricsUsername')} is required when kafka.vendor is confluent and "
                "kafka.metricsEndpoint is set (the Cloud API key of the Metrics API)"
            )
    if k.strimzi_kafka_exporter and k.mode != "strimzi":
        problems.append(f"{config_key('kafka.strimziKafkaExporter')} can be true only when kafka.mode is strimzi")
    return problems


_PROMETHEUS_SIZE_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40, "P": 2**50}
# The WAL, the head block and compaction need room beyond the blocks that retentionSize counts.
MAX_RETENTION_SIZE_SHARE = 0.85


def _bytes(size: str) -> float:
    """Prometheus sizes (40GB, 40GiB: both powers of two) and Kubernetes volume sizes (50Gi)."""
    match = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)([KMGTP]?)(?:i?B|i)?", size)
    return float(match.group(1)) * _PROMETHEUS_SIZE_UNITS[match.group(2)] if match else 0.0


def metrics_problems(s: StackSettings) -> list[str]:
    prom = s.metrics.prometheus
    problems = []
    retention_bytes, volume_bytes = _bytes(prom.retention_size), _bytes(prom.storage_size)
    if retention_bytes and volume_bytes and retention_bytes > MAX_RETENTION_SIZE_SHARE * volume_bytes:
        problems.append(
            f"{config_key('metrics.prometheus.retentionSize')} must be at most "
            f"{MAX_RETENTION_SIZE_SHARE:.0%} of metrics.prometheus.storageSize ({prom.storage_size}) so the "
            f"write-ahead log still fits (got {prom.retention_size})"
        )
    if s.is_production and prom.replicas < 2:
        problems.append(
            f"{config_key('metrics.prometheus.replicas')} must be 2 or more in a production stack "
            f"(a single Prometheus is a single point of failure for alerting) (got {prom.replicas})"
        )
    if s.is_production and s.metrics.alertmanager_replicas < 2:
        problems.append(
            f"{config_key('metrics.alertmanagerReplicas')} must be 2 or more in a production stack "
            f"(clustered Alertmanagers keep silences and deduplicate) (got {s.metrics.alertmanager_replicas})"
        )
    return problems


def slo_problems(s: StackSettings) -> list[str]:
    """The SLO rules (rules/slo.py) need a histogram for a latency SLO, a threshold on that histogram's
    buckets, and the 30-day window their burn-rate factors (14.4, 6, 3, 1) are computed for."""
    problems = []
    for i, service in enumerate(s.services):
        slo, key = service.slo, f"services[{i}].slo"
        if slo.window != "30d":
            problems.append(
                f"{config_key(key + '.window')} must be 30d: the burn-rate alerts are tuned for a 30-day "
                f"error budget (got {slo.window})"
            )
        if slo.latency <= 0:
            continue
        by_dapr = service.kind == "worker" and bool(service.subscribes)
        if not by_dapr and not service.exposes_metrics:
            problems.append(
                f"{config_key(key + '.latency')} needs a latency histogram: set it only for a service with "
                f"exposesMetrics true or a worker that subscribes to topics (got {slo.latency:g} for {service.name})"
            )
        elif by_dapr and round(slo.latency_threshold_seconds * 1000, 3) not in {
            float(b) for b in DAPR_LATENCY_BUCKETS_MS
        }:
            problems.append(
                f"{config_key(key + '.latencyThresholdSeconds')} of worker {service.name} is measured by Dapr and "
                f"must be one of its buckets {_fmt(tuple(b / 1000 for b in DAPR_LATENCY_BUCKETS_MS))} s "
                f"(got {slo.latency_threshold_seconds:g})"
            )
        elif not by_dapr and slo.latency_threshold_seconds not in APP_LATENCY_BUCKETS_SECONDS:
            problems.append(
                f"{config_key(key + '.latencyThresholdSeconds')} of {service.name} must be one of the app's "
                f"buckets {_fmt(APP_LATENCY_BUCKETS_SECONDS)} s (got {slo.latency_threshold_seconds:g})"
            )
    return problems


def cross_field_problems(s: StackSettings) -> list[str]:
    return [
        *cloud_problems(s),
        *service_problems(s),
        *threshold_problems(s),
        *logging_problems(s),
        *oci_log_upload_problems(s),
        *kafka_problems(s),
        *kafka_monitoring_problems(s),
        *grafana_problems(s),
        *routing_problems(s),
        *tracing_problems(s),
        *long_term_storage_problems(s),
        *metrics_problems(s),
        *slo_problems(s),
    ]
