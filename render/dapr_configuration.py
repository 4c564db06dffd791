"""Dapr's `Configuration` (dapr.io/v1alpha1) for the application namespaces, as a pure function.

Tracing: every sidecar samples at 100 % and sends to the collector, whose tail sampler decides what
is kept (a head sampler in the sidecar could not know that a trace will fail or be slow).
Metrics: low cardinality, with the services' routes as path templates so Dapr's HTTP series keep a
bounded `path` label, and latency buckets that contain the alert thresholds.
"""

from __future__ import annotations

from typing import Any

from render.otel_collector import OTLP_GRPC_PORT, OTLP_HTTP_PORT, ZIPKIN_PORT, collector_host
from settings import StackSettings
from settings.defaults import DAPR_LATENCY_BUCKETS_MS

API_VERSION = "dapr.io/v1alpha1"
KIND = "Configuration"
# The collector's sampler decides; the sidecar forwards every span (Dapr wants a string here).
SIDECAR_SAMPLING_RATE = "1"


def path_patterns(settings: StackSettings) -> list[str]:
    """Every route of every service, once each (Dapr refuses duplicate patterns), in a stable order."""
    patterns: list[str] = []
    for service in settings.services:
        for route in [*service.critical_routes, *service.routes]:
            if route not in patterns:
                patterns.append(route)
    return sorted(patterns)


def tracing_spec(settings: StackSettings) -> dict[str, Any]:
    host = collector_host(settings)
    protocol = settings.tracing.dapr_protocol
    tracing: dict[str, Any] = {"samplingRate": SIDECAR_SAMPLING_RATE, "stdout": False}
    if protocol == "zipkin":
        tracing["zipkin"] = {"endpointAddress": f"http://{host}:{ZIPKIN_PORT}/api/v2/spans"}
    else:
        port = OTLP_GRPC_PORT if protocol == "grpc" else OTLP_HTTP_PORT
        # In-cluster, plaintext: the collector's receivers listen without TLS.
        tracing["otel"] = {"endpointAddress": f"{host}:{port}", "isSecure": False, "protocol": protocol}
    return tracing


def configuration_spec(settings: StackSettings) -> dict[str, Any]:
    return {
        "tracing": tracing_spec(settings),
        "metrics": {
            "enabled": True,
            "latencyDistributionBuckets": list(DAPR_LATENCY_BUCKETS_MS),
            "http": {
                "increasedCardinality": False,
                "pathMatching": path_patterns(settings),
                "excludeVerbs": False,
            },
        },
    }
