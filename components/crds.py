"""Prometheus Operator CRDs from their own chart, so that CRD upgrades really happen
(Helm never upgrades CRDs that a chart ships in `crds/`); kube-prometheus-stack runs with
`crds.enabled: false`. Every custom resource this program creates depends on this release.

Deleting a CRD deletes every object of its kind: every Prometheus, Alertmanager, monitor, probe and
rule. So the CRDs carry `helm.sh/resource-policy: keep` (an uninstall or replacement of the release
leaves them in place) and the release is protected in production."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi

from components.helm import chart_release
from components.namespaces import NamespaceRef
from components.versions import PROMETHEUS_OPERATOR_CRDS
from contracts.context import StackContext

# Helm's own annotation: `helm uninstall` (and so a Pulumi delete or replace) skips such objects.
HELM_RESOURCE_POLICY = "helm.sh/resource-policy"


def crd_values() -> dict[str, Any]:
    """`crds.annotations` lands on every CRD of the chart's `crds` subchart (prometheus-operator-crds at
    the pinned version, components/versions.py)."""
    return {"crds": {"annotations": {HELM_RESOURCE_POLICY: "keep"}}}


@dataclass(frozen=True)
class PrometheusOperatorCrdsArgs:
    context: StackContext
    # The metrics namespace: the release records itself there.
    namespace: NamespaceRef


class PrometheusOperatorCrds(pulumi.ComponentResource):
    def __init__(self, name: str, args: PrometheusOperatorCrdsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("todo-observability:metrics:PrometheusOperatorCrds", name, None, opts)
        self.release = chart_release(
            name,
            PROMETHEUS_OPERATOR_CRDS,
            args.namespace.name,
            crd_values(),
            pulumi.ResourceOptions(parent=self, depends_on=[args.namespace.resource]),
            protect=args.context.production,
        )
        self.register_outputs({"release": self.release.name})

    def depends_on(self) -> list[pulumi.Resource]:
        """Options fragment for custom resources: they must wait for their CRDs."""
        return [self.release]
