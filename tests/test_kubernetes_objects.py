"""The Kubernetes objects the program creates itself are valid for the target Kubernetes version, and that one
version (components.versions.KUBERNETES_VERSION) is the one every validation uses and README states."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.versions import KUBERNETES_VERSION, SUPPORTED_KUBERNETES_MINORS
from scripts import verify_charts
from scripts.kubernetes_objects import built_in_type, manifest, problems, supported_versions
from tests.harness import Rendered, render_stack
from tools.stackfile import ROOT


@pytest.fixture(scope="module")
def local_with_object_store(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """The local stack with its in-cluster object store: a Deployment, a PVC and a Service of the program's own."""
    base = tmp_path_factory.mktemp("local-store")
    local = yaml.safe_load((ROOT / "Pulumi.local.yaml").read_text())
    local["config"]["todo-observability:metrics"] = {"longTerm": {"enabled": True, "inClusterObjectStore": True}}
    (base / "Pulumi.local.yaml").write_text(yaml.safe_dump(local))
    done = render_stack("local", base / "out", base / "Pulumi.local.yaml")
    assert done.returncode == 0, done.stderr
    return json.loads((base / "out" / "resources.json").read_text())


def test_the_target_version_is_one_the_validator_ships_schemas_for() -> None:
    shipped = supported_versions()
    assert all(minor in shipped for minor in SUPPORTED_KUBERNETES_MINORS), shipped
    assert f"{SUPPORTED_KUBERNETES_MINORS[0]}.0" == KUBERNETES_VERSION


def test_every_directly_created_object_is_valid_for_the_target_version(rendered: Rendered) -> None:
    checked = [r for r in rendered.resources if built_in_type(r["type"])]
    assert {"Namespace", "Secret"} <= {r["inputs"]["kind"] for r in checked}
    assert problems(rendered.resources) == []


def test_the_programs_own_workload_is_valid_too(local_with_object_store: list[dict[str, Any]]) -> None:
    kinds = {r["inputs"]["kind"] for r in local_with_object_store if built_in_type(r["type"])}
    assert {"Deployment", "PersistentVolumeClaim", "Service", "Secret", "ConfigMap", "Namespace"} <= kinds
    assert problems(local_with_object_store) == []


def test_an_invalid_object_is_reported_with_its_path(local_with_object_store: list[dict[str, Any]]) -> None:
    (deployment,) = [copy.deepcopy(r) for r in local_with_object_store if r["type"] == "kubernetes:apps/v1:Deployment"]
    deployment["inputs"]["spec"]["replicas"] = "one"
    deployment["inputs"]["spec"]["template"]["spec"]["containers"][0]["imagePulPolicy"] = "Always"
    reported = problems([deployment])
    assert len(reported) == 1 and "spec.replicas" in reported[0] and deployment["name"] in reported[0]
    deployment["inputs"]["spec"]["replicas"] = 1
    (strict,) = problems([deployment])
    assert "imagePulPolicy" in strict, "strict: an unknown field is an error"


def test_custom_resources_and_releases_are_left_to_kubeconform() -> None:
    assert built_in_type("kubernetes:core/v1:Secret") and built_in_type("kubernetes:apps/v1:Deployment")
    assert not built_in_type("kubernetes:monitoring.coreos.com/v1:ServiceMonitor")
    assert not built_in_type("kubernetes:dapr.io/v1alpha1:Configuration")
    assert not built_in_type("kubernetes:helm.sh/v3:Release")
    assert not built_in_type("azure-native:storage:StorageAccount")


def test_a_redacted_secret_is_validated_as_an_object_without_its_value() -> None:
    secret = {
        "type": "kubernetes:core/v1:Secret",
        "name": "s",
        "inputs": {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "stringData": "[secret]"},
    }
    assert manifest(secret)["stringData"] == {"redacted": "[secret]"}
    assert problems([secret]) == []
    assert secret["inputs"]["stringData"] == "[secret]", "the resource itself is not changed"


def test_an_unsupported_version_fails_loudly() -> None:
    with pytest.raises(ValueError, match=r"no schemas for 1\.99"):
        problems([], "1.99.0")


def test_one_version_for_every_validation_and_readme_states_the_range() -> None:
    assert verify_charts.KUBERNETES_VERSION is KUBERNETES_VERSION
    readme = (ROOT / "README.md").read_text()
    first, last = SUPPORTED_KUBERNETES_MINORS[0], SUPPORTED_KUBERNETES_MINORS[-1]
    assert f"Kubernetes {first} to {last}" in readme and f"`{KUBERNETES_VERSION}`" in readme
    workflow = (ROOT / ".github" / "workflows" / "pull-request.yml").read_text()
    assert not re.search(r"kube(rnetes)?[-_]version[ =:]+['\"]?1\.\d+", workflow, re.I), (
        "the workflow takes it from the script"
    )
    assert not re.search(r"\b1\.3\d\.\d\b", Path(verify_charts.__file__).read_text())
