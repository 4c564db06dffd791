"""Every use the offline render makes of the Pulumi SDK beyond what it exports.

tools/mocks.py, tools/render.py and tools/floor.py use only the names `pulumi` and `pulumi.runtime` list in
`__all__` (`pulumi.runtime.Mocks`, `set_mocks`, `set_all_config`, `test`, and the `rpc` submodule's
secret helpers), and import anything else from here. Each use below says why no exported API serves and
what it relies on; tests/test_pulumi_internals.py checks each against the installed SDK, names the symbol
and `VERIFIED_WITH` when a bump has moved one, and fails if the render reaches past the exports elsewhere.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.sync_await import _sync_await

# The SDK release whose internals this module was checked against: requirements.txt must pin the same
# one (tests/test_pulumi_internals.py), so a bump re-reads this module before it lands.
VERIFIED_WITH = "3.272.0"

# The root resource `set_mocks` registers, and the invoke that reads a resource reference's state.
STACK_TYPE = "pulumi:pulumi:Stack"
GET_RESOURCE_TOKEN = "pulumi:pulumi:getResource"


class RegisteredResource(NamedTuple):
    """What a `RegisterResourceRequest` tells the render beyond `MockResourceArgs` (which carries no
    URN, parent, dependencies, protect flag or aliases)."""

    urn: str
    type: str
    name: str
    custom: bool
    parent_urn: str
    protect: bool
    dependencies: list[str]
    aliases: int
    # The provider reference's ID (a reference is `<urn>::<id>`); empty for the default provider.
    provider: str
    # The inputs as the request carried them; `deserialize_inputs` reads them where the mocks did not.
    serialized_inputs: Any


def deserialize_inputs(resource: RegisteredResource) -> dict[str, Any]:
    """The inputs as the mocks receive them, decoded from the request with the decoder the SDK's mock
    monitor itself uses."""
    inputs: dict[str, Any] = rpc.deserialize_properties(resource.serialized_inputs)
    return inputs


class RecordingMockMonitor(MockMonitor):
    """The SDK's mock monitor, telling a subclass about every registration and letting it answer a
    resource reference's state.

    Why not the exported API: `set_mocks(monitor=...)` takes a monitor, and `pulumi.runtime.mocks.MockMonitor`
    (not exported) is the only one that turns the SDK's requests into `Mocks` calls; it hands the mocks no
    URN, parent, dependencies, protect flag or aliases, and answers a reference with the mocks' outputs
    alone. A stack transform (`register_stack_transform`) sees options, not the resolved dependencies, and
    the mock monitor never runs it. Relies on: `MockMonitor.RegisterResource(request)` answering with a
    `urn`; the fields of `resource_pb2.RegisterResourceRequest` read below; `MockMonitor.Invoke(request)`
    with `ResourceInvokeRequest.tok`/`args` and its `ResourceInvokeResponse`; `MockMonitor.resources`
    (urn -> `ResourceRegistration(urn, id, state)`); and `_sync_await`, because the monitor's methods
    are synchronous and the exported serializer is a coroutine (the SDK's own mock monitor awaits it so)."""

    def record(self, resource: RegisteredResource) -> None:
        raise NotImplementedError

    def reference_inputs(self, urn: str) -> dict[str, Any] | None:
        """The inputs of the resource `urn`, if the subclass keeps them: a reference's state is these
        under the outputs the mocks answered, as `pulumi up` would return them."""
        return None

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        response = super().RegisterResource(request)
        if request.type != STACK_TYPE:
            self.record(
                RegisteredResource(
                    urn=response.urn,
                    type=request.type,
                    name=request.name,
                    custom=bool(request.custom),
                    parent_urn=request.parent,
                    protect=bool(request.protect),
                    dependencies=sorted(request.dependencies),
                    aliases=len(request.aliases) + len(request.aliasURNs),
                    provider=request.provider.split("::")[-1] if request.provider else "",
                    serialized_inputs=request.object,
                )
            )
        return response

    def Invoke(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        """The stock monitor answers `pulumi:pulumi:getResource` with the state the mocks returned:
        the render's mocks return only computed outputs, so the inputs are laid under them here."""
        if request.tok == GET_RESOURCE_TOKEN:
            urn = rpc.deserialize_properties(request.args).get("urn")
            entry, inputs = self.resources.get(urn), self.reference_inputs(urn)
            if entry is not None and inputs is not None:
                state = {**inputs, **entry.state}
                answer = _sync_await(rpc.serialize_properties(entry._replace(state=state)._asdict(), {}))
                return resource_pb2.ResourceInvokeResponse(**{"failures": None, "return": answer})
        return super().Invoke(request)
