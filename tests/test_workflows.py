"""The PR and deploy pipelines: they run the tests, publish the render diff, preview with the policy
pack, and update production only behind an approved environment."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.harness import STACKS
from tools.stackfile import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
CREDENTIALS_SCRIPT = ROOT / ".github" / "scripts" / "preview-credentials.sh"


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


def test_preview_steps_run_only_when_the_credentials_check_says_ready() -> None:
    preview = load("pull-request.yml")["jobs"]["preview"]
    checkout, gate, *rest = steps(preview)
    assert checkout["uses"].startswith("actions/checkout") and gate["id"] == "credentials"
    assert gate["run"] == f"bash {CREDENTIALS_SCRIPT.relative_to(ROOT)}"
    assert rest and all(s.get("if") == "steps.credentials.outputs.ready == 'true'" for s in rest)
    assert preview["env"]["CLOUD_IDENTITY"] == "${{ vars[matrix.identity] }}"
    assert preview["env"]["PULUMI_ACCESS_TOKEN"] == "${{ secrets.PULUMI_ACCESS_TOKEN }}"


def cluster_credentials_variables(cloud: str) -> set[str]:
    """Repository variables the cluster-credentials action reads when logging in to `cloud`."""
    action = yaml.safe_load((ROOT / ".github" / "actions" / "cluster-credentials" / "action.yml").read_text())
    text = " ".join(str(s) for s in action["runs"]["steps"] if s.get("if") == f"inputs.cloud == '{cloud}'")
    return set(re.findall(r"vars\.([A-Z0-9_]+)", text))


def test_each_preview_gates_on_a_variable_its_cloud_login_needs() -> None:
    rows = load("pull-request.yml")["jobs"]["preview"]["strategy"]["matrix"]["include"]
    expected = {"azure": "AZURE_CLIENT_ID", "gcp": "GCP_WORKLOAD_IDENTITY_PROVIDER", "oci": "OKE_CLUSTER_ID"}
    assert {row["cloud"]: row["identity"] for row in rows} == expected
    for row in rows:
        assert row["identity"] in cluster_credentials_variables(row["cloud"]), row


def run_credentials_check(tmp_path: Path, **env: str) -> tuple[str, str]:
    output = tmp_path / "github_output"
    output.write_text("")
    done = subprocess.run(
        ["bash", str(CREDENTIALS_SCRIPT)],
        env={"PATH": os.environ["PATH"], "GITHUB_OUTPUT": str(output), "STACK": "prod-gcp", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout, output.read_text().strip()


def test_credentials_check_skips_with_a_notice_when_the_token_is_missing(tmp_path: Path) -> None:
    stdout, output = run_credentials_check(tmp_path, CLOUD_IDENTITY="projects/1/x", IDENTITY_VARIABLE="X")
    assert output == "ready=false"
    assert stdout.startswith("::notice::No PULUMI_ACCESS_TOKEN") and "prod-gcp skipped" in stdout


def test_credentials_check_skips_with_a_notice_when_the_identity_is_missing(tmp_path: Path) -> None:
    stdout, output = run_credentials_check(
        tmp_path, PULUMI_ACCESS_TOKEN="pul-x", CLOUD_IDENTITY="", IDENTITY_VARIABLE="GCP_WORKLOAD_IDENTITY_PROVIDER"
    )
    assert output == "ready=false"
    assert stdout == (
        "::notice::Repository variable GCP_WORKLOAD_IDENTITY_PROVIDER is not set; preview of prod-gcp skipped.\n"
    )


def test_credentials_check_is_ready_with_token_and_identity(tmp_path: Path) -> None:
    stdout, output = run_credentials_check(
        tmp_path, PULUMI_ACCESS_TOKEN="pul-x", CLOUD_IDENTITY="projects/1/x", IDENTITY_VARIABLE="X"
    )
    assert (stdout, output) == ("", "ready=true")


def test_main_updates_each_stack_behind_its_own_environment() -> None:
    workflow = load("deploy.yml")
    assert workflow["on"]["push"]["branches"] == ["main"]
    up = workflow["jobs"]["up"]
    assert up["environment"] == "${{ matrix.environment }}" and up["needs"] == "test"
    rows = up["strategy"]["matrix"]["include"]
    # One environment per cloud, so an approval releases exactly one production stack.
    assert {row["stack"]: row["environment"] for row in rows} == {
        "prod": "production-azure",
        "prod-gcp": "production-gcp",
        "prod-oci": "production-oci",
    }
    assert all(row["environment"] == f"production-{row['cloud']}" for row in rows)
    assert up["strategy"]["max-parallel"] == 1
    (pulumi,) = uses(up, "pulumi/actions")
    assert pulumi["with"]["command"] == "up" and pulumi["with"]["policyPacks"] == "policy"
    assert not any("if" in s for s in steps(up)), "a deploy with missing credentials must fail, not skip"


def test_policy_pack_is_a_pulumi_policy_project() -> None:
    project = yaml.safe_load((ROOT / "policy" / "PulumiPolicy.yaml").read_text())
    assert project["runtime"]["name"] == "python"
    assert (ROOT / "policy" / "requirements.txt").read_text().startswith("pulumi-policy==")
    assert Path(ROOT / "policy" / "__main__.py").is_file()


def test_every_stack_verifies_its_charts_with_pinned_tools() -> None:
    job = load("pull-request.yml")["jobs"]["verify-charts"]
    assert job["strategy"]["matrix"]["stack"] == STACKS
    assert job["timeout-minutes"] <= 20
    (helm,) = uses(job, "azure/setup-helm")
    assert helm["with"]["version"] == "${{ env.HELM_VERSION }}"
    assert re.fullmatch(r"v\d+\.\d+\.\d+", job["env"]["HELM_VERSION"])
    assert re.fullmatch(r"v\d+\.\d+\.\d+", job["env"]["KUBECONFORM_VERSION"])
    install = next(s["run"] for s in steps(job) if "kubeconform" in s.get("name", ""))
    assert "$KUBECONFORM_VERSION" in install and "sha256sum -c" in install
    assert steps(job)[-1]["run"] == "make verify-charts STACK=${{ matrix.stack }}"
    makefile = (ROOT / "Makefile").read_text()
    assert "verify-charts: render\n\t$(PY) -m scripts.verify_charts --stack $(STACK)\n" in makefile


def test_the_test_job_has_node_for_the_renovate_validator() -> None:
    (node,) = uses(load("pull-request.yml")["jobs"]["test"], "actions/setup-node")
    assert int(node["with"]["node-version"]) >= 24
