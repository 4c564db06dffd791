"""Adds the links every alert carries: its runbook and the dashboard to start from."""

from __future__ import annotations

from rules.model import Alert, RuleGroup
from settings.model import AlertingSettings


def runbook_url(alerting: AlertingSettings, alert_name: str) -> str:
    return f"{alerting.runbook_base_url}/{alert_name}.md"


def dashboard_url(alerting: AlertingSettings, dashboard_uid: str) -> str:
    return f"{alerting.grafana_url}/d/{dashboard_uid}"


def with_links(group: RuleGroup, alerting: AlertingSettings) -> RuleGroup:
    """Every alert gets `runbook_url` and `dashboard_url` unless a domain already set its own."""
    rules = [
        rule.with_annotations(
            runbook_url=runbook_url(alerting, rule.name),
            dashboard_url=dashboard_url(alerting, rule.dashboard),
        )
        if isinstance(rule, Alert)
        else rule
        for rule in group.rules
    ]
    return RuleGroup(group.name, rules)
