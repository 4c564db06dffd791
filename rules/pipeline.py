"""The observability pipeline itself: Fluent Bit, the OpenTelemetry Collector and, with long-term
storage, Thanos. Prometheus' rule-evaluation and notification failures, Alertmanager's failed
notifications and the Watchdog are shipped by kube-prometheus-stack (rules/shipped.py COVERED_BY_CHART)."""

from __future__ import annotations

from contracts import uids
from render.otel_collector import sharded
from rules.model import Alert, RuleGroup, with_node
from settings.model import TracingSettings

# Outputs and exporters retry on their own; only failures that outlast a few retry cycles are news.
PIPELINE_FOR = "10m"
UPLOAD_WINDOW = "30m"
COMPACTION_WINDOW = "1h"
# Retrying that outlasts an ordinary blip of the sink: someone must look (a poisoned chunk, an outage).
STUCK_FOR = "2h"
STUCK_WINDOW = "15m"


def fluent_bit_alerts() -> list[Alert]:
    by_output = "sum by (namespace, pod, name)"
    return [
        Alert(
            "FluentBitOutputErrors",
            with_node(f"{by_output} (rate(fluentbit_output_errors_total[5m])) > 0"),
            severity="warning",
            duration=PIPELINE_FOR,
            summary="Fluent Bit output {{ $labels.name }} fails on {{ $labels.pod }}",
            description=(
                "Fluent Bit output {{ $labels.name }} on {{ $labels.pod }} fails {{ $value | humanize }} "
                f"chunks per second (for {PIPELINE_FOR}): logs are buffered on the node and retried."
            ),
            dashboard=uids.PIPELINE,
        ),
        Alert(
            "FluentBitOutputRetries",
            with_node(f"{by_output} (rate(fluentbit_output_retries_total[5m])) > 0"),
            severity="info",
            duration="30m",
            summary="Fluent Bit output {{ $labels.name }} keeps retrying on {{ $labels.pod }}",
            description=(
                "Fluent Bit output {{ $labels.name }} on {{ $labels.pod }} has retried "
                "{{ $value | humanize }} chunks per second for 30m: the destination is slow or throttling."
            ),
            dashboard=uids.PIPELINE,
        ),
        # A chunk in retry is retried at least every scheduler.cap (300 s), so a 15m window always sees
        # a retry while any chunk waits: the rate never dips to 0 and resets `for`.
        Alert(
            "FluentBitOutputStuck",
            with_node(f"{by_output} (rate(fluentbit_output_retries_total[{STUCK_WINDOW}])) > 0"),
            severity="warning",
            duration=STUCK_FOR,
            summary="Fluent Bit output {{ $labels.name }} has retried without a break for 2h on {{ $labels.pod }}",
            description=(
                "Fluent Bit output {{ $labels.name }} on {{ $labels.pod }} has retried chunks for "
                f"{STUCK_FOR} without a break ({{{{ $value | printf `%.3g` }}}} retries a second now): the destination "
                "has been down that long, or it rejects a "
                "chunk for good (azure_logs_ingestion retries every non-2xx answer, 400 and 413 included). "
                "Such a chunk stays in the node's buffer until it is evicted to make room: its logs are lost then."
            ),
            dashboard=uids.PIPELINE,
        ),
        Alert(
            "FluentBitRecordsDropped",
            with_node(
                f"{by_output} (rate(fluentbit_output_dropped_records_total[5m])) > 0\n"
                f"or {by_output} (rate(fluentbit_output_retries_failed_total[5m])) > 0"
            ),
            severity="critical",
            duration="5m",
            summary="Fluent Bit output {{ $labels.name }} drops logs on {{ $labels.pod }}",
            description=(
                "Fluent Bit output {{ $labels.name }} on {{ $labels.pod }} gives up on "
                "{{ $value | humanize }} records or chunks per second: those logs are lost."
            ),
            dashboard=uids.PIPELINE,
        ),
    ]


def collector_alerts(tracing: TracingSettings) -> list[Alert]:
    alerts = [
        Alert(
            "OtelCollectorRefusedSpans",
            with_node("sum by (namespace, pod, receiver) (rate(otelcol_receiver_refused_spans_total[5m])) > 0"),
            severity="warning",
            duration=PIPELINE_FOR,
            summary="OpenTelemetry Collector refuses spans on receiver {{ $labels.receiver }}",
            description=(
                "{{ $labels.pod }} refuses {{ $value | humanize }} spans per second on {{ $labels.receiver }}: "
                "the memory limiter is engaged or the pipeline is saturated, so apps lose traces."
            ),
            dashboard=uids.PIPELINE,
        ),
        Alert(
            "OtelCollectorDroppedSpans",
            with_node("sum by (namespace, pod, exporter) (rate(otelcol_exporter_enqueue_failed_spans_total[5m])) > 0"),
            severity="warning",
            duration="5m",
            summary="OpenTelemetry Collector drops spans: exporter {{ $labels.exporter }} queue is full",
            description=(
                "{{ $labels.pod }} drops {{ $value | humanize }} spans per second because the sending queue "
                "of {{ $labels.exporter }} is full."
            ),
            dashboard=uids.PIPELINE,
        ),
        Alert(
            "OtelCollectorExportFailures",
            with_node("sum by (namespace, pod, exporter) (rate(otelcol_exporter_send_failed_spans_total[5m])) > 0"),
            severity="warning",
            duration=PIPELINE_FOR,
            summary="OpenTelemetry Collector fails to export spans via {{ $labels.exporter }}",
            description=(
                "{{ $labels.pod }} fails to send {{ $value | humanize }} spans per second to "
                f"{{{{ $labels.exporter }}}} (for {PIPELINE_FOR}): the tracing backend is down or rejects them."
            ),
            dashboard=uids.PIPELINE,
        ),
        Alert(
            "OtelCollectorTracesDroppedTooEarly",
            with_node(
                "sum by (namespace, pod) "
                "(rate(otelcol_processor_tail_sampling_sampling_trace_dropped_too_early_total[5m])) > 0"
            ),
            severity="warning",
            duration=PIPELINE_FOR,
            summary="OpenTelemetry Collector {{ $labels.pod }} evicts traces before sampling them",
            description=(
                "The tail sampler of {{ $labels.pod }} drops {{ $value | humanize }} traces per second before "
                f"their decision (for {PIPELINE_FOR}): more traces arrive within decision_wait than num_traces "
                "holds, so errors and slow traces are lost too."
            ),
            dashboard=uids.PIPELINE,
        ),
    ]
    if sharded(tracing):
        alerts.append(
            Alert(
                "OtelCollectorNoLoadBalancerBackends",
                with_node("max by (namespace, pod) (otelcol_loadbalancer_num_backends) == 0"),
                severity="warning",
                duration="5m",
                summary="OpenTelemetry Collector {{ $labels.pod }} has no replica to route traces to",
                description=(
                    "The loadbalancing exporter of {{ $labels.pod }} resolves {{ $value }} backends from the "
                    "sampling Service: every span it receives is dropped before tail sampling."
                ),
                dashboard=uids.PIPELINE,
            )
        )
    return alerts


def thanos_alerts() -> list[Alert]:
    return [
        Alert(
            "ThanosSidecarUploadFailures",
            with_node(f"sum by (namespace, pod) (increase(thanos_shipper_upload_failures_total[{UPLOAD_WINDOW}])) > 0"),
            severity="warning",
            summary="Thanos sidecar of {{ $labels.pod }} fails to upload blocks",
            description=(
                f"{{{{ $labels.pod }}}} failed {{{{ $value | humanize }}}} block uploads in {UPLOAD_WINDOW}: "
                "metrics older than Prometheus' local retention will be missing from long-term storage."
            ),
            dashboard=uids.PIPELINE,
        ),
        Alert(
            "ThanosCompactorHalted",
            with_node("max by (namespace, pod) (thanos_compact_halted) == 1"),
            severity="critical",
            duration="5m",
            summary="Thanos compactor {{ $labels.pod }} has halted",
            description=(
                "{{ $labels.pod }} stopped compacting (halted = {{ $value }}) after an error it "
                "cannot retry (overlapping or "
                "corrupt blocks): downsampling and retention stop and the bucket grows."
            ),
            dashboard=uids.PIPELINE,
        ),
        Alert(
            "ThanosCompactionFailures",
            with_node(
                "sum by (namespace, pod) "
                f"(increase(thanos_compact_group_compactions_failures_total[{COMPACTION_WINDOW}])) > 0"
            ),
            severity="warning",
            summary="Thanos compactor {{ $labels.pod }} fails compactions",
            description=(
                f"{{{{ $labels.pod }}}} failed {{{{ $value | humanize }}}} compactions in {COMPACTION_WINDOW}."
            ),
            dashboard=uids.PIPELINE,
        ),
    ]


def build(tracing: TracingSettings, long_term_storage: bool) -> list[RuleGroup]:
    groups = [RuleGroup("pipeline", [*fluent_bit_alerts(), *collector_alerts(tracing)])]
    if long_term_storage:
        groups.append(RuleGroup("long-term-storage", thanos_alerts()))
    return groups
