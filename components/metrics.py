"""kube-prometheus-stack: the Prometheus Operator, Prometheus (HA in production), Alertmanager,
Grafana, kube-state-metrics and node-exporter, as one pinned `helm.v3.Release` after the CRDs.

The values come from render/kube_prometheus_stack.py; alerting, long-term storage and logging /
tracing contribute their fragments through contracts/inputs.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_random.random_password import RandomPassword

from components.crds import PrometheusOperatorCrds
from components.helm import chart_release
from components.namespaces import NamespaceRef
from components.secret import opaque_secret
from components.versions import KUBE_PROMETHEUS_STACK
from contracts.context import StackContext
from contracts.inputs import AlertmanagerInputs, GrafanaInputs, ThanosSidecarInputs
from render.kube_prometheus_stack import (
    GRAFANA_ADMIN_PASSWORD_KEY,
    GRAFANA_ADMIN_USER_KEY,
    alertmanager_service_name,
    grafana_admin_secret_name,
    grafana_service_name,
    prometheus_service_name,
    render_kube_prometheus_stack_values,
)
from settings.model import GrafanaSettings, MetricsSettings

GENERATED_PASSWORD_LENGTH = 32


@dataclass(frozen=True)
class MetricsStackArgs:
    metrics: MetricsSettings
    grafana_settings: GrafanaSettings
    # Prometheus' external labels `cluster` and `environment`.
    cluster_name: str
    environment: str
    context: StackContext
    crds: PrometheusOperatorCrds
    # The metrics namespace: the release and its Secrets go there.
    namespace: NamespaceRef
    # The stack secret `grafanaAdminPassword`; without it a password is generated (pulumi-random).
    grafana_admin_password: pulumi.Output[str] | None
    alertmanager: AlertmanagerInputs | None = None
    thanos: ThanosSidecarInputs | None = None
    grafana: GrafanaInputs | None = None


class MetricsStack(pulumi.ComponentResource):
    """Outputs: `namespace`, `prometheus_service`, `alertmanager_service`, `grafana_service`."""

    def __init__(self, name: str, args: MetricsStackArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("todo-observability:metrics:MetricsStack", name, None, opts)
        context = args.context
        release_name = args.metrics.release_name
        namespace = args.namespace.name

        admin_password = args.grafana_admin_password
        if admin_password is None:
            # Read it with: kubectl -n <ns> get secret <release>-grafana-admin -o jsonpath='{.data.admin-password}'
            admin_password = RandomPassword(
                f"{name}-grafana-admin-password",
                length=GENERATED_PASSWORD_LENGTH,
                special=False,
                opts=pulumi.ResourceOptions(parent=self),
            ).result
        self.grafana_admin_secret = opaque_secret(
            f"{name}-grafana-admin",
            grafana_admin_secret_name(release_name),
            args.namespace,
            "grafana",
            context.stack,
            {
                GRAFANA_ADMIN_USER_KEY: args.grafana_settings.admin_user,
                GRAFANA_ADMIN_PASSWORD_KEY: pulumi.Output.secret(admin_password),
            },
            pulumi.ResourceOptions(parent=self),
        )

        contributed = [
            *(args.alertmanager.depends_on if args.alertmanager else []),
            *(args.thanos.depends_on if args.thanos else []),
            *(args.grafana.depends_on if args.grafana else []),
        ]
        self.release = chart_release(
            release_name,
            KUBE_PROMETHEUS_STACK,
            namespace,
            render_kube_prometheus_stack_values(
                args.metrics,
                args.grafana_settings,
                args.cluster_name,
                args.environment,
                context,
                args.alertmanager,
                args.thanos,
                args.grafana,
            ),
            pulumi.ResourceOptions(
                parent=self,
                depends_on=[*args.crds.depends_on(), args.namespace.resource, self.grafana_admin_secret, *contributed],
            ),
            # A replacement uninstalls the release, and with it Grafana's volume.
            protect=context.production,
        )

        self.namespace = pulumi.Output.from_input(namespace)
        self.prometheus_service = pulumi.Output.from_input(prometheus_service_name(release_name))
        self.alertmanager_service = pulumi.Output.from_input(alertmanager_service_name(release_name))
        self.grafana_service = pulumi.Output.from_input(grafana_service_name(release_name))
        self.register_outputs(
            {
                "namespace": self.namespace,
                "prometheusService": self.prometheus_service,
                "alertmanagerService": self.alertmanager_service,
                "grafanaService": self.grafana_service,
            }
        )
