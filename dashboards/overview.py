"""Todo / Overview: is the chatbot serving users? Rate, errors and latency per service, SLOs and error
budget, health probes, and the business signals of the app contract (chat, LLM, tools, tasks, reminders)."""

from __future__ import annotations

from typing import Any

from grafana_foundation_sdk.builders.dashboard import Dashboard

from contracts import uids
from dashboards.common import (
    DASHBOARD_TITLES,
    NAMESPACE,
    RATE,
    SERVICE,
    DashboardSections,
    Link,
    Section,
    Thresholds,
    dashboard,
    dashboard_url,
    graph,
    q,
    sel,
    single,
)
from dashboards.recording_rules import service_error_ratio, service_request_rate
from rules import slo
from settings.model import ServiceSettings, ThresholdSettings

APP = sel(NAMESPACE, SERVICE)
SERVICE_LINKS = (
    Link("Dapr sidecar of ${__field.labels.service}", dashboard_url(uids.DAPR, service="${__field.labels.service}")),
    Link("Pods of ${__field.labels.service}", dashboard_url(uids.KUBERNETES, service="${__field.labels.service}")),
)


def golden_signals(thresholds: ThresholdSettings) -> Section:
    return Section(
        "Rate, errors, latency",
        [
            graph(
                "Requests per second",
                "User requests answered by each FastAPI service (prometheus-fastapi-instrumentator; "
                "probe and scrape handlers left out), from the service:http_requests:rate5m recording.",
                [q(service_request_rate(NAMESPACE, SERVICE), "{{service}}")],
                unit="reqps",
                width=8,
                links=SERVICE_LINKS,
            ),
            graph(
                "5xx error ratio",
                f"Share of user requests answered 5xx over {thresholds.error_rate_window} "
                "(alerting.thresholds.errorRateWindow): the recording ServiceHighErrorRate alerts on. The "
                "dashed line is its threshold (alerting.thresholds.errorRatePercent).",
                [q(service_error_ratio(thresholds.error_rate_window, NAMESPACE, SERVICE), "{{service}}")],
                unit="percentunit",
                width=8,
                thresholds=Thresholds(critical=thresholds.error_rate_percent / 100),
                links=SERVICE_LINKS,
            ),
            # No recording rule fits (the latency alert records nothing and covers critical routes
            # only); the app's histogram is 11 buckets per handler and method of each service, a few
            # hundred series for the whole app.
            graph(
                "P95 latency",
                "95th percentile of request duration from the app's histogram. The dashed line is the "
                "alert threshold (alerting.thresholds.latencyP95Seconds), on a bucket boundary.",
                [
                    q(
                        "histogram_quantile(0.95, sum by (service, le) "
                        f"(rate(http_request_duration_seconds_bucket{APP}[{RATE}])))",
                        "{{service}}",
                    )
                ],
                unit="s",
                width=8,
                thresholds=Thresholds(critical=thresholds.latency_p95_seconds),
                links=SERVICE_LINKS,
            ),
        ],
    )


def slo_section(services: list[ServiceSettings]) -> Section:
    """Attainment and error budget left over the SLO window, from the SLO recording rules (two
    5-minute series per SLO), and the 1h burn rate that pages at 14.4x: three panels side by side."""
    selected = sel(SERVICE)
    window = slo.SLO_WINDOW
    width = 8
    errors = f"sum by (slo) (sum_over_time({slo.ERRORS}{selected}[{window}]))"
    events = f"sum by (slo) (sum_over_time({slo.EVENTS}{selected}[{window}]))"
    ratio = f"{errors}\n/\n({events} > 0)"
    panels: list[Any] = [
        single(
            f"SLO attainment ({window})",
            f"Good events / all events per SLO over {window}. Objectives: "
            + ", ".join(f"{service.name} {service.slo.availability:.3%}" for service in services)
            + " (availability); latency SLOs as configured in services[].slo.",
            q(f"1 - ({ratio})", "{{slo}}"),
            unit="percentunit",
            width=width,
            height=6,
            decimals=3,
        ),
        single(
            f"Error budget left ({window})",
            f"Share of each SLO's error budget not yet spent over {window}; below 0 the SLO is missed.",
            q(f"1 - ({ratio})\n/ on (slo)\nmax by (slo) ({slo.BUDGET}{selected})", "{{slo}}"),
            unit="percentunit",
            width=width,
            height=6,
            decimals=1,
            thresholds=Thresholds(warning=0.25, critical=0.0, higher_is_better=True),
        ),
    ]
    page = slo.BURN_RATE_ALERTS[0].burn_rates[0]
    panels.append(
        graph(
            f"Burn rate ({page.long_window})",
            f"How fast each SLO spends its budget (1 = exactly on budget over the window). The dashed line "
            f"is the page threshold ({page.factor:g}x over {page.long_window} and {page.short_window}).",
            [
                q(
                    f"max by (slo) ({slo.ratio_record(page.long_window)}{selected})\n/ on (slo)\n"
                    f"max by (slo) ({slo.BUDGET}{selected})",
                    "{{slo}}",
                )
            ],
            unit="short",
            width=24 - 2 * width,
            height=6,
            thresholds=Thresholds(warning=1, critical=page.factor),
        )
    )
    return Section("Service level objectives", panels)


def health_probes() -> Section:
    # components/health.py labels each service's Probe with `service` and `probe="readiness"`.
    probed = sel(SERVICE, 'probe="readiness"')
    return Section(
        "Health probes (blackbox exporter)",
        [
            single(
                "Readiness probe",
                "1 when the service's readiness endpoint answered 2xx at the last blackbox probe.",
                q(f"min by (service) (probe_success{probed})", "{{service}}"),
                width=16,
                height=5,
                mappings={"1": ("UP", "green"), "0": ("DOWN", "red")},
            ),
            graph(
                "Probe duration",
                "How long the readiness endpoint took to answer the blackbox exporter.",
                [
                    q(
                        f"max by (service) (probe_duration_seconds{probed})",
                        "{{service}}",
                    )
                ],
                unit="s",
                width=8,
                height=5,
            ),
        ],
    )


def chat_and_agent() -> Section:
    chat = sel(NAMESPACE)
    return Section(
        "Chat and agent (chat-api)",
        [
            graph(
                "Chat requests by outcome",
                "Chat turns per second by outcome (ok, error, timeout).",
                [q(f"sum by (outcome) (rate(todo_chat_requests_total{chat}[{RATE}]))", "{{outcome}}")],
                unit="reqps",
                width=8,
                stacked=True,
            ),
            graph(
                "LLM latency",
                "Median and 95th percentile of the LLM call duration, per model.",
                [
                    q(
                        "histogram_quantile(0.5, sum by (model, le) "
                        f"(rate(todo_llm_request_duration_seconds_bucket{chat}[{RATE}])))",
                        "p50 {{model}}",
                    ),
                    q(
                        "histogram_quantile(0.95, sum by (model, le) "
                        f"(rate(todo_llm_request_duration_seconds_bucket{chat}[{RATE}])))",
                        "p95 {{model}}",
                    ),
                ],
                unit="s",
                width=8,
            ),
            graph(
                "MCP tool calls",
                "Agent tool calls per second by tool and outcome.",
                [
                    q(
                        f"sum by (tool, outcome) (rate(todo_agent_tool_calls_total{chat}[{RATE}]))",
                        "{{tool}} {{outcome}}",
                    )
                ],
                unit="ops",
                width=8,
            ),
        ],
    )


def tasks_and_reminders() -> Section:
    app = sel(NAMESPACE)
    return Section(
        "Tasks, reminders and events",
        [
            single(
                "Tasks created",
                "Tasks created in the selected time range.",
                q(f"sum(increase(todo_tasks_created_total{app}[$__range]))"),
                decimals=0,
            ),
            single(
                "Tasks completed",
                "Tasks completed in the selected time range.",
                q(f"sum(increase(todo_tasks_completed_total{app}[$__range]))"),
                decimals=0,
            ),
            graph(
                "Tasks per minute",
                "Tasks created and completed per minute.",
                [
                    q(f"sum(rate(todo_tasks_created_total{app}[{RATE}])) * 60", "created"),
                    q(f"sum(rate(todo_tasks_completed_total{app}[{RATE}])) * 60", "completed"),
                ],
                unit="short",
                width=12,
                height=4,
            ),
            graph(
                "Reminders sent",
                "Reminders sent per second by channel and outcome (notification-service).",
                [
                    q(
                        f"sum by (channel, outcome) (rate(todo_reminders_sent_total{app}[{RATE}]))",
                        "{{channel}} {{outcome}}",
                    )
                ],
                unit="ops",
                width=12,
            ),
            graph(
                "Events handled by subscribers",
                "Kafka events handled per second by each subscriber, topic and outcome (ok, retry, error).",
                [
                    q(
                        f"sum by (service, topic, outcome) (rate(todo_events_handled_total{APP}[{RATE}]))",
                        "{{service}} {{topic}} {{outcome}}",
                    )
                ],
                unit="ops",
                width=12,
                links=SERVICE_LINKS,
            ),
        ],
    )


def build(config: DashboardSections) -> Dashboard:
    return dashboard(
        uids.OVERVIEW,
        DASHBOARD_TITLES[uids.OVERVIEW],
        "The Todo AI Chatbot at a glance: golden signals per service, SLOs, health probes and business metrics.",
        ["todo", "overview", "slo"],
        config.app_variables(),
        [
            golden_signals(config.thresholds),
            slo_section(config.services),
            health_probes(),
            chat_and_agent(),
            tasks_and_reminders(),
        ],
        logs_datasource_type=config.logs_datasource_type,
    )
