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
from components.namespaces import NamespaceRef
from components.versions import BLACKBOX_EXPORTER
from contracts import api_versions
from contracts.context import StackContext
from contracts.labels import monitoring_labels
from render.blackbox import RELEASE_NAME, blackbox_values, probe_spec
from settings.model import ServiceSettings


@dataclass(frozen=True)
class HealthProbesArgs:
    services: list[ServiceSettings]
    context: StackContext
    crds: PrometheusOperatorCrds
    # The metrics namespace: the exporter and the Probes live there.
    namespace: NamespaceRef


class HealthProbes(pulumi.ComponentResource):
    def __init__(self, name: str, args: HealthProbesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("todo-observability:health:HealthProbes", name, None, opts)
        context = args.context
        namespace = args.namespace.name
        labels = monitoring_labels("health-probes", context.stack, context.release_label)
        self.exporter = chart_release(
            RELEASE_NAME,
            BLACKBOX_EXPORTER,
            namespace,
            blackbox_values(context.production, labels),
            pulumi.ResourceOptions(parent=self, depends_on=[args.namespace.resource, *args.crds.depends_on()]),
        )
        self.probes = [
            CustomResource(
                f"{name}-{service.name}",
                api_version=api_versions.MONITORING,
                kind="Probe",
                metadata=ObjectMetaArgs(name=f"{service.name}-readiness", namespace=namespace, labels=labels),
                spec=probe_spec(namespace, service),
                # Probes against a missing exporter would fail and page before it is up.
                opts=pulumi.ResourceOptions(parent=self, depends_on=[*args.crds.depends_on(), self.exporter]),
            )
            for service in args.services
        ]
        self.register_outputs({"prober": self.exporter.name})
