"""Thanos' bucket on Google Cloud: private (uniform access, public access prevention), versioned with
soft delete, and writable only by one Google service account that the Thanos and Prometheus
Kubernetes service accounts impersonate through GKE Workload Identity (no key file)."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi_gcp.serviceaccount import Account, IAMMember
from pulumi_gcp.storage import (
    Bucket,
    BucketIAMMember,
    BucketLifecycleRuleActionArgs,
    BucketLifecycleRuleArgs,
    BucketLifecycleRuleConditionArgs,
    BucketSoftDeletePolicyArgs,
    BucketVersioningArgs,
)

from components.gcp.identity import (
    WORKLOAD_IDENTITY_ANNOTATION,
    WORKLOAD_IDENTITY_USER_ROLE,
    account_id,
    service_account_member,
    workload_identity_member,
)
from components.long_term_storage import BucketAccessArgs, BucketConfig
from components.platform import own_section
from contracts.labels import cloud_tags
from settings.model import GcpSettings

# GCS accepts a soft-delete window of 0 or 7 to 90 days.
SOFT_DELETE_MIN_DAYS, SOFT_DELETE_MAX_DAYS = 7, 90
DAY_SECONDS = 86400
# GCS bucket names are at most 63 characters.
MAX_BUCKET_NAME = 63


def bucket_name(config: BucketConfig) -> str:
    """`metrics.longTerm.bucketName`, or one derived from the stack: GCS bucket names are unique across
    all of Google Cloud, so the default carries the project besides the cluster."""
    if config.long_term.bucket_name:
        return config.long_term.bucket_name
    project = own_section(config.cloud, GcpSettings).project
    return f"{project}-{config.cluster.name}-thanos"[:MAX_BUCKET_NAME].rstrip("-")


def objstore_config(config: BucketConfig) -> dict[str, Any]:
    """Thanos' objstore config: no key file, GKE's metadata server answers for the service account."""
    return {"type": "GCS", "config": {"bucket": bucket_name(config)}}


class GcpThanosStorage(pulumi.ComponentResource):
    """Its gcp provider is inherited from the long-term storage component."""

    def __init__(self, name: str, args: BucketAccessArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("todo-observability:long_term_storage:GcpThanosStorage", name, None, opts)
        config = args.config
        gcp, cluster, context = own_section(config.cloud, GcpSettings), config.cluster, config.context
        project = gcp.project
        keep_days = config.long_term.deleted_object_retention_days
        child = pulumi.ResourceOptions(parent=self)
        stateful = pulumi.ResourceOptions(parent=self, protect=context.production)

        self.bucket = Bucket(
            f"{name}-bucket",
            name=bucket_name(config),
            project=project,
            location=gcp.region,
            storage_class="STANDARD",
            uniform_bucket_level_access=True,
            public_access_prevention="enforced",
            force_destroy=False,
            versioning=BucketVersioningArgs(enabled=True),
            soft_delete_policy=BucketSoftDeletePolicyArgs(
                retention_duration_seconds=min(max(keep_days, SOFT_DELETE_MIN_DAYS), SOFT_DELETE_MAX_DAYS) * DAY_SECONDS
            ),
            lifecycle_rules=[
                # Blocks the compactor replaced or deleted stay recoverable for a while, then go.
                BucketLifecycleRuleArgs(
                    action=BucketLifecycleRuleActionArgs(type="Delete"),
                    condition=BucketLifecycleRuleConditionArgs(days_since_noncurrent_time=keep_days),
                ),
                BucketLifecycleRuleArgs(
                    action=BucketLifecycleRuleActionArgs(type="AbortIncompleteMultipartUpload"),
                    condition=BucketLifecycleRuleConditionArgs(age=1),
                ),
            ],
            labels=cloud_tags(context.stack),
            opts=stateful,
        )
        self.account = Account(
            f"{name}-account",
            account_id=account_id(cluster.name, "thanos"),
            display_name=f"Thanos and Prometheus of {cluster.name} (long-term metrics)",
            project=project,
            opts=child,
        )
        self.workload_identity_users = [
            IAMMember(
                f"{name}-workload-identity-{account.component}",
                service_account_id=self.account.email.apply(
                    lambda email: f"projects/{project}/serviceAccounts/{email}"
                ),
                role=WORKLOAD_IDENTITY_USER_ROLE,
                member=workload_identity_member(project, account.namespace, account.name),
                opts=child,
            )
            for account in args.service_accounts
        ]
        # On this bucket only: the identity can read and write no other bucket of the project.
        self.bucket_access = BucketIAMMember(
            f"{name}-object-admin",
            bucket=self.bucket.name,
            role="roles/storage.objectAdmin",
            member=service_account_member(self.account.email),
            opts=child,
        )

        self.service_account_annotations: dict[str, pulumi.Input[str]] = {
            WORKLOAD_IDENTITY_ANNOTATION: self.account.email
        }
        self.pod_labels: dict[str, str] = {}
        # GKE's metadata server answers for the service account; no token file is read.
        self.automount_token = False
        self.ready: list[pulumi.Resource] = [self.bucket_access, *self.workload_identity_users]
        self.objstore_secret_key: pulumi.Output[str] | None = None
        self.register_outputs({"bucket": self.bucket.name, "serviceAccount": self.account.email})
