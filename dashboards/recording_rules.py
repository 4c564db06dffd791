"""Queries that would scan many series or a long window, in one place, each reading the project's
recording rule (rules/) instead of the raw series; the names come from the rules' own modules where
they export them, and the dashboard tests fail on any name the render does not record."""

from __future__ import annotations

from dashboards.common import sel
from rules.application import error_ratio_record
from rules.kafka import (
    CONSUME_RATE,
    INGRESS_RATE,
    LAG,
    LAG_SECONDS,
    PROCESSING_P95_MS,
    PRODUCE_RATE,
    PRODUCER_ERRORS,
    PUBLISH_RATE,
)

# rules/application.py records it inline: requests per (namespace, service, status) over 5m, without
# the probe and scrape handlers, i.e. user traffic only.
HTTP_REQUESTS_RATE = "service:http_requests:rate5m"


def service_request_rate(*matchers: str) -> str:
    return f"sum by (service) ({HTTP_REQUESTS_RATE}{sel(*matchers)})"


def service_error_ratio(window: str, *matchers: str) -> str:
    # The very series ServiceHighErrorRate compares with its threshold, so the dashed line and the
    # alert agree; max over namespaces because the alert fires on the worst one.
    return f"max by (service) ({error_ratio_record(window)}{sel(*matchers)})"


def consumer_lag_messages(*matchers: str) -> str:
    # The recording leaves out partitions without a committed offset (kafka_exporter's -1).
    return f"sum by (consumergroup, topic) ({LAG}{sel(*matchers)})"


def consumer_lag_seconds(*matchers: str) -> str:
    # Lag / consume rate; a group that consumes nothing has no estimate (rather than +Inf).
    return f"max by (consumergroup, topic) ({LAG_SECONDS}{sel(*matchers)})"


def topic_produce_rate(*matchers: str) -> str:
    # Summed over every partition's newest offset by the rule: one series per topic here.
    return f"sum by (topic) ({PRODUCE_RATE}{sel(*matchers)})"


def group_consume_rate(*matchers: str) -> str:
    return f"sum by (consumergroup, topic) ({CONSUME_RATE}{sel(*matchers)})"


def publish_rate(*matchers: str) -> str:
    return f"sum by (service, topic) ({PUBLISH_RATE}{sel(*matchers)})"


def producer_errors(*matchers: str) -> str:
    # Dapr egress with success="false": what KafkaProducerErrors alerts on.
    return f"sum by (service, topic) ({PRODUCER_ERRORS}{sel(*matchers)})"


def pubsub_ingress_rate(*matchers: str) -> str:
    return f"sum by (service, topic, process_status) ({INGRESS_RATE}{sel(*matchers)})"


def pubsub_processing_p95_ms(*matchers: str) -> str:
    # The P95 KafkaMessageProcessingSlow alerts on, computed once per evaluation from every bucket.
    return f"max by (service, topic) ({PROCESSING_P95_MS}{sel(*matchers)})"
