"""Providers are built once from config and passed down: every cloud resource uses the stack's
provider, and OCI's IAM policies go to the tenancy's home region."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.harness import Rendered, render_stack
from tools.stackfile import stack_file

OCI_POLICY = "oci:Identity/policy:Policy"


def test_every_resource_uses_an_explicit_provider_of_its_package(rendered: Rendered) -> None:
    providers = {
        r["name"]: r["type"].split(":")[-1] for r in rendered.resources if r["type"].startswith("pulumi:providers:")
    }
    for row in rendered.resources:
        # pulumi-random has nothing to configure: its default provider is the right one. A dynamic
        # resource (the OCI log source) is served by its own Python provider, which takes its region
        # as an input (tests/test_logging.py checks it is the stack's).
        exempt = ("pulumi:providers:", "random:", "pulumi-python:dynamic")
        if row["custom"] and not row["type"].startswith(exempt):
            assert row["provider"], f"{row['type']} {row['name']} uses the default provider"
            name = row["provider"].removesuffix("-id")
            assert row["type"].split(":")[0] == providers[name], f"{row['name']} uses provider {name}"


def test_oci_policies_go_to_the_home_region_and_the_rest_to_the_stack_region(renders: dict[str, Rendered]) -> None:
    rendered = renders["prod-oci"]
    regions = {r["name"]: r["inputs"]["region"] for r in rendered.resources if r["type"] == "pulumi:providers:oci"}
    assert regions == {"oci": "eu-frankfurt-1", "oci-home": "eu-amsterdam-1"}
    oci_resources = [r for r in rendered.resources if r["type"].startswith("oci:")]
    assert {r["provider"] for r in oci_resources if r["type"] == OCI_POLICY} == {"oci-home-id"}
    assert {r["provider"] for r in oci_resources if r["type"] != OCI_POLICY} == {"oci-id"}


def test_one_oci_provider_when_the_stack_runs_in_the_home_region(tmp_path: Path) -> None:
    document = yaml.safe_load(stack_file("prod-oci").read_text())
    del document["config"]["todo-observability:oci"]["homeRegion"]
    config = tmp_path / "Pulumi.same-region.yaml"
    config.write_text(yaml.safe_dump(document))
    out = tmp_path / "out"
    assert render_stack("prod-oci", out, config).returncode == 0
    resources = json.loads((out / "resources.json").read_text())
    assert [r["name"] for r in resources if r["type"] == "pulumi:providers:oci"] == ["oci"]
    assert {r["provider"] for r in resources if r["type"] == OCI_POLICY} == {"oci-id"}
