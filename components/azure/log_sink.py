"""Azure Monitor Logs as Fluent Bit's sink, through the Logs Ingestion API (the Data Collector API is
retired): a workspace, two custom tables (container logs; audit logs kept longer), a Data Collection
Endpoint and Rule, and an app registration whose only right is "Monitoring Metrics Publisher" on that
rule. Its client secret reaches Fluent Bit as an env var from a Kubernetes Secret, and expires and
rotates by `azure.clientSecretRotation`. Grafana's one Azure identity (components/azure/grafana_identity.py)
is granted Log Analytics Reader on the workspace here, for its `logs` datasource."""

from __future__ import annotations

import pulumi
import pulumi_azure_native.monitor as monitor
import pulumi_azure_native.operationalinsights as operationalinsights

from components.azure.app_registration import SECRET_KEY_ID_ANNOTATION, AppRegistration, deployer_object_id
from components.azure.roles import LOG_ANALYTICS_READER, MONITORING_METRICS_PUBLISHER, grant, role_definition_id
from components.log_sink import LogSinkArgs, SinkBinding, secret_env
from components.platform import own_section
from components.secret import opaque_secret
from contracts.inputs import GrafanaInputs
from render.fluent_bit import azure_outputs
from render.log_datasources import LOGS_UID, azure_monitor_datasource
from render.log_queries import (
    AUDIT_COLUMNS,
    CONTAINER_COLUMNS,
    kql_queries,
    stream_columns,
    stream_name,
    table_columns,
)
from settings.model import AzureSettings

CONTAINER_TABLE = "TodoContainerLogs_CL"
AUDIT_TABLE = "TodoAuditLogs_CL"
# A workspace keeps data 30 to 730 days; tables may keep less or (archived) more.
WORKSPACE_MIN_RETENTION, WORKSPACE_MAX_RETENTION = 30, 730
INGESTION_SECRET_NAME = "fluent-bit-azure-logs-ingestion"
INGESTION_SECRET_KEY = "client-secret"
INGESTION_SECRET_ENV = "AZURE_LOGS_INGESTION_CLIENT_SECRET"
DESTINATION = "workspace"


class AzureLogSink(pulumi.ComponentResource):
    def __init__(self, name: str, args: LogSinkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("todo-observability:logging:AzureLogSink", name, None, opts)
        azure, logging, context = own_section(args.cloud, AzureSettings), args.logging, args.context
        assert args.grafana_identity is not None, "the Azure platform builds Grafana's identity"
        cluster = args.cluster.name
        child = pulumi.ResourceOptions(parent=self)
        stateful = pulumi.ResourceOptions(parent=self, protect=context.production)
        group = azure.resource_group
        workspace_name = f"log-{cluster}"

        self.workspace = operationalinsights.Workspace(
            f"{name}-workspace",
            workspace_name=workspace_name,
            resource_group_name=group,
            location=azure.location,
            sku={"name": "PerGB2018"},
            retention_in_days=min(max(logging.retention_days, WORKSPACE_MIN_RETENTION), WORKSPACE_MAX_RETENTION),
            opts=stateful,
        )
        # (columns, interactive days, total days): audit records are rarely read after the first
        # months, so past interactiveAuditRetentionDays they sit in the cheaper archive tier.
        tables = {
            CONTAINER_TABLE: (CONTAINER_COLUMNS, logging.retention_days, logging.retention_days),
            AUDIT_TABLE: (
                AUDIT_COLUMNS,
                *audit_retention(logging.interactive_audit_retention_days, logging.audit_retention_days),
            ),
        }
        self.tables = [
            operationalinsights.Table(
                f"{name}-{table.removesuffix('_CL').lower()}",
                table_name=table,
                resource_group_name=group,
                workspace_name=workspace_name,
                plan="Analytics",
                schema={"name": table, "columns": table_columns(columns)},
                retention_in_days=interactive_days,
                total_retention_in_days=total_days,
                opts=pulumi.ResourceOptions.merge(stateful, pulumi.ResourceOptions(depends_on=[self.workspace])),
            )
            for table, (columns, interactive_days, total_days) in tables.items()
        ]
        self.endpoint = monitor.DataCollectionEndpoint(
            f"{name}-dce",
            data_collection_endpoint_name=f"dce-{cluster}-logs",
            resource_group_name=group,
            location=azure.location,
            network_acls={"public_network_access": "Enabled"},
            opts=child,
        )
        self.rule = monitor.DataCollectionRule(
            f"{name}-dcr",
            data_collection_rule_name=f"dcr-{cluster}-logs",
            resource_group_name=group,
            location=azure.location,
            data_collection_endpoint_id=self.endpoint.id,
            stream_declarations={
                stream_name(table): {"columns": stream_columns(columns)} for table, (columns, *_) in tables.items()
            },
            destinations={"log_analytics": [{"name": DESTINATION, "workspace_resource_id": self.workspace.id}]},
            data_flows=[
                {
                    "streams": [stream_name(table)],
                    "destinations": [DESTINATION],
                    "transform_kql": "source",
                    "output_stream": stream_name(table),
                }
                for table in tables
            ],
            opts=pulumi.ResourceOptions(parent=self, depends_on=self.tables),
        )

        ingestion = AppRegistration(
            f"{name}-ingestion", f"{cluster}-fluent-bit-logs-ingestion", azure, deployer_object_id(self), child
        )
        self.ingestion_role = grant(
            f"{name}-ingestion-publisher",
            ingestion.principal.object_id,
            role_definition_id(azure.subscription_id, MONITORING_METRICS_PUBLISHER),
            self.rule.id,
            child,
        )
        self.ingestion_secret = opaque_secret(
            f"{name}-ingestion-secret",
            INGESTION_SECRET_NAME,
            args.namespace,
            "logging",
            context.stack,
            {INGESTION_SECRET_KEY: ingestion.password.value},
            pulumi.ResourceOptions(parent=self),
        )

        queries = kql_queries(CONTAINER_TABLE, AUDIT_TABLE)
        self.saved_searches = [
            operationalinsights.SavedSearch(
                f"{name}-search-{query.key}",
                saved_search_id=f"todo-{query.key}",
                resource_group_name=group,
                workspace_name=workspace_name,
                category="Todo",
                display_name=query.title,
                query=query.query,
                # Parameterised searches become functions: TodoLogsOfTrace("<id>") in any query.
                function_alias=_function_alias(query.key) if query.parameters else None,
                function_parameters=query.parameters or None,
                opts=pulumi.ResourceOptions(parent=self, depends_on=self.tables),
            )
            for query in queries
        ]

        # Grafana's `logs` datasource reads the workspace as Grafana's one Azure identity.
        self.reader_role = grant(
            f"{name}-grafana-reader-role",
            args.grafana_identity.principal,
            role_definition_id(azure.subscription_id, LOG_ANALYTICS_READER),
            self.workspace.id,
            child,
        )

        outputs = pulumi.Output.all(
            ingestion.application.client_id, self.endpoint.logs_ingestion, self.rule.immutable_id
        ).apply(
            lambda v: azure_outputs(
                tenant_id=azure.tenant_id,
                client_id=v[0],
                client_secret_env=INGESTION_SECRET_ENV,
                dce_url=(v[1] or {}).get("endpoint", ""),
                dcr_immutable_id=v[2],
                logs_table=CONTAINER_TABLE,
                audit_table=AUDIT_TABLE,
            )
        )
        self.binding = SinkBinding(
            outputs=outputs,
            env=[secret_env(INGESTION_SECRET_ENV, INGESTION_SECRET_NAME, INGESTION_SECRET_KEY)],
            pod_annotations={SECRET_KEY_ID_ANNOTATION: ingestion.password.key_id},
            grafana=GrafanaInputs(
                datasources=[azure_monitor_datasource("Logs", LOGS_UID, azure.tenant_id, azure.subscription_id)],
                depends_on=[self.reader_role],
            ),
            depends_on=[self.ingestion_secret, self.ingestion_role, self.rule],
            log_store_id=self.workspace.id,
        )
        self.register_outputs(
            {
                "workspace_id": self.workspace.id,
                "dcr_immutable_id": self.rule.immutable_id,
                "tables": list(tables),
                # When the client secret expires: rotate (azure.clientSecretRotation) before then.
                "ingestionSecretEndDate": ingestion.password.end_date,
            }
        )


def audit_retention(interactive_days: int, total_days: int) -> tuple[int, int]:
    """(interactive, total) days of the audit table: never more interactive days than kept in all."""
    return min(interactive_days, total_days, WORKSPACE_MAX_RETENTION), total_days


def _function_alias(key: str) -> str:
    return "Todo" + "".join(part.title() for part in key.split("-"))
