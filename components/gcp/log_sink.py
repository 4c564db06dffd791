"""Google Cloud Logging as Fluent Bit's sink: the `stackdriver` output with `k8s_container` resources,
authenticated by GKE Workload Identity (a Google service account with `roles/logging.logWriter`, no key).
Two log buckets keep the retention (container logs; audit records longer, locked in production), two
sinks route this cluster's two log streams to them, and an exclusion keeps the `_Default` bucket from
storing them a second time. Every filter names the cluster, so two stacks in one project never route
or exclude each other's logs. Grafana's reader service account reads the logs (and, with the
cloud-trace backend, the traces)."""

from __future__ import annotations

import pulumi
import pulumi_gcp.logging as gcp_logging
import pulumi_gcp.projects as projects
import pulumi_gcp.serviceaccount as serviceaccount

from components.gcp.identity import (
    WORKLOAD_IDENTITY_ANNOTATION,
    WORKLOAD_IDENTITY_USER_ROLE,
    account_id,
    service_account_member,
    workload_identity_member,
)
from components.log_sink import FLUENT_BIT_NAME, LogSinkArgs, SinkBinding
from components.metrics_inputs import GrafanaInputs
from render.fluent_bit import stackdriver_outputs
from render.kube_prometheus_stack import grafana_service_name
from render.log_datasources import CLOUD_LOGGING_PLUGIN, cloud_logging_datasource
from render.log_queries import cloud_logging_queries, cluster_log_filter

LOGS_LOG_NAME = "todo-containers"
AUDIT_LOG_NAME = "todo-audit"
# Grafana's reader: logs always; traces when Cloud Trace is the tracing backend.
READER_ROLES = {"logs": "roles/logging.viewer", "traces": "roles/cloudtrace.user"}


class GcpLogSink(pulumi.ComponentResource):
    def __init__(self, name: str, args: LogSinkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("todo-observability:logging:GcpLogSink", name, None, opts)
        settings, providers = args.settings, args.providers
        gcp = settings.gcp
        assert gcp is not None, "cloud_problems requires the gcp section on GCP"
        project, logging = gcp.project, settings.logging
        cluster, location = settings.cluster.name, settings.cluster.location
        gcp_opts = pulumi.ResourceOptions(parent=self, provider=providers.gcp)
        stateful = pulumi.ResourceOptions(parent=self, provider=providers.gcp, protect=settings.is_production)

        self.writer = serviceaccount.Account(
            f"{name}-writer",
            account_id=account_id(cluster, "logs"),
            display_name=f"Fluent Bit log writer ({cluster})",
            project=project,
            opts=gcp_opts,
        )
        self.writer_role = projects.IAMMember(
            f"{name}-writer-log-writer",
            project=project,
            role="roles/logging.logWriter",
            member=service_account_member(self.writer.email),
            opts=gcp_opts,
        )
        self.writer_workload_identity = serviceaccount.IAMMember(
            f"{name}-writer-workload-identity",
            service_account_id=self.writer.name,
            role=WORKLOAD_IDENTITY_USER_ROLE,
            member=workload_identity_member(project, logging.namespace, FLUENT_BIT_NAME),
            opts=gcp_opts,
        )

        filters = {
            key: cluster_log_filter(project, log_name, cluster, location)
            for key, log_name in (("logs", LOGS_LOG_NAME), ("audit", AUDIT_LOG_NAME))
        }
        retention = {"logs": logging.retention_days, "audit": logging.audit_retention_days}
        self.buckets: dict[str, gcp_logging.ProjectBucketConfig] = {}
        self.sinks: dict[str, gcp_logging.ProjectSink] = {}
        for key, log_filter in filters.items():
            bucket_id = f"{cluster}-{key}"
            days = retention[key]
            self.buckets[key] = gcp_logging.ProjectBucketConfig(
                f"{name}-{key}-bucket",
                project=project,
                location=gcp.region,
                bucket_id=bucket_id,
                retention_days=days,
                # Irreversible: a locked bucket's retention can never be shortened and the bucket is
                # deleted only when empty, so nobody can purge audit records early.
                locked=audit_bucket_locked(key, settings.is_production),
                description=f"{cluster}: {key} records, kept {days} days",
                opts=stateful,
            )
            self.sinks[key] = gcp_logging.ProjectSink(
                f"{name}-{key}-sink",
                project=project,
                name=f"{cluster}-{key}",
                destination=f"logging.googleapis.com/projects/{project}/locations/{gcp.region}/buckets/{bucket_id}",
                filter=log_filter,
                unique_writer_identity=True,
                opts=pulumi.ResourceOptions(parent=self, provider=providers.gcp, depends_on=[self.buckets[key]]),
            )
        # Project exclusions apply to the _Default sink only: our routed logs are not stored twice.
        self.default_exclusion = gcp_logging.ProjectExclusion(
            f"{name}-default-exclusion",
            project=project,
            name=f"{cluster}-fluent-bit-logs",
            description=f"{cluster}: Fluent Bit's logs are routed to their own buckets",
            filter=" OR ".join(f"({log_filter})" for log_filter in filters.values()),
            opts=gcp_opts,
        )

        self.saved_queries = [
            gcp_logging.SavedQuery(
                f"{name}-query-{query.key}",
                parent=f"projects/{project}",
                location="global",
                name=f"{cluster}-{query.key}",
                display_name=f"{query.title} ({cluster})",
                description=f"todo-observability ({cluster})",
                visibility="SHARED",
                logging_query={"filter": query.query},
                opts=gcp_opts,
            )
            for query in cloud_logging_queries(project, LOGS_LOG_NAME, AUDIT_LOG_NAME, cluster, location)
        ]

        # Grafana reads through its own Workload Identity: the annotation goes on Grafana's ServiceAccount.
        self.reader = serviceaccount.Account(
            f"{name}-grafana-reader",
            account_id=account_id(cluster, "grafana"),
            display_name=f"Grafana reader of logs and traces ({cluster})",
            project=project,
            opts=gcp_opts,
        )
        needs = ["logs", "traces"] if settings.tracing.backend == "cloud-trace" else ["logs"]
        self.reader_roles = [
            projects.IAMMember(
                f"{name}-grafana-reader-{need}",
                project=project,
                role=READER_ROLES[need],
                member=service_account_member(self.reader.email),
                opts=gcp_opts,
            )
            for need in needs
        ]
        self.reader_workload_identity = serviceaccount.IAMMember(
            f"{name}-grafana-reader-workload-identity",
            service_account_id=self.reader.name,
            role=WORKLOAD_IDENTITY_USER_ROLE,
            member=workload_identity_member(
                project, settings.metrics.namespace, grafana_service_name(settings.metrics.release_name)
            ),
            opts=gcp_opts,
        )

        self.binding = SinkBinding(
            outputs=pulumi.Output.from_input(stackdriver_outputs(cluster, location, LOGS_LOG_NAME, AUDIT_LOG_NAME)),
            service_account_annotations={WORKLOAD_IDENTITY_ANNOTATION: self.writer.email},
            grafana=GrafanaInputs(
                datasources=[cloud_logging_datasource(project)],
                plugins=[CLOUD_LOGGING_PLUGIN],
                service_account_annotations={WORKLOAD_IDENTITY_ANNOTATION: self.reader.email},
                depends_on=[*self.reader_roles, self.reader_workload_identity],
            ),
            depends_on=[self.writer_role, self.writer_workload_identity],
        )
        self.register_outputs({"buckets": {k: b.bucket_id for k, b in self.buckets.items()}})


def audit_bucket_locked(key: str, production: bool) -> bool:
    return key == "audit" and production
