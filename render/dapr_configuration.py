"""Dapr's `Configuration` (dapr.io/v1alpha1) for the application namespaces, as a pure function of
the tracing section and the services.

Tracing: every sidecar samples at 100 % and sends to the collector, whose tail sampler decides what
is kept (a head sampler in the sidecar could not know that a trace will fail or be slow).
Metrics: low cardinality, with the services' routes as path templates so Dapr's HTTP series keep a
bounded `path` label, and latency buckets that contain the alert thresholds.
"""

from __future__ import annotations

from typing import Any

from render.otel_collector import OTLP_GRPC_PORT, OTLP_HTTP_PORT, ZIPKIN_PORT, collector_host
from settings.defaults import DAPR_LATENCY_BUCKETS_MS
from settings.model import ServiceSettings, TracingSettings

KIND = "Configuration"
# The collector's sampler decides; the sidecar forwards every span (Dapr wants a string here).
SIDECAR_SAMPLING_RATE = "1"


def path_patterns(services: list[ServiceSettings]) -> list[str]:
    """Every route of every service, once each (Dapr refuses duplicate patterns), in a stable order."""
    patterns: list[str] = []
    for service in services:
        for route in [*service.critical_routes, *service.routes]:
            if route not in patterns:
                patterns.append(route)
    return sorted(patterns)


def tracing_spec(tracing: TracingSettings) -> dict[str, Any]:
    host = collector_host(tracing)
    protocol = tracing.dapr_protocol
    spec: dict[str, Any] = {"samplingRate": SIDECAR_SAMPLING_RATE, "stdout": False}
    if protocol == "zipkin":
        spec["zipkin"] = {"endpointAddress": f"http://{host}:{ZIPKIN_PORT}/api/v2/spans"}
    else:
        port = OTLP_GRPC_PORT if protocol == "grpc" else OTLP_HTTP_PORT
        # In-cluster, plaintext: the collector's receivers listen without TLS.
        spec["otel"] = {"endpointAddress": f"{host}:{port}", "isSecure": False, "protocol": protocol}
    return spec


def configuration_spec(tracing: TracingSettings, services: list[ServiceSettings]) -> dict[str, Any]:
    return {
        "tracing": tracing_spec(tracing),
        "metrics": {
            "enabled": True,
            "latencyDistributionBuckets": list(DAPR_LATENCY_BUCKETS_MS),
            "http": {
                "increasedCardinality": False,
                "pathMatching": path_patterns(services),
                "excludeVerbs": False,
            },
        },
    }
