"""Service level objectives from each service's `slo` config: multiwindow, multi-burn-rate alerts
(Google SRE Workbook, "Alerting on SLOs") and the recording rules they read.

Each SLI is recorded once as two 5-minute rates, bad events and all events, per SLO; every longer
window is then a `sum_over_time` of those two series, so a 3-day ratio reads two series instead of
three days of raw request counters.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboards import uids
from render.blackbox import PROBE_JOB
from rules.application import critical_handlers, probe_and_scrape_paths
from rules.model import Alert, Recording, RuleGroup, any_of, bucket_label, events_in
from settings.model import ServiceSettings, StackSettings

WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")
ERRORS = "slo:sli_errors:rate5m"
EVENTS = "slo:sli_events:rate5m"
OBJECTIVE = "slo:objective:ratio"
BUDGET = "slo:error_budget:ratio"
PAGE_MIN_ERROR_RATIO = "slo:page_min_error:ratio_rate5m"
RATE_WINDOW = "5m"
RATE_WINDOW_SECONDS = 300
# A probe SLI counts two probes a minute: two failed probes in an hour already burn 14.4x. A page
# needs the service failing for 3 of the last 5 minutes too, so a blip of a minute or two (a rolling
# restart, one slow answer) never pages, and a real outage still pages within about 5 minutes.
PROBE_PAGE_MIN_ERROR_RATIO = 0.6


def ratio_record(window: str) -> str:
    return f"slo:sli_error:ratio_rate{window}"


@dataclass(frozen=True)
class BurnRate:
    factor: float
    long_window: str
    short_window: str


@dataclass(frozen=True)
class BurnRateAlert:
    name: str
    severity: str
    duration: str
    action: str
    burn_rates: tuple[BurnRate, ...]


# A page spends 2% (1h) or 5% (6h) of a 30-day budget before it fires; a ticket 10% (1d, 3d).
BURN_RATE_ALERTS = (
    BurnRateAlert(
        "SloErrorBudgetFastBurn", "critical", "2m", "page", (BurnRate(14.4, "1h", "5m"), BurnRate(6, "6h", "30m"))
    ),
    BurnRateAlert(
        "SloErrorBudgetSlowBurn", "warning", "15m", "ticket", (BurnRate(3, "1d", "2h"), BurnRate(1, "3d", "6h"))
    ),
)


@dataclass(frozen=True)
class Sli:
    service: ServiceSettings
    kind: str
    objective: float
    events: str
    errors: str
    # Minimum 5-minute error ratio a page also needs (0: none); see PROBE_PAGE_MIN_ERROR_RATIO.
    page_min_error_ratio: float = 0.0

    @property
    def slo(self) -> str:
        return f"{self.service.name}-{self.kind}"

    @property
    def labels(self) -> dict[str, str]:
        return {"slo": self.slo, "sli": self.kind, "service": self.service.name, "namespace": self.service.namespace}


def per_second(selector: str) -> str:
    """Events per second over the rate window, counting the first events of a newly created series
    (clients create a labelled counter, e.g. Dapr's `process_status="drop"`, only at its first event)."""
    return f"{events_in(selector, RATE_WINDOW, '')}\n/ {RATE_WINDOW_SECONDS}"


def measured_by_dapr(service: ServiceSettings) -> bool:
    """Workers are judged by the events Dapr delivers to them (app contract), not by their HTTP endpoints."""
    return service.kind == "worker" and bool(service.subscribes)


def availability(service: ServiceSettings) -> Sli | None:
    if measured_by_dapr(service):
        selector = f'app_id="{service.name}"'
        events = per_second(f"dapr_component_pubsub_ingress_count{{{selector}}}")
        errors = per_second(f'dapr_component_pubsub_ingress_count{{{selector}, process_status="drop"}}')
    elif service.exposes_metrics:
        selector = f'service="{service.name}", handler!~"{any_of(probe_and_scrape_paths(service))}"'
        events = per_second(f"http_requests_total{{{selector}}}")
        errors = per_second(f'http_requests_total{{{selector}, status="5xx"}}')
    else:
        # No request metrics (the Next.js frontend): the blackbox probes of its health path are the events.
        selector = f'job="{PROBE_JOB}", service="{service.name}"'
        events = f"sum(count_over_time(probe_success{{{selector}}}[{RATE_WINDOW}]))"
        errors = f"{events} - sum(sum_over_time(probe_success{{{selector}}}[{RATE_WINDOW}]))"
        return Sli(service, "availability", service.slo.availability, events, errors, PROBE_PAGE_MIN_ERROR_RATIO)
    return Sli(service, "availability", service.slo.availability, events, errors)


def latency(service: ServiceSettings) -> Sli | None:
    slo = service.slo
    if slo.latency <= 0:
        return None
    if measured_by_dapr(service):
        selector = f'app_id="{service.name}"'
        le = bucket_label(slo.latency_threshold_seconds * 1000)
        events = per_second(f"dapr_component_pubsub_ingress_latencies_count{{{selector}}}")
        fast = per_second(f'dapr_component_pubsub_ingress_latencies_bucket{{{selector}, le=~"{le}"}}')
    elif service.exposes_metrics:
        handlers = (
            f'handler=~"{critical_handlers(service)}"'
            if service.critical_routes
            else f'handler!~"{any_of(probe_and_scrape_paths(service))}"'
        )
        selector = f'service="{service.name}", {handlers}'
        le = bucket_label(slo.latency_threshold_seconds)
        events = per_second(f"http_request_duration_seconds_count{{{selector}}}")
        fast = per_second(f'http_request_duration_seconds_bucket{{{selector}, le=~"{le}"}}')
    else:
        return None
    return Sli(service, "latency", slo.latency, events, f"({events})\n-\n({fast})")


def slis(settings: StackSettings) -> list[Sli]:
    found = [sli(s) for s in settings.services for sli in (availability, latency)]
    return [s for s in found if s is not None]


def sli_recordings(sli: Sli) -> list[Recording]:
    budget = round(1 - sli.objective, 10)
    recordings = [
        Recording(EVENTS, sli.events, sli.labels),
        # A service without a single bad event has no bad-event series at all: record 0 instead.
        Recording(ERRORS, f"clamp_min({sli.errors}, 0) or vector(0)", sli.labels),
        Recording(OBJECTIVE, f"vector({sli.objective:g})", sli.labels),
        Recording(BUDGET, f"vector({budget:g})", sli.labels),
    ]
    if sli.page_min_error_ratio > 0:
        recordings.append(Recording(PAGE_MIN_ERROR_RATIO, f"vector({sli.page_min_error_ratio:g})", sli.labels))
    return recordings


def window_recordings() -> list[Recording]:
    first, *longer = WINDOWS
    return [
        Recording(ratio_record(first), f"{ERRORS}\n/\n({EVENTS} > 0)"),
        *(
            Recording(
                ratio_record(window),
                f"sum_over_time({ERRORS}[{window}])\n/\n(sum_over_time({EVENTS}[{window}]) > 0)",
            )
            for window in longer
        ),
    ]


def burn_rate_alerts() -> list[Alert]:
    alerts = []
    for spec in BURN_RATE_ALERTS:
        for rate in spec.burn_rates:
            threshold = f"on (slo) group_left () ({rate.factor:g} * {BUDGET})"
            expr = (
                f"{ratio_record(rate.long_window)} > {threshold}\n"
                f"and on (slo)\n{ratio_record(rate.short_window)} > {threshold}"
            )
            if spec.action == "page":
                # Only SLOs with a minimum (probe SLIs) record one; the rest are never held back.
                expr += f"\nunless on (slo)\n({ratio_record(RATE_WINDOW)} < on (slo) {PAGE_MIN_ERROR_RATIO})"
            alerts.append(
                Alert(
                    spec.name,
                    expr,
                    severity=spec.severity,  # type: ignore[arg-type]
                    duration=spec.duration,
                    labels={
                        "slo_action": spec.action,
                        "long_window": rate.long_window,
                        "short_window": rate.short_window,
                        "burn_rate": f"{rate.factor:g}",
                    },
                    summary=(
                        "{{ $labels.service }} burns its {{ $labels.sli }} error budget "
                        f"{rate.factor:g}x too fast"
                    ),
                    description=(
                        "{{ $labels.service }} failed {{ $value | humanizePercentage }} of its {{ $labels.sli }} "
                        f"SLI over {rate.long_window} (and over {rate.short_window}), {rate.factor:g}x the rate "
                        "that spends the whole error budget of SLO {{ $labels.slo }} in 30 days."
                    ),
                    dashboard=uids.OVERVIEW,
                )
            )
    return alerts


def build(settings: StackSettings) -> list[RuleGroup]:
    found = slis(settings)
    if not found:
        return []
    base = [r for sli in found for r in sli_recordings(sli)]
    return [RuleGroup("slo", [*base, *window_recordings(), *burn_rate_alerts()])]
