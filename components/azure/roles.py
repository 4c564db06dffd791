"""Azure built-in role ids this program assigns, the role-definition id ARM expects for them, and the
one way this program assigns a role."""

from __future__ import annotations

import pulumi
from pulumi_azure_native.authorization import RoleAssignment

MONITORING_METRICS_PUBLISHER = "3913510d-42f4-4e42-8a64-420c390055eb"
LOG_ANALYTICS_READER = "73c42c96-874c-492b-b04d-ab87d138a893"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
STORAGE_BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"


def role_definition_id(subscription_id: str, role_id: str) -> str:
    return f"/subscriptions/{subscription_id}/providers/Microsoft.Authorization/roleDefinitions/{role_id}"


def grant(
    name: str, principal_id: pulumi.Input[str], role_id: str, scope: pulumi.Input[str], opts: pulumi.ResourceOptions
) -> RoleAssignment:
    """`role_id` (`role_definition_id`) on `scope` for a service principal."""
    return RoleAssignment(
        name,
        principal_id=principal_id,
        principal_type="ServicePrincipal",
        role_definition_id=role_id,
        scope=scope,
        opts=opts,
    )
