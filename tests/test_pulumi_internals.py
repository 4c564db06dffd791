"""The Pulumi SDK internals the offline render relies on (tools/pulumi_internals.py) are still there and
still behave as that module says, and the rest of the render uses only what the SDK exports. A failure
names the symbol and the SDK release the module was checked against."""

from __future__ import annotations

import ast
import asyncio
import importlib
import inspect
import json
import re
import subprocess
import sys
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pulumi import runtime as pulumi_runtime
from pulumi.runtime import rpc

from tools.stackfile import ROOT

# No private SDK name is imported at the top: a bump that removed one must fail the test that names it,
# not the collection of this file (and the internals module, which imports them, is read, not imported).
INTERNALS = ROOT / "tools" / "pulumi_internals.py"
INSTALLED = metadata.version("pulumi")


def verified_with() -> str:
    for node in ast.parse(INTERNALS.read_text()).body:
        if isinstance(node, ast.Assign) and [ast.unparse(t) for t in node.targets] == ["VERIFIED_WITH"]:
            return str(ast.literal_eval(node.value))
    raise AssertionError(f"{INTERNALS} sets no VERIFIED_WITH")


VERIFIED_WITH = verified_with()


def moved(symbol: str, problem: str) -> str:
    return (
        f"{symbol} {problem} (installed pulumi {INSTALLED}; tools/pulumi_internals.py was checked against pulumi "
        f"{VERIFIED_WITH}): adapt that module to what replaced it, then set VERIFIED_WITH"
    )


# Every private name tools/pulumi_internals.py imports from the SDK.
PRIVATE_SYMBOLS = (
    ("pulumi.runtime.mocks", "MockMonitor"),
    ("pulumi.runtime.proto", "resource_pb2"),
    ("pulumi.runtime.sync_await", "_sync_await"),
)


def sdk(module: str, name: str) -> Any:
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        pytest.fail(moved(f"{module}.{name}", "is missing"))


@pytest.mark.parametrize(("module", "name"), PRIVATE_SYMBOLS, ids=[".".join(s) for s in PRIVATE_SYMBOLS])
def test_each_private_symbol_the_internals_import_exists(module: str, name: str) -> None:
    sdk(module, name)


def test_the_list_of_private_symbols_is_what_the_internals_import() -> None:
    imported = {
        (node.module or "", alias.name)
        for node in ast.walk(ast.parse(INTERNALS.read_text()))
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pulumi")
        for alias in node.names
    }
    exported = {("pulumi.runtime", name) for name in pulumi_runtime.__all__}
    assert imported - exported == set(PRIVATE_SYMBOLS)


def pinned_sdk() -> str:
    requirements = (ROOT / "requirements.txt").read_text()
    match = re.search(r"^pulumi==(\S+)", requirements, re.MULTILINE)
    assert match, "requirements.txt pins no pulumi release"
    return match.group(1)


def test_the_pinned_sdk_is_the_one_the_internals_were_checked_against() -> None:
    assert pinned_sdk() == VERIFIED_WITH, (
        f"requirements.txt pins pulumi {pinned_sdk()}, tools/pulumi_internals.py was checked against pulumi "
        f"{VERIFIED_WITH}: run tests/test_pulumi_internals.py on the new release, then set VERIFIED_WITH"
    )
    assert pinned_sdk() == INSTALLED, f"requirements.txt pins pulumi {pinned_sdk()}, .venv has {INSTALLED}: make venv"


def parameters(function: Callable[..., Any]) -> list[str]:
    return list(inspect.signature(function).parameters)


def check_serializers() -> None:
    assert inspect.iscoroutinefunction(rpc.serialize_properties), moved(
        "pulumi.runtime.rpc.serialize_properties", "is no longer a coroutine function"
    )
    assert parameters(rpc.serialize_properties)[:2] == ["inputs", "property_deps"], moved(
        "pulumi.runtime.rpc.serialize_properties", "takes other parameters"
    )
    assert parameters(rpc.deserialize_properties)[0] == "props_struct", moved(
        "pulumi.runtime.rpc.deserialize_properties", "takes other parameters"
    )
    # A secret answered by the mocks crosses the wire and comes back as the same wrapper.
    secret = rpc.wrap_rpc_secret("hunter2")
    struct = sdk("pulumi.runtime.sync_await", "_sync_await")(rpc.serialize_properties({"token": secret, "n": 2}, {}))
    decoded = rpc.deserialize_properties(struct)
    assert decoded == {"token": secret, "n": 2}, moved(
        "pulumi.runtime.rpc.serialize_properties/deserialize_properties", f"round-trip a secret as {decoded!r}"
    )


def check_sync_await() -> None:
    _sync_await = sdk("pulumi.runtime.sync_await", "_sync_await")
    assert parameters(_sync_await) == ["awaitable"], moved("pulumi.runtime.sync_await._sync_await", "changed")

    async def answer() -> int:
        await asyncio.sleep(0)
        return 42

    assert _sync_await(answer()) == 42, moved("pulumi.runtime.sync_await._sync_await", "no longer awaits")


def check_mock_monitor() -> None:
    from tools.mocks import RecordingMocks
    from tools.pulumi_internals import RecordingMockMonitor

    monitor_class = sdk("pulumi.runtime.mocks", "MockMonitor")
    for method in ("RegisterResource", "Invoke"):
        assert parameters(getattr(monitor_class, method, lambda: None)) == ["self", "request"], moved(
            f"pulumi.runtime.mocks.MockMonitor.{method}", "is missing or takes other parameters"
        )
    assert parameters(getattr(monitor_class, "make_urn", lambda: None)) == ["self", "parent", "type_", "name"], moved(
        "pulumi.runtime.mocks.MockMonitor.make_urn", "is missing or takes other parameters"
    )
    assert monitor_class.ResourceRegistration._fields == ("urn", "id", "state"), moved(
        "pulumi.runtime.mocks.MockMonitor.ResourceRegistration", "has other fields"
    )
    assert isinstance(RecordingMockMonitor(RecordingMocks()).resources, dict), moved(
        "pulumi.runtime.mocks.MockMonitor.resources", "is not a dict"
    )
    assert "monitor" in parameters(pulumi_runtime.set_mocks), moved("pulumi.runtime.set_mocks(monitor=)", "is gone")


# The request and response fields tools/pulumi_internals.py reads or builds.
PROTO_FIELDS = {
    "RegisterResourceRequest": {
        "type",
        "name",
        "custom",
        "parent",
        "object",
        "protect",
        "dependencies",
        "aliases",
        "aliasURNs",
        "provider",
        "importId",
        "transforms",
    },
    "RegisterResourceResponse": {"urn", "id", "object"},
    "ResourceInvokeRequest": {"tok", "args"},
    "ResourceInvokeResponse": {"failures", "return"},
}


def check_protocol() -> None:
    for message, wanted in PROTO_FIELDS.items():
        message_class = getattr(sdk("pulumi.runtime.proto", "resource_pb2"), message, None)
        assert message_class is not None, moved(f"pulumi.runtime.proto.resource_pb2.{message}", "is missing")
        missing = wanted - set(message_class.DESCRIPTOR.fields_by_name)
        assert not missing, moved(f"pulumi.runtime.proto.resource_pb2.{message}", f"has no {sorted(missing)}")


@pytest.mark.parametrize("check", [check_serializers, check_sync_await, check_mock_monitor, check_protocol])
def test_each_internal_the_render_relies_on_is_still_there(check: Callable[[], None]) -> None:
    check()


def unexported_step(path: list[str]) -> str | None:
    """The first name along `path` (from `pulumi`) that the SDK does not export: a module's names are
    its `__all__` where it has one (`pulumi`, `pulumi.runtime`, which lists its `rpc` submodule), else
    those without an underscore, as are a class's."""
    reached: object = importlib.import_module(path[0])
    for depth, name in enumerate(path[1:], start=2):
        listed = getattr(reached, "__all__", None) if isinstance(reached, ModuleType) else None
        if (name not in listed) if listed is not None else name.startswith("_"):
            return ".".join(path[:depth])
        if not hasattr(reached, name):
            importlib.import_module(".".join(path[:depth]))
        reached = getattr(reached, name)
    return None


def unexported_uses(source: Path) -> list[str]:
    """The SDK names `source` reaches that the SDK does not export."""
    tree = ast.parse(source.read_text())
    bound: dict[str, list[str]] = {}
    paths: list[list[str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "pulumi":
                    paths.append(alias.name.split("."))
                    # `import pulumi.x` binds `pulumi`; `import pulumi.x as y` binds `y` to `pulumi.x`.
                    if alias.asname:
                        bound[alias.asname] = paths[-1]
                    else:
                        bound[paths[-1][0]] = paths[-1][:1]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "pulumi":
            for alias in node.names:
                paths.append([*(node.module or "").split("."), alias.name])
                bound[alias.asname or alias.name] = paths[-1]
    inner = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and id(node) not in inner:
            names: list[str] = []
            current: ast.expr = node
            while isinstance(current, ast.Attribute):
                names.insert(0, current.attr)
                current = current.value
            if isinstance(current, ast.Name) and current.id in bound:
                paths.append([*bound[current.id], *names])
    found = (unexported_step(path) for path in paths)
    return list(dict.fromkeys(step for step in found if step is not None))


# The modules that must reach the SDK's internals through tools/pulumi_internals.py only.
RENDER_MODULES = ("tools/mocks.py", "tools/render.py", "tools/floor.py")


@pytest.mark.parametrize("path", RENDER_MODULES)
def test_the_render_reaches_sdk_internals_only_through_the_internals_module(path: str) -> None:
    assert unexported_uses(ROOT / path) == [], f"{path}: move these into tools/pulumi_internals.py, saying why"


def test_the_export_check_sees_each_private_use(tmp_path: Path) -> None:
    program = tmp_path / "program.py"
    program.write_text(
        "import pulumi\nimport pulumi.runtime.stack\nfrom pulumi import runtime as r\n"
        "from pulumi.runtime import rpc, set_mocks\nfrom pulumi.runtime.sync_await import _sync_await\n"
        "from pulumi.runtime.mocks import MockMonitor\n"
        "r.set_mocks\nr.test(f)()\nrpc.is_rpc_secret(v)\npulumi.Output.secret\npulumi.runtime.Mocks\n"
        "rpc._special_sig_key\npulumi.runtime.settings.SETTINGS\npulumi.Output._from_data\n"
    )
    assert unexported_uses(program) == [
        "pulumi.runtime.stack",
        "pulumi.runtime.sync_await",
        "pulumi.runtime.mocks",
        "pulumi.runtime.rpc._special_sig_key",
        "pulumi.runtime.settings",
        "pulumi.Output._from_data",
    ]


# A tiny program under the render's mocks: a secret input, a secret computed output, a resource passed as
# an input, a reference that reads a registered resource's state back, an invoke, an explicit provider.
MOCKED_PROGRAM = """
import json
import pulumi
from tools.mocks import RANDOM_PASSWORD_TYPE, Recorder, install, mask_secrets, run, unwrap

class Thing(pulumi.CustomResource):
    def __init__(self, name, props, opts=None):
        super().__init__("test:index:Thing", name, props, opts)

def program():
    group = pulumi.ComponentResource("test:index:Group", "group")
    provider = pulumi.ProviderResource("test", "explicit")
    base = Thing("base", {"plain": "visible", "token": pulumi.Output.secret("hunter2")},
                 pulumi.ResourceOptions(parent=group, protect=True, provider=provider))
    password = pulumi.CustomResource(RANDOM_PASSWORD_TYPE, "pw", {"length": 16, "result": None})
    client = pulumi.runtime.invoke("azuread:index/getClientConfig:getClientConfig", {})
    Thing("user", {"ref": base, "copied": base.plain, "password": password.result,
                   "tenant": client.value["tenantId"]},
          pulumi.ResourceOptions(parent=group, depends_on=[base], aliases=[pulumi.Alias(name="old-user")]))

    def read_back(urn):
        reference = Thing("base-ref", {"plain": None, "token": None}, pulumi.ResourceOptions(urn=urn))
        Thing("reader", {"plain": reference.plain, "token": reference.token})

    base.urn.apply(read_back)

recorder = Recorder()
install("project", "stack", recorder)
run(program)
print(json.dumps({r.name: {"masked": mask_secrets(r.inputs), "plain": unwrap(r.inputs), "parent": r.parent_urn,
                           "dependencies": r.dependencies, "protect": r.protect, "aliases": r.aliases,
                           "provider": r.provider, "custom": r.custom, "urn": r.urn}
                  for r in recorder.registrations}))
"""


@pytest.fixture(scope="module")
def mocked() -> dict[str, dict[str, Any]]:
    # Its own process: the mocks replace the SDK's global settings for good.
    done = subprocess.run(
        [sys.executable, "-c", MOCKED_PROGRAM], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    recorded: dict[str, dict[str, Any]] = json.loads(done.stdout.strip().splitlines()[-1])
    return recorded


def test_a_secret_input_is_recorded_masked_and_the_rest_plain(mocked: dict[str, dict[str, Any]]) -> None:
    assert mocked["base"]["masked"] == {"plain": "visible", "token": "[secret]"}
    assert mocked["base"]["plain"]["token"] == "hunter2"
    assert "hunter2" not in json.dumps([r["masked"] for r in mocked.values()])


def test_a_secret_the_mocks_compute_stays_masked_where_the_program_passes_it(
    mocked: dict[str, dict[str, Any]],
) -> None:
    assert mocked["user"]["masked"]["password"] == "[secret]"
    assert mocked["user"]["plain"]["password"] == "mock-pw"


def test_a_resource_passed_as_an_input_is_recorded_as_its_id(mocked: dict[str, dict[str, Any]]) -> None:
    """Why tools/mocks.py `mask_secrets` needs no case for a resource reference."""
    assert mocked["user"]["masked"]["ref"] == "base-id"
    assert mocked["user"]["masked"]["copied"] == "visible"


def test_the_request_s_fields_are_recorded(mocked: dict[str, dict[str, Any]]) -> None:
    group, base, user = mocked["group"], mocked["base"], mocked["user"]
    assert group["custom"] is False and base["custom"] is True
    assert base["urn"] == "urn:pulumi:stack::project::test:index:Group$test:index:Thing::base"
    assert base["parent"] == user["parent"] == group["urn"]
    assert base["protect"] is True and user["protect"] is False
    assert base["provider"] == "explicit-id" and user["provider"] == ""
    assert user["aliases"] == 1 and base["aliases"] == 0
    assert base["urn"] in user["dependencies"] and user["dependencies"] == sorted(user["dependencies"])


def test_an_invoke_is_answered_by_the_mocks(mocked: dict[str, dict[str, Any]]) -> None:
    assert mocked["user"]["plain"]["tenant"] == "00000000-0000-0000-0000-00000000a0a0"


def test_a_reference_reads_the_registered_inputs_and_their_secrecy(mocked: dict[str, dict[str, Any]]) -> None:
    assert "base-ref" not in mocked, "a reference registers nothing"
    assert mocked["reader"]["masked"] == {"plain": "visible", "token": "[secret]"}
    assert mocked["reader"]["plain"]["token"] == "hunter2"


def wire(inputs: dict[str, Any]) -> Any:
    """`inputs` as a registration request carries them."""
    return sdk("pulumi.runtime.sync_await", "_sync_await")(rpc.serialize_properties(inputs, {}))


def test_plain_inputs_decode_as_the_sdk_decodes_them() -> None:
    from tools.pulumi_internals import plain_properties

    inputs = {
        "spec": {"groups": [{"name": "g", "rules": [{"alert": "A", "for": "5m", "labels": {"severity": "page"}}]}]},
        "replicas": 2,
        "ratio": 0.5,
        "enabled": False,
        "empty": {},
        "nothing": None,
        "list": [1, "two", None, [], {"deep": {"er": True, "gone": None}}],
    }
    struct = wire(inputs)
    assert plain_properties(struct) == rpc.deserialize_properties(struct)
    plain = plain_properties(struct)
    # What the SDK's decoder does, the plain one does too: nulls in a map are dropped, in a list kept.
    assert plain["list"][4] == {"deep": {"er": True}} and plain["list"][2] is None and "nothing" not in plain
    # A whole number comes back as the int the recorded inputs keep; a fraction stays a float.
    assert type(plain["replicas"]) is int and type(plain["list"][0]) is int and plain["ratio"] == 0.5


@pytest.mark.parametrize(
    "special",
    [rpc.wrap_rpc_secret("hunter2"), rpc.UNKNOWN],
    ids=["secret", "unknown"],
)
def test_a_special_value_at_any_depth_is_left_to_the_sdk(special: Any) -> None:
    """A secret deep in a list makes the SDK's decoder mark the whole list secret: the plain decoder does
    not guess, it refuses, and the stock monitor answers that registration."""
    from tools.pulumi_internals import SpecialValueError, plain_properties

    struct = wire({"plain": "visible", "nested": {"list": ["a", {"value": special}]}})
    with pytest.raises(SpecialValueError):
        plain_properties(struct)


# Runs a stack's program under the render's mocks with a monitor that answers each plain registration both
# ways, the stock monitor's and the plain path's, and reports any difference in the decoded inputs or the answer.
BOTH_WAYS_PROGRAM = """
import json, sys, threading
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor
import tools.mocks as mocks
from tools.pulumi_internals import SpecialValueError, plain_properties
from tools.render import render

seen = {"plain": [], "special": [], "different": []}

def strict(value):
    return json.dumps(value, sort_keys=True, default=repr)


class BothWays(mocks.RecordingMonitor):
    def __init__(self, mocks_, recorder):
        super().__init__(mocks_, recorder)
        # What the mocks were asked, per thread: the SDK registers from a pool of threads.
        self.asked = threading.local()
        new_resource = mocks_.new_resource
        mocks_.new_resource = lambda args: self.calls().append(vars(args).copy()) or new_resource(args)

    def calls(self):
        if not hasattr(self.asked, "calls"):
            self.asked.calls = []
        return self.asked.calls

    def answer(self, register, request):
        # `register`'s answer, the arguments the mocks received, and the entry it left in `resources`.
        self.asked.calls = asked = []
        response = register(request)
        entry = self.resources.pop(response.urn, None)
        for args in asked:
            args.pop("transforms", None)  # the stock monitor's are callables built anew
        return (response.urn, response.id, response.object), asked, entry

    def RegisterResource(self, request):
        if request.type != "pulumi:pulumi:Stack":
            try:
                plain = plain_properties(request.object)
            except SpecialValueError:
                seen["special"].append(request.type)
            else:
                seen["plain"].append(request.type)
                ours = self.answer(self.register_plain, request)
                stock = self.answer(lambda r: MockMonitor.RegisterResource(self, r), request)
                # Types too (True == 1 == 1.0 in Python): the stock inputs with whole numbers as int, as JSON.
                stock_inputs = [{**call, "inputs": mocks.whole_numbers_as_int(call["inputs"])} for call in stock[1]]
                sdk = mocks.whole_numbers_as_int(rpc.deserialize_properties(request.object))
                same = strict(plain) == strict(sdk) and strict(ours[1]) == strict(stock_inputs) and ours == stock
                if not same or ours[2] is None:
                    seen["different"].append(request.name)
            self.asked.calls = []
        return super().RegisterResource(request)

mocks.RecordingMonitor = BothWays
render(sys.argv[1])
print(json.dumps(seen))
"""


@pytest.mark.parametrize("stack", ["prod", "prod-gcp", "prod-oci", "local"])
def test_the_plain_path_answers_each_registration_as_the_stock_monitor_does(stack: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", BOTH_WAYS_PROGRAM, stack], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["different"] == []
    # Both paths ran: every rule group took the plain one, and the stock monitor still answers secrets.
    assert "kubernetes:monitoring.coreos.com/v1:PrometheusRule" in seen["plain"]
    assert "kubernetes:monitoring.coreos.com/v1:PrometheusRule" not in seen["special"]
    assert "kubernetes:core/v1:Secret" in seen["special"]
