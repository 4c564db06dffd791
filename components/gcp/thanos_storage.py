"""Thanos' bucket on Google Cloud: private (uniform access, public access prevention), versioned with
soft delete, and writable only by one Google service account that the Thanos and Prometheus
Kubernetes service accounts impersonate through GKE Workload Identity (no key file)."""

from __future__ import annotations

from dataclasses import dataclass

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
from components.labels import cloud_tags
from components.providers import Providers
from render.thanos import ServiceAccountRef, bucket_name
from settings import StackSettings

# GCS accepts a soft-delete window of 0 or 7 to 90 days.
SOFT_DELETE_MIN_DAYS, SOFT_DELETE_MAX_DAYS = 7, 90
DAY_SECONDS = 86400


@dataclass
class GcpThanosStorageArgs:
    settings: StackSettings
    providers: Providers
    service_accounts: list[ServiceAccountRef]


class GcpThanosStorage(pulumi.ComponentResource):
    def __init__(self, name: str, args: GcpThanosStorageArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("todo-observability:long_term_storage:GcpThanosStorage", name, None, opts)
        settings = args.settings
        gcp = settings.gcp
        if gcp is None or args.providers.gcp is None:
            raise ValueError("todo-observability:gcp is required for long-term storage on GCP")
        project = gcp.project
        keep_days = settings.metrics.long_term.deleted_object_retention_days
        cloud = pulumi.ResourceOptions(parent=self, provider=args.providers.gcp)
        stateful = pulumi.ResourceOptions.merge(cloud, pulumi.ResourceOptions(protect=settings.is_production))

        self.bucket = Bucket(
            f"{name}-bucket",
            name=bucket_name(settings),
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
            labels=cloud_tags(settings.stack),
            opts=stateful,
        )
        self.account = Account(
            f"{name}-account",
            account_id=account_id(settings.cluster.name, "thanos"),
            display_name=f"Thanos and Prometheus of {settings.cluster.name} (long-term metrics)",
            project=project,
            opts=cloud,
        )
        self.workload_identity_users = [
            IAMMember(
                f"{name}-workload-identity-{account.component}",
                service_account_id=self.account.email.apply(
                    lambda email: f"projects/{project}/serviceAccounts/{email}"
                ),
                role=WORKLOAD_IDENTITY_USER_ROLE,
                member=workload_identity_member(project, account.namespace, account.name),
                opts=cloud,
            )
            for account in args.service_accounts
        ]
        # On this bucket only: the identity can read and write no other bucket of the project.
        self.bucket_access = BucketIAMMember(
            f"{name}-object-admin",
            bucket=self.bucket.name,
            role="roles/storage.objectAdmin",
            member=service_account_member(self.account.email),
            opts=cloud,
        )

        self.service_account_annotations: dict[str, pulumi.Input[str]] = {
            WORKLOAD_IDENTITY_ANNOTATION: self.account.email
        }
        self.pod_labels: dict[str, str] = {}
        # GKE's metadata server answers for the service account; no token file is read.
        self.automount_token = False
        self.ready: list[pulumi.Resource] = [self.bucket_access, *self.workload_identity_users]
        self.register_outputs({"bucket": self.bucket.name, "serviceAccount": self.account.email})
