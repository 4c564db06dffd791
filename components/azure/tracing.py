"""Application Insights as the trace backend (`tracing.backend: azure-monitor`), for the collector's
`azuremonitor` exporter: workspace-based, so traces land in the log sink's Log Analytics workspace
next to the logs, and its connection string kept a secret (Pulumi state and a Kubernetes Secret that
the collector reads as an environment variable). Grafana reads the traces as its one Azure identity."""

from __future__ import annotations

import pulumi
from pulumi_azure_native.applicationinsights import Component

from components.azure.roles import READER, grant, role_definition_id
from components.log_sink import secret_env
from components.platform import own_section
from components.secret import opaque_secret
from components.trace_backend import TraceBackendArgs, TraceBinding
from contracts.inputs import GrafanaInputs
from contracts.labels import cloud_tags
from render import traces_datasource
from render.log_datasources import azure_monitor_datasource
from settings.model import AzureSettings

CONNECTION_STRING_KEY = "connection-string"
CONNECTION_STRING_ENV = "APPLICATIONINSIGHTS_CONNECTION_STRING"
EXPORTER = "azuremonitor"


class AzureTraceBackend(pulumi.ComponentResource):
    def __init__(self, name: str, args: TraceBackendArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        # The type token is the one this component was created under: a new token would replace it.
        super().__init__("todo-observability:tracing:AzureTraceSink", name, None, opts)
        azure, context = own_section(args.cloud, AzureSettings), args.context
        if args.log_store_id is None:
            raise ValueError("the azure-monitor trace backend keeps traces in the log sink's Log Analytics workspace")
        if args.grafana_identity is None:
            raise ValueError("the azure-monitor trace backend grants Grafana's Azure identity read access")
        self.app_insights = Component(
            f"{name}-app-insights",
            resource_name_=f"appi-{args.cluster.name}",
            resource_group_name=azure.resource_group,
            location=azure.location,
            kind="other",
            application_type="other",
            ingestion_mode="LogAnalytics",
            # Logs and traces are queried together: a trace_id in a log line joins its spans in one KQL query.
            workspace_resource_id=args.log_store_id,
            disable_ip_masking=False,
            tags=cloud_tags(context.stack),
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=context.production,
                additional_secret_outputs=["connectionString", "instrumentationKey"],
            ),
        )
        self.secret_name = f"{name}-app-insights"
        self.secret = opaque_secret(
            f"{name}-connection-string",
            self.secret_name,
            args.namespace,
            "tracing",
            context.stack,
            {CONNECTION_STRING_KEY: pulumi.Output.secret(self.app_insights.connection_string)},
            pulumi.ResourceOptions(parent=self),
        )
        # Reader (control-plane */read, which covers Application Insights queries) on this component only.
        self.grafana_reader_role = grant(
            f"{name}-grafana-reader",
            args.grafana_identity.principal,
            role_definition_id(azure.subscription_id, READER),
            self.app_insights.id,
            pulumi.ResourceOptions(parent=self),
        )
        ready: list[pulumi.Resource] = [self.secret, self.grafana_reader_role]
        self.binding = TraceBinding(
            # The connection string comes from the Secret as an environment variable.
            exporter={EXPORTER: {"connection_string": f"${{env:{CONNECTION_STRING_ENV}}}"}},
            env=[secret_env(CONNECTION_STRING_ENV, self.secret_name, CONNECTION_STRING_KEY)],
            depends_on=list(ready),
            grafana=GrafanaInputs(
                # Application Insights (query type "Traces") as Grafana's Azure identity, which holds
                # Reader on the component (above).
                datasources=[
                    {
                        **azure_monitor_datasource(
                            "Traces (Application Insights)",
                            traces_datasource.UID,
                            azure.tenant_id,
                            azure.subscription_id,
                        ),
                        "editable": False,
                    }
                ],
                depends_on=list(ready),
            ),
        )
        self.register_outputs({"appInsightsId": self.app_insights.id, "secretName": self.secret_name})
