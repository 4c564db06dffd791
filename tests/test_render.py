"""The offline render: every stack renders, deterministically, shows no secret, and bad config
registers nothing."""

from __future__ import annotations

import filecmp
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from pulumi.runtime import rpc

from settings.secrets import PLACEHOLDER_PREFIX
from tests.harness import PRODUCTION_STACKS, STACKS, Rendered, render_all, render_stack
from tools.artifacts import to_yaml
from tools.mocks import SECRET_INVOKE_VALUES, invented_secrets, whole_numbers_as_int
from tools.stackfile import stack_file

NAMESPACE_TYPE = "kubernetes:core/v1:Namespace"
RELEASE_TYPE = "kubernetes:helm.sh/v3:Release"
# State that a delete or replacement destroys: volumes, buckets, log stores, CRDs (with every custom
# resource), and namespaces (with every volume in them).
STATEFUL_TYPES = frozenset(
    {
        "azure-native:storage:StorageAccount",
        "azure-native:storage:BlobContainer",
        "azure-native:operationalinsights:Workspace",
        "azure-native:operationalinsights:Table",
        "azure-native:applicationinsights:Component",
        "gcp:storage/bucket:Bucket",
        "gcp:logging/projectBucketConfig:ProjectBucketConfig",
        "oci:ObjectStorage/bucket:Bucket",
        "oci:Logging/logGroup:LogGroup",
        "oci:Logging/log:Log",
        "oci:LogAnalytics/logAnalyticsLogGroup:LogAnalyticsLogGroup",
        NAMESPACE_TYPE,
        "kubernetes:core/v1:PersistentVolumeClaim",
    }
)
# Releases whose uninstall deletes state: the CRDs, and kube-prometheus-stack (Grafana's volume).
STATEFUL_RELEASES = frozenset({"prometheus-operator-crds", "kube-prometheus-stack"})
# Documented prerequisites: Dapr's Configuration must sit in the app's namespaces (docs/tracing.md).
IN_APP_NAMESPACES = frozenset({"kubernetes:dapr.io/v1alpha1:Configuration"})


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


def differing_files(left: Path, right: Path) -> list[str]:
    differing: list[str] = []

    def walk(cmp: filecmp.dircmp[str], prefix: str = "") -> None:
        differing.extend(prefix + name for name in cmp.diff_files + cmp.left_only + cmp.right_only)
        for name, sub in cmp.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    walk(filecmp.dircmp(left, right))
    return differing


def test_two_renders_of_every_stack_are_byte_identical(tmp_path: Path, renders: dict[str, Rendered]) -> None:
    again = render_all(tmp_path)
    for stack in STACKS:
        assert differing_files(renders[stack].dir, again[stack].dir) == [], stack
        for path in renders[stack].dir.rglob("*"):
            if path.is_file():
                twin = again[stack].dir / path.relative_to(renders[stack].dir)
                assert path.read_bytes() == twin.read_bytes(), (stack, path.name)


def test_no_secret_value_appears_anywhere_in_any_build(renders: dict[str, Rendered]) -> None:
    for stack, rendered in renders.items():
        invented = [v for r in rendered.resources for v in invented_secrets(r["type"], r["name"])]
        leaks = [*invented, *SECRET_INVOKE_VALUES, PLACEHOLDER_PREFIX]
        if stack in PRODUCTION_STACKS:
            assert invented, f"{stack}: expected generated passwords to look for"
        files = [p for p in rendered.dir.rglob("*") if p.is_file()]
        assert len(files) > 10, stack
        for path in files:
            text = path.read_text()
            found = [leak for leak in leaks if leak in text]
            assert found == [], f"{stack}: {path.relative_to(rendered.dir)} shows {found}"


def test_the_secret_scan_knows_what_the_mocks_invent() -> None:
    assert invented_secrets("random:index/randomPassword:RandomPassword", "x") == ["mock-x"]
    [client_secret] = invented_secrets("azuread:index/applicationPassword:ApplicationPassword", "app")
    assert client_secret.startswith("mock-client-secret-") and len(client_secret) > len("mock-client-secret-")
    assert invented_secrets("kubernetes:core/v1:Secret", "x") == []


def test_resources_record_type_name_parent_and_masked_secrets(renders: dict[str, Rendered]) -> None:
    resources = renders["prod"].resources
    for row in resources:
        assert set(row) >= {"type", "name", "parent", "inputs"}
    children = [r for r in resources if r["parent"]]
    assert children, "components parent their resources"


def whole_floats(value: Any, path: str = "") -> list[str]:
    if isinstance(value, float) and value.is_integer():
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in whole_floats(v, f"{path}/{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in whole_floats(v, f"{path}[{i}]")]
    return []


def test_numbers_are_written_as_helm_and_kubernetes_see_them(rendered: Rendered) -> None:
    """The engine carries numbers as doubles; `replicas: 2.0` in a build file is not what Helm sees."""
    assert whole_floats(rendered.resources) == []
    for values_file in rendered.files("helm/*.values.yaml"):
        assert whole_floats(yaml.safe_load(values_file.read_text())) == [], values_file.name
    assert type(rendered.helm_values("kube-prometheus-stack")["prometheus"]["prometheusSpec"]["replicas"]) is int


def test_whole_numbers_become_int_and_the_rest_stays() -> None:
    secret = {rpc._special_sig_key: rpc._special_secret_sig, "value": 3.0}
    converted = whole_numbers_as_int({"replicas": 2.0, "ratio": 0.5, "on": True, "list": [200.0, "x"], "s": secret})
    assert converted == {"replicas": 2, "ratio": 0.5, "on": True, "list": [200, "x"], "s": {**secret, "value": 3}}
    assert type(converted["replicas"]) is int and type(converted["list"][0]) is int and converted["on"] is True
    assert json.dumps(converted["list"]) == '[200, "x"]'


def test_everything_lands_in_a_namespace_the_program_creates(rendered: Rendered) -> None:
    """`pulumi up` must not depend on the app being installed first (its namespaces may not exist)."""
    created = {r["inputs"]["metadata"]["name"] for r in rendered.of_type(NAMESPACE_TYPE)}
    elsewhere = []
    for row in rendered.resources:
        if not row["type"].startswith("kubernetes:") or row["type"] in IN_APP_NAMESPACES:
            continue
        namespace = (row["inputs"].get("metadata") or {}).get("namespace") or row["inputs"].get("namespace")
        if namespace and namespace not in created:
            elsewhere.append(f"{row['type']}::{row['name']} in {namespace}")
    assert created and elsewhere == []


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


def stateful(rendered: Rendered) -> list[dict[str, Any]]:
    return [
        r
        for r in rendered.resources
        if r["type"] in STATEFUL_TYPES or (r["type"] == RELEASE_TYPE and r["inputs"].get("name") in STATEFUL_RELEASES)
    ]


@pytest.mark.parametrize("stack", PRODUCTION_STACKS)
def test_production_stacks_protect_every_stateful_resource(renders: dict[str, Rendered], stack: str) -> None:
    rows = stateful(renders[stack])
    cloud = [r for r in rows if not r["type"].startswith("kubernetes:")]
    assert cloud, f"{stack}: a production stack keeps metrics or logs in its cloud"
    assert {r["inputs"].get("name") for r in rows if r["type"] == RELEASE_TYPE} == STATEFUL_RELEASES
    unprotected = [f"{r['type']}::{r['name']}" for r in rows if not r["protect"]]
    assert unprotected == []


def test_development_stacks_stay_destroyable(renders: dict[str, Rendered]) -> None:
    for stack in set(STACKS) - set(PRODUCTION_STACKS):
        rows = stateful(renders[stack])
        assert rows, stack
        assert [r["name"] for r in renders[stack].resources if r["protect"]] == [], stack


def test_crds_survive_an_uninstall_or_replacement_in_every_stack(rendered: Rendered) -> None:
    """Deleting a CRD deletes every object of its kind (Prometheus, Alertmanager, monitors, rules)."""
    release = rendered.releases()["prometheus-operator-crds"]["inputs"]
    # `crds.annotations` is the key of prometheus-operator-crds 31.0.1 (values.yaml, `crds` subchart).
    assert (release["chart"], release["version"]) == ("prometheus-operator-crds", "31.0.1")
    values = rendered.helm_values("prometheus-operator-crds")
    assert values["crds"]["annotations"] == {"helm.sh/resource-policy": "keep"}


def test_yaml_files_are_the_same_bytes_with_libyaml_and_pure_python_pyyaml(rendered: Rendered) -> None:
    """The render writes YAML with libyaml's emitter where PyYAML has it: every rendered YAML file
    dumps to the same bytes with PyYAML's own emitter, so a machine without libyaml renders the same."""
    if not hasattr(yaml, "CSafeDumper"):
        pytest.skip("PyYAML was built without libyaml")
    paths = rendered.files("**/*.yaml")
    assert any("rules/" in str(p) for p in paths) and any("helm/" in str(p) for p in paths)
    # Long quoted strings (PromQL, Fluent Bit sections) are where the two emitters would differ.
    assert any(len(line) > 200 for p in paths for line in p.read_text().splitlines())
    for path in paths:
        text = path.read_text()
        data = yaml.safe_load(text)
        assert to_yaml(data, yaml.CSafeDumper) == to_yaml(data, yaml.SafeDumper) == text, path
