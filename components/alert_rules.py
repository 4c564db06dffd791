"""The project's alerting and recording rules (rules/), one PrometheusRule per rule group in the
metrics namespace, labelled so kube-prometheus-stack's Prometheus selects them."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_kubernetes.apiextensions import CustomResource
from pulumi_kubernetes.meta.v1 import ObjectMetaArgs

from components.crds import PrometheusOperatorCrds
from components.namespaces import NamespaceRef
from contracts import api_versions
from contracts.context import StackContext
from contracts.labels import monitoring_labels
from rules import RuleSections, build_rule_groups

COMPONENT = "alert-rules"


def prometheus_rule_name(group_name: str) -> str:
    return f"todo-{group_name}"


@dataclass(frozen=True)
class AlertRulesArgs:
    # The config sections the rules read.
    sections: RuleSections
    context: StackContext
    crds: PrometheusOperatorCrds
    # The metrics namespace: Prometheus' rules live there.
    namespace: NamespaceRef


class AlertRules(pulumi.ComponentResource):
    def __init__(self, name: str, args: AlertRulesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("todo-observability:alert_rules:AlertRules", name, None, opts)
        groups = build_rule_groups(args.sections)
        labels = monitoring_labels(COMPONENT, args.context.stack, args.context.release_label)
        self.rules = [
            CustomResource(
                f"{name}-{group.name}",
                api_version=api_versions.MONITORING,
                kind="PrometheusRule",
                metadata=ObjectMetaArgs(
                    name=prometheus_rule_name(group.name), namespace=args.namespace.name, labels=labels
                ),
                spec={"groups": [group.to_dict()]},
                opts=pulumi.ResourceOptions(parent=self, depends_on=[args.namespace.resource, *args.crds.depends_on()]),
            )
            for group in groups
        ]
        self.register_outputs({"groups": [prometheus_rule_name(g.name) for g in groups]})
