"""Grafana's one Google identity: a service account that Grafana's Kubernetes service account acts as
through GKE Workload Identity (no key). It is granted nothing here: the logs capability grants it
read on its buckets' views, the tracing capability on Cloud Trace."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp.serviceaccount as serviceaccount

from components.gcp.identity import (
    FORMER_SINK,
    WORKLOAD_IDENTITY_ANNOTATION,
    WORKLOAD_IDENTITY_USER_ROLE,
    account_id,
    service_account_member,
    workload_identity_member,
)
from components.log_sink import former_sink_urn
from components.namespaces import NamespaceRef
from contracts.context import StackContext
from contracts.inputs import GrafanaInputs
from render.kube_prometheus_stack import grafana_service_name
from settings.model import GcpSettings

# Created by the GCP log sink before issue #19: the names stay, and an alias to that parent keeps
# `pulumi up` from replacing the service account (a new email that every grant names).
RESOURCE_PREFIX = "logging-gcp-sink-grafana-reader"


@dataclass
class GcpGrafanaIdentityArgs:
    context: StackContext
    gcp: GcpSettings
    cluster_name: str
    # Grafana's namespace: the Kubernetes service account that acts as the Google one is there.
    metrics_namespace: NamespaceRef


class GcpGrafanaIdentity(pulumi.ComponentResource):
    """Hands the capabilities `grafana` (the Workload Identity annotation of Grafana's ServiceAccount) and `principal`
    (the IAM member `serviceAccount:<email>`, for grants); registers the output `email`."""

    def __init__(self, name: str, args: GcpGrafanaIdentityArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("todo-observability:grafana:GcpGrafanaIdentity", name, None, opts)
        moved = pulumi.ResourceOptions(parent=self, aliases=[pulumi.Alias(parent=former_sink_urn(*FORMER_SINK))])
        project = args.gcp.project
        self.account = serviceaccount.Account(
            RESOURCE_PREFIX,
            account_id=account_id(args.cluster_name, "grafana"),
            display_name=f"Grafana reader of logs and traces ({args.cluster_name})",
            project=project,
            opts=moved,
        )
        self.workload_identity = serviceaccount.IAMMember(
            f"{RESOURCE_PREFIX}-workload-identity",
            service_account_id=self.account.name,
            role=WORKLOAD_IDENTITY_USER_ROLE,
            member=workload_identity_member(
                project, args.metrics_namespace.name, grafana_service_name(args.context.release_label)
            ),
            opts=moved,
        )
        self.principal: pulumi.Output[str] = service_account_member(self.account.email)
        self.grafana = GrafanaInputs(
            service_account_annotations={WORKLOAD_IDENTITY_ANNOTATION: self.account.email},
            depends_on=[self.workload_identity],
        )
        self.register_outputs({"email": self.account.email})
