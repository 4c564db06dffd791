"""Thanos' bucket on Oracle Cloud: private and versioned, reached through OKE workload identity.

Chosen over an S3-compatible customer secret key: the key would be a long-lived user credential to
rotate by hand, while workload identity hands each pod a short-lived token and the IAM policy below
names the cluster, namespace, service account and bucket it admits. Needs an enhanced OKE cluster."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi_oci.identity import Policy
from pulumi_oci.objectstorage import Bucket, ObjectLifecyclePolicy, ObjectLifecyclePolicyRuleArgs

from components.long_term_storage import BucketAccessArgs, BucketConfig
from components.platform import own_section
from render.thanos import ServiceAccountRef
from settings.model import OciSettings

# objstore's OCI provider (providers/oci/oci.go) that exchanges the pod's service account token.
OKE_WORKLOAD_IDENTITY = "oke-workload-identity"


def bucket_name(config: BucketConfig) -> str:
    """`metrics.longTerm.bucketName`, or `<cluster>-thanos` (bucket names are unique per namespace)."""
    return config.long_term.bucket_name or f"{config.cluster.name}-thanos"


def objstore_config(config: BucketConfig) -> dict[str, Any]:
    """Thanos' objstore config: no API key, the pods' OKE workload identity."""
    region = own_section(config.cloud, OciSettings).region
    return {
        "type": "OCI",
        "config": {"provider": OKE_WORKLOAD_IDENTITY, "bucket": bucket_name(config), "region": region},
    }


def workload_statement(compartment_id: str, cluster_id: str, bucket: str, account: ServiceAccountRef) -> str:
    """One IAM statement: this pod identity may manage objects of this bucket, nothing else."""
    conditions = ", ".join(
        [
            "request.principal.type = 'workload'",
            f"request.principal.cluster_id = '{cluster_id}'",
            f"request.principal.namespace = '{account.namespace}'",
            f"request.principal.service_account = '{account.name}'",
            f"target.bucket.name = '{bucket}'",
        ]
    )
    return f"Allow any-user to manage objects in compartment id {compartment_id} where all {{{conditions}}}"


class OciThanosStorage(pulumi.ComponentResource):
    """Its oci provider is inherited from the long-term storage component; only the IAM policy names
    one, the home region's (`BucketAccessArgs.identity_provider`)."""

    def __init__(self, name: str, args: BucketAccessArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("todo-observability:long_term_storage:OciThanosStorage", name, None, opts)
        config = args.config
        oci, cluster, context = own_section(config.cloud, OciSettings), config.cluster, config.context
        long_term = config.long_term
        bucket = bucket_name(config)
        child = pulumi.ResourceOptions(parent=self)

        self.bucket = Bucket(
            f"{name}-bucket",
            compartment_id=oci.compartment_id,
            namespace=oci.object_storage_namespace,
            name=bucket,
            access_type="NoPublicAccess",
            versioning="Enabled",
            storage_tier="Standard",
            freeform_tags={"part-of": "todo-observability", "stack": context.stack},
            opts=pulumi.ResourceOptions(parent=self, protect=context.production),
        )
        statements = [
            workload_statement(oci.compartment_id, long_term.oke_cluster_id, bucket, account)
            for account in args.service_accounts
        ]
        # Object Storage itself runs lifecycle rules and needs the right to delete old versions.
        statements.append(
            f"Allow service objectstorage-{oci.region} to manage object-family in compartment id "
            f"{oci.compartment_id} where target.bucket.name = '{bucket}'"
        )
        self.policy = Policy(
            f"{name}-workload-identity",
            compartment_id=oci.compartment_id,
            name=f"{cluster.name}-thanos-bucket",
            description=f"Thanos and Prometheus of OKE cluster {cluster.name} write long-term metrics",
            statements=statements,
            opts=pulumi.ResourceOptions(parent=self, provider=args.identity_provider),
        )
        self.lifecycle = ObjectLifecyclePolicy(
            f"{name}-lifecycle",
            bucket=self.bucket.name,
            namespace=oci.object_storage_namespace,
            rules=[
                ObjectLifecyclePolicyRuleArgs(
                    name="expire-previous-versions",
                    action="DELETE",
                    target="previous-object-versions",
                    is_enabled=True,
                    time_amount=str(long_term.deleted_object_retention_days),
                    time_unit="DAYS",
                ),
                ObjectLifecyclePolicyRuleArgs(
                    name="abort-stale-uploads",
                    action="ABORT",
                    target="multipart-uploads",
                    is_enabled=True,
                    time_amount="1",
                    time_unit="DAYS",
                ),
            ],
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[self.policy])),
        )

        # Workload identity on OKE needs no annotation or label: the policy names the service accounts.
        self.service_account_annotations: dict[str, pulumi.Input[str]] = {}
        self.pod_labels: dict[str, str] = {}
        # The OCI SDK's OKE workload identity exchanges the pod's projected service account token,
        # which the chart's service accounts do not mount by default.
        self.automount_token = True
        self.ready: list[pulumi.Resource] = [self.policy]
        self.objstore_secret_key: pulumi.Output[str] | None = None
        self.register_outputs({"bucket": self.bucket.name})
