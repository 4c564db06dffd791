"""Traces: the OpenTelemetry Collector, the stack's trace backend (Jaeger, Application Insights or
Cloud Trace), Dapr's Configuration in every application namespace, the collector's ServiceMonitor and
Grafana's `traces` datasource. Pure rendering lives in render/otel_collector.py,
render/dapr_configuration.py, render/jaeger.py and render/traces_datasource.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
from components.helm import chart_release
from components.labels import common_labels, monitoring_labels
from components.metrics_inputs import GrafanaInputs
from components.providers import Providers
from components.versions import JAEGER, OPENTELEMETRY_COLLECTOR
from render import dapr_configuration, jaeger, otel_collector, traces_datasource
from settings import StackSettings

COMPONENT_LABEL = "tracing"


@dataclass
class TracingPipelineArgs:
    settings: StackSettings
    providers: Providers
    namespace: pulumi.Resource
    crds: PrometheusOperatorCrds
    # Azure only: the logging capability's Log Analytics workspace, for workspace-based App Insights.
    azure_workspace_resource_id: pulumi.Input[str] | None = None
    # Azure only: Grafana's reader principal (logging capability), granted read on Application Insights.
    azure_grafana_reader_principal_id: pulumi.Input[str] | None = None


class TracingPipeline(pulumi.ComponentResource):
    def __init__(self, name: str, args: TracingPipelineArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("todo-observability:tracing:TracingPipeline", name, None, opts)
        settings, providers = args.settings, args.providers
        self._name = name
        namespace = settings.tracing.namespace
        backend = settings.tracing.backend
        annotations: dict[str, pulumi.Input[str]] = {}
        extra_envs: list[dict[str, Any]] = []
        backend_resources: list[pulumi.Resource] = []
        gcp_project = ""

        if backend == "jaeger":
            backend_resources.append(self._jaeger(args))
        elif backend == "azure-monitor":
            from components.azure.tracing import CONNECTION_STRING_KEY, AzureTraceSink, AzureTraceSinkArgs

            if args.azure_workspace_resource_id is None:
                raise ValueError("the azure-monitor trace backend needs the logging capability's workspace id")

            sink = AzureTraceSink(
                f"{name}-azure",
                AzureTraceSinkArgs(
                    settings,
                    providers,
                    args.namespace,
                    args.azure_workspace_resource_id,
                    args.azure_grafana_reader_principal_id,
                ),
                pulumi.ResourceOptions(parent=self),
            )
            extra_envs.append(
                {
                    "name": otel_collector.CONNECTION_STRING_ENV,
                    "valueFrom": {"secretKeyRef": {"name": sink.secret_name, "key": CONNECTION_STRING_KEY}},
                }
            )
            backend_resources += [sink.secret, sink.grafana_reader_role]
        elif backend == "cloud-trace":
            from components.gcp.tracing import GcpTraceIdentity, GcpTraceIdentityArgs

            identity = GcpTraceIdentity(
                f"{name}-gcp",
                GcpTraceIdentityArgs(settings, providers, (namespace, otel_collector.RELEASE_NAME)),
                pulumi.ResourceOptions(parent=self),
            )
            annotations.update(identity.service_account_annotations())
            backend_resources.append(identity.workload_identity)
            gcp_project = settings.gcp.project if settings.gcp else ""

        self.collector_config = otel_collector.collector_config(settings, jaeger.jaeger_host(settings), gcp_project)
        self.collector = chart_release(
            otel_collector.RELEASE_NAME,
            OPENTELEMETRY_COLLECTOR,
            namespace,
            otel_collector.collector_values(settings, self.collector_config, annotations, extra_envs),
            providers.k8s_opts(self, depends_on=[args.namespace, *backend_resources]),
        )
        if otel_collector.sharded(settings):
            self._sampling_service(args)
        self.service_monitor = self._service_monitor(args)
        self.dapr_configurations = [
            self._dapr_configuration(app_namespace, args) for app_namespace in settings.application_namespaces
        ]
        self.grafana = GrafanaInputs(
            datasources=[traces_datasource.traces_datasource(settings)],
            plugins=traces_datasource.plugins(settings),
            depends_on=list(backend_resources),
        )
        self.register_outputs(
            {
                "collectorEndpoint": f"http://{otel_collector.collector_host(settings)}:{otel_collector.OTLP_GRPC_PORT}",
                "daprConfiguration": settings.tracing.dapr_configuration_name,
                "backend": backend,
            }
        )

    def _jaeger(self, args: TracingPipelineArgs) -> pulumi.Resource:
        settings = args.settings
        depends: list[pulumi.Resource] = [args.namespace]
        if settings.tracing.jaeger_storage == "badger":
            storage_class = settings.cluster.storage_class or None
            claim = PersistentVolumeClaim(
                f"{self._name}-jaeger-badger",
                metadata=ObjectMetaArgs(
                    name=jaeger.pvc_name(settings),
                    namespace=settings.tracing.namespace,
                    labels=common_labels(COMPONENT_LABEL, settings.stack),
                ),
                spec=PersistentVolumeClaimSpecArgs(
                    access_modes=["ReadWriteOnce"],
                    storage_class_name=storage_class,
                    resources=VolumeResourceRequirementsArgs(
                        requests={"storage": settings.tracing.jaeger_storage_size}
                    ),
                ),
                # Traces live here; a replaced claim loses them.
                opts=args.providers.k8s_opts(self, depends_on=[args.namespace], protect=settings.is_production),
            )
            depends.append(claim)
        return chart_release(
            jaeger.RELEASE_NAME,
            JAEGER,
            settings.tracing.namespace,
            jaeger.jaeger_values(settings),
            args.providers.k8s_opts(self, depends_on=depends),
        )

    def _sampling_service(self, args: TracingPipelineArgs) -> Service:
        """Headless, so the loadbalancing exporter's DNS resolver sees every replica's IP. It carries
        none of the chart's labels, so the ServiceMonitor does not scrape the pods twice."""
        settings = args.settings
        return Service(
            f"{self._name}-sampling",
            metadata=ObjectMetaArgs(
                name=otel_collector.SAMPLING_SERVICE_NAME,
                namespace=settings.tracing.namespace,
                labels=common_labels(COMPONENT_LABEL, settings.stack),
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
            opts=args.providers.k8s_opts(self, depends_on=[args.namespace]),
        )

    def _service_monitor(self, args: TracingPipelineArgs) -> CustomResource:
        settings = args.settings
        return CustomResource(
            f"{self._name}-collector-monitor",
            api_version="monitoring.coreos.com/v1",
            kind="ServiceMonitor",
            metadata=ObjectMetaArgs(
                name=otel_collector.RELEASE_NAME,
                namespace=settings.tracing.namespace,
                labels=monitoring_labels(COMPONENT_LABEL, settings.stack, settings.metrics.release_name),
            ),
            spec={
                "selector": {"matchLabels": {**otel_collector.SELECTOR_LABELS, "component": "standalone-collector"}},
                "namespaceSelector": {"matchNames": [settings.tracing.namespace]},
                "endpoints": [
                    {"port": "metrics", "path": "/metrics", "interval": settings.metrics.prometheus.scrape_interval}
                ],
            },
            opts=args.providers.k8s_opts(self, depends_on=[*args.crds.depends_on(), self.collector]),
        )

    def _dapr_configuration(self, app_namespace: str, args: TracingPipelineArgs) -> CustomResource:
        settings = args.settings
        # Dapr installs its own CRD; this waits for nothing of ours but the collector it points at.
        return CustomResource(
            f"{self._name}-dapr-{app_namespace}",
            api_version=dapr_configuration.API_VERSION,
            kind=dapr_configuration.KIND,
            metadata=ObjectMetaArgs(
                name=settings.tracing.dapr_configuration_name,
                namespace=app_namespace,
                labels=common_labels(COMPONENT_LABEL, settings.stack),
            ),
            spec=dapr_configuration.configuration_spec(settings),
            opts=args.providers.k8s_opts(self, depends_on=[self.collector]),
        )
