"""The lab's scenarios: knobs of the simulated Todo system, and what each is meant to show."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Knobs:
    """What the simulator produces. Rates are per second; a healthy day is the default."""

    request_rate: float = 20.0
    # Per-service request rate (default `request_rate`), and what the same services received a day
    # earlier (default: what they receive now): the lab backfills that day into Prometheus before it
    # starts, so the traffic-drop alert has the history it compares against.
    service_request_rate: dict[str, float] = field(default_factory=dict)
    history_request_rate: dict[str, float] = field(default_factory=dict)
    # About 0.05% errors: well inside chat-api's 99.9% objective, as the app contract says of a good day.
    baseline_error_ratio: float = 0.0005
    error_ratio: dict[str, float] = field(default_factory=dict)
    baseline_latency_seconds: float = 0.05
    latency_seconds: dict[str, float] = field(default_factory=dict)
    event_rate: float = 5.0
    baseline_processing_ms: float = 20.0
    processing_ms: dict[str, float] = field(default_factory=dict)
    # Messages per second produced to a topic (default `event_rate`), and the share of that rate a
    # consumer group (= Dapr app id) keeps up with (default 1: no lag builds).
    topic_rate: dict[str, float] = field(default_factory=dict)
    consume_share: dict[str, float] = field(default_factory=dict)
    sidecars_down: frozenset[str] = frozenset()
    not_ready_nodes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    knobs: Knobs = field(default_factory=Knobs)
    # Only the lab's copy of the chart's Watchdog is loaded, no rendered rule.
    watchdog_only: bool = False


# Where the simulator schedules pods (lab/simulator.py): workers on the second node.
WORKER_NODE = "lab-node-2"

SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("healthy", "A good day: ~0.05% errors, fast responses, no lag. Only the Watchdog fires."),
        Scenario(
            "chat-api-5xx",
            "chat-api answers 30% of requests with 5xx: a critical page to PagerDuty and Slack, never e-mail.",
            Knobs(error_ratio={"chat-api": 0.30}),
        ),
        Scenario(
            "traffic-drop",
            "chat-api receives 1% of yesterday's requests at this hour (broken ingress); pods up, no errors: "
            "ServiceTrafficDrop pages. Start the lab with it: the backfilled day is taken at start.",
            Knobs(service_request_rate={"chat-api": 0.2}, history_request_rate={"chat-api": 20.0}),
        ),
        Scenario(
            "low-traffic",
            "notification-service gets 3 requests a minute and fails one in ten: the 5xx ratio is over 5%, but "
            "fewer than errorRateMinFailedRequests failures in 5 minutes: nothing fires.",
            Knobs(service_request_rate={"notification-service": 0.05}, error_ratio={"notification-service": 0.1}),
        ),
        Scenario(
            "consumer-lag",
            "A reminder burst (300 msg/s) that notification-service consumes at a tenth of the rate: lag builds.",
            Knobs(topic_rate={"reminders": 300.0}, consume_share={"notification-service": 0.1}),
        ),
        Scenario(
            "sidecar-down",
            "audit-service's Dapr sidecar stops answering and goes unready; the app container keeps running.",
            Knobs(sidecars_down=frozenset({"audit-service"})),
        ),
        Scenario(
            "node-not-ready",
            f"{WORKER_NODE} goes NotReady with the worker pods on it: KubeNodeNotReady inhibits their pod alerts.",
            Knobs(not_ready_nodes=frozenset({WORKER_NODE})),
        ),
        Scenario(
            "watchdog",
            "Only the Watchdog rule is loaded: the dead man's switch gets its heartbeat and nobody else anything.",
            watchdog_only=True,
        ),
    )
}
