"""The OpenTelemetry Collector's configuration and chart values, as pure functions of the tracing section.

One collector Deployment receives OTLP from the apps and Dapr's spans, adds Kubernetes attributes,
tail-samples and exports to the stack's backend. With more than one replica, tail sampling would see
fragments of a trace on each replica; so each replica first routes spans by trace ID
(`loadbalancing` exporter) to the replica that owns the trace, over a headless Service, and only
that replica samples and exports. One Deployment plays both roles, so there is no second tier to run.
The exporter to the backend comes from the backend (render/jaeger.py, or the cloud's own trace backend in
components/<cloud>/tracing.py): this module names no backend.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from render.monitors import MonitorManifest, monitor
from settings.model import TracingSettings

RELEASE_NAME = "otel-collector"
# The chart's selector labels (app.kubernetes.io/name is the chart name, instance the release).
CHART_NAME = "opentelemetry-collector"
SELECTOR_LABELS = {"app.kubernetes.io/name": CHART_NAME, "app.kubernetes.io/instance": RELEASE_NAME}
SAMPLING_SERVICE_NAME = f"{RELEASE_NAME}-sampling"
# The chart's ServiceAccount (serviceAccount.create, named after `fullnameOverride`): a cloud identity binds to it.
SERVICE_ACCOUNT_NAME = RELEASE_NAME
IMAGE_REPOSITORY = "otel/opentelemetry-collector-contrib"

OTLP_GRPC_PORT = 4317
OTLP_HTTP_PORT = 4318
ZIPKIN_PORT = 9411
# Spans forwarded between replicas, already routed by trace ID.
LOADBALANCED_PORT = 4319
METRICS_PORT = 8888
HEALTH_PORT = 13133

# The chart's label on the collector's own Service (not on the headless sampling Service).
COLLECTOR_SERVICE_COMPONENT = "standalone-collector"
# What the collector's ServiceMonitor is labelled as watching.
MONITOR_COMPONENT = "tracing"

# Chart ports for protocols this collector never receives; the chart enables them by default.
UNUSED_CHART_PORTS = ("jaeger-compact", "jaeger-thrift", "jaeger-grpc")


def collector_host(tracing: TracingSettings) -> str:
    return f"{RELEASE_NAME}.{tracing.namespace}.svc.cluster.local"


def sharded(tracing: TracingSettings) -> bool:
    """More than one replica: spans must be routed by trace ID before tail sampling."""
    return tracing.collector_replicas > 1


def _listen(port: int) -> dict[str, str]:
    return {"endpoint": f"${{env:MY_POD_IP}}:{port}"}


def receivers(tracing: TracingSettings) -> dict[str, Any]:
    found: dict[str, Any] = {"otlp": {"protocols": {"grpc": _listen(OTLP_GRPC_PORT), "http": _listen(OTLP_HTTP_PORT)}}}
    if tracing.dapr_protocol == "zipkin":
        found["zipkin"] = _listen(ZIPKIN_PORT)
    if sharded(tracing):
        found["otlp/loadbalanced"] = {"protocols": {"grpc": _listen(LOADBALANCED_PORT)}}
    return found


def app_receivers(tracing: TracingSettings) -> list[str]:
    """Receivers the apps and Dapr send to (everything but the replica-to-replica hop)."""
    return [name for name in receivers(tracing) if name != "otlp/loadbalanced"]


NUM_TRACES = 50000


def tail_sampling(t: TracingSettings) -> dict[str, Any]:
    # Any policy that samples keeps the trace: errors and slow traces always, the rest by chance.
    return {
        "decision_wait": f"{t.decision_wait_seconds}s",
        "num_traces": NUM_TRACES,
        "expected_new_traces_per_sec": 100,
        # Decided trace IDs are remembered (an LRU each): a span that arrives after its trace was
        # decided is kept or dropped as that trace was, not decided alone (which would split the trace).
        # 10x num_traces each (what the processor's README advises); a trace ID costs well under
        # 100 bytes, so both caches stay below ~100 MB of the collector's memory limit.
        "decision_cache": {
            "sampled_cache_size": 10 * NUM_TRACES,
            "non_sampled_cache_size": 10 * NUM_TRACES,
        },
        "policies": [
            {"name": "keep-errors", "type": "status_code", "status_code": {"status_codes": ["ERROR"]}},
            {"name": "keep-slow", "type": "latency", "latency": {"threshold_ms": t.slow_trace_threshold_ms}},
            {
                "name": "sample-the-rest",
                "type": "probabilistic",
                "probabilistic": {"sampling_percentage": round(t.sampling_rate * 100, 4)},
            },
        ],
    }


def processors(tracing: TracingSettings) -> dict[str, Any]:
    return {
        # Refuses data before the container is OOM-killed; relies on the memory limit in the values.
        "memory_limiter": {"check_interval": "1s", "limit_percentage": 80, "spike_limit_percentage": 25},
        "k8s_attributes": {
            "passthrough": False,
            # Dapr sidecars and apps share the pod's IP, so the connection identifies the pod.
            "pod_association": [
                {"sources": [{"from": "resource_attribute", "name": "k8s.pod.ip"}]},
                {"sources": [{"from": "resource_attribute", "name": "k8s.pod.uid"}]},
                {"sources": [{"from": "connection"}]},
            ],
            "extract": {
                "metadata": [
                    "k8s.namespace.name",
                    "k8s.pod.name",
                    "k8s.pod.uid",
                    "k8s.deployment.name",
                    "k8s.node.name",
                    "k8s.container.name",
                ]
            },
        },
        "tail_sampling": tail_sampling(tracing),
        "batch": {"send_batch_size": 1024, "timeout": "5s"},
    }


def loadbalancing_exporter(tracing: TracingSettings) -> dict[str, Any]:
    return {
        # Routes by trace ID, the exporter's default `routing_key` (left unset: the guardrail policy
        # treats any `routing_key` as a PagerDuty-style credential).
        "loadbalancing": {
            # Queue and retry at the top level (collector-contrib 0.112+): a batch whose replica went
            # away is retried and routed again over the endpoints the resolver knows now. The
            # per-endpoint OTLP sub-exporter queues and retries nothing: its queue would be dropped
            # with it when the replica leaves the ring.
            "timeout": "5s",
            "sending_queue": {"enabled": True, "num_consumers": 10, "queue_size": 5000},
            "retry_on_failure": {
                "enabled": True,
                "initial_interval": "1s",
                "max_interval": "10s",
                "max_elapsed_time": "120s",
            },
            "protocol": {
                "otlp": {
                    "timeout": "5s",
                    "tls": {"insecure": True},
                    "sending_queue": {"enabled": False},
                    "retry_on_failure": {"enabled": False},
                }
            },
            "resolver": {
                "dns": {
                    "hostname": f"{SAMPLING_SERVICE_NAME}.{tracing.namespace}.svc.cluster.local",
                    "port": str(LOADBALANCED_PORT),
                    "interval": "5s",
                }
            },
        }
    }


def pipelines(tracing: TracingSettings, backend: str) -> dict[str, Any]:
    """`backend`: the name of the exporter to the trace backend."""
    if not sharded(tracing):
        return {
            "traces": {
                "receivers": app_receivers(tracing),
                "processors": ["memory_limiter", "k8s_attributes", "tail_sampling", "batch"],
                "exporters": [backend],
            }
        }
    # k8s_attributes must run where the app's connection arrives, before the replica-to-replica hop.
    return {
        "traces/ingest": {
            "receivers": app_receivers(tracing),
            "processors": ["memory_limiter", "k8s_attributes"],
            "exporters": ["loadbalancing"],
        },
        "traces/sample": {
            "receivers": ["otlp/loadbalanced"],
            "processors": ["memory_limiter", "tail_sampling", "batch"],
            "exporters": [backend],
        },
    }


def collector_config(tracing: TracingSettings, backend_exporter: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """The collector's whole configuration, as the chart deploys it (`alternateConfig`: not merged).
    `backend_exporter` is the backend's one exporter, `{name: configuration}`."""
    if len(backend_exporter) != 1:
        raise ValueError(f"a trace backend hands the collector exactly one exporter (got {sorted(backend_exporter)})")
    (backend,) = backend_exporter
    exporters = dict(backend_exporter)
    if sharded(tracing):
        exporters = {**loadbalancing_exporter(tracing), **exporters}
    return {
        "extensions": {"health_check": _listen(HEALTH_PORT)},
        "receivers": receivers(tracing),
        "processors": processors(tracing),
        "exporters": exporters,
        "service": {
            "extensions": ["health_check"],
            "pipelines": pipelines(tracing, backend),
            "telemetry": {
                "metrics": {
                    "readers": [
                        {"pull": {"exporter": {"prometheus": {"host": "${env:MY_POD_IP}", "port": METRICS_PORT}}}}
                    ]
                }
            },
        },
    }


def _port(number: int, enabled: bool = True, app_protocol: str = "") -> dict[str, Any]:
    port: dict[str, Any] = {"enabled": enabled, "containerPort": number, "servicePort": number, "protocol": "TCP"}
    if app_protocol:
        port["appProtocol"] = app_protocol
    return port


def chart_ports(tracing: TracingSettings) -> dict[str, Any]:
    ports: dict[str, Any] = {
        "otlp": _port(OTLP_GRPC_PORT, app_protocol="grpc"),
        "otlp-http": _port(OTLP_HTTP_PORT),
        "zipkin": _port(ZIPKIN_PORT, enabled=tracing.dapr_protocol == "zipkin"),
        "metrics": _port(METRICS_PORT),
    }
    if sharded(tracing):
        ports["otlp-lb"] = _port(LOADBALANCED_PORT, app_protocol="grpc")
    for name in UNUSED_CHART_PORTS:
        ports[name] = {"enabled": False}
    return ports


def collector_values(
    t: TracingSettings,
    config: dict[str, Any],
    service_account_annotations: Mapping[str, Any] | None = None,
    extra_envs: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Values of the opentelemetry-collector chart; `config` is `collector_config(...)`."""
    values: dict[str, Any] = {
        "mode": "deployment",
        "fullnameOverride": RELEASE_NAME,
        "image": {"repository": IMAGE_REPOSITORY},
        "replicaCount": t.collector_replicas,
        # The whole config, not merged with the chart's defaults (which add Jaeger, Prometheus and
        # debug components this pipeline does not use): what build/<stack>/otel-collector shows is
        # what runs.
        "alternateConfig": config,
        "ports": chart_ports(t),
        "resources": {
            "requests": {"cpu": "100m", "memory": "256Mi"},
            "limits": {"memory": t.collector_memory_limit},
        },
        "serviceAccount": {"create": True, "annotations": dict(service_account_annotations or {})},
        # What k8s_attributes reads; the chart's preset would also rewrite the pipelines, so the
        # processor is configured above and only its permissions are granted here.
        "clusterRole": {
            "create": True,
            "rules": [
                {"apiGroups": [""], "resources": ["pods", "namespaces"], "verbs": ["get", "watch", "list"]},
                {"apiGroups": ["apps"], "resources": ["replicasets"], "verbs": ["get", "watch", "list"]},
            ],
        },
        "podDisruptionBudget": {"enabled": t.collector_replicas > 1, "minAvailable": 1},
    }
    if t.collector_replicas > 1:
        values["topologySpreadConstraints"] = [
            {
                "maxSkew": 1,
                "topologyKey": "kubernetes.io/hostname",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": dict(SELECTOR_LABELS)},
            }
        ]
    if extra_envs:
        values["extraEnvs"] = extra_envs
    return values


def collector_monitor(tracing: TracingSettings, scrape_interval: str) -> MonitorManifest:
    """The collector's own metrics (the `metrics` port), scraped through the chart's Service."""
    return monitor(
        "ServiceMonitor",
        RELEASE_NAME,
        tracing.namespace,
        MONITOR_COMPONENT,
        {**SELECTOR_LABELS, "component": COLLECTOR_SERVICE_COMPONENT},
        [tracing.namespace],
        [{"port": "metrics", "path": "/metrics", "interval": scrape_interval}],
    )
