"""Pulumi's mock engine, recording every registration the real program makes.

Mocks run as `preview=False` and return the inputs as state, so every `apply` in the program runs
with real values and the render shows what `pulumi up` would send. Secrets stay wrapped; the
render masks them.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from pulumi import runtime as pulumi_runtime
from pulumi.runtime import rpc

from tools.pulumi_internals import RecordingMockMonitor, RegisteredResource, deserialize_inputs

SECRET_MASK = "[secret]"

# Invokes the program makes, answered with stable fake identities.
INVOKE_RESULTS: dict[str, dict[str, Any]] = {
    "azure-native:authorization:getClientConfig": {
        "clientId": "00000000-0000-0000-0000-00000000c11e",
        "objectId": "00000000-0000-0000-0000-0000000000b1",
        "subscriptionId": "00000000-0000-0000-0000-000000000000",
        "tenantId": "00000000-0000-0000-0000-00000000a0a0",
    },
    "azuread:index/getClientConfig:getClientConfig": {
        "clientId": "00000000-0000-0000-0000-00000000c11e",
        "objectId": "00000000-0000-0000-0000-0000000000b1",
        "tenantId": "00000000-0000-0000-0000-00000000a0a0",
    },
    "gcp:organizations/getClientConfig:getClientConfig": {
        "project": "mock-project",
        "region": "mock-region",
        "zone": "mock-zone",
        "accessToken": "mock-token",
        "id": "mock",
    },
    "gcp:organizations/getProject:getProject": {"number": "123456789012", "projectId": "mock-project"},
    "oci:ObjectStorage/getNamespace:getNamespace": {"namespace": "mocknamespace"},
}

# Outputs that providers compute and that the program reads; the mock invents stable values.
COMPUTED_OUTPUTS: dict[str, dict[str, str]] = {
    "azure-native:monitor:DataCollectionRule": {"immutableId": "dcr-00000000000000000000000000000000"},
    "azure-native:monitor:DataCollectionEndpoint": {
        "logsIngestion": {"endpoint": "https://{name}.ingest.monitor.azure.com"}  # type: ignore[dict-item]
    },
    "azure-native:managedidentity:UserAssignedIdentity": {
        "clientId": "11111111-0000-0000-0000-{hash}",
        "principalId": "22222222-0000-0000-0000-{hash}",
    },
    "azure-native:operationalinsights:Workspace": {"customerId": "33333333-0000-0000-0000-{hash}"},
    "azuread:index/application:Application": {"clientId": "44444444-0000-0000-0000-{hash}"},
    "azuread:index/servicePrincipal:ServicePrincipal": {"objectId": "55555555-0000-0000-0000-{hash}"},
    # The SDK marks `value` secret, so it stays masked wherever the program passes it.
    "azuread:index/applicationPassword:ApplicationPassword": {
        "value": "mock-client-secret-{hash}",
        "keyId": "66666666-0000-0000-0000-{hash}",
    },
    "gcp:serviceaccount/account:Account": {
        "email": "{name}@mock-project.iam.gserviceaccount.com",
        "name": "projects/mock-project/serviceAccounts/{name}@mock-project.iam.gserviceaccount.com",
    },
    "gcp:storage/bucket:Bucket": {"url": "gs://{name}"},
}


# azure-native resources whose `name` output (the physical name) the program reads, and the input
# that sets it: the mock answers with that input, so a reference to `.name` resolves to what Azure
# would return and shows up (with its dependency) in the render.
PHYSICAL_NAME_INPUTS: dict[str, str] = {
    "azure-native:storage:StorageAccount": "accountName",
    "azure-native:managedidentity:UserAssignedIdentity": "resourceName",
}

RANDOM_PASSWORD_TYPE = "random:index/randomPassword:RandomPassword"
# Computed outputs the providers mark secret, and invoke results that are credentials: a render
# must never show one of these values (tests/test_render.py scans every file for them).
SECRET_COMPUTED_OUTPUTS: dict[str, tuple[str, ...]] = {
    "azuread:index/applicationPassword:ApplicationPassword": ("value",),
}
SECRET_INVOKE_VALUES = (INVOKE_RESULTS["gcp:organizations/getClientConfig:getClientConfig"]["accessToken"],)


@dataclass
class Registration:
    urn: str
    type: str
    name: str
    custom: bool
    parent_urn: str
    # The inputs as compact JSON: a tenth of the memory of the tree while the program runs (the
    # render's peak); `inputs` decodes them once, when an extractor first reads them.
    encoded_inputs: str
    protect: bool
    dependencies: list[str]
    aliases: int
    provider: str

    @cached_property
    def inputs(self) -> dict[str, Any]:
        return decode_inputs(self.encoded_inputs)


def encode_inputs(inputs: dict[str, Any]) -> str:
    return json.dumps(inputs, separators=(",", ":"))


def decode_inputs(encoded: str) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(encoded)
    return decoded


@dataclass
class Recorder:
    registrations: list[Registration] = field(default_factory=list)


def _fill(template: Any, name: str) -> Any:
    if isinstance(template, dict):
        return {k: _fill(v, name) for k, v in template.items()}
    # hash() is salted per process; a content digest keeps two renders byte-identical.
    digest = hashlib.sha256(name.encode()).hexdigest()[:12]
    return template.replace("{name}", name).replace("{hash}", digest)


def invented_secrets(type_token: str, name: str) -> list[str]:
    """The secret values the mock engine invents for the resource `type_token`/`name`."""
    if type_token == RANDOM_PASSWORD_TYPE:
        return [f"mock-{name}"]
    return [_fill(COMPUTED_OUTPUTS[type_token][key], name) for key in SECRET_COMPUTED_OUTPUTS.get(type_token, ())]


class RecordingMocks(pulumi_runtime.Mocks):
    def __init__(self) -> None:
        super().__init__()
        # The inputs of the registration being answered, as the mock monitor deserialized them: the
        # recorder keeps these rather than deserializing the request a second time. The SDK registers
        # from a pool of threads, and each registration stays on one: the slot is per thread.
        self._answering = threading.local()

    @property
    def last_inputs(self) -> dict[str, Any] | None:
        return getattr(self._answering, "inputs", None)

    @last_inputs.setter
    def last_inputs(self, inputs: dict[str, Any] | None) -> None:
        self._answering.inputs = inputs

    def call(self, args: pulumi_runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        # No check failures: Pulumi's mock monitor iterates the second element.
        return INVOKE_RESULTS.get(args.token, {}), []

    def new_resource(self, args: pulumi_runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        """Answers with the outputs the provider would compute, and only those: under `pulumi up`
        (`preview=False`) the SDK resolves every output the engine leaves out to the input the
        program passed, so echoing the inputs back would only serialize and deserialize them twice
        more. `RecordingMonitor` keeps inputs and outputs together for resource references."""
        self.last_inputs = args.inputs
        return f"{args.name}-id", computed_outputs(args.typ, args.name, args.inputs)


def computed_outputs(type_token: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """The outputs the mock engine invents for a resource, where the inputs do not set them."""
    outputs = {
        key: _fill(value, name) for key, value in COMPUTED_OUTPUTS.get(type_token, {}).items() if key not in inputs
    }
    if type_token in PHYSICAL_NAME_INPUTS and "name" not in inputs:
        outputs["name"] = inputs.get(PHYSICAL_NAME_INPUTS[type_token])
    if type_token == RANDOM_PASSWORD_TYPE:
        (password,) = invented_secrets(type_token, name)
        outputs["result"] = rpc.wrap_rpc_secret(password)
    return outputs


class RecordingMonitor(RecordingMockMonitor):
    def __init__(self, mocks: RecordingMocks, recorder: Recorder) -> None:
        super().__init__(mocks)
        self.recording_mocks = mocks
        self.recorder = recorder
        self.registered: dict[str, Registration] = {}

    def record(self, resource: RegisteredResource) -> None:
        # The mocks were asked on this thread just before; the slot is emptied for the next one.
        inputs = self.recording_mocks.last_inputs
        self.recording_mocks.last_inputs = None
        whole_numbers_done = inputs is not None and resource.plain
        if inputs is None:  # the SDK answered without asking the mocks
            inputs = deserialize_inputs(resource)
        registration = Registration(
            urn=resource.urn,
            type=resource.type,
            name=resource.name,
            custom=resource.custom,
            parent_urn=resource.parent_urn,
            # The plain path decoded whole numbers as int already (tools/pulumi_internals.py).
            encoded_inputs=encode_inputs(inputs if whole_numbers_done else whole_numbers_as_int(inputs)),
            protect=resource.protect,
            dependencies=resource.dependencies,
            aliases=resource.aliases,
            provider=resource.provider,
        )
        self.recorder.registrations.append(registration)
        self.registered[registration.urn] = registration

    def reference_inputs(self, urn: str) -> dict[str, Any] | None:
        registration = self.registered.get(urn)
        return None if registration is None else decode_inputs(registration.encoded_inputs)


def whole_numbers_as_int(value: Any) -> Any:
    """The engine carries every number as a protobuf double; Helm and Kubernetes get JSON, where
    `2.0` is `2`. Recorded inputs say `replicas: 2` as the cluster will, not `replicas: 2.0`."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: whole_numbers_as_int(v) for k, v in value.items()}
    if isinstance(value, list):
        return [whole_numbers_as_int(v) for v in value]
    return value


def install(project: str, stack: str, recorder: Recorder) -> None:
    mocks = RecordingMocks()
    pulumi_runtime.set_mocks(
        mocks, project=project, stack=stack, preview=False, monitor=RecordingMonitor(mocks, recorder)
    )


class ClosingLoopPolicy(asyncio.DefaultEventLoopPolicy):
    """Remembers every event loop it makes, so that they can be closed (`closing_event_loops`). The SDK makes one in
    each thread of its executor and leaves them all open; left to the interpreter's shutdown, a loop
    may outlive its self-pipe socket and print its failing finalizer ("Exception ignored in
    BaseEventLoop.__del__ ... Invalid file descriptor: -1") after a render that went well."""

    def __init__(self) -> None:
        super().__init__()
        self.loops: list[asyncio.AbstractEventLoop] = []

    def new_event_loop(self) -> asyncio.AbstractEventLoop:
        loop = super().new_event_loop()
        self.loops.append(loop)
        return loop

    def close_loops(self) -> None:
        for loop in self.loops:
            if not loop.is_running() and not loop.is_closed():
                loop.close()


@contextmanager
def closing_event_loops() -> Iterator[None]:
    """Runs the body under a ClosingLoopPolicy and closes every loop it made, whatever the body raised:
    the render and the floor run their programs so."""
    loops = ClosingLoopPolicy()
    asyncio.set_event_loop_policy(loops)
    try:
        yield
    finally:
        loops.close_loops()


def run(program: Callable[[], None]) -> None:
    """Runs `program` under the installed mocks and waits for every registration and apply it
    started, as the engine does; re-raises what the program raised once those are done.
    `pulumi.runtime.test` is the SDK's exported runner for a function under mocks."""
    pulumi_runtime.test(program)()


def mask_secrets(value: Any) -> Any:
    """Replaces every secret by `[secret]`, recursively; plain values pass through. A resource passed
    as an input arrives decoded, as its ID or URN (tests/test_pulumi_internals.py)."""
    if rpc.is_rpc_secret(value):
        return SECRET_MASK
    if isinstance(value, dict):
        return {k: mask_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_secrets(v) for v in value]
    return value


def unwrap(value: Any) -> Any:
    """The plain value, secrets unwrapped: for tests that must look inside a secret."""
    if rpc.is_rpc_secret(value):
        return unwrap(rpc.unwrap_rpc_secret(value))
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value
