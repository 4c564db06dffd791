"""scripts/verify_charts.py (`make verify-charts`): its inputs, the commands it runs, the CRD schemas it writes, the
reference check and the summary, on a fixture chart. No chart repository is reachable here and neither helm nor
kubeconform is packaged for Debian/PyPI, so the orchestration runs against recording stand-ins for the two tools
(the real helm, where installed, proves the stand-in replays the fixture chart faithfully); the pull-request workflow
runs the script for real on every stack."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from components.versions import KUBERNETES_VERSION, VALIDATION_CHARTS
from scripts import verify_charts
from scripts.verify_charts import (
    crd_api_versions,
    missing_references,
    releases,
    strict_schema,
    write_crd_schemas,
)
from tests.harness import Rendered
from tools.stackfile import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "verify-charts"
FAKE_HELM = """import json, os, sys
from pathlib import Path
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(json.dumps(["helm", *sys.argv[1:]]) + "\\n")
if sys.argv[1] != "template":
    sys.exit("no chart repository here")
print((Path(sys.argv[3]) / "expected-template.yaml").read_text())
"""
FAKE_KUBECONFORM = """import json, os, sys
import yaml
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(json.dumps(["kubeconform", *sys.argv[1:]]) + "\\n")
invalid = set(os.environ.get("FAKE_INVALID_KINDS", "").split(","))
resources = []
for path in [a for a in sys.argv[1:] if a.endswith(".yaml")]:
    for doc in yaml.safe_load_all(open(path)):
        bad = doc["kind"] in invalid
        resources.append({"filename": path, "kind": doc["kind"], "name": doc["metadata"]["name"],
                          "status": "statusInvalid" if bad else "statusValid", "msg": "bad" if bad else ""})
valid = sum(r["status"] == "statusValid" for r in resources)
print(json.dumps({"resources": resources, "summary": {"valid": valid, "invalid": len(resources) - valid}}))
sys.exit(1 if valid < len(resources) else 0)
"""


def tool(path: Path, source: str) -> str:
    path.write_text(f"#!{sys.executable}\n{source}")
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    build = tmp_path / "build"
    shutil.copytree(FIXTURE / "build", build)
    log = tmp_path / "calls.jsonl"
    monkeypatch.setenv("FAKE_LOG", str(log))
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    helm = tool(tmp_path / "helm", FAKE_HELM)
    kubeconform = tool(tmp_path / "kubeconform", FAKE_KUBECONFORM)
    (dapr,) = [pin.chart for pin in VALIDATION_CHARTS]
    args = ["--stack", "fixture", "--build", str(build), "--helm", helm, "--kubeconform", kubeconform]
    args += ["--chart", f"kafka-ui={FIXTURE / 'chart'}", "--chart", f"{dapr}={FIXTURE / 'crd-chart'}"]
    return {"build": build, "log": log, "args": args, "tmp": tmp_path}


def calls(log: Path) -> list[list[str]]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_templates_the_release_as_deployed_and_validates_everything(workspace: dict[str, Any]) -> None:
    build = workspace["build"]
    assert verify_charts.main(workspace["args"]) == 0
    helm_calls = [c for c in calls(workspace["log"]) if c[0] == "helm"]
    crd_call, release_call = helm_calls
    assert crd_call[:2] == ["helm", "template"] and "--api-versions" not in crd_call
    assert release_call[1:4] == ["template", "kafka-ui", str(FIXTURE / "chart")]
    flags = dict(zip(release_call[4::2], release_call[5::2], strict=False))
    assert flags["--namespace"] == "monitoring"
    assert flags["--values"] == str(build / "helm" / "kafka-ui.values.yaml")
    assert flags["--kube-version"] == KUBERNETES_VERSION
    apis = [release_call[i + 1] for i, a in enumerate(release_call) if a == "--api-versions"]
    assert apis == ["dapr.io/v1alpha1", "dapr.io/v1alpha1/Configuration"]

    (kubeconform,) = [c for c in calls(workspace["log"]) if c[0] == "kubeconform"]
    assert "-strict" in kubeconform
    assert kubeconform[kubeconform.index("-kubernetes-version") + 1] == KUBERNETES_VERSION
    locations = [kubeconform[i + 1] for i, a in enumerate(kubeconform) if a == "-schema-location"]
    assert locations == [
        "default",
        f"{build}/verify/schemas/{{{{.Group}}}}/{{{{.ResourceKind}}}}_{{{{.ResourceAPIVersion}}}}.json",
    ]
    files = [Path(a).name for a in kubeconform if a.endswith(".yaml")]
    assert files == ["kafka-ui.yaml", "program-objects.yaml"]
    program = list(yaml.safe_load_all((build / "verify" / "manifests" / "program-objects.yaml").read_text()))
    assert [d["kind"] for d in program] == ["Secret", "Configuration"]
    assert (build / "verify" / "schemas" / "dapr.io" / "configuration_v1alpha1.json").is_file()
    summary = (build / "verify" / "summary.md").read_text()
    assert summary.startswith("### verify-charts: fixture passed") and "| kafka-ui | 2 |" in summary


def test_an_invalid_manifest_fails_and_is_named_in_the_summary(
    workspace: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_INVALID_KINDS", "Deployment")
    step_summary = workspace["tmp"] / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step_summary))
    assert verify_charts.main(workspace["args"]) == 1
    text = step_summary.read_text()
    assert "FAILED" in text and "**invalid manifests**" in text and "Deployment/kafka-ui: bad" in text


def test_a_secret_nobody_creates_fails_the_reference_check(workspace: dict[str, Any]) -> None:
    resources = json.loads((workspace["build"] / "resources.json").read_text())
    kept = [r for r in resources if r["type"] != "kubernetes:core/v1:Secret"]
    (workspace["build"] / "resources.json").write_text(json.dumps(kept))
    assert verify_charts.main(workspace["args"]) == 1
    summary = (workspace["build"] / "verify" / "summary.md").read_text()
    assert (
        "- Deployment/kafka-ui spec.template.spec.containers[app].envFrom: Secret monitoring/kafka-ui-credentials"
        " is created by no chart and not by the program" in summary
    )


def test_a_release_that_is_not_a_pin_is_refused(workspace: dict[str, Any]) -> None:
    path = workspace["build"] / "resources.json"
    path.write_text(path.read_text().replace('"1.6.4"', '"1.6.3"'))
    with pytest.raises(ValueError, match=r"kafka-ui 1\.6\.3 .* is not a pin"):
        releases(workspace["build"])
    assert verify_charts.main(workspace["args"]) == 2


def test_missing_tools_are_named() -> None:
    assert verify_charts.main(["--stack", "prod", "--helm", "no-such-helm-here"]) == 2


def test_every_rendered_stack_is_a_valid_input(renders: dict[str, Rendered]) -> None:
    for stack, rendered in renders.items():
        found = releases(rendered.dir)
        assert found[0].pin.chart == "prometheus-operator-crds", stack
        assert {r.name for r in found} == set(rendered.releases()), stack


# --- CRD schemas ----------------------------------------------------------------------------------------------------


def fixture_crd() -> dict[str, Any]:
    return yaml.safe_load((FIXTURE / "crd-chart" / "crds" / "configuration.yaml").read_text())


def test_crd_schemas_accept_good_objects_and_strictly_reject_unknown_fields(tmp_path: Path) -> None:
    (path,) = write_crd_schemas([fixture_crd()], tmp_path)
    assert path == tmp_path / "dapr.io" / "configuration_v1alpha1.json"
    schema = json.loads(path.read_text())
    good = {
        "apiVersion": "dapr.io/v1alpha1",
        "kind": "Configuration",
        "metadata": {"name": "t"},
        "spec": {"tracing": {"samplingRate": "1"}, "metrics": {"enabled": True, "extra": 1}},
    }
    jsonschema.validate(good, schema)  # preserve-unknown-fields keeps metrics open
    with pytest.raises(jsonschema.ValidationError, match="samplingRat"):
        jsonschema.validate({**good, "spec": {"tracing": {"samplingRat": "1"}}}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**good, "spec": {"tracing": {"samplingRate": 1}}}, schema)


def test_strictness_is_added_only_where_properties_are_declared() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "object"}, "b": {"type": "object", "properties": {}}}}
    strict = strict_schema(schema)
    assert strict["additionalProperties"] is False and strict["properties"]["b"]["additionalProperties"] is False
    assert "additionalProperties" not in strict["properties"]["a"]
    assert "additionalProperties" not in schema, "the input is not changed"


def test_api_versions_come_from_served_crd_versions() -> None:
    crd = fixture_crd()
    crd["spec"]["versions"].append({"name": "v0", "served": False})
    assert crd_api_versions([crd]) == {"dapr.io/v1alpha1", "dapr.io/v1alpha1/Configuration"}


# --- references -----------------------------------------------------------------------------------------------------


def pod(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "fb", "namespace": "logging"},
        "spec": {"template": {"spec": spec}},
    }


def obj(kind: str, name: str, namespace: str = "logging") -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": kind, "metadata": {"name": name, "namespace": namespace}}


def test_every_kind_of_reference_is_checked_in_its_namespace() -> None:
    workload = pod(
        serviceAccountName="fluent-bit",
        volumes=[
            {"name": "config", "configMap": {"name": "fluent-bit"}},
            {"name": "opt", "configMap": {"name": "maybe", "optional": True}},
            {"name": "creds", "secret": {"secretName": "sink"}},
            {"name": "ca", "projected": {"sources": [{"configMap": {"name": "kube-root-ca.crt"}}]}},
        ],
        containers=[{"name": "fb", "env": [{"name": "K", "valueFrom": {"secretKeyRef": {"name": "key", "key": "k"}}}]}],
    )
    documents = [
        workload,
        obj("ServiceAccount", "fluent-bit"),
        obj("ConfigMap", "fluent-bit"),
        obj("Secret", "sink", "monitoring"),
    ]
    nobody = "is created by no chart and not by the program"
    assert missing_references(documents) == [
        f"DaemonSet/fb spec.template.spec.containers[fb].env[K]: Secret logging/key {nobody}",
        f"DaemonSet/fb spec.template.spec.volumes[creds]: Secret logging/sink {nobody}",
    ]


def test_operator_resources_and_runtime_created_objects() -> None:
    prometheus = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "Prometheus",
        "metadata": {"name": "p", "namespace": "monitoring"},
        "spec": {
            "serviceAccountName": "prom",
            "thanos": {"objectStorageConfig": {"name": "thanos-objstore", "key": "o"}},
        },
    }
    operator = pod(volumes=[{"name": "tls", "secret": {"secretName": "kps-admission"}}])
    assert missing_references([prometheus, operator, obj("ServiceAccount", "prom", "monitoring")]) == [
        "Prometheus/p spec.thanos.objectStorageConfig: Secret monitoring/thanos-objstore"
        " is created by no chart and not by the program"
    ]


# --- the real helm, where installed ---------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("helm") is None, reason="helm is not installed (not packaged for Debian or PyPI)")
def test_the_fixture_chart_renders_as_the_stand_in_replays_it() -> None:
    done = subprocess.run(
        [
            "helm",
            "template",
            "kafka-ui",
            str(FIXTURE / "chart"),
            "--namespace",
            "monitoring",
            "--values",
            str(FIXTURE / "build" / "helm" / "kafka-ui.values.yaml"),
            "--kube-version",
            KUBERNETES_VERSION,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    expected = (FIXTURE / "chart" / "expected-template.yaml").read_text()
    assert list(yaml.safe_load_all(done.stdout)) == [d for d in yaml.safe_load_all(expected) if d]
