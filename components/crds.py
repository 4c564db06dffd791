"""Prometheus Operator CRDs from their own chart, so that CRD upgrades really happen
(Helm never upgrades CRDs that a chart ships in `crds/`); kube-prometheus-stack runs with
`crds.enabled: false`. Every custom resource this program creates depends on this release."""

from __future__ import annotations

import pulumi

from components.helm import chart_release
from components.providers import Providers
from components.versions import PROMETHEUS_OPERATOR_CRDS
from settings import StackSettings


class PrometheusOperatorCrds(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        settings: StackSettings,
        providers: Providers,
        namespace: pulumi.Resource,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("todo-observability:metrics:PrometheusOperatorCrds", name, None, opts)
        self.release = chart_release(
            name,
            PROMETHEUS_OPERATOR_CRDS,
            settings.metrics.namespace,
            {},
            providers.k8s_opts(self, depends_on=[namespace]),
        )
        self.register_outputs({"release": self.release.name})

    def depends_on(self) -> list[pulumi.Resource]:
        """Options fragment for custom resources: they must wait for their CRDs."""
        return [self.release]
