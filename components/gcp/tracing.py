"""Cloud Trace as the trace backend (`tracing.backend: cloud-trace`), for the collector's `googlecloud`
exporter: a Google service account allowed to write traces, bound to the collector's Kubernetes service
account by Workload Identity (no key file); Grafana's one Google identity may read them (Cloud Trace is
project-wide: there is nothing narrower to grant)."""

from __future__ import annotations

import pulumi
from pulumi_gcp.projects import IAMMember as ProjectIamMember
from pulumi_gcp.serviceaccount import Account
from pulumi_gcp.serviceaccount import IAMMember as ServiceAccountIamMember

from components.gcp.identity import (
    FORMER_SINK,
    WORKLOAD_IDENTITY_ANNOTATION,
    WORKLOAD_IDENTITY_USER_ROLE,
    account_id,
    service_account_member,
    workload_identity_member,
)
from components.log_sink import former_sink_urn
from components.platform import own_section
from components.trace_backend import TraceBackendArgs, TraceBinding
from contracts.inputs import GrafanaInputs
from render import otel_collector, traces_datasource
from settings.model import GcpSettings

TRACE_WRITER_ROLE = "roles/cloudtrace.agent"
TRACES_READER_ROLE = "roles/cloudtrace.user"
EXPORTER = "googlecloud"
# Not built into Grafana: installed as a plugin.
CLOUD_TRACE_PLUGIN = "googlecloud-trace-datasource"
# Grafana's Cloud Trace grant was created by the logging capability's GCP sink before issue #19: it keeps
# that name, and an alias to that parent keeps `pulumi up` from replacing it.
GRAFANA_READER_NAME = "logging-gcp-sink-grafana-reader-traces"


class GcpTraceBackend(pulumi.ComponentResource):
    def __init__(self, name: str, args: TraceBackendArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        # The type token is the one this component was created under: a new token would replace it.
        super().__init__("todo-observability:tracing:GcpTraceIdentity", name, None, opts)
        gcp = own_section(args.cloud, GcpSettings)
        if args.grafana_identity is None:
            raise ValueError("the cloud-trace backend grants Grafana's Google identity read access")
        child = pulumi.ResourceOptions(parent=self)
        self.account = Account(
            f"{name}-gsa",
            account_id=account_id(args.cluster.name, "otel"),
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
        self.workload_identity = ServiceAccountIamMember(
            f"{name}-workload-identity",
            service_account_id=self.account.id,
            role=WORKLOAD_IDENTITY_USER_ROLE,
            member=workload_identity_member(gcp.project, args.namespace.name, otel_collector.SERVICE_ACCOUNT_NAME),
            opts=child,
        )
        self.grafana_reader = ProjectIamMember(
            GRAFANA_READER_NAME,
            project=gcp.project,
            role=TRACES_READER_ROLE,
            member=args.grafana_identity.principal,
            opts=pulumi.ResourceOptions(parent=self, aliases=[pulumi.Alias(parent=former_sink_urn(*FORMER_SINK))]),
        )
        self.email = self.account.email
        self.binding = TraceBinding(
            # No credentials: the metadata server answers for the Workload Identity service account.
            exporter={EXPORTER: {"project": gcp.project}},
            service_account_annotations={WORKLOAD_IDENTITY_ANNOTATION: self.email},
            depends_on=[self.workload_identity],
            grafana=GrafanaInputs(
                # `gce`: Grafana's Workload Identity, i.e. its Google identity, granted read above.
                datasources=[
                    traces_datasource.datasource(
                        "Traces (Cloud Trace)",
                        CLOUD_TRACE_PLUGIN,
                        jsonData={"authenticationType": "gce", "defaultProject": gcp.project},
                    )
                ],
                plugins=[CLOUD_TRACE_PLUGIN],
                depends_on=[self.workload_identity, self.grafana_reader],
            ),
        )
        self.register_outputs({"email": self.email})
