"""Adds the links every alert carries: its runbook and the dashboard to start from."""

from __future__ import annotations

from rules.model import Alert, RuleGroup
from settings.model import StackSettings


def runbook_url(settings: StackSettings, alert_name: str) -> str:
    return f"{settings.alerting.runbook_base_url}/{alert_name}.md"


def dashboard_url(settings: StackSettings, dashboard_uid: str) -> str:
    return f"{settings.alerting.grafana_url}/d/{dashboard_uid}"


def with_links(group: RuleGroup, settings: StackSettings) -> RuleGroup:
    """Every alert gets `runbook_url` and `dashboard_url` unless a domain already set its own."""
    rules = [
        rule.with_annotations(
            runbook_url=runbook_url(settings, rule.name),
            dashboard_url=dashboard_url(settings, rule.dashboard),
        )
        if isinstance(rule, Alert)
        else rule
        for rule in group.rules
    ]
    return RuleGroup(group.name, rules)
