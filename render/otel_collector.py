"""The OpenTelemetry Collector's configuration and chart values, as pure functions of the settings.

One collector Deployment receives OTLP from the apps and Dapr's spans, adds Kubernetes attributes,
tail-samples and exports to the stack's backend. With more than one replica, tail sampling would see
fragments of a trace on each replica; so each replica first routes spans by trace ID
(`loadbalancing` exporter) to the replica that owns the trace, over a headless Service, and only
that replica samples and exports. One Deployment plays both roles, so there is no second tier to run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from settings import StackSettings

RELEASE_NAME = "otel-collector"
# The chart's selector labels (app.kubernetes.io/name is the chart name, instance the release).
CHART_NAME = "opentelemetry-collector"
SELECTOR_LABELS = {"app.kubernetes.io/name": CHART_NAME, "app.kubernetes.io/instance": RELEASE_NAME}
SAMPLING_SERVICE_NAME = f"{RELEASE_NAME}-sampling"
IMAGE_REPOSITORY = "otel/opentelemetry-collector-contrib"

OTLP_GRPC_PORT = 4317
OTLP_HTTP_PORT = 4318
ZIPKIN_PORT = 9411
# Spans forwarded between replicas, already routed by trace ID.
LOADBALANCED_PORT = 4319
METRICS_PORT = 8888
HEALTH_PORT = 13133

CONNECTION_STRING_ENV = "APPLICATIONINSIGHTS_CONNECTION_STRING"

# The exporter each backend uses; `otlp_grpc` is the current name of the OTLP exporter.
BACKEND_EXPORTERS: dict[str, str] = {
    "jaeger": "otlp_grpc/jaeger",
    "azure-monitor": "azuremonitor",
    "cloud-trace": "googlecloud",
}

# Chart ports for protocols this collector never receives; the chart enables them by default.
UNUSED_CHART_PORTS = ("jaeger-compact", "jaeger-thrift", "jaeger-grpc")


def collector_host(settings: StackSettings) -> str:
    return f"{RELEASE_NAME}.{settings.tracing.namespace}.svc.cluster.local"


def sharded(settings: StackSettings) -> bool:
    """More than one replica: spans must be routed by trace ID before tail sampling."""
    return settings.tracing.collector_replicas > 1


def _listen(port: int) -> dict[str, str]:
    return {"endpoint": f"${{env:MY_POD_IP}}:{port}"}


def receivers(settings: StackSettings) -> dict[str, Any]:
    found: dict[str, Any] = {"otlp": {"protocols": {"grpc": _listen(OTLP_GRPC_PORT), "http": _listen(OTLP_HTTP_PORT)}}}
    if settings.tracing.dapr_protocol == "zipkin":
        found["zipkin"] = _listen(ZIPKIN_PORT)
    if sharded(settings):
        found["otlp/loadbalanced"] = {"protocols": {"grpc": _listen(LOADBALANCED_PORT)}}
    return found


def app_receivers(settings: StackSettings) -> list[str]:
    """Receivers the apps and Dapr send to (everything but the replica-to-replica hop)."""
    return [name for name in receivers(settings) if name != "otlp/loadbalanced"]


NUM_TRACES = 50000


def tail_sampling(settings: StackSettings) -> dict[str, Any]:
    t = settings.tracing
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


def processors(settings: StackSettings) -> dict[str, Any]:
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
        "tail_sampling": tail_sampling(settings),
        "batch": {"send_batch_size": 1024, "timeout": "5s"},
    }


def backend_exporter(settings: StackSettings, jaeger_host: str, gcp_project: str) -> dict[str, Any]:
    backend = settings.tracing.backend
    name = BACKEND_EXPORTERS.get(backend)
    if name is None:
        raise ValueError(
            f"todo-observability:tracing.backend {backend!r} has no exporter; allowed: {BACKEND_EXPORTERS}"
        )
    if backend == "jaeger":
        body: dict[str, Any] = {
            "endpoint": f"{jaeger_host}:{OTLP_GRPC_PORT}",
            # In-cluster hop to Jaeger's OTLP receiver, which listens without TLS.
            "tls": {"insecure": True},
            "sending_queue": {"enabled": True, "queue_size": 5000},
            "retry_on_failure": {"enabled": True, "max_elapsed_time": "300s"},
        }
    elif backend == "azure-monitor":
        # The connection string comes from a Kubernetes Secret as an environment variable.
        body = {"connection_string": f"${{env:{CONNECTION_STRING_ENV}}}"}
    else:
        # No credentials: the metadata server answers for the Workload Identity service account.
        body = {"project": gcp_project}
    return {name: body}


def loadbalancing_exporter(settings: StackSettings) -> dict[str, Any]:
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
                    "hostname": f"{SAMPLING_SERVICE_NAME}.{settings.tracing.namespace}.svc.cluster.local",
                    "port": str(LOADBALANCED_PORT),
                    "interval": "5s",
                }
            },
        }
    }


def pipelines(settings: StackSettings) -> dict[str, Any]:
    backend = BACKEND_EXPORTERS[settings.tracing.backend]
    if not sharded(settings):
        return {
            "traces": {
                "receivers": app_receivers(settings),
                "processors": ["memory_limiter", "k8s_attributes", "tail_sampling", "batch"],
                "exporters": [backend],
            }
        }
    # k8s_attributes must run where the app's connection arrives, before the replica-to-replica hop.
    return {
        "traces/ingest": {
            "receivers": app_receivers(settings),
            "processors": ["memory_limiter", "k8s_attributes"],
            "exporters": ["loadbalancing"],
        },
        "traces/sample": {
            "receivers": ["otlp/loadbalanced"],
            "processors": ["memory_limiter", "tail_sampling", "batch"],
            "exporters": [backend],
        },
    }


def collector_config(settings: StackSettings, jaeger_host: str = "", gcp_project: str = "") -> dict[str, Any]:
    """The collector's whole configuration, as the chart deploys it (`alternateConfig`: not merged)."""
    exporters = backend_exporter(settings, jaeger_host, gcp_project)
    if sharded(settings):
        exporters = {**loadbalancing_exporter(settings), **exporters}
    return {
        "extensions": {"health_check": _listen(HEALTH_PORT)},
        "receivers": receivers(settings),
        "processors": processors(settings),
        "exporters": exporters,
        "service": {
            "extensions": ["health_check"],
            "pipelines": pipelines(settings),
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


def chart_ports(settings: StackSettings) -> dict[str, Any]:
    ports: dict[str, Any] = {
        "otlp": _port(OTLP_GRPC_PORT, app_protocol="grpc"),
        "otlp-http": _port(OTLP_HTTP_PORT),
        "zipkin": _port(ZIPKIN_PORT, enabled=settings.tracing.dapr_protocol == "zipkin"),
        "metrics": _port(METRICS_PORT),
    }
    if sharded(settings):
        ports["otlp-lb"] = _port(LOADBALANCED_PORT, app_protocol="grpc")
    for name in UNUSED_CHART_PORTS:
        ports[name] = {"enabled": False}
    return ports


def collector_values(
    settings: StackSettings,
    config: dict[str, Any],
    service_account_annotations: Mapping[str, Any] | None = None,
    extra_envs: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Values of the opentelemetry-collector chart; `config` is `collector_config(...)`."""
    t = settings.tracing
    values: dict[str, Any] = {
        "mode": "deployment",
        "fullnameOverride": RELEASE_NAME,
        "image": {"repository": IMAGE_REPOSITORY},
        "replicaCount": t.collector_replicas,
        # The whole config, not merged with the chart's defaults (which add Jaeger, Prometheus and
        # debug components this pipeline does not use): what build/<stack>/otel-collector shows is
        # what runs.
        "alternateConfig": config,
        "ports": chart_ports(settings),
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


def defined_components(config: dict[str, Any]) -> dict[str, set[str]]:
    return {kind: set(config.get(kind) or {}) for kind in ("receivers", "processors", "exporters", "extensions")}


def config_problems(config: dict[str, Any]) -> list[str]:
    """What the collector would refuse at start-up or silently ignore: an undefined component in a
    pipeline, or a defined component no pipeline uses."""
    defined = defined_components(config)
    service = config.get("service") or {}
    used: dict[str, set[str]] = {kind: set() for kind in ("receivers", "processors", "exporters")}
    problems = []
    for pipeline_name, pipeline in (service.get("pipelines") or {}).items():
        for kind in used:
            for component in pipeline.get(kind) or []:
                used[kind].add(component)
                if component not in defined[kind]:
                    problems.append(f"pipeline {pipeline_name} uses undefined {kind[:-1]} {component}")
        if not pipeline.get("receivers") or not pipeline.get("exporters"):
            problems.append(f"pipeline {pipeline_name} needs at least one receiver and one exporter")
    for kind, names in used.items():
        for unused in sorted(defined[kind] - names):
            problems.append(f"{kind[:-1]} {unused} is defined but no pipeline uses it")
    for extension in service.get("extensions") or []:
        if extension not in defined["extensions"]:
            problems.append(f"service uses undefined extension {extension}")
    for unused in sorted(defined["extensions"] - set(service.get("extensions") or [])):
        problems.append(f"extension {unused} is defined but not enabled")
    return problems
