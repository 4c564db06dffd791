"""Health probes of the app's endpoints: the blackbox exporter and a Probe per service. The probes
live in the metrics namespace, which this program owns (the app's namespace may not exist yet); a
static `namespace` label keeps the service's namespace on their series."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_kubernetes.apiextensions import CustomResource
from pulumi_kubernetes.meta.v1 import ObjectMetaArgs

from components.crds import PrometheusOperatorCrds
from components.helm import chart_release
from components.labels import monitoring_labels
from components.providers import Providers
from components.versions import BLACKBOX_EXPORTER
from render.blackbox import RELEASE_NAME, blackbox_values, probe_spec
from settings import StackSettings


@dataclass
class HealthProbesArgs:
    settings: StackSettings
    providers: Providers
    crds: PrometheusOperatorCrds
    namespace: pulumi.Resource


class HealthProbes(pulumi.ComponentResource):
    def __init__(self, name: str, args: HealthProbesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("todo-observability:health:HealthProbes", name, None, opts)
        settings = args.settings
        labels = monitoring_labels("health-probes", settings.stack, settings.metrics.release_name)
        self.exporter = chart_release(
            RELEASE_NAME,
            BLACKBOX_EXPORTER,
            settings.metrics.namespace,
            blackbox_values(settings, labels),
            args.providers.k8s_opts(self, depends_on=[args.namespace, *args.crds.depends_on()]),
        )
        self.probes = [
            CustomResource(
                f"{name}-{service.name}",
                api_version="monitoring.coreos.com/v1",
                kind="Probe",
                metadata=ObjectMetaArgs(
                    name=f"{service.name}-readiness", namespace=settings.metrics.namespace, labels=labels
                ),
                spec=probe_spec(settings, service),
                # Probes against a missing exporter would fail and page before it is up.
                opts=args.providers.k8s_opts(self, depends_on=[*args.crds.depends_on(), self.exporter]),
            )
            for service in settings.services
        ]
        self.register_outputs({"prober": self.exporter.name})
