"""Alert routing: the Kubernetes Secret that holds the receivers' credentials, and the
Alertmanager configuration (rendered in render/alertmanager.py) handed to MetricsStack."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components.namespaces import NamespaceRef
from components.secret import opaque_secret
from contracts.context import StackContext
from contracts.inputs import AlertmanagerInputs
from render.alertmanager import RECEIVER_SECRET_NAME, receiver_secrets, render_alertmanager_config
from settings import StackSecrets
from settings.model import AlertingSettings


def receiver_credentials(alerting: AlertingSettings, secrets: StackSecrets) -> dict[str, pulumi.Output[str]]:
    """The enabled receivers' credentials (pagerdutyRoutingKey, slackWebhookUrl, ...) by stack secret
    name: all of the stack's secrets that alert routing reads."""
    return {s.stack_secret: secrets.require(s.stack_secret) for s in receiver_secrets(alerting)}


@dataclass(frozen=True)
class AlertRoutingArgs:
    alerting: AlertingSettings
    context: StackContext
    # The enabled receivers' credentials by stack secret name (`receiver_credentials`).
    receiver_credentials: dict[str, pulumi.Output[str]]
    # The metrics namespace: the Secret must sit next to the Alertmanager that mounts it.
    namespace: NamespaceRef


class AlertRouting(pulumi.ComponentResource):
    """`inputs` goes to `MetricsStack(..., alertmanager=...)`; it carries no secret value."""

    inputs: AlertmanagerInputs

    def __init__(self, name: str, args: AlertRoutingArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("todo-observability:alertmanager:AlertRouting", name, None, opts)
        needed = receiver_secrets(args.alerting)
        secret_names: list[str] = []
        depends_on: list[pulumi.Resource] = []
        if needed:
            receivers_secret = opaque_secret(
                f"{name}-receivers",
                RECEIVER_SECRET_NAME,
                args.namespace,
                "alertmanager",
                args.context.stack,
                {s.key: args.receiver_credentials[s.stack_secret] for s in needed},
                pulumi.ResourceOptions(parent=self),
            )
            secret_names.append(RECEIVER_SECRET_NAME)
            depends_on.append(receivers_secret)
        self.inputs = AlertmanagerInputs(
            config=render_alertmanager_config(args.alerting),
            secret_names=secret_names,
            depends_on=depends_on,
        )
        self.register_outputs({"secretNames": secret_names})
