"""Service level objectives from each service's `slo` config: multiwindow, multi-burn-rate alerts
(Google SRE Workbook, "Alerting on SLOs") and the recording rules they read.

Each SLI is recorded once as two 5-minute rates, bad events and all events, per SLO; every longer
window is then a `sum_over_time` of those two series, so a 3-day ratio reads two series instead of
three days of raw request counters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from contracts import uids
from render.blackbox import PROBE_JOB
from rules.application import critical_handlers, probe_and_scrape_paths
from rules.model import Alert, Recording, RuleGroup, any_of, bucket_label, events_in, seconds
from settings.model import ServiceSettings, ThresholdSettings

WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")
ERRORS = "slo:sli_errors:rate5m"
EVENTS = "slo:sli_events:rate5m"
# The page's long window straight from the raw series: a `sum_over_time` of 5m rates would see a new
# outage only as the 5m rates ramp up (about 3 minutes to 14.4x over 1h); the raw 1h rate crosses it
# after one minute of a total outage. Longer windows stay `sum_over_time`s (cheap; they are not pages'
# onset-critical windows).
RAW_WINDOWS = ("1h",)
OBJECTIVE = "slo:objective:ratio"
BUDGET = "slo:error_budget:ratio"
PAGE_MIN_ERROR_RATIO = "slo:page_min_error:ratio_rate5m"
RATE_WINDOW = "5m"
RATE_WINDOW_SECONDS = 300
# A probe SLI counts two probes a minute: two failed probes in an hour already burn 14.4x. A page
# needs the service failing for 2 of the last 5 minutes too, so a blip of up to 90 s (a rolling
# restart, one slow answer: at most 3 failed probes of 10) never pages, and a hard outage still pages
# within 2 minutes (4 to 5 failed probes).
PROBE_PAGE_MIN_ERROR_RATIO = 0.4


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


# The error budget's period: the burn-rate factors below are computed for it, so it is not configurable.
SLO_WINDOW = "30d"
# A page spends 2% (1h) or 5% (6h) of a 30-day budget before it fires; a ticket 10% (1d, 3d).
BURN_RATE_ALERTS = (
    # No `for` on the page (SRE Workbook): the short window is the reset guard, and a hard outage pages
    # at the first evaluation where both windows burn 14.4x.
    BurnRateAlert(
        "SloErrorBudgetFastBurn", "critical", "0s", "page", (BurnRate(14.4, "1h", "5m"), BurnRate(6, "6h", "30m"))
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
    # Events and bad events per second over a window, from the raw series.
    events_over: Callable[[str], str]
    errors_over: Callable[[str], str]
    # Minimum 5-minute error ratio a page also needs (0: none); see PROBE_PAGE_MIN_ERROR_RATIO.
    page_min_error_ratio: float = 0.0

    @property
    def slo(self) -> str:
        return f"{self.service.name}-{self.kind}"

    @property
    def labels(self) -> dict[str, str]:
        return {"slo": self.slo, "sli": self.kind, "service": self.service.name, "namespace": self.service.namespace}


def per_second(selector: str, window: str = RATE_WINDOW) -> str:
    """Events per second over `window`, counting the first events of a newly created series
    (clients create a labelled counter, e.g. Dapr's `process_status="drop"`, only at its first event)."""
    return f"{events_in(selector, window, '')}\n/ {seconds(window)}"


def measured_by_dapr(service: ServiceSettings) -> bool:
    """Workers are judged by the events Dapr delivers to them (app contract), not by their HTTP endpoints."""
    return service.kind == "worker" and bool(service.subscribes)


def availability(service: ServiceSettings) -> Sli | None:
    if measured_by_dapr(service):
        selector = f'app_id="{service.name}"'
        good_or_bad = f"dapr_component_pubsub_ingress_count{{{selector}}}"
        bad = f'dapr_component_pubsub_ingress_count{{{selector}, process_status="drop"}}'
    elif service.exposes_metrics:
        selector = f'service="{service.name}", handler!~"{any_of(probe_and_scrape_paths(service))}"'
        good_or_bad = f"http_requests_total{{{selector}}}"
        bad = f'http_requests_total{{{selector}, status="5xx"}}'
    else:
        # No request metrics (the Next.js frontend): the blackbox probes of its health path are the events.
        probes = f'probe_success{{job="{PROBE_JOB}", service="{service.name}"}}'

        def probe_events(window: str) -> str:
            return f"sum(count_over_time({probes}[{window}])) / {seconds(window)}"

        def probe_errors(window: str) -> str:
            return f"{probe_events(window)} - sum(sum_over_time({probes}[{window}])) / {seconds(window)}"

        return Sli(
            service, "availability", service.slo.availability, probe_events, probe_errors, PROBE_PAGE_MIN_ERROR_RATIO
        )
    return Sli(
        service,
        "availability",
        service.slo.availability,
        lambda window: per_second(good_or_bad, window),
        lambda window: per_second(bad, window),
    )


def latency(service: ServiceSettings) -> Sli | None:
    slo = service.slo
    if slo.latency <= 0:
        return None
    if measured_by_dapr(service):
        selector = f'app_id="{service.name}"'
        le = bucket_label(slo.latency_threshold_seconds * 1000)
        count = f"dapr_component_pubsub_ingress_latencies_count{{{selector}}}"
        fast = f'dapr_component_pubsub_ingress_latencies_bucket{{{selector}, le=~"{le}"}}'
    elif service.exposes_metrics:
        handlers = (
            f'handler=~"{critical_handlers(service)}"'
            if service.critical_routes
            else f'handler!~"{any_of(probe_and_scrape_paths(service))}"'
        )
        selector = f'service="{service.name}", {handlers}'
        le = bucket_label(slo.latency_threshold_seconds)
        count = f"http_request_duration_seconds_count{{{selector}}}"
        fast = f'http_request_duration_seconds_bucket{{{selector}, le=~"{le}"}}'
    else:
        return None
    return Sli(
        service,
        "latency",
        slo.latency,
        lambda window: per_second(count, window),
        lambda window: f"({per_second(count, window)})\n-\n({per_second(fast, window)})",
    )


def slis(services: list[ServiceSettings]) -> list[Sli]:
    found = [sli(s) for s in services for sli in (availability, latency)]
    return [s for s in found if s is not None]


def events_record(window: str) -> str:
    return f"slo:sli_events:rate{window}"


def errors_record(window: str) -> str:
    return f"slo:sli_errors:rate{window}"


def sli_recordings(sli: Sli) -> list[Recording]:
    recordings = [
        recording
        for window in (RATE_WINDOW, *RAW_WINDOWS)
        for recording in (
            Recording(events_record(window), sli.events_over(window), sli.labels),
            # A service without a single bad event has no bad-event series at all: record 0 instead.
            Recording(errors_record(window), f"clamp_min({sli.errors_over(window)}, 0) or vector(0)", sli.labels),
        )
    ]
    # The shortest repr that reads back as the configured float (`:g` would cut 0.9876543 to 0.987654).
    recordings.append(Recording(OBJECTIVE, f"vector({sli.objective!r})", sli.labels))
    if sli.page_min_error_ratio > 0:
        recordings.append(Recording(PAGE_MIN_ERROR_RATIO, f"vector({sli.page_min_error_ratio:g})", sli.labels))
    return recordings


def budget_recording() -> Recording:
    """Every SLO's error budget from its objective, with its labels: one rule, not one per SLO. Rounded to
    1e-10, so a 99.9% objective's budget is exactly 0.001, not the binary 1 - 0.999 (0.0010000000000000009)
    that a burn-rate threshold would multiply. Only this program's objectives (they carry `sli`): another
    generator's `slo:objective:ratio` (Sloth's carries `sloth_slo`) in the same Prometheus keeps its own."""
    return Recording(BUDGET, f'round(1 - {OBJECTIVE}{{slo!="", sli!=""}}, 1e-10)')


def window_recordings() -> list[Recording]:
    return [
        Recording(ratio_record(window), f"{errors_record(window)}\n/\n({events_record(window)} > 0)")
        if window in (RATE_WINDOW, *RAW_WINDOWS)
        else Recording(
            ratio_record(window),
            f"sum_over_time({ERRORS}[{window}])\n/\n(sum_over_time({EVENTS}[{window}]) > 0)",
        )
        for window in WINDOWS
    ]


def bad_events(window: str) -> str:
    """Bad events of each SLO over a short window (the 5m rates' average times the window)."""
    if window == RATE_WINDOW:
        return f"{ERRORS} * {RATE_WINDOW_SECONDS}"
    return f"avg_over_time({ERRORS}[{window}]) * {seconds(window)}"


def burn_rate_alerts(t: ThresholdSettings) -> list[Alert]:
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
            # Minimum evidence: a quiet service's one failed request in the short window is no burn.
            expr += f"\nand on (slo)\n({bad_events(rate.short_window)}) >= {t.error_rate_min_failed_requests}"
            if t.error_rate_min_requests_per_second > 0:
                # Probe SLIs (two probes a minute) are exempt: their events are not requests.
                expr += (
                    f"\nand on (slo)\n({EVENTS} >= {t.error_rate_min_requests_per_second:g}"
                    f" or on (slo) {PAGE_MIN_ERROR_RATIO})"
                )
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


def build(services: list[ServiceSettings], t: ThresholdSettings) -> list[RuleGroup]:
    found = slis(services)
    if not found:
        return []
    base = [r for sli in found for r in sli_recordings(sli)]
    # In evaluation order: the budget reads the objectives recorded just before it.
    return [RuleGroup("slo", [*base, budget_recording(), *window_recordings(), *burn_rate_alerts(t)])]
