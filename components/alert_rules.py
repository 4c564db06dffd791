"""The project's alerting and recording rules (rules/), one PrometheusRule per rule group in the
metrics namespace, labelled so kube-prometheus-stack's Prometheus selects them."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_kubernetes.apiextensions import CustomResource
from pulumi_kubernetes.meta.v1 import ObjectMetaArgs

from components.crds import PrometheusOperatorCrds
from components.labels import monitoring_labels
from components.providers import Providers
from rules import build_rule_groups
from settings import StackSettings

COMPONENT = "alert-rules"


def prometheus_rule_name(group_name: str) -> str:
    return f"todo-{group_name}"


@dataclass
class AlertRulesArgs:
    settings: StackSettings
    providers: Providers
    crds: PrometheusOperatorCrds
    namespace: pulumi.Resource


class AlertRules(pulumi.ComponentResource):
    def __init__(self, name: str, args: AlertRulesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("todo-observability:alert_rules:AlertRules", name, None, opts)
        settings = args.settings
        groups = build_rule_groups(settings)
        labels = monitoring_labels(COMPONENT, settings.stack, settings.metrics.release_name)
        self.rules = [
            CustomResource(
                f"{name}-{group.name}",
                api_version="monitoring.coreos.com/v1",
                kind="PrometheusRule",
                metadata=ObjectMetaArgs(
                    name=prometheus_rule_name(group.name), namespace=settings.metrics.namespace, labels=labels
                ),
                spec={"groups": [group.to_dict()]},
                opts=args.providers.k8s_opts(self, depends_on=[args.namespace, *args.crds.depends_on()]),
            )
            for group in groups
        ]
        self.register_outputs({"groups": [prometheus_rule_name(g.name) for g in groups]})
