"""Google Cloud Logging as Fluent Bit's sink: the `stackdriver` output with `k8s_container` resources,
authenticated by GKE Workload Identity (a Google service account with `roles/logging.logWriter`, no key).
Two log buckets keep the retention (container logs; audit records longer), two sinks route the cluster's
two log names to them, and an exclusion keeps the `_Default` bucket from storing them a second time."""

from __future__ import annotations

import pulumi
import pulumi_gcp.logging as gcp_logging
import pulumi_gcp.projects as projects
import pulumi_gcp.serviceaccount as serviceaccount

from components.log_sink import FLUENT_BIT_NAME, LogSinkArgs, SinkBinding
from components.metrics_inputs import GrafanaInputs
from render.fluent_bit import stackdriver_outputs
from render.kube_prometheus_stack import grafana_service_name
from render.log_datasources import CLOUD_LOGGING_PLUGIN, cloud_logging_datasource
from render.log_queries import cloud_logging_queries

LOGS_LOG_NAME = "todo-containers"
AUDIT_LOG_NAME = "todo-audit"
WORKLOAD_IDENTITY_ANNOTATION = "iam.gke.io/gcp-service-account"


def workload_identity_member(project: str, namespace: str, service_account: str) -> str:
    return f"serviceAccount:{project}.svc.id.goog[{namespace}/{service_account}]"


def account_id(cluster: str, suffix: str) -> str:
    """Service account ids are 6-30 characters."""
    return f"{cluster[: 29 - len(suffix)]}-{suffix}"


class GcpLogSink(pulumi.ComponentResource):
    def __init__(self, name: str, args: LogSinkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("todo-observability:logging:GcpLogSink", name, None, opts)
        settings, providers = args.settings, args.providers
        gcp = settings.gcp
        assert gcp is not None, "cloud_problems requires the gcp section on GCP"
        project, logging = gcp.project, settings.logging
        cluster = settings.cluster.name
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
            member=self.writer.email.apply(lambda email: f"serviceAccount:{email}"),
            opts=gcp_opts,
        )
        self.writer_workload_identity = serviceaccount.IAMMember(
            f"{name}-writer-workload-identity",
            service_account_id=self.writer.name,
            role="roles/iam.workloadIdentityUser",
            member=workload_identity_member(project, logging.namespace, FLUENT_BIT_NAME),
            opts=gcp_opts,
        )

        streams = {
            "logs": (LOGS_LOG_NAME, logging.retention_days),
            "audit": (AUDIT_LOG_NAME, logging.audit_retention_days),
        }
        self.buckets: dict[str, gcp_logging.ProjectBucketConfig] = {}
        self.sinks: dict[str, gcp_logging.ProjectSink] = {}
        for key, (log_name, days) in streams.items():
            bucket_id = f"{cluster}-{key}"
            self.buckets[key] = gcp_logging.ProjectBucketConfig(
                f"{name}-{key}-bucket",
                project=project,
                location=gcp.region,
                bucket_id=bucket_id,
                retention_days=days,
                description=f"{cluster}: {key} records, kept {days} days",
                opts=stateful,
            )
            self.sinks[key] = gcp_logging.ProjectSink(
                f"{name}-{key}-sink",
                project=project,
                name=f"{cluster}-{key}",
                destination=f"logging.googleapis.com/projects/{project}/locations/{gcp.region}/buckets/{bucket_id}",
                filter=_log_filter(project, log_name),
                unique_writer_identity=True,
                opts=pulumi.ResourceOptions(parent=self, provider=providers.gcp, depends_on=[self.buckets[key]]),
            )
        # Project exclusions apply to the _Default sink only: our routed logs are not stored twice.
        self.default_exclusion = gcp_logging.ProjectExclusion(
            f"{name}-default-exclusion",
            project=project,
            name=f"{cluster}-fluent-bit-logs",
            description="Fluent Bit's logs are routed to their own buckets",
            filter=" OR ".join(_log_filter(project, log_name) for log_name, _ in streams.values()),
            opts=gcp_opts,
        )

        self.saved_queries = [
            gcp_logging.SavedQuery(
                f"{name}-query-{query.key}",
                parent=f"projects/{project}",
                location="global",
                name=f"todo-{query.key}",
                display_name=query.title,
                description=f"todo-observability ({cluster})",
                visibility="SHARED",
                logging_query={"filter": query.query},
                opts=gcp_opts,
            )
            for query in cloud_logging_queries(project, LOGS_LOG_NAME, AUDIT_LOG_NAME)
        ]

        # Grafana reads through its own Workload Identity: the annotation goes on Grafana's ServiceAccount.
        self.reader = serviceaccount.Account(
            f"{name}-grafana-reader",
            account_id=account_id(cluster, "grafana"),
            display_name=f"Grafana log reader ({cluster})",
            project=project,
            opts=gcp_opts,
        )
        self.reader_role = projects.IAMMember(
            f"{name}-grafana-reader-log-viewer",
            project=project,
            role="roles/logging.viewer",
            member=self.reader.email.apply(lambda email: f"serviceAccount:{email}"),
            opts=gcp_opts,
        )
        self.reader_workload_identity = serviceaccount.IAMMember(
            f"{name}-grafana-reader-workload-identity",
            service_account_id=self.reader.name,
            role="roles/iam.workloadIdentityUser",
            member=workload_identity_member(
                project, settings.metrics.namespace, grafana_service_name(settings.metrics.release_name)
            ),
            opts=gcp_opts,
        )

        self.binding = SinkBinding(
            outputs=pulumi.Output.from_input(
                stackdriver_outputs(cluster, settings.cluster.location, LOGS_LOG_NAME, AUDIT_LOG_NAME)
            ),
            service_account_annotations={WORKLOAD_IDENTITY_ANNOTATION: self.writer.email},
            grafana=GrafanaInputs(
                datasources=[cloud_logging_datasource(project)],
                plugins=[CLOUD_LOGGING_PLUGIN],
                service_account_annotations={WORKLOAD_IDENTITY_ANNOTATION: self.reader.email},
                depends_on=[self.reader_role, self.reader_workload_identity],
            ),
            depends_on=[self.writer_role, self.writer_workload_identity],
        )
        self.register_outputs({"buckets": {k: b.bucket_id for k, b in self.buckets.items()}})


def _log_filter(project: str, log_name: str) -> str:
    return f'logName="projects/{project}/logs/{log_name}"'
