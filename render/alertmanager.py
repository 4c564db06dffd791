"""Alertmanager's routing, receivers and inhibition, rendered from the `alerting` config.

One receiver per integration (pagerduty, slack, teams, email, dead-mans-switch) and severity routes
whose children fan out with `continue`, so `amtool config routes test` names every integration an
alert reaches. No secret is ever in the result: each integration reads its credential from a file of
a Kubernetes Secret that the operator mounts at /etc/alertmanager/secrets/<secret>/<key>.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from settings.model import AlertingSettings

SECRETS_MOUNT_DIR = "/etc/alertmanager/secrets"
RECEIVER_SECRET_NAME = "todo-alertmanager-receivers"

NULL_RECEIVER = "null"
PAGERDUTY = "pagerduty"
SLACK = "slack"
TEAMS = "teams"
EMAIL = "email"
DEAD_MANS_SWITCH = "dead-mans-switch"

GROUP_BY = ["alertname", "namespace", "service"]
# A critical alert mutes the warning form of the same alert only about the same thing: labels that tell
# one node, disk, volume, pod or target from another (the chart's node, PVC and filesystem alerts come
# in warning/critical pairs). Alertmanager treats a label missing on both sides as equal.
SAME_SUBJECT = [
    *GROUP_BY,
    "job",
    "instance",
    "node",
    "pod",
    "container",
    "persistentvolumeclaim",
    "device",
    "mountpoint",
    "consumergroup",
    "topic",
]
WATCHDOG_ALERT = "Watchdog"
NODE_NOT_READY_ALERT = "KubeNodeNotReady"

# Labels the SLO burn-rate alerts carry (rules/slo.py): `slo` names the objective (one per service and
# SLI), `slo_action` says whether the burn rate pages or opens a ticket.
SLO_LABEL = "slo"
SLO_ACTION_LABEL = "slo_action"

# Secret keys in the receivers' Kubernetes Secret, by the stack secret that fills them.
SECRET_KEYS: dict[str, str] = {
    "pagerdutyRoutingKey": "pagerduty-routing-key",
    "slackWebhookUrl": "slack-webhook-url",
    "teamsWebhookUrl": "teams-webhook-url",
    "smtpPassword": "smtp-password",
    "deadMansSwitchUrl": "dead-mans-switch-url",
}

TITLE = (
    '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] '
    "{{ .CommonLabels.alertname }}{{ with .CommonLabels.service }} ({{ . }}){{ end }}"
)
DETAILS = (
    "{{ range .Alerts }}*{{ .Annotations.summary }}*\n{{ .Annotations.description }}\n"
    "{{ with .Annotations.runbook_url }}Runbook: {{ . }}\n{{ end }}"
    "{{ with .Annotations.dashboard_url }}Dashboard: {{ . }}\n{{ end }}{{ end }}"
)


@dataclass(frozen=True)
class ReceiverSecret:
    """A stack secret that an enabled receiver reads from a file of the receivers' Secret."""

    stack_secret: str
    key: str


def secret_file(key: str, secret_name: str = RECEIVER_SECRET_NAME) -> str:
    return f"{SECRETS_MOUNT_DIR}/{secret_name}/{key}"


def receiver_secrets(alerting: AlertingSettings) -> list[ReceiverSecret]:
    """The secrets the enabled receivers read, in a stable order."""
    receivers = alerting.receivers
    wanted = {
        "pagerdutyRoutingKey": receivers.pagerduty.enabled,
        "slackWebhookUrl": receivers.slack.enabled,
        "teamsWebhookUrl": receivers.teams.enabled,
        "smtpPassword": receivers.email.enabled and bool(receivers.email.username),
        "deadMansSwitchUrl": receivers.dead_mans_switch.enabled,
    }
    return [ReceiverSecret(name, SECRET_KEYS[name]) for name, enabled in wanted.items() if enabled]


def _integrations(alerting: AlertingSettings, secret_name: str) -> dict[str, dict[str, Any]]:
    """Enabled receivers by name; a disabled one is simply absent."""
    receivers = alerting.receivers
    files = {s.stack_secret: secret_file(s.key, secret_name) for s in receiver_secrets(alerting)}
    out: dict[str, dict[str, Any]] = {}
    if receivers.pagerduty.enabled:
        out[PAGERDUTY] = {
            "pagerduty_configs": [
                {
                    "routing_key_file": files["pagerdutyRoutingKey"],
                    "send_resolved": True,
                    "client": "Alertmanager (todo-observability)",
                    "client_url": alerting.grafana_url,
                    "description": TITLE,
                }
            ]
        }
    if receivers.slack.enabled:
        out[SLACK] = {
            "slack_configs": [
                {
                    "api_url_file": files["slackWebhookUrl"],
                    "channel": receivers.slack.channel,
                    "send_resolved": True,
                    "title": TITLE,
                    "text": DETAILS,
                }
            ]
        }
    if receivers.teams.enabled:
        out[TEAMS] = {
            "msteamsv2_configs": [
                {
                    "webhook_url_file": files["teamsWebhookUrl"],
                    "send_resolved": True,
                    "title": TITLE,
                    "text": DETAILS,
                }
            ]
        }
    if receivers.email.enabled:
        email: dict[str, Any] = {
            "to": receivers.email.to,
            "from": receivers.email.sender,
            "smarthost": receivers.email.smarthost,
            "require_tls": receivers.email.require_tls,
            # Info mail is a digest of things to look at; a second mail when they resolve is noise.
            "send_resolved": False,
            "headers": {"Subject": TITLE},
        }
        if receivers.email.username:
            email["auth_username"] = receivers.email.username
            email["auth_password_file"] = files["smtpPassword"]
        out[EMAIL] = {"email_configs": [email]}
    if receivers.dead_mans_switch.enabled:
        out[DEAD_MANS_SWITCH] = {"webhook_configs": [{"url_file": files["deadMansSwitchUrl"], "send_resolved": False}]}
    return out


def _fan_out(matchers: list[str], targets: list[str], enabled: set[str]) -> dict[str, Any]:
    """A route that delivers to every enabled target, or to the null receiver when none is left."""
    present = [t for t in targets if t in enabled]
    route: dict[str, Any] = {"matchers": matchers, "receiver": NULL_RECEIVER}
    if present:
        route["routes"] = [{"receiver": target, "continue": True} for target in present]
    return route


def _routes(alerting: AlertingSettings, enabled: set[str]) -> list[dict[str, Any]]:
    watchdog = {
        "matchers": [f'alertname="{WATCHDOG_ALERT}"'],
        "receiver": DEAD_MANS_SWITCH if DEAD_MANS_SWITCH in enabled else NULL_RECEIVER,
        # Delivered at once and often: the switch raises its own alarm when the heartbeat stops.
        "group_wait": "0s",
        "group_interval": alerting.receivers.dead_mans_switch.repeat_interval,
        "repeat_interval": alerting.receivers.dead_mans_switch.repeat_interval,
    }
    return [
        watchdog,
        _fan_out(['severity="critical"'], [PAGERDUTY, SLACK], enabled),
        _fan_out(['severity="warning"'], [SLACK, TEAMS], enabled),
        _fan_out(['severity="info"'], [EMAIL], enabled),
    ]


def inhibit_rules() -> list[dict[str, Any]]:
    return [
        # The critical form of an alert makes its warning form redundant.
        {
            "source_matchers": ['severity="critical"'],
            "target_matchers": ['severity="warning"'],
            "equal": list(SAME_SUBJECT),
        },
        # Pods on a node that is not ready fail because of the node; notify for the node only. This
        # mutes this project's pod alerts, which carry `node` (rules.model.with_node), and nothing
        # else: kube-prometheus-stack's own pod alerts carry no `node` (tests/test_alertmanager.py,
        # CHART_POD_ALERT_LABELS), and inhibition can only compare labels an alert has
        # (docs/alerting-routing.md says why not).
        {
            "source_matchers": [f'alertname="{NODE_NOT_READY_ALERT}"'],
            "target_matchers": ['pod=~".+"', f'alertname!="{NODE_NOT_READY_ALERT}"'],
            "equal": ["node"],
        },
        # A fast burn (page) of an SLO already says what its slow-burn ticket would.
        {
            "source_matchers": [f'{SLO_ACTION_LABEL}="page"'],
            "target_matchers": [f'{SLO_ACTION_LABEL}="ticket"'],
            "equal": [SLO_LABEL, "service", "namespace"],
        },
    ]


def render_alertmanager_config(alerting: AlertingSettings, secret_name: str = RECEIVER_SECRET_NAME) -> dict[str, Any]:
    """The whole Alertmanager configuration (`alertmanager.config` of kube-prometheus-stack)."""
    integrations = _integrations(alerting, secret_name)
    return {
        "global": {"resolve_timeout": "5m"},
        "route": {
            "receiver": NULL_RECEIVER,
            "group_by": list(GROUP_BY),
            "group_wait": alerting.group_wait,
            "group_interval": alerting.group_interval,
            "repeat_interval": alerting.repeat_interval,
            "routes": _routes(alerting, set(integrations)),
        },
        "receivers": [{"name": NULL_RECEIVER}] + [{"name": name, **config} for name, config in integrations.items()],
        "inhibit_rules": inhibit_rules(),
        # Stated, so Helm's map merge cannot bring back the chart's default template glob.
        "templates": [],
    }
