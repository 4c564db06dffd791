"""Long-term storage for reviewers: the objstore config Thanos and the sidecars read (credential
fields masked), and which service accounts reach the bucket with which identity."""

from __future__ import annotations

from typing import Any

import yaml

from render.thanos import OBJSTORE_SECRET_KEY, OBJSTORE_SECRET_NAME
from tools.artifacts import RELEASE_TYPE, SECRET_TYPE, Files, to_yaml
from tools.mocks import SECRET_MASK, Registration, mask_secrets, unwrap

# objstore fields that hold a credential, whichever provider they belong to.
CREDENTIAL_FIELDS = frozenset(
    {
        "secret_key",
        "session_token",
        "client_secret",
        "storage_account_key",
        "storage_connection_string",
        "privatekey",
        "passphrase",
        "service_account",
    }
)


def _mask_credentials(config: dict[str, Any]) -> dict[str, Any]:
    inner = {k: (SECRET_MASK if k in CREDENTIAL_FIELDS and v else v) for k, v in (config.get("config") or {}).items()}
    return {**config, "config": inner}


def _objstore(registrations: list[Registration]) -> Files:
    for r in registrations:
        metadata = r.inputs.get("metadata") or {}
        if r.type == SECRET_TYPE and metadata.get("name") == OBJSTORE_SECRET_NAME:
            text = (unwrap(r.inputs.get("stringData")) or {}).get(OBJSTORE_SECRET_KEY, "")
            return {"thanos/objstore.yaml": to_yaml(_mask_credentials(yaml.safe_load(text) or {}))}
    return {}


def _service_accounts(registrations: list[Registration]) -> Files:
    """Thanos' service accounts as the chart will create them, with their identity annotations."""
    for r in registrations:
        if r.type == RELEASE_TYPE and r.inputs.get("chart") == "thanos":
            values = mask_secrets(r.inputs.get("values") or {})
            accounts = {
                component: {
                    "serviceAccount": (values.get(component) or {}).get("serviceAccount", {}),
                    "podLabels": (values.get(component) or {}).get("podLabels", {}),
                    "args": (values.get(component) or {}).get("extraArgs", []),
                }
                for component in ("query", "storeGateway", "compact")
            }
            return {"thanos/components.yaml": to_yaml(accounts)}
    return {}


def extract(registrations: list[Registration]) -> Files:
    return {**_objstore(registrations), **_service_accounts(registrations)}
