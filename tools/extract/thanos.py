"""Long-term storage for reviewers: the objstore config Thanos and the sidecars read (every field not
known to be plain masked), and which service accounts reach the bucket with which identity."""

from __future__ import annotations

from typing import Any

import yaml

from render.thanos import OBJSTORE_PLAIN_FIELDS, OBJSTORE_PLAIN_TOP_LEVEL, OBJSTORE_SECRET_KEY, OBJSTORE_SECRET_NAME
from tools.artifacts import RELEASE_TYPE, SECRET_TYPE, Files, to_yaml
from tools.mocks import SECRET_MASK, Registration, mask_secrets, unwrap


def mask_objstore(objstore: dict[str, Any]) -> dict[str, Any]:
    """An allow-list, not a deny-list: a field this project has not reviewed as plain (a credential,
    a field of an unknown type, one a newer objstore adds) is shown as `[secret]`."""
    plain = OBJSTORE_PLAIN_FIELDS.get(str(objstore.get("type", "")).upper(), frozenset())
    masked: dict[str, Any] = {
        key: (value if key in OBJSTORE_PLAIN_TOP_LEVEL else SECRET_MASK)
        for key, value in objstore.items()
        if key != "config"
    }
    if "config" in objstore:
        masked["config"] = {k: (v if k in plain else SECRET_MASK) for k, v in (objstore["config"] or {}).items()}
    return masked


def _objstore(registrations: list[Registration]) -> Files:
    for r in registrations:
        metadata = r.inputs.get("metadata") or {}
        if r.type == SECRET_TYPE and metadata.get("name") == OBJSTORE_SECRET_NAME:
            text = (unwrap(r.inputs.get("stringData")) or {}).get(OBJSTORE_SECRET_KEY, "")
            return {"thanos/objstore.yaml": to_yaml(mask_objstore(yaml.safe_load(text) or {}))}
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
