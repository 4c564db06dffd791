"""Stack secrets: read once from `todo-observability:secrets`, kept as Pulumi secret Outputs.

Which secrets a stack needs follows from its non-secret config (an enabled receiver needs its
key), so that deciding what to deploy never has to look inside a secret.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi

from settings.errors import config_key, suggestion
from settings.model import StackSettings

# Every secret the program knows, with what it is for (shown in errors and the render summary).
KNOWN_SECRETS: dict[str, str] = {
    "pagerdutyRoutingKey": "PagerDuty Events API v2 integration (routing) key",
    "slackWebhookUrl": "Slack incoming webhook URL",
    "teamsWebhookUrl": "Microsoft Teams Workflows webhook URL",
    "smtpPassword": "password of the SMTP account that sends alert e-mail",
    "deadMansSwitchUrl": "URL the Watchdog alert is posted to (dead man's switch service)",
    "grafanaAdminPassword": "Grafana admin password (generated when not set)",
    "kafkaPassword": "SASL password of the managed Kafka user",
    "kafkaUiOidcClientSecret": "OAuth2/OIDC client secret for Kafka UI login",
    "kafkaMetricsPassword": "password of the managed Kafka's metrics endpoint (Redpanda Cloud, Confluent API secret)",
    "kubeconfig": "kubeconfig of the target cluster (the ambient context is used when not set)",
    "ociLogAnalyticsPrivateKey": "PEM private key of the OCI API key that uploads logs to Logging Analytics",
}

PLACEHOLDER_PREFIX = "PLACEHOLDER-set-secrets."


def required_secrets(settings: StackSettings, platform_secrets: tuple[str, ...]) -> list[str]:
    """The secrets this stack's configuration cannot deploy without."""
    receivers = settings.alerting.receivers
    needed = []
    if receivers.pagerduty.enabled:
        needed.append("pagerdutyRoutingKey")
    if receivers.slack.enabled:
        needed.append("slackWebhookUrl")
    if receivers.teams.enabled:
        needed.append("teamsWebhookUrl")
    if receivers.email.enabled and receivers.email.username:
        needed.append("smtpPassword")
    if receivers.dead_mans_switch.enabled:
        needed.append("deadMansSwitchUrl")
    if settings.kafka.sasl is not None:
        needed.append("kafkaPassword")
    if settings.kafka.ui.oidc_client_id:
        needed.append("kafkaUiOidcClientSecret")
    if settings.kafka.mode == "managed" and settings.kafka.metrics_endpoint:
        needed.append("kafkaMetricsPassword")
    # What the cloud itself needs (components/<cloud>/platform.py `required_secrets`).
    needed += platform_secrets
    return needed


def missing_secret(name: str) -> KeyError:
    """What a component raises for a secret it needs that the stack has not set."""
    return KeyError(f"{config_key('secrets.' + name)} is not set: run {set_command(name)}")


def set_command(name: str) -> str:
    return f"pulumi config set --secret --path 'secrets.{name}' <value>"


@dataclass
class StackSecrets:
    """The stack's secrets as secret Outputs; `placeholders` lists those the offline render faked."""

    values: dict[str, pulumi.Output[str]] = field(default_factory=dict)
    placeholders: list[str] = field(default_factory=list)

    def get(self, name: str) -> pulumi.Output[str] | None:
        if name not in KNOWN_SECRETS:
            raise KeyError(f"unknown secret {name!r}")
        return self.values.get(name)

    def require(self, name: str) -> pulumi.Output[str]:
        value = self.get(name)
        if value is None:
            raise missing_secret(name)
        return value


def secret_problems(
    raw: object, is_secret: bool, settings: StackSettings | None, offline: bool, platform_secrets: tuple[str, ...]
) -> list[str]:
    """Problems with the `secrets` section; missing ones are problems only outside the offline render."""
    problems: list[str] = []
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        return [f"{config_key('secrets')} must be an object of secrets set with --path (got a list or text)"]
    if raw and not is_secret:
        problems.append(
            f"{config_key('secrets')} is stored in plain text: set each value with "
            "`pulumi config set --secret --path 'secrets.<name>' <value>`"
        )
    for name in sorted(raw):
        if name not in KNOWN_SECRETS:
            problems.append(
                f"{config_key('secrets.' + str(name))} is not a known secret"
                f"{suggestion(str(name), sorted(KNOWN_SECRETS))}; "
                "allowed: " + ", ".join(sorted(KNOWN_SECRETS))
            )
        elif not isinstance(raw[name], str) or not raw[name]:
            problems.append(f"{config_key('secrets.' + name)} must be a non-empty text value, set with --secret")
    if not offline and settings is not None:
        for name in required_secrets(settings, platform_secrets):
            if name not in raw:
                problems.append(
                    f"{config_key('secrets.' + name)} is required ({KNOWN_SECRETS[name]}): run {set_command(name)}"
                )
    return problems


def build_secrets(
    raw: dict[str, str] | None, settings: StackSettings, platform_secrets: tuple[str, ...]
) -> StackSecrets:
    """Wraps every secret in a secret Output; in the offline render, fakes the missing required ones."""
    raw = raw or {}
    secrets = StackSecrets()
    for name, value in sorted(raw.items()):
        secrets.values[name] = pulumi.Output.secret(value)
    for name in required_secrets(settings, platform_secrets):
        if name not in raw:
            secrets.values[name] = pulumi.Output.secret(PLACEHOLDER_PREFIX + name)
            secrets.placeholders.append(name)
    return secrets
