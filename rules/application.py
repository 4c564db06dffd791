"""The app's own signals: 5xx ratio, P95 latency of critical routes, chat/LLM and agent-tool failures."""

from __future__ import annotations

from contracts import uids
from rules.model import (
    Alert,
    Recording,
    RuleGroup,
    alike,
    any_of,
    events_in,
    regex_literal,
    service_matcher,
    with_evidence,
)
from settings.model import ServiceSettings, ThresholdSettings

# One evaluation more than the window: rides out a single odd scrape, and a hard outage still pages
# within two minutes (the minimum-evidence guard, not a long `for`, keeps quiet services from paging).
ERROR_RATIO_FOR = "1m"
FAILURE_RATIO_FOR = "5m"
# Traffic drop: the current rate is a 5m rate (the baseline a day / a week earlier too); held for 3m, a
# ~99% drop pages in about 8 minutes and a dip of a few minutes (an ingress reload) never does.
TRAFFIC_WINDOW = "5m"
TRAFFIC_DROP_FOR = "3m"
TRAFFIC_BASELINES = ("1d", "1w")


def probe_and_scrape_paths(service: ServiceSettings) -> list[str]:
    """Handlers that are not user traffic: probes and the scrape itself."""
    return [service.health_path, service.liveness_path, service.metrics_path]


def own_traffic(service: ServiceSettings) -> str:
    """The `handler` matcher for one service's user traffic: its own probe and scrape paths left out."""
    return f'handler!~"{any_of(probe_and_scrape_paths(service))}"'


def user_requests(services: list[ServiceSettings], extra: str = "") -> list[str]:
    """Selectors of the services' user requests (`extra` matchers added): each service's own probe and
    scrape paths left out (another service's may be one of its user routes), one selector per set of
    services sharing them. The sets are disjoint: their rates add up with `or` (`rates_of`)."""
    return [
        f"http_requests_total{{{service_matcher(part)}, {own_traffic(part[0])}{extra}}}"
        for part in alike(services, own_traffic)
    ]


def rates_of(selectors: list[str], window: str, offset: str = "") -> str:
    return " or ".join(f"rate({selector}[{window}]{offset})" for selector in selectors)


def critical_handlers(service: ServiceSettings) -> str:
    """A `handler=~` operand for the service's critical route prefixes (the instrumentator reports templates)."""
    return "|".join(f"{regex_literal(route)}.*" for route in sorted(service.critical_routes))


def error_ratio_record(window: str) -> str:
    return f"service:http_requests_5xx:ratio_rate{window}"


def build(services: list[ServiceSettings], t: ThresholdSettings) -> list[RuleGroup]:
    window = t.error_rate_window
    instrumented = [s for s in services if s.exposes_metrics]
    rules: list[Recording | Alert] = []
    if instrumented:
        traffic, failed = user_requests(instrumented), user_requests(instrumented, ', status="5xx"')
        rules += [
            Recording(
                "service:http_requests:rate5m",
                f"sum by (namespace, service, status) ({rates_of(traffic, '5m')})",
            ),
            Recording(
                error_ratio_record(window),
                # `or ... * 0` yields 0 rather than no sample for a service that never answered 5xx.
                f"(\n  sum by (namespace, service) ({rates_of(failed, window)})\n"
                f"  or sum by (namespace, service) ({rates_of(traffic, window)}) * 0\n)\n"
                f"/\n(sum by (namespace, service) ({rates_of(traffic, window)}) > 0)",
            ),
        ]
    # A rule per severity: the two differ in their static labels, so a reload keeps each one's alert state.
    for part in alike(instrumented, lambda s: s.critical):
        by = "namespace, service"
        failed_events = "\nor ".join(
            events_in(selector, window, by) for selector in user_requests(part, ', status="5xx"')
        )
        rules.append(
            Alert(
                "ServiceHighErrorRate",
                with_evidence(
                    f"{error_ratio_record(window)}{{{service_matcher(part)}}} * 100 > {t.error_rate_percent:g}",
                    by,
                    failed_events,
                    t.error_rate_min_failed_requests,
                    f"sum by ({by}) ({rates_of(user_requests(part), window)})",
                    t.error_rate_min_requests_per_second,
                ),
                severity="critical" if part[0].critical else "warning",
                duration=ERROR_RATIO_FOR,
                summary="{{ $labels.service }} answers more than " + f"{t.error_rate_percent:g}% of requests with 5xx",
                description=(
                    '{{ $value | printf "%.2f" }}% of {{ $labels.service }} requests in namespace '
                    f"{{{{ $labels.namespace }}}} failed with a 5xx over the last {window} "
                    f"(threshold {t.error_rate_percent:g}%, and at least {t.error_rate_min_failed_requests} "
                    "failed requests)."
                ),
                dashboard=uids.OVERVIEW,
            )
        )
    # A rule per service: each judges its own critical routes, and two rules of one severity told apart by
    # their routes alone would trade alert state when a reload reorders them (Prometheus pairs rules by name
    # and static labels); the static `service` keeps each rule's identity.
    for service in (s for s in instrumented if s.critical_routes):
        selector = f'service="{service.name}", handler=~"{critical_handlers(service)}"'
        rules.append(
            Alert(
                "ServiceHighLatency",
                "histogram_quantile(0.95, sum by (namespace, service, le) "
                f"(rate(http_request_duration_seconds_bucket{{{selector}}}[5m])))\n> {t.latency_p95_seconds:g}",
                severity="critical" if service.critical else "warning",
                duration=t.latency_for,
                labels={"service": service.name},
                summary=f"P95 latency of {service.name} critical routes is above {t.latency_p95_seconds:g}s",
                description=(
                    f"P95 latency of {', '.join(sorted(service.critical_routes))} on {service.name} is "
                    f"{{{{ $value | humanizeDuration }}}} (threshold {t.latency_p95_seconds:g}s for {t.latency_for})."
                ),
                dashboard=uids.OVERVIEW,
            )
        )
    rules += traffic_drop_alerts(services, t)
    if any(s.kind == "api" for s in services):
        rules += chat_alerts(t)
    return [RuleGroup("application", rules)] if rules else []


def traffic_drop_alerts(services: list[ServiceSettings], t: ThresholdSettings) -> list[Recording | Alert]:
    """The fourth golden signal for the critical APIs: a sudden drop of user requests (a broken ingress or
    frontend) while the pods stay up, ready and error-free. Judged against the same time a day and a week
    earlier, each only where it exists and was at least the floor (quiet nights and a new deployment
    without history are never judged). The frontend exposes no request metrics: it is not watched here
    (its probes' SLO is), and chat-api's drop is what a broken frontend or ingress looks like."""
    keep = round(1 - t.traffic_drop_percent / 100, 6)
    floor = t.traffic_drop_min_requests_per_second
    by = "namespace, service"
    watched = [s for s in services if s.critical and s.exposes_metrics]
    if not watched:
        return []
    # One rule: every watched service is critical.
    selectors = user_requests(watched)
    now = f"sum by ({by}) ({rates_of(selectors, TRAFFIC_WINDOW)})"
    day, week = (
        f"(sum by ({by}) ({rates_of(selectors, TRAFFIC_WINDOW, f' offset {o}')}) >= {floor:g})"
        for o in TRAFFIC_BASELINES
    )
    dropped_vs_day = f"{now}\n< on ({by})\n{keep:g} * {day}"
    dropped_vs_week = f"{now}\n< on ({by})\n{keep:g} * {week}"
    not_dropped_vs_week = f"{now}\n>= on ({by})\n{keep:g} * {week}"
    expr = (
        f"(\n{dropped_vs_day}\nunless on ({by})\n({not_dropped_vs_week})\n)\n"
        f"or\n(\n{dropped_vs_week}\nunless on ({by})\n{day}\n)"
    )
    return [
        Alert(
            "ServiceTrafficDrop",
            expr,
            severity="critical",
            duration=TRAFFIC_DROP_FOR,
            summary="{{ $labels.service }} receives almost no requests",
            description=(
                "{{ $labels.service }} in namespace {{ $labels.namespace }} receives "
                '{{ $value | printf "%.2f" }} '
                f"requests/s, less than {100 - t.traffic_drop_percent:g}% of the same time a day and a week "
                f"earlier (where that was at least {floor:g} requests/s): users cannot reach it (ingress, DNS, "
                "frontend) although its pods are up."
            ),
            dashboard=uids.OVERVIEW,
        )
    ]


def chat_alerts(t: ThresholdSettings) -> list[Recording | Alert]:
    """chat-api's business counters (app contract): chat outcomes and MCP tool calls."""
    return [
        Alert(
            "ChatRequestsFailing",
            with_evidence(
                'sum by (namespace, service, outcome) (rate(todo_chat_requests_total{outcome=~"error|timeout"}[5m]))\n'
                "/ ignoring (outcome) group_left\n"
                "sum by (namespace, service) (rate(todo_chat_requests_total[5m])) * 100\n"
                f"> {t.error_rate_percent:g}",
                "namespace, service, outcome",
                events_in('todo_chat_requests_total{outcome=~"error|timeout"}', "5m", "namespace, service, outcome"),
                t.error_rate_min_failed_requests,
                "sum by (namespace, service) (rate(todo_chat_requests_total[5m]))",
                t.error_rate_min_requests_per_second,
                rate_on="namespace, service",
            ),
            severity="critical",
            duration=FAILURE_RATIO_FOR,
            summary="Chat requests end in {{ $labels.outcome }} above " + f"{t.error_rate_percent:g}%",
            description=(
                '{{ $value | printf "%.2f" }}% of chat requests on {{ $labels.service }} ended with outcome '
                "{{ $labels.outcome }} over 5m (threshold " + f"{t.error_rate_percent:g}%): "
                "the LLM provider is failing or too slow."
            ),
            dashboard=uids.OVERVIEW,
        ),
        Alert(
            "AgentToolCallsFailing",
            with_evidence(
                'sum by (namespace, service, tool) (rate(todo_agent_tool_calls_total{outcome="error"}[5m]))\n'
                "/\nsum by (namespace, service, tool) (rate(todo_agent_tool_calls_total[5m])) * 100\n"
                f"> {t.error_rate_percent:g}",
                "namespace, service, tool",
                events_in('todo_agent_tool_calls_total{outcome="error"}', "5m", "namespace, service, tool"),
                t.error_rate_min_failed_requests,
                "sum by (namespace, service, tool) (rate(todo_agent_tool_calls_total[5m]))",
                t.error_rate_min_requests_per_second,
            ),
            severity="warning",
            duration=FAILURE_RATIO_FOR,
            summary="Agent tool {{ $labels.tool }} fails above " + f"{t.error_rate_percent:g}%",
            description=(
                '{{ $value | printf "%.2f" }}% of {{ $labels.tool }} MCP tool calls on {{ $labels.service }} '
                "failed over 5m (threshold " + f"{t.error_rate_percent:g}%)."
            ),
            dashboard=uids.OVERVIEW,
        ),
    ]
