"""`tools.artifacts.resources_json`: secrets masked wherever they sit, and inputs without one written as
recorded."""

from __future__ import annotations

import json
from typing import Any

from pulumi.runtime import rpc

from tools.artifacts import resources_json
from tools.mocks import SECRET_MASK, Registration, encode_inputs

SECRET = rpc.wrap_rpc_secret("hunter2")


def registration(name: str, inputs: dict[str, Any]) -> Registration:
    return Registration(
        urn=f"urn:pulumi:s::p::kubernetes:core/v1:ConfigMap::{name}",
        type="kubernetes:core/v1:ConfigMap",
        name=name,
        custom=True,
        parent_urn="",
        encoded_inputs=encode_inputs(inputs),
        protect=False,
        dependencies=[],
        aliases=0,
        provider="",
    )


def test_secrets_are_masked_at_any_depth_and_plain_inputs_kept() -> None:
    plain = {"data": {"a": "1", "b": ["x", {"c": 2, "d": None, "e": True}]}, "immutable": False}
    nested = {"data": {"list": [{"password": SECRET}], "keep": "visible"}}
    rows = json.loads(resources_json([registration("plain", plain), registration("nested", nested)])["resources.json"])
    by_name = {row["name"]: row["inputs"] for row in rows}
    assert by_name["plain"] == plain
    assert by_name["nested"] == {"data": {"list": [{"password": SECRET_MASK}], "keep": "visible"}}
    assert "hunter2" not in json.dumps(rows)
