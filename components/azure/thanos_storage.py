"""Thanos' bucket on Azure: a private storage account and container that accept Entra ID tokens only,
and one user-assigned identity that each Thanos and Prometheus service account reaches through
AKS workload identity (no account key anywhere)."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pulumi
from pulumi_azure_native.managedidentity import FederatedIdentityCredential, UserAssignedIdentity
from pulumi_azure_native.storage import (
    BlobContainer,
    BlobServiceProperties,
    DateAfterCreationArgs,
    DeleteRetentionPolicyArgs,
    ManagementPolicy,
    ManagementPolicyActionArgs,
    ManagementPolicyDefinitionArgs,
    ManagementPolicyFilterArgs,
    ManagementPolicyRuleArgs,
    ManagementPolicySchemaArgs,
    ManagementPolicyVersionArgs,
    SkuArgs,
    StorageAccount,
)

from components.azure.roles import STORAGE_BLOB_DATA_CONTRIBUTOR, grant, role_definition_id
from components.long_term_storage import BucketAccessArgs, BucketConfig
from components.platform import own_section
from contracts.labels import cloud_tags
from settings.model import AzureSettings

TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"
CLIENT_ID_ANNOTATION = "azure.workload.identity/client-id"
USE_LABEL = "azure.workload.identity/use"
CONTAINER = "thanos"


def account_name(config: BucketConfig) -> str:
    """`metrics.longTerm.bucketName`, or one derived from the stack. Storage account names are unique
    across all of Azure (3-24 lowercase letters and digits), so the cluster name alone can already be
    taken: up to 10 characters of the cluster, `thanos`, and 8 hex digits of SHA-256 over subscription
    and resource group. Deterministic (the same stack always gets the same name) and lowercased first,
    as Azure compares subscription ids and group names."""
    if config.long_term.bucket_name:
        return config.long_term.bucket_name
    azure = own_section(config.cloud, AzureSettings)
    scope = f"{azure.subscription_id}/{azure.resource_group}".lower()
    suffix = hashlib.sha256(scope.encode()).hexdigest()[:8]
    cluster = re.sub(r"[^a-z0-9]", "", config.cluster.name.lower())[:10]
    return f"{cluster}thanos{suffix}"


def objstore_config(config: BucketConfig) -> dict[str, Any]:
    """Thanos' objstore config: no credential, Thanos' default credential chain picks up the workload
    identity the pods are labelled for."""
    return {"type": "AZURE", "config": {"storage_account": account_name(config), "container": CONTAINER}}


class AzureThanosStorage(pulumi.ComponentResource):
    """Its azure-native provider is inherited from the long-term storage component."""

    def __init__(self, name: str, args: BucketAccessArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("todo-observability:long_term_storage:AzureThanosStorage", name, None, opts)
        config = args.config
        azure, cluster, context = own_section(config.cloud, AzureSettings), config.cluster, config.context
        keep_days = config.long_term.deleted_object_retention_days
        child = pulumi.ResourceOptions(parent=self)
        stateful = pulumi.ResourceOptions(parent=self, protect=context.production)
        tags = cloud_tags(context.stack)

        self.account = StorageAccount(
            f"{name}-account",
            account_name=account_name(config),
            resource_group_name=azure.resource_group,
            location=azure.location,
            kind="StorageV2",
            sku=SkuArgs(name="Standard_ZRS" if context.production else "Standard_LRS"),
            allow_blob_public_access=False,
            # Entra ID tokens only: with shared keys off, no key or SAS can read the metrics.
            allow_shared_key_access=False,
            default_to_o_auth_authentication=True,
            enable_https_traffic_only=True,
            minimum_tls_version="TLS1_2",
            tags=tags,
            opts=stateful,
        )
        self.blob_service = BlobServiceProperties(
            f"{name}-blob-service",
            account_name=self.account.name,
            resource_group_name=azure.resource_group,
            blob_services_name="default",
            delete_retention_policy=DeleteRetentionPolicyArgs(enabled=True, days=keep_days),
            container_delete_retention_policy=DeleteRetentionPolicyArgs(enabled=True, days=keep_days),
            is_versioning_enabled=True,
            opts=child,
        )
        # Versioning keeps every block the compactor replaces; without an expiry they are paid forever.
        self.version_expiry = ManagementPolicy(
            f"{name}-version-expiry",
            account_name=self.account.name,
            resource_group_name=azure.resource_group,
            management_policy_name="default",
            policy=ManagementPolicySchemaArgs(
                rules=[
                    ManagementPolicyRuleArgs(
                        name="expire-previous-versions",
                        type="Lifecycle",
                        enabled=True,
                        definition=ManagementPolicyDefinitionArgs(
                            filters=ManagementPolicyFilterArgs(blob_types=["blockBlob"]),
                            actions=ManagementPolicyActionArgs(
                                version=ManagementPolicyVersionArgs(
                                    delete=DateAfterCreationArgs(days_after_creation_greater_than=keep_days)
                                )
                            ),
                        ),
                    )
                ]
            ),
            opts=child,
        )
        self.container = BlobContainer(
            f"{name}-container",
            account_name=self.account.name,
            resource_group_name=azure.resource_group,
            container_name=CONTAINER,
            public_access="None",
            opts=pulumi.ResourceOptions.merge(stateful, pulumi.ResourceOptions(depends_on=[self.blob_service])),
        )
        self.identity = UserAssignedIdentity(
            f"{name}-identity",
            resource_name_=f"id-{cluster.name}-thanos",
            resource_group_name=azure.resource_group,
            location=azure.location,
            tags=tags,
            opts=child,
        )
        # Azure rejects concurrent federated-credential writes on one identity: create them in a chain.
        self.federated_credentials: list[FederatedIdentityCredential] = []
        previous: list[pulumi.Resource] = []
        for account in args.service_accounts:
            credential = FederatedIdentityCredential(
                f"{name}-federation-{account.component}",
                resource_name_=self.identity.name,
                federated_identity_credential_resource_name=f"{cluster.name}-{account.name}",
                resource_group_name=azure.resource_group,
                issuer=cluster.oidc_issuer_url,
                subject=account.subject,
                audiences=[TOKEN_EXCHANGE_AUDIENCE],
                opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=previous)),
            )
            self.federated_credentials.append(credential)
            previous = [credential]
        subscription = azure.subscription_id
        self.blob_access = grant(
            f"{name}-blob-contributor",
            self.identity.principal_id,
            role_definition_id(subscription, STORAGE_BLOB_DATA_CONTRIBUTOR),
            # The container, not the account: the identity can touch nothing else.
            self.container.id,
            child,
        )

        self.service_account_annotations: dict[str, pulumi.Input[str]] = {CLIENT_ID_ANNOTATION: self.identity.client_id}
        self.pod_labels: dict[str, str] = {USE_LABEL: "true"}
        # The workload identity webhook projects its own token volume; the default one is not needed.
        self.automount_token = False
        self.ready: list[pulumi.Resource] = [self.blob_access, *self.federated_credentials]
        self.objstore_secret_key: pulumi.Output[str] | None = None
        self.register_outputs({"storageAccount": self.account.name, "clientId": self.identity.client_id})
