"""The PR and deploy pipelines: they run the tests, publish the render diff, preview with the policy
pack, and update production only behind an approved environment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tools.stackfile import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"


def load(name: str) -> dict[str, Any]:
    document = yaml.safe_load((WORKFLOWS / name).read_text())
    # YAML reads the bare key `on` as True.
    document["on"] = document.pop(True, document.get("on"))
    return document


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return job.get("steps", [])


def uses(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [s for s in steps(job) if str(s.get("uses", "")).startswith(action)]


def test_pull_requests_run_the_tests_and_the_render_diff() -> None:
    workflow = load("pull-request.yml")
    assert "pull_request" in workflow["on"]
    jobs = workflow["jobs"]
    assert any(s.get("run") == "bash .ci/run" for s in steps(jobs["test"]))
    diff_steps = " ".join(str(s.get("run", "")) for s in steps(jobs["render-diff"]))
    assert "make diff BASE=origin/${{ github.base_ref }}" in diff_steps
    assert "GITHUB_STEP_SUMMARY" in diff_steps
    assert uses(jobs["render-diff"], "actions/github-script"), "the diff is posted as a PR comment"


def test_previews_every_production_stack_with_the_policy_pack() -> None:
    preview = load("pull-request.yml")["jobs"]["preview"]
    stacks = {row["stack"] for row in preview["strategy"]["matrix"]["include"]}
    assert stacks == {p.name[len("Pulumi.") : -len(".yaml")] for p in ROOT.glob("Pulumi.prod*.yaml")}
    (pulumi,) = uses(preview, "pulumi/actions")
    assert pulumi["with"]["command"] == "preview" and pulumi["with"]["policyPacks"] == "policy"
    # Without credentials the job says so instead of failing.
    assert all("PULUMI_ACCESS_TOKEN" in str(s.get("if", "")) for s in steps(preview)[1:])


def test_main_updates_each_environment_behind_approval() -> None:
    workflow = load("deploy.yml")
    assert workflow["on"]["push"]["branches"] == ["main"]
    up = workflow["jobs"]["up"]
    assert up["environment"] == "production" and up["needs"] == "test"
    assert up["strategy"]["max-parallel"] == 1
    (pulumi,) = uses(up, "pulumi/actions")
    assert pulumi["with"]["command"] == "up" and pulumi["with"]["policyPacks"] == "policy"


def test_policy_pack_is_a_pulumi_policy_project() -> None:
    project = yaml.safe_load((ROOT / "policy" / "PulumiPolicy.yaml").read_text())
    assert project["runtime"]["name"] == "python"
    assert (ROOT / "policy" / "requirements.txt").read_text().startswith("pulumi-policy==")
    assert Path(ROOT / "policy" / "__main__.py").is_file()
