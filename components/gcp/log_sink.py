"""Google Cloud Logging as Fluent Bit's sink: the `stackdriver` output with `k8s_container` resources,
authenticated by GKE Workload Identity (a Google service account with `roles/logging.logWriter`, no key).
Two log buckets keep the retention (container logs; audit records longer, locked in production), two
sinks route this cluster's two log streams to them, and an exclusion keeps the `_Default` bucket from
storing them a second time. Every filter names the cluster, so two stacks in one project never route
or exclude each other's logs. Grafana's one Google identity (components/gcp/grafana_identity.py) reads
the logs through the two buckets' `_AllLogs` views (`roles/logging.viewAccessor` on each view:
`roles/logging.viewer` covers only `_Required` and `_Default`). A log scope of the two views is what the
saved queries run in: project-scoped queries do not search custom buckets.

A locked bucket's retention can never be changed: the audit bucket has generations
(`logging.auditBucketGeneration`); a new generation is a new locked bucket the audit sink routes to,
while the previous one leaves the program without being deleted and keeps its records until they expire."""

from __future__ import annotations

from dataclasses import dataclass

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
from components.log_sink import LogSinkArgs, SinkBinding
from components.platform import own_section
from contracts.inputs import GrafanaInputs
from render.fluent_bit import FLUENT_BIT_NAME, stackdriver_outputs
from render.log_datasources import CLOUD_LOGGING_PLUGIN, cloud_logging_datasource
from render.log_queries import cloud_logging_queries, cluster_log_filter
from settings.model import GcpSettings, LoggingSettings

LOGS_LOG_NAME = "todo-containers"
AUDIT_LOG_NAME = "todo-audit"
# Grafana's identity reads the logs through the buckets' views.
ALL_LOGS_VIEW = "_AllLogs"
VIEW_ACCESSOR_ROLE = "roles/logging.viewAccessor"


@dataclass(frozen=True)
class LogBucket:
    key: str  # "logs" or "audit": the stream it keeps
    bucket_id: str
    retention_days: int
    locked: bool
    generation: int = 1

    def resource_name(self, component: str) -> str:
        # Generation 1 keeps the original name; a later generation is a new resource, not a replacement.
        suffix = "" if self.generation == 1 else f"-g{self.generation}"
        return f"{component}-{self.key}-bucket{suffix}"


def audit_bucket_id(cluster: str, generation: int) -> str:
    return f"{cluster}-audit" if generation == 1 else f"{cluster}-audit-g{generation}"


def log_buckets(logging: LoggingSettings, cluster: str, production: bool) -> dict[str, LogBucket]:
    generation = logging.audit_bucket_generation
    return {
        "logs": LogBucket("logs", f"{cluster}-logs", logging.retention_days, locked=False),
        "audit": LogBucket(
            "audit",
            audit_bucket_id(cluster, generation),
            logging.audit_retention_days,
            locked=audit_bucket_locked("audit", production),
            generation=generation,
        ),
    }


def bucket_resource_options(bucket: LogBucket, production: bool) -> pulumi.ResourceOptions:
    if not bucket.locked:
        return pulumi.ResourceOptions(protect=production)
    # Locked: its retention can never change, and it is deleted only once every record has expired.
    # retain_on_delete: a bucket replaced by a new generation leaves the program (after
    # `pulumi state unprotect`) without a delete call; it keeps its records until they expire.
    # replace_on_changes: a changed retention is then a replacement of a protected resource, which
    # `pulumi preview` refuses, instead of an update the API refuses halfway through `pulumi up`.
    return pulumi.ResourceOptions(protect=production, retain_on_delete=True, replace_on_changes=["retentionDays"])


def view_name(project: str, location: str, bucket_id: str) -> str:
    return f"projects/{project}/locations/{location}/buckets/{bucket_id}/views/{ALL_LOGS_VIEW}"


def log_scope_name(project: str, cluster: str) -> str:
    return f"projects/{project}/locations/global/logScopes/{cluster}-logs"


class GcpLogSink(pulumi.ComponentResource):
    def __init__(self, name: str, args: LogSinkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("todo-observability:logging:GcpLogSink", name, None, opts)
        gcp, logging, production = own_section(args.cloud, GcpSettings), args.logging, args.context.production
        assert args.grafana_identity is not None, "the GCP platform builds Grafana's identity"
        project = gcp.project
        cluster, location = args.cluster.name, args.cluster.location
        gcp_opts = pulumi.ResourceOptions(parent=self)
        bucket_plan = log_buckets(logging, cluster, production)

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
            member=workload_identity_member(project, args.namespace.name, FLUENT_BIT_NAME),
            opts=gcp_opts,
        )

        filters = {
            key: cluster_log_filter(project, log_name, cluster, location)
            for key, log_name in (("logs", LOGS_LOG_NAME), ("audit", AUDIT_LOG_NAME))
        }
        self.buckets: dict[str, gcp_logging.ProjectBucketConfig] = {}
        self.sinks: dict[str, gcp_logging.ProjectSink] = {}
        for key, log_filter in filters.items():
            plan = bucket_plan[key]
            bucket_id = plan.bucket_id
            self.buckets[key] = gcp_logging.ProjectBucketConfig(
                plan.resource_name(name),
                project=project,
                location=gcp.region,
                bucket_id=bucket_id,
                retention_days=plan.retention_days,
                # Irreversible: a locked bucket's retention can never be changed (neither shortened nor
                # raised) and the bucket is deleted only when empty, so nobody can purge audit records
                # early. A different retention takes a new generation (logging.auditBucketGeneration).
                locked=plan.locked,
                # No retention in the description: a locked bucket's description would pin it too.
                description=f"{cluster}: {key} records (todo-observability)",
                opts=pulumi.ResourceOptions.merge(gcp_opts, bucket_resource_options(plan, production)),
            )
            self.sinks[key] = gcp_logging.ProjectSink(
                f"{name}-{key}-sink",
                project=project,
                name=f"{cluster}-{key}",
                destination=f"logging.googleapis.com/projects/{project}/locations/{gcp.region}/buckets/{bucket_id}",
                filter=log_filter,
                unique_writer_identity=True,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.buckets[key]]),
            )
        # Project exclusions apply to the _Default sink only: our routed logs are not stored twice.
        # Only after the sinks exist: an entry excluded before a sink routes it is stored nowhere.
        self.default_exclusion = gcp_logging.ProjectExclusion(
            f"{name}-default-exclusion",
            project=project,
            name=f"{cluster}-fluent-bit-logs",
            description=f"{cluster}: Fluent Bit's logs are routed to their own buckets",
            filter=" OR ".join(f"({log_filter})" for log_filter in filters.values()),
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(self.sinks.values())),
        )

        # Custom buckets are searched only through their views: the saved queries run in this scope.
        views = [view_name(project, gcp.region, plan.bucket_id) for plan in bucket_plan.values()]
        self.log_scope = gcp_logging.LogScope(
            f"{name}-log-scope",
            parent=f"projects/{project}",
            location="global",
            name=log_scope_name(project, cluster),
            resource_names=views,
            description=f"{cluster}: the container and audit buckets of todo-observability",
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(self.buckets.values())),
        )
        scope_id = log_scope_name(project, cluster).rsplit("/", 1)[1]

        self.saved_queries = [
            gcp_logging.SavedQuery(
                f"{name}-query-{query.key}",
                parent=f"projects/{project}",
                location="global",
                name=f"{cluster}-{query.key}",
                display_name=f"{query.title} ({cluster})",
                description=f"todo-observability ({cluster}); run it in the log scope {scope_id}",
                visibility="SHARED",
                logging_query={"filter": query.query},
                opts=gcp_opts,
            )
            for query in cloud_logging_queries(project, LOGS_LOG_NAME, AUDIT_LOG_NAME, cluster, location)
        ]

        # roles/logging.viewer would read only _Required and _Default (other workloads' logs, not ours).
        reader = args.grafana_identity.principal
        self.reader_roles = [
            gcp_logging.LogViewIamMember(
                f"{name}-grafana-reader-{key}-view",
                parent=f"projects/{project}",
                location=gcp.region,
                bucket=bucket.bucket_id,
                name=ALL_LOGS_VIEW,
                role=VIEW_ACCESSOR_ROLE,
                member=reader,
                opts=gcp_opts,
            )
            for key, bucket in self.buckets.items()
        ]

        self.binding = SinkBinding(
            outputs=pulumi.Output.from_input(stackdriver_outputs(cluster, location, LOGS_LOG_NAME, AUDIT_LOG_NAME)),
            service_account_annotations={WORKLOAD_IDENTITY_ANNOTATION: self.writer.email},
            grafana=GrafanaInputs(
                datasources=[
                    cloud_logging_datasource(
                        project, [f"{gcp.region}/buckets/{plan.bucket_id}" for plan in bucket_plan.values()]
                    )
                ],
                plugins=[CLOUD_LOGGING_PLUGIN],
                depends_on=list(self.reader_roles),
            ),
            depends_on=[self.writer_role, self.writer_workload_identity],
        )
        self.register_outputs({"buckets": {k: b.bucket_id for k, b in self.buckets.items()}})


def audit_bucket_locked(key: str, production: bool) -> bool:
    return key == "audit" and production
