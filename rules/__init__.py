"""Alerting and recording rules as data, one module per domain, each a pure function of the config
sections it reads; `build_rule_groups` is what components/alert_rules.py deploys and tests render."""

from __future__ import annotations

from dataclasses import dataclass

from rules import application, dapr, health, kafka, kubernetes, pipeline, slo
from rules.links import with_links
from rules.model import Alert, Recording, RuleGroup
from settings.model import (
    AlertingSettings,
    KafkaSettings,
    MetricsSettings,
    ServiceSettings,
    StackSettings,
    TracingSettings,
)


@dataclass(frozen=True)
class RuleSections:
    """What the rules read of a stack's config."""

    services: list[ServiceSettings]
    # Where the app's pods run (StackSettings.application_namespaces).
    application_namespaces: list[str]
    alerting: AlertingSettings
    kafka: KafkaSettings
    metrics: MetricsSettings
    tracing: TracingSettings
    logging_namespace: str

    @classmethod
    def of(cls, settings: StackSettings) -> RuleSections:
        """The sections of a loaded stack config."""
        return cls(
            settings.services,
            settings.application_namespaces,
            settings.alerting,
            settings.kafka,
            settings.metrics,
            settings.tracing,
            settings.logging.namespace,
        )

    def watched_namespaces(self) -> list[str]:
        """The app's namespaces, Dapr's, Kafka's and this stack's own."""
        return [
            *self.application_namespaces,
            self.metrics.dapr_namespace,
            self.kafka.namespace,
            self.metrics.namespace,
            self.logging_namespace,
            self.tracing.namespace,
        ]


def build_rule_groups(sections: RuleSections) -> list[RuleGroup]:
    s = sections
    thresholds = s.alerting.thresholds
    groups = [
        *application.build(s.services, thresholds),
        *health.build(s.services),
        *kafka.build(s.kafka, s.services, thresholds),
        *dapr.build(s.services, s.application_namespaces, s.metrics.dapr_namespace),
        *kubernetes.build(s.services, thresholds, s.application_namespaces, s.watched_namespaces()),
        *pipeline.build(s.tracing, s.metrics.long_term.enabled),
        *slo.build(s.services, thresholds),
    ]
    return [with_links(group, s.alerting) for group in groups]


__all__ = ["Alert", "Recording", "RuleGroup", "RuleSections", "build_rule_groups"]
