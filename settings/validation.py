"""Rules that span several keys; each returns messages that name the key and the allowed values."""

from __future__ import annotations

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
    if s.cloud == "oci" and (retention % 30 or not 30 <= retention <= 180):
        problems.append(
            f"{config_key('logging.retentionDays')} must be 30, 60, 90, 120, 150 or 180 on OCI "
            f"(OCI Logging keeps logs in 30-day steps) (got {retention})"
        )
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


def cross_field_problems(s: StackSettings) -> list[str]:
    return [
        *cloud_problems(s),
        *service_problems(s),
        *threshold_problems(s),
        *logging_problems(s),
        *kafka_problems(s),
        *grafana_problems(s),
    ]
