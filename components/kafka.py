"""Kafka observability: consumer-lag exporter, what Prometheus scrapes of the brokers (Strimzi
PodMonitors or the managed vendor's endpoint), and a secured Kafka UI. Recording rules and alerts
live in rules/kafka.py; the pure values builders in render/kafka_*.py."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_kubernetes.apiextensions import CustomResource
from pulumi_kubernetes.core.v1 import Secret
from pulumi_kubernetes.helm.v3 import Release
from pulumi_kubernetes.meta.v1 import ObjectMetaArgs
from pulumi_random.random_password import RandomPassword

from components.crds import PrometheusOperatorCrds
from components.helm import chart_release
from components.monitors import monitor_resource
from components.namespaces import NamespaceRef
from components.secret import opaque_secret
from components.versions import KAFKA_EXPORTER, KAFKA_UI
from contracts import api_versions
from contracts.context import StackContext
from contracts.labels import common_labels, monitoring_labels
from render.kafka_exporter import MONITOR_COMPONENT, SASL_SECRET_KEYS, kafka_exporter_values, service_monitor
from render.kafka_scrape import (
    VENDOR_SECRET_KEYS,
    strimzi_pod_monitors,
    vendor_metrics_username,
    vendor_scrape_config_spec,
)
from render.kafka_ui import SECRET_KEYS, jaas_config, kafka_ui_values, login_mode
from settings import StackSecrets
from settings.model import KafkaSettings
from settings.secrets import missing_secret


@dataclass(frozen=True)
class KafkaSecrets:
    """The stack secrets Kafka monitoring reads, None where the stack has not set one (the config's
    rules require each one that the Kafka settings use)."""

    # `kafkaPassword`: the SASL user's, for the lag exporter and Kafka UI.
    sasl_password: pulumi.Output[str] | None = None
    # `kafkaMetricsPassword`: the managed vendor's metrics endpoint.
    metrics_password: pulumi.Output[str] | None = None
    # `kafkaUiOidcClientSecret`: Kafka UI's OIDC login.
    ui_oidc_client_secret: pulumi.Output[str] | None = None

    @staticmethod
    def of(secrets: StackSecrets) -> KafkaSecrets:
        return KafkaSecrets(
            sasl_password=secrets.get("kafkaPassword"),
            metrics_password=secrets.get("kafkaMetricsPassword"),
            ui_oidc_client_secret=secrets.get("kafkaUiOidcClientSecret"),
        )


def _required(value: pulumi.Output[str] | None, name: str) -> pulumi.Output[str]:
    if value is None:
        raise missing_secret(name)
    return value


@dataclass(frozen=True)
class KafkaMonitoringArgs:
    kafka: KafkaSettings
    context: StackContext
    # `KafkaSecrets.of(stack secrets)`.
    secrets: KafkaSecrets
    # The metrics namespace: the exporter, the UI, their Secrets and every monitor live there.
    namespace: NamespaceRef
    crds: PrometheusOperatorCrds


class KafkaMonitoring(pulumi.ComponentResource):
    """Children are named `<name>-exporter`, `<name>-ui`, ...; Helm releases take the same names."""

    def __init__(self, name: str, args: KafkaMonitoringArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("todo-observability:kafka:KafkaMonitoring", name, None, opts)
        self._name = name
        self._args = args
        kafka = args.kafka
        self.namespace = args.namespace.name
        self.exporter: Release | None = None
        self.ui: Release | None = None
        self.monitors: list[CustomResource] = []

        if not (kafka.mode == "strimzi" and kafka.strimzi_kafka_exporter):
            self.exporter = self._lag_exporter()
        if kafka.mode == "strimzi":
            self.monitors += self._strimzi_pod_monitors()
        elif kafka.metrics_endpoint:
            self.monitors.append(self._vendor_scrape_config())
        if kafka.ui.enabled:
            self.ui = self._kafka_ui()

        self.register_outputs(
            {
                "exporterRelease": self.exporter.name if self.exporter else None,
                "uiRelease": self.ui.name if self.ui else None,
                "uiLogin": login_mode(kafka) if self.ui else None,
            }
        )

    # --- helpers ---------------------------------------------------------------------------

    def _metadata(self, name: str, component: str, monitoring: bool = False) -> ObjectMetaArgs:
        context = self._args.context
        labels = (
            monitoring_labels(component, context.stack, context.release_label)
            if monitoring
            else common_labels(component, context.stack)
        )
        return ObjectMetaArgs(name=name, namespace=self.namespace, labels=labels)

    def _secret(self, name: str, component: str, string_data: dict[str, pulumi.Input[str]]) -> Secret:
        context = self._args.context
        return opaque_secret(
            name, name, self._args.namespace, component, context.stack, string_data, pulumi.ResourceOptions(parent=self)
        )

    def _monitor_options(self) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, depends_on=self._args.crds.depends_on())

    def _kafka_password(self) -> pulumi.Output[str]:
        return _required(self._args.secrets.sasl_password, "kafkaPassword")

    # --- children --------------------------------------------------------------------------

    def _lag_exporter(self) -> Release:
        kafka = self._args.kafka
        context = self._args.context
        release_name = f"{self._name}-exporter"
        depends_on: list[pulumi.Resource] = [self._args.namespace.resource]
        sasl_secret_name = f"{release_name}-sasl"
        if kafka.sasl is not None:
            username_key, password_key = SASL_SECRET_KEYS
            depends_on.append(
                self._secret(
                    sasl_secret_name,
                    "kafka-exporter",
                    {username_key: kafka.sasl.username, password_key: self._kafka_password()},
                )
            )
        values = kafka_exporter_values(kafka, sasl_secret_name, {"todo-observability/stack": context.stack})
        release = chart_release(
            release_name,
            KAFKA_EXPORTER,
            self.namespace,
            values,
            pulumi.ResourceOptions(parent=self, depends_on=depends_on),
        )
        manifest = service_monitor(release_name, self.namespace, context.scrape_interval)
        self.monitors.append(monitor_resource(release_name, manifest, context, self._monitor_options()))
        return release

    def _strimzi_pod_monitors(self) -> list[CustomResource]:
        context = self._args.context
        manifests = strimzi_pod_monitors(self._args.kafka, context.scrape_interval, self._name, self.namespace)
        return [monitor_resource(manifest.name, manifest, context, self._monitor_options()) for manifest in manifests]

    def _vendor_scrape_config(self) -> CustomResource:
        kafka = self._args.kafka
        name = f"{self._name}-{kafka.vendor}-metrics"
        username_key, password_key = VENDOR_SECRET_KEYS
        credentials = self._secret(
            name,
            MONITOR_COMPONENT,
            {
                username_key: vendor_metrics_username(kafka),
                password_key: _required(self._args.secrets.metrics_password, "kafkaMetricsPassword"),
            },
        )
        scrape = CustomResource(
            name,
            api_version=api_versions.MONITORING_ALPHA,
            kind="ScrapeConfig",
            metadata=self._metadata(name, MONITOR_COMPONENT, monitoring=True),
            spec=vendor_scrape_config_spec(kafka, name),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*self._args.crds.depends_on(), credentials]),
        )
        return scrape

    def _kafka_ui(self) -> Release:
        kafka = self._args.kafka
        context = self._args.context
        release_name = f"{self._name}-ui"
        credentials: dict[str, pulumi.Input[str]] = {}
        if login_mode(kafka) == "LOGIN_FORM":
            password = RandomPassword(
                f"{release_name}-login",
                length=32,
                special=False,
                opts=pulumi.ResourceOptions(parent=self),
            )
            credentials[SECRET_KEYS.login_password] = pulumi.Output.secret(password.result)
        else:
            credentials[SECRET_KEYS.oidc_client_secret] = _required(
                self._args.secrets.ui_oidc_client_secret, "kafkaUiOidcClientSecret"
            )
        if kafka.sasl is not None:
            sasl = kafka.sasl
            credentials[SECRET_KEYS.sasl_jaas_config] = pulumi.Output.secret(
                self._kafka_password().apply(lambda value: jaas_config(sasl, value))
            )
        secret_name = f"{release_name}-credentials"
        secret = self._secret(secret_name, "kafka-ui", credentials)
        # The chart stamps its own app.kubernetes.io/* labels; repeating one would duplicate a key.
        labels = {
            key: value
            for key, value in common_labels("kafka-ui", context.stack).items()
            if not key.startswith("app.kubernetes.io/")
        }
        return chart_release(
            release_name,
            KAFKA_UI,
            self.namespace,
            kafka_ui_values(kafka, context.production, secret_name, labels),
            pulumi.ResourceOptions(parent=self, depends_on=[self._args.namespace.resource, secret]),
        )
