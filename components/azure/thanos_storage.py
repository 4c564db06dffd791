"""Thanos' bucket on Azure: a private storage account and container that accept Entra ID tokens only,
and one user-assigned identity that each Thanos and Prometheus service account reaches through
AKS workload identity (no account key anywhere)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native.authorization import RoleAssignment
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

from components.azure.roles import STORAGE_BLOB_DATA_CONTRIBUTOR, role_definition_id
from components.labels import cloud_tags
from components.providers import Providers
from render.thanos import AZURE_CONTAINER, ServiceAccountRef, bucket_name
from settings import StackSettings

TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"
CLIENT_ID_ANNOTATION = "azure.workload.identity/client-id"
USE_LABEL = "azure.workload.identity/use"


@dataclass
class AzureThanosStorageArgs:
    settings: StackSettings
    providers: Providers
    service_accounts: list[ServiceAccountRef]


class AzureThanosStorage(pulumi.ComponentResource):
    def __init__(self, name: str, args: AzureThanosStorageArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("todo-observability:long_term_storage:AzureThanosStorage", name, None, opts)
        settings = args.settings
        azure = settings.azure
        if azure is None or args.providers.azure is None:
            raise ValueError("todo-observability:azure is required for long-term storage on Azure")
        keep_days = settings.metrics.long_term.deleted_object_retention_days
        cloud = pulumi.ResourceOptions(parent=self, provider=args.providers.azure)
        stateful = pulumi.ResourceOptions.merge(cloud, pulumi.ResourceOptions(protect=settings.is_production))
        tags = cloud_tags(settings.stack)

        self.account = StorageAccount(
            f"{name}-account",
            account_name=bucket_name(settings),
            resource_group_name=azure.resource_group,
            location=azure.location,
            kind="StorageV2",
            sku=SkuArgs(name="Standard_ZRS" if settings.is_production else "Standard_LRS"),
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
            opts=cloud,
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
            opts=cloud,
        )
        self.container = BlobContainer(
            f"{name}-container",
            account_name=self.account.name,
            resource_group_name=azure.resource_group,
            container_name=AZURE_CONTAINER,
            public_access="None",
            opts=pulumi.ResourceOptions.merge(stateful, pulumi.ResourceOptions(depends_on=[self.blob_service])),
        )
        self.identity = UserAssignedIdentity(
            f"{name}-identity",
            resource_name_=f"id-{settings.cluster.name}-thanos",
            resource_group_name=azure.resource_group,
            location=azure.location,
            tags=tags,
            opts=cloud,
        )
        # Azure rejects concurrent federated-credential writes on one identity: create them in a chain.
        self.federated_credentials: list[FederatedIdentityCredential] = []
        previous: list[pulumi.Resource] = []
        for account in args.service_accounts:
            credential = FederatedIdentityCredential(
                f"{name}-federation-{account.component}",
                resource_name_=self.identity.name,
                federated_identity_credential_resource_name=f"{settings.cluster.name}-{account.name}",
                resource_group_name=azure.resource_group,
                issuer=settings.cluster.oidc_issuer_url,
                subject=account.subject,
                audiences=[TOKEN_EXCHANGE_AUDIENCE],
                opts=pulumi.ResourceOptions.merge(cloud, pulumi.ResourceOptions(depends_on=previous)),
            )
            self.federated_credentials.append(credential)
            previous = [credential]
        subscription = azure.subscription_id
        self.blob_access = RoleAssignment(
            f"{name}-blob-contributor",
            principal_id=self.identity.principal_id,
            principal_type="ServicePrincipal",
            role_definition_id=role_definition_id(subscription, STORAGE_BLOB_DATA_CONTRIBUTOR),
            # The container, not the account: the identity can touch nothing else.
            scope=self.container.id,
            opts=cloud,
        )

        self.service_account_annotations: dict[str, pulumi.Input[str]] = {CLIENT_ID_ANNOTATION: self.identity.client_id}
        self.pod_labels: dict[str, str] = {USE_LABEL: "true"}
        # The workload identity webhook projects its own token volume; the default one is not needed.
        self.automount_token = False
        self.ready: list[pulumi.Resource] = [self.blob_access, *self.federated_credentials]
        self.register_outputs({"storageAccount": self.account.name, "clientId": self.identity.client_id})
