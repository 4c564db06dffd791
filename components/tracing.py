"""Traces: the OpenTelemetry Collector, the stack's trace backend (Jaeger here, or the platform's own:
components/<cloud>/tracing.py), Dapr's Configuration in every application namespace, the collector's
ServiceMonitor and Grafana's `traces` datasource. Pure rendering lives in render/otel_collector.py,
render/dapr_configuration.py, render/jaeger.py and render/traces_datasource.py."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_kubernetes.apiextensions import CustomResource
from pulumi_kubernetes.core.v1 import (
    PersistentVolumeClaim,
    PersistentVolumeClaimSpecArgs,
    Service,
    ServicePortArgs,
    ServiceSpecArgs,
    VolumeResourceRequirementsArgs,
)
from pulumi_kubernetes.meta.v1 import ObjectMetaArgs

from components.crds import PrometheusOperatorCrds
from components.grafana_identity import GrafanaIdentity
from components.helm import chart_release
from components.monitors import monitor_resource
from components.namespaces import NamespaceRef
from components.platform import Platform
from components.trace_backend import TraceBackend, TraceBackendArgs, TraceBinding
from components.versions import JAEGER, OPENTELEMETRY_COLLECTOR
from contracts import api_versions
from contracts.context import StackContext
from contracts.inputs import GrafanaInputs
from contracts.labels import common_labels
from render import dapr_configuration, jaeger, otel_collector, traces_datasource
from settings.model import ClusterSettings, Section, ServiceSettings, TracingSettings

COMPONENT_LABEL = "tracing"


@dataclass
class TracingPipelineArgs:
    tracing: TracingSettings
    # Dapr's HTTP metrics keep these services' routes as path templates.
    services: list[ServiceSettings]
    # Where the apps run (StackSettings.application_namespaces): each gets Dapr's Configuration.
    application_namespaces: list[str]
    context: StackContext
    # The tracing namespace.
    namespace: NamespaceRef
    crds: PrometheusOperatorCrds
    # Builds its own trace backend for `tracing.backend`, or none when traces go to Jaeger. The rest is
    # for that backend only: the cluster, the platform's config section (`Platform.section`), Grafana's
    # cloud identity (granted read on the traces) and the logging capability's log store
    # (`LoggingPipeline.log_store_id`: Azure keeps traces in its workspace).
    platform: Platform
    cluster: ClusterSettings
    cloud: Section | None
    grafana_identity: GrafanaIdentity | None
    log_store_id: pulumi.Output[str] | None


class TracingPipeline(pulumi.ComponentResource):
    """Hands other capabilities `grafana` (the `traces` datasource for MetricsStack), `collector` and
    `backend` (the platform's own trace backend, None with Jaeger); registers the outputs
    `collectorEndpoint`, `daprConfiguration` and `backend` (its name)."""

    backend: TraceBackend | None

    def __init__(self, name: str, args: TracingPipelineArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("todo-observability:tracing:TracingPipeline", name, None, opts)
        tracing = args.tracing
        self._name = name
        backend_args = TraceBackendArgs(
            tracing, args.cluster, args.cloud, args.context, args.namespace, args.grafana_identity, args.log_store_id
        )
        self.backend = args.platform.trace_backend(
            f"{name}-{args.platform.rules.cloud}", backend_args, pulumi.ResourceOptions(parent=self)
        )
        binding = self.backend.binding if self.backend is not None else self._jaeger(args)

        self.collector_config = otel_collector.collector_config(tracing, binding.exporter)
        self.collector = chart_release(
            otel_collector.RELEASE_NAME,
            OPENTELEMETRY_COLLECTOR,
            args.namespace.name,
            otel_collector.collector_values(
                tracing, self.collector_config, binding.service_account_annotations, binding.env
            ),
            pulumi.ResourceOptions(parent=self, depends_on=[args.namespace.resource, *binding.depends_on]),
        )
        if otel_collector.sharded(tracing):
            self._sampling_service(args)
        self.service_monitor = monitor_resource(
            f"{name}-collector-monitor",
            otel_collector.collector_monitor(tracing, args.context.scrape_interval),
            args.context,
            pulumi.ResourceOptions(parent=self, depends_on=[*args.crds.depends_on(), self.collector]),
        )
        self.dapr_configurations = [
            self._dapr_configuration(app_namespace, args) for app_namespace in args.application_namespaces
        ]
        self.grafana: GrafanaInputs = binding.grafana
        self.register_outputs(
            {
                "collectorEndpoint": f"http://{otel_collector.collector_host(tracing)}:{otel_collector.OTLP_GRPC_PORT}",
                "daprConfiguration": tracing.dapr_configuration_name,
                "backend": tracing.backend,
            }
        )

    def _jaeger(self, args: TracingPipelineArgs) -> TraceBinding:
        """Jaeger, the same on every cloud: the collector exports to it and Grafana queries it in-cluster."""
        tracing, context = args.tracing, args.context
        depends: list[pulumi.Resource] = [args.namespace.resource]
        if tracing.jaeger_storage == "badger":
            claim = PersistentVolumeClaim(
                f"{self._name}-jaeger-badger",
                metadata=ObjectMetaArgs(
                    name=jaeger.PVC_NAME,
                    namespace=args.namespace.name,
                    labels=common_labels(COMPONENT_LABEL, context.stack),
                ),
                spec=PersistentVolumeClaimSpecArgs(
                    access_modes=["ReadWriteOnce"],
                    storage_class_name=context.storage_class or None,
                    resources=VolumeResourceRequirementsArgs(requests={"storage": tracing.jaeger_storage_size}),
                ),
                # Traces live here; a replaced claim loses them.
                opts=pulumi.ResourceOptions(
                    parent=self, depends_on=[args.namespace.resource], protect=context.production
                ),
            )
            depends.append(claim)
        release = chart_release(
            jaeger.RELEASE_NAME,
            JAEGER,
            args.namespace.name,
            jaeger.jaeger_values(tracing),
            pulumi.ResourceOptions(parent=self, depends_on=depends),
        )
        return TraceBinding(
            exporter=jaeger.collector_exporter(tracing),
            depends_on=[release],
            grafana=GrafanaInputs(datasources=[traces_datasource.jaeger_datasource(tracing)], depends_on=[release]),
        )

    def _sampling_service(self, args: TracingPipelineArgs) -> Service:
        """Headless, so the loadbalancing exporter's DNS resolver sees every replica's IP. It carries
        none of the chart's labels, so the ServiceMonitor does not scrape the pods twice."""
        return Service(
            f"{self._name}-sampling",
            metadata=ObjectMetaArgs(
                name=otel_collector.SAMPLING_SERVICE_NAME,
                namespace=args.namespace.name,
                labels=common_labels(COMPONENT_LABEL, args.context.stack),
            ),
            spec=ServiceSpecArgs(
                cluster_ip="None",
                # Only ready replicas: a terminating pod is not ready, so it leaves the ring (and the
                # DNS answer) instead of being sent spans it can no longer sample; a starting one joins
                # once it can take them. The re-routing is what the decision cache and the exporter's
                # top-level retry absorb.
                publish_not_ready_addresses=False,
                selector=dict(otel_collector.SELECTOR_LABELS),
                ports=[
                    ServicePortArgs(
                        name="otlp-lb",
                        port=otel_collector.LOADBALANCED_PORT,
                        target_port=otel_collector.LOADBALANCED_PORT,
                        protocol="TCP",
                        app_protocol="grpc",
                    )
                ],
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[args.namespace.resource]),
        )

    def _dapr_configuration(self, app_namespace: str, args: TracingPipelineArgs) -> CustomResource:
        # Dapr installs its own CRD; this waits for nothing of ours but the collector it points at.
        return CustomResource(
            f"{self._name}-dapr-{app_namespace}",
            api_version=api_versions.DAPR_CONFIGURATION,
            kind=dapr_configuration.KIND,
            metadata=ObjectMetaArgs(
                name=args.tracing.dapr_configuration_name,
                namespace=app_namespace,
                labels=common_labels(COMPONENT_LABEL, args.context.stack),
            ),
            spec=dapr_configuration.configuration_spec(args.tracing, args.services),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.collector]),
        )
