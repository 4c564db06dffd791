"""Application Insights for the collector's `azuremonitor` exporter: workspace-based, so traces land
in the same Log Analytics workspace as the logs, and its connection string kept a secret (Pulumi
state and a Kubernetes Secret that the collector reads as an environment variable)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native.applicationinsights import Component
from pulumi_kubernetes.core.v1 import Secret
from pulumi_kubernetes.meta.v1 import ObjectMetaArgs

from components.labels import common_labels
from components.providers import Providers
from settings import StackSettings

CONNECTION_STRING_KEY = "connection-string"


@dataclass
class AzureTraceSinkArgs:
    settings: StackSettings
    providers: Providers
    namespace: pulumi.Resource
    # The Log Analytics workspace's ARM id: the logging capability's, so logs and traces are queried
    # together (and a trace_id in a log line joins its spans in one KQL query).
    workspace_resource_id: pulumi.Input[str]


class AzureTraceSink(pulumi.ComponentResource):
    def __init__(self, name: str, args: AzureTraceSinkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("todo-observability:tracing:AzureTraceSink", name, None, opts)
        settings = args.settings
        azure = settings.azure
        if azure is None or args.providers.azure is None:
            raise ValueError("todo-observability:azure is required when tracing.backend is azure-monitor")
        self.app_insights = Component(
            f"{name}-app-insights",
            resource_name_=f"appi-{settings.cluster.name}",
            resource_group_name=azure.resource_group,
            location=azure.location,
            kind="other",
            application_type="other",
            ingestion_mode="LogAnalytics",
            workspace_resource_id=args.workspace_resource_id,
            disable_ip_masking=False,
            tags={"app.kubernetes.io/part-of": "todo-observability", "stack": settings.stack},
            opts=pulumi.ResourceOptions(
                parent=self,
                provider=args.providers.azure,
                protect=settings.is_production,
                additional_secret_outputs=["connectionString", "instrumentationKey"],
            ),
        )
        self.secret_name = f"{name}-app-insights"
        self.secret = Secret(
            f"{name}-connection-string",
            metadata=ObjectMetaArgs(
                name=self.secret_name,
                namespace=settings.tracing.namespace,
                labels=common_labels("tracing", settings.stack),
            ),
            type="Opaque",
            string_data={CONNECTION_STRING_KEY: pulumi.Output.secret(self.app_insights.connection_string)},
            opts=args.providers.k8s_opts(self, depends_on=[args.namespace]),
        )
        self.register_outputs({"appInsightsId": self.app_insights.id, "secretName": self.secret_name})
