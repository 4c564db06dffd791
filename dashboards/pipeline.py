"""Todo / Observability pipeline: is the observability stack itself healthy? Prometheus (and Thanos
where long-term storage is on), Alertmanager notifications, Fluent Bit throughput, retries and drops,
and the OpenTelemetry Collector's spans in, out and dropped."""

from __future__ import annotations

from typing import Any

from grafana_foundation_sdk.builders.dashboard import Dashboard

from contracts import uids
from dashboards.common import (
    DASHBOARD_TITLES,
    NAMESPACE,
    RATE,
    DashboardSections,
    Section,
    Thresholds,
    VariableChoice,
    dashboard,
    graph,
    q,
    rates,
    sel,
    single,
)

SCOPED = sel(NAMESPACE)
FIRING = sel('alertstate="firing"')


def prometheus_section() -> Section:
    return Section(
        "Prometheus",
        [
            single(
                "Targets up",
                "Share of all scrape targets that answered the last scrape.",
                q(f"sum(up{sel()}) / count(up{sel()})"),
                unit="percentunit",
                width=4,
                decimals=1,
                thresholds=Thresholds(warning=0.99, critical=0.95, higher_is_better=True),
            ),
            single(
                "Firing alerts",
                "Alerts firing now (Watchdog included: it always fires).",
                q(f"count(ALERTS{FIRING}) or vector(0)"),
                width=4,
            ),
            graph(
                "Targets down by job",
                "Scrape targets that do not answer, per job.",
                [q(f"count by (job) (up{sel()} == 0)", "{{job}}")],
                unit="short",
                width=8,
                height=4,
            ),
            graph(
                "Head series and samples appended",
                "Active series in each Prometheus replica's head block, and samples ingested per second.",
                [
                    q(f"sum by (pod) (prometheus_tsdb_head_series{SCOPED})", "series {{pod}}"),
                    q(
                        f"sum by (pod) (rate(prometheus_tsdb_head_samples_appended_total{SCOPED}[{RATE}]))",
                        "samples/s {{pod}}",
                    ),
                ],
                unit="short",
                width=8,
                height=4,
            ),
            graph(
                "Rule evaluation problems",
                "Rule evaluation failures and missed group iterations (rules too slow for their interval).",
                [
                    q(
                        f"sum by (pod) (rate(prometheus_rule_evaluation_failures_total{SCOPED}[{RATE}]))",
                        "failures {{pod}}",
                    ),
                    q(
                        f"sum by (pod) (rate(prometheus_rule_group_iterations_missed_total{SCOPED}[{RATE}]))",
                        "missed {{pod}}",
                    ),
                ],
                unit="ops",
                width=12,
            ),
            graph(
                "Alerts sent to Alertmanager",
                "Alert notifications Prometheus sent, failed to send and dropped.",
                rates(
                    SCOPED,
                    [
                        ("prometheus_notifications_sent_total", "sent"),
                        ("prometheus_notifications_errors_total", "errors"),
                        ("prometheus_notifications_dropped_total", "dropped"),
                    ],
                ),
                unit="ops",
                width=12,
            ),
        ],
    )


def thanos_section() -> Section:
    return Section(
        "Thanos (long-term storage)",
        [
            single(
                "Compactor halted",
                "1 when the compactor stopped on an error: downsampling and retention no longer run.",
                q(f"max(thanos_compact_halted{SCOPED})"),
                width=4,
                mappings={"0": ("running", "green"), "1": ("HALTED", "red")},
            ),
            single(
                "Blocks loaded by the store gateway",
                "Blocks from the bucket the store gateway serves to queries.",
                q(f"sum(thanos_bucket_store_blocks_loaded{SCOPED})"),
                width=4,
            ),
            single(
                "Sidecars seeing Prometheus",
                "Thanos sidecars whose Prometheus is up.",
                q(f"sum(thanos_sidecar_prometheus_up{SCOPED})"),
                width=4,
                thresholds=Thresholds(warning=1, critical=1, higher_is_better=True),
            ),
            graph(
                "Block uploads",
                "Blocks the sidecars uploaded to the bucket, and failed uploads.",
                [
                    q(f"sum by (pod) (increase(thanos_shipper_uploads_total{SCOPED}[1h]))", "uploaded {{pod}}"),
                    q(
                        f"sum by (pod) (increase(thanos_shipper_upload_failures_total{SCOPED}[1h]))",
                        "failed {{pod}}",
                    ),
                ],
                unit="short",
                width=6,
                height=4,
            ),
            graph(
                "Bucket operation failures",
                "Object storage operations that failed, per component and operation.",
                [
                    q(
                        "sum by (job, operation) "
                        f"(rate(thanos_objstore_bucket_operation_failures_total{SCOPED}[{RATE}]))",
                        "{{job}} {{operation}}",
                    ),
                    q(
                        f"sum(rate(thanos_compact_group_compactions_failures_total{SCOPED}[{RATE}]))",
                        "compactions failed",
                    ),
                ],
                unit="ops",
                width=6,
                height=4,
            ),
        ],
    )


def alertmanager_section() -> Section:
    return Section(
        "Alertmanager",
        [
            graph(
                "Notifications by integration",
                "Notifications sent per receiver integration (pagerduty, slack, msteamsv2, email, webhook).",
                [
                    q(
                        f"sum by (integration) (rate(alertmanager_notifications_total{SCOPED}[{RATE}]))",
                        "{{integration}}",
                    )
                ],
                unit="ops",
                width=8,
            ),
            graph(
                "Failed notifications",
                "Notifications that failed per integration: someone was not told.",
                [
                    q(
                        f"sum by (integration) (rate(alertmanager_notifications_failed_total{SCOPED}[{RATE}]))",
                        "{{integration}}",
                    )
                ],
                unit="ops",
                width=8,
                thresholds=Thresholds(critical=0.0001),
            ),
            graph(
                "Alerts by state",
                "Alerts Alertmanager holds, active and suppressed (silenced or inhibited), per replica.",
                [q(f"sum by (pod, state) (alertmanager_alerts{SCOPED})", "{{pod}} {{state}}")],
                unit="short",
                width=8,
            ),
        ],
    )


def fluent_bit_section() -> Section:
    return Section(
        "Fluent Bit (logs)",
        [
            graph(
                "Records in and out",
                "Records read by inputs and delivered by outputs per second, per plugin instance.",
                [
                    q(f"sum by (name) (rate(fluentbit_input_records_total{SCOPED}[{RATE}]))", "in {{name}}"),
                    q(f"sum by (name) (rate(fluentbit_output_proc_records_total{SCOPED}[{RATE}]))", "out {{name}}"),
                ],
                unit="ops",
                width=8,
            ),
            graph(
                "Retries and errors",
                "Output retries, retries given up, and errors per output.",
                [
                    q(f"sum by (name) (rate(fluentbit_output_retries_total{SCOPED}[{RATE}]))", "retries {{name}}"),
                    q(
                        f"sum by (name) (rate(fluentbit_output_retries_failed_total{SCOPED}[{RATE}]))",
                        "retries failed {{name}}",
                    ),
                    q(f"sum by (name) (rate(fluentbit_output_errors_total{SCOPED}[{RATE}]))", "errors {{name}}"),
                ],
                unit="ops",
                width=8,
            ),
            graph(
                "Dropped records",
                "Records lost by outputs, and records filters drop on purpose (health-probe noise).",
                [
                    q(
                        f"sum by (name) (rate(fluentbit_output_dropped_records_total{SCOPED}[{RATE}]))",
                        "lost {{name}}",
                    ),
                    q(
                        f"sum by (name) (rate(fluentbit_filter_drop_records_total{SCOPED}[{RATE}]))",
                        "filtered {{name}}",
                    ),
                ],
                unit="ops",
                width=8,
            ),
        ],
    )


def collector_section() -> Section:
    return Section(
        "OpenTelemetry Collector (traces)",
        [
            graph(
                "Spans in",
                "Spans accepted and refused by each receiver.",
                [
                    q(
                        f"sum by (receiver) (rate(otelcol_receiver_accepted_spans_total{SCOPED}[{RATE}]))",
                        "accepted {{receiver}}",
                    ),
                    q(
                        f"sum by (receiver) (rate(otelcol_receiver_refused_spans_total{SCOPED}[{RATE}]))",
                        "refused {{receiver}}",
                    ),
                ],
                unit="ops",
                width=8,
            ),
            graph(
                "Spans out",
                "Spans each exporter sent, failed to send, and could not queue (dropped).",
                [
                    q(
                        f"sum by (exporter) (rate(otelcol_exporter_sent_spans_total{SCOPED}[{RATE}]))",
                        "sent {{exporter}}",
                    ),
                    q(
                        f"sum by (exporter) (rate(otelcol_exporter_send_failed_spans_total{SCOPED}[{RATE}]))",
                        "failed {{exporter}}",
                    ),
                    q(
                        f"sum by (exporter) (rate(otelcol_exporter_enqueue_failed_spans_total{SCOPED}[{RATE}]))",
                        "dropped {{exporter}}",
                    ),
                ],
                unit="ops",
                width=8,
            ),
            graph(
                "Exporter queue fill",
                "Sending queue size / capacity per exporter; at 100% new spans are dropped.",
                [
                    q(
                        f"max by (exporter) (otelcol_exporter_queue_size{SCOPED})\n/\n"
                        f"max by (exporter) (otelcol_exporter_queue_capacity{SCOPED})",
                        "{{exporter}}",
                    )
                ],
                unit="percentunit",
                width=8,
            ),
            graph(
                "Processor items in and out",
                "Items entering and leaving each processor; the difference is what sampling and filters drop.",
                [
                    q(
                        f"sum by (processor) (rate(otelcol_processor_incoming_items_total{SCOPED}[{RATE}]))",
                        "in {{processor}}",
                    ),
                    q(
                        f"sum by (processor) (rate(otelcol_processor_outgoing_items_total{SCOPED}[{RATE}]))",
                        "out {{processor}}",
                    ),
                ],
                unit="ops",
                width=16,
                height=6,
            ),
            graph(
                "Collector memory",
                "Resident memory of each collector pod.",
                [q(f"sum by (pod) (otelcol_process_memory_rss_bytes{SCOPED})", "{{pod}}")],
                unit="bytes",
                width=8,
                height=6,
            ),
        ],
    )


def build(config: DashboardSections) -> Dashboard:
    sections: list[Any] = [prometheus_section()]
    if config.metrics.long_term.enabled:
        sections.append(thanos_section())
    sections += [alertmanager_section(), fluent_bit_section(), collector_section()]
    namespaces = sorted({config.metrics.namespace, config.logging_namespace, config.tracing_namespace})
    return dashboard(
        uids.PIPELINE,
        DASHBOARD_TITLES[uids.PIPELINE],
        "Health of the observability stack: metrics, alert delivery, logs and traces pipelines.",
        ["observability", "pipeline"],
        VariableChoice(namespaces),
        sections,
        logs_datasource_type=config.logs_datasource_type,
    )
