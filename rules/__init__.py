"""Alerting and recording rules as data, one module per domain, each a pure function of the stack
settings; `build_rule_groups` is what components/alert_rules.py deploys and tests render."""

from __future__ import annotations

from rules import application, dapr, health, kafka, kubernetes, pipeline, slo
from rules.links import with_links
from rules.model import Alert, Recording, RuleGroup
from settings.model import StackSettings

DOMAINS = (application, health, kafka, dapr, kubernetes, pipeline, slo)


def build_rule_groups(settings: StackSettings) -> list[RuleGroup]:
    return [with_links(group, settings) for domain in DOMAINS for group in domain.build(settings)]


__all__ = ["Alert", "Recording", "RuleGroup", "build_rule_groups"]
