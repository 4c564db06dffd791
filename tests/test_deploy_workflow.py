"""The deploy workflow can authenticate to each cloud (issue #14 item 12): the cluster-credentials action's
shell steps are run here with stand-in `az`, `kubelogin`, `oci`, `kubectl` and `pip`, and what they leave in
$GITHUB_ENV (what the later `pulumi up` step of deploy.yml sees) is checked."""

from __future__ import annotations

import os
import re
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tools.stackfile import ROOT

ACTION = ROOT / ".github" / "actions" / "cluster-credentials" / "action.yml"
DEPLOY = ROOT / ".github" / "workflows" / "deploy.yml"
VARS = {
    "AZURE_CLIENT_ID": "client-1",
    "AZURE_TENANT_ID": "tenant-1",
    "AZURE_SUBSCRIPTION_ID": "subscription-1",
    "AKS_RESOURCE_GROUP": "rg",
    "AKS_CLUSTER": "todo-prod-aks",
    "OCI_CLI_USER": "ocid1.user.oc1..u",
    "OCI_CLI_TENANCY": "ocid1.tenancy.oc1..t",
    "OCI_CLI_FINGERPRINT": "aa:bb",
    "OCI_CLI_REGION": "eu-frankfurt-1",
    "OKE_CLUSTER_ID": "ocid1.cluster.oc1..c",
    "OKE_CONTEXT": "todo-prod-oke",
}
KEY = "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----"
STUBS = ("az", "kubelogin", "oci", "kubectl", "pip")


def expression(text: str, env: dict[str, str]) -> str:
    """GitHub's `${{ ... }}` for the forms the action uses: inputs/vars/env lookups joined by `||`."""

    def one(match: re.Match[str]) -> str:
        for alternative in match.group(1).split("||"):
            scope, _, name = alternative.strip().partition(".")
            value = {"vars": VARS, "env": env}.get(scope, {}).get(name, "")
            if value:
                return value
        return ""

    return re.sub(r"\$\{\{\s*(.*?)\s*\}\}", one, text)


def steps_for(cloud: str) -> list[dict[str, Any]]:
    steps = yaml.safe_load(ACTION.read_text())["runs"]["steps"]
    return [s for s in steps if s.get("if") == f"inputs.cloud == '{cloud}'"]


def run_shell_steps(cloud: str, tmp_path: Path, job_env: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """Runs the cloud's `run:` steps in order as the runner does; returns $GITHUB_ENV and the commands run."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls.log"
    for name in STUBS:
        stub = bin_dir / name
        stub.write_text(
            f'#!/bin/sh\necho "{name} $*" >> "{calls}"\n'
            'if [ "$1 $2" = "config current-context" ]; then echo ctx; fi\nexit 0\n'
        )
        stub.chmod(stub.stat().st_mode | stat.S_IEXEC)
    github_env = tmp_path / "github_env"
    github_env.write_text("")
    home = tmp_path / "home"
    home.mkdir()
    for step in steps_for(cloud):
        if "run" not in step:
            continue
        env = {
            "PATH": f"{bin_dir}:{os.environ['PATH']}",
            "HOME": str(home),
            "GITHUB_ENV": str(github_env),
            **job_env,
            **{k: expression(v, job_env) for k, v in (step.get("env") or {}).items()},
        }
        done = subprocess.run(
            ["bash", "-e", "-c", expression(step["run"], job_env)], env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
    exported = dict(line.split("=", 1) for line in github_env.read_text().splitlines() if line)
    return exported, calls.read_text().splitlines() if calls.exists() else []


def test_azure_exports_what_the_providers_need_for_oidc(tmp_path: Path) -> None:
    exported, _ = run_shell_steps("azure", tmp_path, {})
    assert exported["ARM_USE_OIDC"] == "true"
    assert exported["ARM_CLIENT_ID"] == VARS["AZURE_CLIENT_ID"]
    assert exported["ARM_TENANT_ID"] == VARS["AZURE_TENANT_ID"]
    assert exported["ARM_SUBSCRIPTION_ID"] == VARS["AZURE_SUBSCRIPTION_ID"]


def test_azure_converts_the_kubeconfig_for_entra_id_after_getting_it(tmp_path: Path) -> None:
    _, calls = run_shell_steps("azure", tmp_path, {})
    commands = [c.split()[0:2] for c in calls]
    assert ["az", "aks"] in commands
    convert = next(i for i, c in enumerate(calls) if c.startswith("kubelogin convert-kubeconfig"))
    assert convert > commands.index(["az", "aks"])
    assert re.search(r"-l (azurecli|workloadidentity)\b", calls[convert])
    # kubelogin is installed by a step before the one that calls it.
    uses = [s.get("uses", "") for s in steps_for("azure")]
    assert any(u.startswith("azure/use-kubelogin@") for u in uses)


def test_oci_identity_reaches_the_later_steps_without_the_key_content(tmp_path: Path) -> None:
    exported, calls = run_shell_steps("oci", tmp_path, {"OCI_CLI_KEY_CONTENT": KEY})
    for name in ("OCI_CLI_USER", "OCI_CLI_TENANCY", "OCI_CLI_FINGERPRINT", "OCI_CLI_REGION"):
        assert exported[name] == VARS[name]
    # pulumi-oci's own variable names for the same identity.
    assert exported["OCI_USER_OCID"] == VARS["OCI_CLI_USER"]
    assert exported["OCI_TENANCY_OCID"] == VARS["OCI_CLI_TENANCY"]
    assert exported["OCI_FINGERPRINT"] == VARS["OCI_CLI_FINGERPRINT"]
    assert exported["OCI_REGION"] == VARS["OCI_CLI_REGION"]
    key_file = Path(exported["OCI_CLI_KEY_FILE"])
    assert exported["OCI_PRIVATE_KEY_PATH"] == str(key_file)
    assert key_file.read_text().strip() == KEY
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert KEY.splitlines()[1] not in "\n".join(exported.values())
    assert any(c.startswith("oci ce cluster create-kubeconfig") for c in calls)


@pytest.mark.parametrize("cloud", ["azure", "oci"])
def test_the_pulumi_up_step_comes_after_the_credentials(cloud: str) -> None:
    """$GITHUB_ENV reaches only later steps: the action must run before `pulumi up`."""
    steps = yaml.safe_load(DEPLOY.read_text())["jobs"]["up"]["steps"]
    uses = [s.get("uses", "") for s in steps]
    credentials = uses.index("./.github/actions/cluster-credentials")
    up = next(i for i, s in enumerate(steps) if (s.get("with") or {}).get("command") == "up")
    assert credentials < up
    clouds = {
        entry["cloud"] for entry in yaml.safe_load(DEPLOY.read_text())["jobs"]["up"]["strategy"]["matrix"]["include"]
    }
    assert cloud in clouds
