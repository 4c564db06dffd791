"""The offline render: every stack renders, deterministically, shows no secret, and bad config
registers nothing."""

from __future__ import annotations

import filecmp
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from pulumi.runtime import rpc

from components.versions import PROMETHEUS_OPERATOR_CRDS
from settings.secrets import PLACEHOLDER_PREFIX
from tests.harness import PRODUCTION_STACKS, STACKS, Rendered, event_loops_after, render_all, render_stack
from tools.artifacts import to_yaml
from tools.mocks import SECRET_INVOKE_VALUES, invented_secrets, whole_numbers_as_int
from tools.stackfile import ROOT, stack_file

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
    assert (release["chart"], release["version"]) == (PROMETHEUS_OPERATOR_CRDS.chart, PROMETHEUS_OPERATOR_CRDS.version)
    # The chart version `crds.annotations` was read at (values.yaml, `crds` subchart): a new pin must re-read it.
    assert PROMETHEUS_OPERATOR_CRDS.version == "31.0.1"
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
        assert to_yaml(data) == to_yaml(data, yaml.CSafeDumper) == to_yaml(data, yaml.SafeDumper) == text, path


# Values where YAML's and JSON's quoting, typing and escaping decide the bytes.
TRICKY_STRINGS = [
    "",
    " leading space",
    "trailing space ",
    "multi\nline\n",
    "multi\nline no final newline",
    "  indented\n  block\n",
    "key: value",
    "# not a comment",
    "a #b",
    "'single'",
    '"double"',
    "it's",
    "unicode: é ü 日本 ✓",
    "emoji 🙂",
    "tab\there",
    "control \x07 bell",
    "1",
    "1.5",
    "0x1f",
    "0o17",
    "1e3",
    "1_000",
    "true",
    "True",
    "yes",
    "no",
    "on",
    "off",
    "null",
    "~",
    "-",
    "- item",
    "?",
    "[a]",
    "{a: 1}",
    "*alias",
    "&anchor",
    "!tag",
    "%directive",
    "@at",
    "`tick",
    "=",
    "<<",
    "2026-12-01",
    "12:30:00",
    ".inf",
    ".nan",
    'sum(rate(x{job="a"}[5m])) by (le) > 0.5',
    "x" * 500,
    "line with \\ backslash",
]


def tricky_documents() -> list[Any]:
    shared_list = ["same", "list"]
    shared_dict = {"same": "dict"}
    return [
        {"strings": TRICKY_STRINGS, "keys": {s: s for s in TRICKY_STRINGS if s}},
        {"ints": [0, -1, 2**40, 10**30], "floats": [0.5, -0.0, 1e16, 1.5e-7, 3.0], "bools": [True, False, None]},
        {"empty": {"dict": {}, "list": [], "string": ""}, "nested": [[[]], [{}], {"a": [{"b": []}]}]},
        {"first": shared_list, "second": shared_list, "third": shared_dict, "fourth": shared_dict},
        {"mixed keys": {1: "one", "two": 2, None: "null"}, "tuple": (1, 2)},
        ["a list", {"at": "the top"}],
        "a scalar document",
        None,
    ]


def test_the_fast_yaml_representer_writes_pyyaml_s_bytes_for_tricky_values() -> None:
    """tools.artifacts builds SafeRepresenter's nodes itself for plain data: byte for byte what
    yaml.dump writes with the same options, with either emitter, anchors for shared values included."""
    from tools.artifacts import DUMPER, PlainRepresenter, PlainResolver, plain_dumper

    assert issubclass(DUMPER, PlainRepresenter) and issubclass(DUMPER, PlainResolver)
    emitters = [yaml.SafeDumper, *([yaml.CSafeDumper] if hasattr(yaml, "CSafeDumper") else [])]
    for document in tricky_documents():
        for emitter in emitters:
            assert to_yaml(document, plain_dumper(emitter)) == to_yaml(document, emitter), (emitter, document)
    shared = to_yaml(tricky_documents()[3])
    assert "&id001" in shared and "*id001" in shared


def test_the_fast_json_writer_writes_json_dumps_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    """to_json writes json.dumps(indent=2, sort_keys=True) itself for plain data (the json module's
    indenting encoder is pure Python), and hands anything else (non-string keys, tuples, NaN) to it."""
    import tools.artifacts
    from tools.artifacts import to_json

    documents = [d for d in tricky_documents() if not (isinstance(d, dict) and "mixed keys" in d)]
    documents += [{"int keys": {2: "b", 1: "a"}, "tuple": (1, 2)}, {"nan": float("nan"), "inf": [float("-inf")]}]
    for document in documents:
        assert to_json(document) == json.dumps(document, indent=2, sort_keys=True) + "\n", document

    def indenting_encoder(*args: Any, **kwargs: Any) -> str:
        raise AssertionError("plain data went through json.dumps")

    monkeypatch.setattr(tools.artifacts.json, "dumps", indenting_encoder)
    assert to_json({"b": [1, 2.5, None], "a": {"x": "é"}}).startswith('{\n  "a": {\n    "x": "\\u00e9"\n  },')


def test_every_rendered_json_file_is_what_json_dumps_writes(rendered: Rendered) -> None:
    paths = rendered.files("**/*.json")
    assert any(p.name == "resources.json" for p in paths) and any("dashboards" in str(p) for p in paths)
    for path in paths:
        text = path.read_text()
        assert json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n" == text, path


def test_the_mocks_answer_computed_outputs_only() -> None:
    """Under `preview=False` the SDK resolves unanswered outputs to the inputs: the mocks answer only
    what a provider computes, so the inputs are not serialized and deserialized twice more."""
    from pulumi.runtime.mocks import MockResourceArgs

    from tools.mocks import RecordingMocks

    def answer(type_token: str, inputs: dict[str, Any]) -> dict[str, Any]:
        args = MockResourceArgs(typ=type_token, name="n", inputs=inputs, provider="", resource_id="", custom=True)
        resource_id, state = RecordingMocks().new_resource(args)
        assert resource_id == "n-id"
        return state

    assert answer("kubernetes:core/v1:ConfigMap", {"data": {"a": "b"}}) == {}
    account = answer("azure-native:storage:StorageAccount", {"accountName": "acct"})
    assert account == {"name": "acct"}
    bucket = answer("gcp:storage/bucket:Bucket", {"name": "b1"})
    assert bucket == {"url": "gs://n"}
    assert answer("gcp:storage/bucket:Bucket", {"url": "gs://given"}) == {}
    password = answer("random:index/randomPassword:RandomPassword", {"length": 16})
    assert rpc.is_rpc_secret(password["result"]) and set(password) == {"result"}


REFERENCE_PROGRAM = """
import json, sys
from google.protobuf import struct_pb2
from pulumi.runtime import settings, rpc
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.sync_await import _sync_await
from tools.floor import run_floor
from tools.mocks import Recorder, decode_inputs
recorder = Recorder()
run_floor([], 0, 1, recorder)
config_map = next(r for r in recorder.registrations if r.type == "kubernetes:core/v1:ConfigMap")
monitor = settings.SETTINGS.monitor
args = _sync_await(rpc.serialize_properties({"urn": config_map.urn}, {}))
answer = monitor.Invoke(resource_pb2.ResourceInvokeRequest(tok="pulumi:pulumi:getResource", args=args))
state = rpc.deserialize_properties(getattr(answer, "return"))["state"]
print(json.dumps({"state": state, "inputs": config_map.inputs, "encoded": config_map.encoded_inputs,
                  "stored": monitor.resources[config_map.urn].state}))
"""


def test_a_reference_to_a_resource_reads_its_inputs_and_the_recorder_keeps_them_encoded() -> None:

    done = subprocess.run(
        [sys.executable, "-c", REFERENCE_PROGRAM], cwd=ROOT, capture_output=True, text=True, check=True
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["inputs"]["data"] == {"config.yaml": "name: config-0\n"}
    # The recorder keeps compact JSON; the monitor keeps no second copy of the inputs.
    assert seen["encoded"] == json.dumps(seen["inputs"], separators=(",", ":"))
    assert seen["stored"] == {}
    assert seen["state"]["data"] == seen["inputs"]["data"]
    assert seen["state"]["metadata"]["name"] == "config-0"


def test_extraction_runs_with_the_program_s_objects_frozen_and_unfreezes_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """The collector skips the program's long-lived objects while the extractors build their trees,
    and the process is left as it was (an in-process render must not pin its garbage forever)."""
    import gc

    import tools.render

    frozen_while_extracting: list[int] = []

    def extractors(registrations: list[Any]) -> dict[str, str]:
        frozen_while_extracting.append(gc.get_freeze_count())
        raise RuntimeError("an extractor failed")

    monkeypatch.setattr(tools.render, "extract_all", extractors)
    with pytest.raises(RuntimeError):
        tools.render.extract([])
    assert frozen_while_extracting and frozen_while_extracting[0] > 0
    assert gc.get_freeze_count() == 0


def test_the_render_closes_every_event_loop_the_sdk_opened(tmp_path: Path) -> None:
    """Left open, one of them may print its failing finalizer at interpreter shutdown after a good
    render (about one run in five of prod-oci before)."""
    made, still_open, stderr = event_loops_after(
        "from tools.render import main\n"
        f"assert main(['--stack', 'local', '--out', {str(tmp_path)!r}, '--quiet']) == 0\n"
    )
    assert made >= 2, "the SDK's executor threads no longer make loops: this test checks nothing"
    assert still_open == 0
    assert "Exception ignored" not in stderr
