"""An Entra ID app registration with its service principal and one expiring client secret: how Fluent
Bit (components/azure/log_sink.py) and Grafana (components/azure/grafana_identity.py) sign in to
Azure. The secrets expire and are rotated by `azure.clientSecretValidityDays` and
`azure.clientSecretRotation`, the same for every app registration of the stack."""

from __future__ import annotations

import datetime as dt
import re

import pulumi
from pulumi_azuread.application import Application
from pulumi_azuread.application_password import ApplicationPassword
from pulumi_azuread.get_client_config import get_client_config_output
from pulumi_azuread.service_principal import ServicePrincipal

from settings.model import AzureSettings

# Pod annotation carrying the current client secret's key id: a rotated secret restarts the pods that
# read it (environment variables from a Secret are read only at start).
SECRET_KEY_ID_ANNOTATION = "todo-observability/client-secret-key-id"


def deployer_object_id(parent: pulumi.Resource) -> pulumi.Output[str]:
    """The deploying principal, the owner of every app registration: with the least-privileged Graph
    permission (Application.ReadWrite.OwnedBy) only an owner may add, rotate or delete their passwords."""
    return get_client_config_output(opts=pulumi.InvokeOutputOptions(parent=parent)).object_id


class AppRegistration:
    """An app registration, its service principal and a client secret (children of the caller). The
    secret expires `clientSecretValidityDays` after the rotation date and is replaced, with a new value,
    whenever `clientSecretRotation` changes: a credential that never expires is never rotated."""

    def __init__(
        self,
        name: str,
        display_name: str,
        azure: AzureSettings,
        owner: pulumi.Input[str],
        opts: pulumi.ResourceOptions,
    ) -> None:
        self.application = Application(f"{name}-app", display_name=display_name, owners=[owner], opts=opts)
        self.principal = ServicePrincipal(f"{name}-sp", client_id=self.application.client_id, owners=[owner], opts=opts)
        end_date = client_secret_end_date(azure)
        expiry: dict[str, str] = (
            {"end_date": end_date}
            if end_date is not None
            # A rotation label that is no date leaves only the deprecated relative form (docs/logging.md).
            else {"end_date_relative": f"{azure.client_secret_validity_days * 24}h"}
        )
        self.password = ApplicationPassword(
            f"{name}-password",
            application_id=self.application.id,
            display_name=f"{display_name} (Pulumi, rotation {azure.client_secret_rotation})",
            **expiry,
            # Replaced create-before-delete (Pulumi's default): the new secret reaches the Kubernetes
            # Secret, and the key-id pod annotation restarts its readers, before the old one is deleted.
            rotate_when_changed={"rotation": azure.client_secret_rotation},
            opts=opts,
        )


def client_secret_end_date(azure: AzureSettings) -> str | None:
    """The client secrets' fixed end date: `clientSecretValidityDays` after the date that
    `clientSecretRotation` names (YYYY-MM = its first day), as RFC 3339 UTC. Derived from config
    only, never from the clock, so it is the same on every preview and changes exactly when the
    rotation label does (which replaces the secret anyway). None when the label is not a date."""
    found = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", azure.client_secret_rotation)
    if found is None:
        return None
    year, month, day = int(found[1]), int(found[2]), int(found[3] or 1)
    try:
        start = dt.date(year, month, day)
    except ValueError:
        return None
    end = start + dt.timedelta(days=azure.client_secret_validity_days)
    return f"{end.isoformat()}T00:00:00Z"
