"""Queries that would scan many series or a long window, in one place, each reading the project's
recording rule (rules/) instead of the raw series; the names come from the rules' own modules."""

from __future__ import annotations

from dashboards.common import sel
from rules.kafka import LAG, LAG_SECONDS


def consumer_lag_messages(*matchers: str) -> str:
    # The recording leaves out partitions without a committed offset (kafka_exporter's -1).
    return f"sum by (consumergroup, topic) ({LAG}{sel(*matchers)})"


def consumer_lag_seconds(*matchers: str) -> str:
    # Lag / consume rate; a group that consumes nothing has no estimate (rather than +Inf).
    return f"max by (consumergroup, topic) ({LAG_SECONDS}{sel(*matchers)})"
