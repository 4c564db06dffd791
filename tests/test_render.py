"""The offline render: every stack renders, deterministically, and bad config registers nothing."""

from __future__ import annotations

import filecmp
from pathlib import Path

import yaml

from tests.harness import PRODUCTION_STACKS, STACKS, Rendered, render_stack
from tools.stackfile import stack_file


def test_every_stack_file_is_rendered(renders: dict[str, Rendered]) -> None:
    assert set(renders) == set(STACKS) >= {"local", "prod", "prod-gcp", "prod-oci"}
    for stack, rendered in renders.items():
        assert rendered.resources, stack
        assert (rendered.dir / "resources.json").is_file()


def test_summary_lists_components_totals_and_secrets(renders: dict[str, Rendered]) -> None:
    prod = renders["prod"].stdout
    assert "Resources by component:" in prod and "Resources by type:" in prod and "Total:" in prod
    assert "pulumi config set --secret --path 'secrets.pagerdutyRoutingKey' <value>" in prod
    assert "Secrets still to set: none" in renders["local"].stdout


def test_two_renders_are_byte_identical(tmp_path: Path, renders: dict[str, Rendered]) -> None:
    again = tmp_path / "prod"
    assert render_stack("prod", again).returncode == 0
    comparison = filecmp.dircmp(renders["prod"].dir, again)
    differing: list[str] = []

    def walk(cmp: filecmp.dircmp[str], prefix: str = "") -> None:
        differing.extend(prefix + name for name in cmp.diff_files + cmp.left_only + cmp.right_only)
        for name, sub in cmp.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    walk(comparison)
    assert differing == []


def test_resources_record_type_name_parent_and_masked_secrets(renders: dict[str, Rendered]) -> None:
    resources = renders["prod"].resources
    for row in resources:
        assert set(row) >= {"type", "name", "parent", "inputs"}
    children = [r for r in resources if r["parent"]]
    assert children, "components parent their resources"
    text = (renders["prod"].dir / "resources.json").read_text()
    assert "PLACEHOLDER-set-secrets" not in text, "secret placeholders are masked like real secrets"


def test_bad_config_fails_before_any_resource(tmp_path: Path) -> None:
    document = yaml.safe_load(stack_file("local").read_text())
    document["config"]["todo-observability:logging"] = {"retentionDays": "a month"}
    bad = tmp_path / "Pulumi.bad.yaml"
    bad.write_text(yaml.safe_dump(document))
    out = tmp_path / "out"
    done = render_stack("bad", out, bad)
    assert done.returncode == 2
    assert "todo-observability:logging.retentionDays must be an integer" in done.stderr
    assert "0 resources were registered; nothing was written." in done.stderr
    assert not out.exists()


def test_production_stacks_are_production(renders: dict[str, Rendered]) -> None:
    for stack in PRODUCTION_STACKS:
        assert "environment: production" in stack_file(stack).read_text()
