"""Grafana's one Azure identity: a read-only app registration whose client id and secret reach Grafana
as environment variables from a Kubernetes Secret (its Azure Monitor datasources have no workload
identity unless grafana.ini enables it, and one reader for logs and traces keeps one credential to
rotate). It is granted nothing here: the logs capability grants it read on the Log Analytics
workspace, the tracing capability on Application Insights."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components.azure.app_registration import SECRET_KEY_ID_ANNOTATION, AppRegistration, deployer_object_id
from components.log_sink import former_sink_urn
from components.namespaces import NamespaceRef
from components.secret import opaque_secret
from contracts.context import StackContext
from contracts.inputs import GrafanaInputs
from render.log_datasources import AZURE_READER_CLIENT_ID_ENV, AZURE_READER_CLIENT_SECRET_ENV, AZURE_READER_SECRET_NAME
from settings.model import AzureSettings

# Created by the Azure log sink before issue #19: the names stay, and an alias to that parent keeps
# `pulumi up` from replacing the app registration (a new client id) and its secret.
RESOURCE_PREFIX = "logging-azure-sink-grafana-reader"
FORMER_SINK = ("logging-azure-sink", "todo-observability:logging:AzureLogSink")


@dataclass
class AzureGrafanaIdentityArgs:
    context: StackContext
    azure: AzureSettings
    cluster_name: str
    # Grafana's namespace: the Secret it reads its credential from is there.
    metrics_namespace: NamespaceRef


class AzureGrafanaIdentity(pulumi.ComponentResource):
    """Hands the capabilities `grafana` (env from the reader's Secret, the key-id pod annotation) and `principal`
    (the service principal's object id, for role assignments); registers the outputs `clientId` and
    `secretEndDate`."""

    def __init__(self, name: str, args: AzureGrafanaIdentityArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("todo-observability:grafana:AzureGrafanaIdentity", name, None, opts)
        moved = pulumi.ResourceOptions(parent=self, aliases=[pulumi.Alias(parent=former_sink_urn(*FORMER_SINK))])
        reader = AppRegistration(
            RESOURCE_PREFIX,
            f"{args.cluster_name}-grafana-reader",
            args.azure,
            deployer_object_id(self),
            moved,
        )
        self.secret = opaque_secret(
            f"{RESOURCE_PREFIX}-secret",
            AZURE_READER_SECRET_NAME,
            args.metrics_namespace,
            "grafana",
            args.context.stack,
            {
                AZURE_READER_CLIENT_ID_ENV: reader.application.client_id,
                AZURE_READER_CLIENT_SECRET_ENV: reader.password.value,
            },
            moved,
        )
        self.principal: pulumi.Output[str] = reader.principal.object_id
        self.grafana = GrafanaInputs(
            env_from_secrets=[AZURE_READER_SECRET_NAME],
            pod_annotations={SECRET_KEY_ID_ANNOTATION: reader.password.key_id},
            depends_on=[self.secret],
        )
        self.register_outputs(
            {
                "clientId": reader.application.client_id,
                # When the client secret expires: rotate (azure.clientSecretRotation) before then.
                "secretEndDate": reader.password.end_date,
            }
        )
