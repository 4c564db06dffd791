"""Azure Monitor Logs as Fluent Bit's sink, through the Logs Ingestion API (the Data Collector API is
retired): a workspace, two custom tables (container logs; audit logs kept longer), a Data Collection
Endpoint and Rule, and an app registration whose only right is "Monitoring Metrics Publisher" on that
rule. Its client secret reaches Fluent Bit as an env var from a Kubernetes Secret. A second, read-only
app registration is Grafana's one Azure identity, for its logs and (via the tracing capability's role
on Application Insights) traces datasources. Both client secrets expire and are rotated by config."""

from __future__ import annotations

import datetime as dt
import re

import pulumi
import pulumi_azure_native.authorization as authorization
import pulumi_azure_native.monitor as monitor
import pulumi_azure_native.operationalinsights as operationalinsights
from pulumi_azuread.application import Application
from pulumi_azuread.application_password import ApplicationPassword
from pulumi_azuread.get_client_config import get_client_config_output
from pulumi_azuread.service_principal import ServicePrincipal
from pulumi_kubernetes.core.v1 import Secret
from pulumi_kubernetes.meta.v1 import ObjectMetaArgs

from components.azure.roles import LOG_ANALYTICS_READER, MONITORING_METRICS_PUBLISHER, role_definition_id
from components.labels import common_labels
from components.log_sink import LogSinkArgs, SinkBinding, secret_env
from components.metrics_inputs import GrafanaInputs
from render.fluent_bit import azure_outputs
from render.log_datasources import (
    AZURE_READER_CLIENT_ID_ENV,
    AZURE_READER_CLIENT_SECRET_ENV,
    AZURE_READER_SECRET_NAME,
    LOGS_UID,
    azure_monitor_datasource,
)
from render.log_queries import (
    AUDIT_COLUMNS,
    CONTAINER_COLUMNS,
    kql_queries,
    stream_columns,
    stream_name,
    table_columns,
)
from settings.model import LoggingSettings

CONTAINER_TABLE = "TodoContainerLogs_CL"
AUDIT_TABLE = "TodoAuditLogs_CL"
# A workspace keeps data 30 to 730 days; tables may keep less or (archived) more.
WORKSPACE_MIN_RETENTION, WORKSPACE_MAX_RETENTION = 30, 730
INGESTION_SECRET_NAME = "fluent-bit-azure-logs-ingestion"
INGESTION_SECRET_KEY = "client-secret"
INGESTION_SECRET_ENV = "AZURE_LOGS_INGESTION_CLIENT_SECRET"
DESTINATION = "workspace"
# Pod annotation carrying the current client secret's key id: a rotated secret restarts the pods.
SECRET_KEY_ID_ANNOTATION = "todo-observability/client-secret-key-id"


class AzureLogSink(pulumi.ComponentResource):
    def __init__(self, name: str, args: LogSinkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("todo-observability:logging:AzureLogSink", name, None, opts)
        settings, providers = args.settings, args.providers
        azure = settings.azure
        assert azure is not None, "cloud_problems requires the azure section on Azure"
        logging = settings.logging
        cluster = settings.cluster.name
        azure_opts = pulumi.ResourceOptions(parent=self, provider=providers.azure)
        ad_opts = pulumi.ResourceOptions(parent=self, provider=providers.azuread)
        # The deploying principal owns the app registrations: with the least-privileged Graph permission
        # (Application.ReadWrite.OwnedBy) only an owner may add, rotate or delete their passwords.
        deployer = get_client_config_output(opts=pulumi.InvokeOutputOptions(provider=providers.azuread)).object_id
        stateful = pulumi.ResourceOptions(parent=self, provider=providers.azure, protect=settings.is_production)
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
            opts=azure_opts,
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
            opts=pulumi.ResourceOptions(parent=self, provider=providers.azure, depends_on=self.tables),
        )

        ingestion = _AppIdentity(
            f"{name}-ingestion", f"{cluster}-fluent-bit-logs-ingestion", logging, deployer, ad_opts
        )
        self.ingestion_role = ingestion.grant(
            f"{name}-ingestion-publisher",
            role_definition_id(azure.subscription_id, MONITORING_METRICS_PUBLISHER),
            self.rule.id,
            azure_opts,
        )
        self.ingestion_secret = Secret(
            f"{name}-ingestion-secret",
            metadata=ObjectMetaArgs(
                name=INGESTION_SECRET_NAME,
                namespace=logging.namespace,
                labels=common_labels("logging", settings.stack),
            ),
            type="Opaque",
            string_data={INGESTION_SECRET_KEY: ingestion.password.value},
            opts=providers.k8s_opts(self, depends_on=[args.logging_namespace]),
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
                opts=pulumi.ResourceOptions(parent=self, provider=providers.azure, depends_on=self.tables),
            )
            for query in queries
        ]

        # Grafana's one Azure identity: logs here, Application Insights traces through the tracing
        # capability's role assignment (grafana_reader_principal_id).
        reader = _AppIdentity(f"{name}-grafana-reader", f"{cluster}-grafana-reader", logging, deployer, ad_opts)
        self.reader_role = reader.grant(
            f"{name}-grafana-reader-role",
            role_definition_id(azure.subscription_id, LOG_ANALYTICS_READER),
            self.workspace.id,
            azure_opts,
        )
        self.reader_secret = Secret(
            f"{name}-grafana-reader-secret",
            metadata=ObjectMetaArgs(
                name=AZURE_READER_SECRET_NAME,
                namespace=settings.metrics.namespace,
                labels=common_labels("grafana", settings.stack),
            ),
            type="Opaque",
            string_data={
                AZURE_READER_CLIENT_ID_ENV: reader.application.client_id,
                AZURE_READER_CLIENT_SECRET_ENV: reader.password.value,
            },
            opts=providers.k8s_opts(self, depends_on=[args.metrics_namespace]),
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
                env_from_secrets=[AZURE_READER_SECRET_NAME],
                pod_annotations={SECRET_KEY_ID_ANNOTATION: reader.password.key_id},
                depends_on=[self.reader_secret, self.reader_role],
            ),
            depends_on=[self.ingestion_secret, self.ingestion_role, self.rule],
            log_workspace_id=self.workspace.id,
            grafana_reader_principal_id=reader.principal.object_id,
        )
        self.register_outputs(
            {
                "workspace_id": self.workspace.id,
                "dcr_immutable_id": self.rule.immutable_id,
                "tables": list(tables),
                # When the client secrets expire: rotate (logging.clientSecretRotation) before then.
                "ingestionSecretEndDate": ingestion.password.end_date,
                "grafanaReaderSecretEndDate": reader.password.end_date,
            }
        )


def audit_retention(interactive_days: int, total_days: int) -> tuple[int, int]:
    """(interactive, total) days of the audit table: never more interactive days than kept in all."""
    return min(interactive_days, total_days, WORKSPACE_MAX_RETENTION), total_days


class _AppIdentity:
    """An app registration, its service principal and a client secret (children of the sink). The
    secret expires `clientSecretValidityDays` after it is created and is replaced, with a new value,
    whenever `clientSecretRotation` changes: a credential that never expires is never rotated."""

    def __init__(
        self,
        name: str,
        display_name: str,
        logging: LoggingSettings,
        owner: pulumi.Input[str],
        opts: pulumi.ResourceOptions,
    ) -> None:
        self.application = Application(f"{name}-app", display_name=display_name, owners=[owner], opts=opts)
        self.principal = ServicePrincipal(f"{name}-sp", client_id=self.application.client_id, owners=[owner], opts=opts)
        end_date = client_secret_end_date(logging)
        expiry: dict[str, str] = (
            {"end_date": end_date}
            if end_date is not None
            # A rotation label that is no date leaves only the deprecated relative form (docs/logging.md).
            else {"end_date_relative": f"{logging.client_secret_validity_days * 24}h"}
        )
        self.password = ApplicationPassword(
            f"{name}-password",
            application_id=self.application.id,
            display_name=f"{display_name} (Pulumi, rotation {logging.client_secret_rotation})",
            **expiry,
            # Replaced create-before-delete (Pulumi's default): the new secret reaches the Kubernetes
            # Secret, and the key-id pod annotation restarts its readers, before the old one is deleted.
            rotate_when_changed={"rotation": logging.client_secret_rotation},
            opts=opts,
        )

    def grant(
        self, name: str, role_id: str, scope: pulumi.Input[str], opts: pulumi.ResourceOptions
    ) -> authorization.RoleAssignment:
        """`role_id` on `scope` for this app's service principal."""
        return authorization.RoleAssignment(
            name,
            principal_id=self.principal.object_id,
            principal_type="ServicePrincipal",
            role_definition_id=role_id,
            scope=scope,
            opts=opts,
        )


def client_secret_end_date(logging: LoggingSettings) -> str | None:
    """The client secrets' fixed end date: `clientSecretValidityDays` after the date that
    `clientSecretRotation` names (YYYY-MM = its first day), as RFC 3339 UTC. Derived from config
    only, never from the clock, so it is the same on every preview and changes exactly when the
    rotation label does (which replaces the secret anyway). None when the label is not a date."""
    found = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", logging.client_secret_rotation)
    if found is None:
        return None
    year, month, day = int(found[1]), int(found[2]), int(found[3] or 1)
    try:
        start = dt.date(year, month, day)
    except ValueError:
        return None
    end = start + dt.timedelta(days=logging.client_secret_validity_days)
    return f"{end.isoformat()}T00:00:00Z"


def _function_alias(key: str) -> str:
    return "Todo" + "".join(part.title() for part in key.split("-"))
