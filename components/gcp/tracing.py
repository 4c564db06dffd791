"""Cloud Trace for the collector's `googlecloud` exporter: a Google service account allowed to write
traces, bound to the collector's Kubernetes service account by Workload Identity (no key file)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_gcp.projects import IAMMember as ProjectIamMember
from pulumi_gcp.serviceaccount import Account
from pulumi_gcp.serviceaccount import IAMMember as ServiceAccountIamMember

from components.gcp.identity import (
    WORKLOAD_IDENTITY_ANNOTATION,
    WORKLOAD_IDENTITY_USER_ROLE,
    account_id,
    service_account_member,
    workload_identity_member,
)
from components.providers import Providers
from settings import StackSettings

TRACE_WRITER_ROLE = "roles/cloudtrace.agent"


@dataclass
class GcpTraceIdentityArgs:
    settings: StackSettings
    providers: Providers
    # The collector's Kubernetes service account (namespace, name).
    kubernetes_service_account: tuple[str, str]


class GcpTraceIdentity(pulumi.ComponentResource):
    def __init__(self, name: str, args: GcpTraceIdentityArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("todo-observability:tracing:GcpTraceIdentity", name, None, opts)
        gcp = args.settings.gcp
        if gcp is None or args.providers.gcp is None:
            raise ValueError("todo-observability:gcp is required when tracing.backend is cloud-trace")
        child = pulumi.ResourceOptions(parent=self, provider=args.providers.gcp)
        self.account = Account(
            f"{name}-gsa",
            account_id=account_id(args.settings.cluster.name, "otel"),
            project=gcp.project,
            display_name="OpenTelemetry Collector (Cloud Trace writer)",
            opts=child,
        )
        self.trace_writer = ProjectIamMember(
            f"{name}-trace-writer",
            project=gcp.project,
            role=TRACE_WRITER_ROLE,
            member=service_account_member(self.account.email),
            opts=child,
        )
        namespace, service_account = args.kubernetes_service_account
        self.workload_identity = ServiceAccountIamMember(
            f"{name}-workload-identity",
            service_account_id=self.account.id,
            role=WORKLOAD_IDENTITY_USER_ROLE,
            member=workload_identity_member(gcp.project, namespace, service_account),
            opts=child,
        )
        self.email = self.account.email
        self.register_outputs({"email": self.email})

    def service_account_annotations(self) -> dict[str, pulumi.Input[str]]:
        return {WORKLOAD_IDENTITY_ANNOTATION: self.email}
