"""Every use the offline render makes of the Pulumi SDK beyond what it exports.

tools/mocks.py, tools/render.py and tools/floor.py use only the names `pulumi` and `pulumi.runtime` list in
`__all__` (`pulumi.runtime.Mocks`, `set_mocks`, `set_all_config`, `test`, and the `rpc` submodule's
secret helpers), and import anything else from here. Each use below says why no exported API serves and
what it relies on; tests/test_pulumi_internals.py checks each against the installed SDK, names the symbol
and `VERIFIED_WITH` when a bump has moved one, and fails if the render reaches past the exports elsewhere.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from google.protobuf import struct_pb2
from pulumi.runtime import MockResourceArgs, rpc
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.sync_await import _sync_await

# The SDK release whose internals this module was checked against: requirements.txt must pin the same
# one (tests/test_pulumi_internals.py), so a bump re-reads this module before it lands.
VERIFIED_WITH = "3.272.0"

# The root resource `set_mocks` registers, and the invoke that reads a resource reference's state.
STACK_TYPE = "pulumi:pulumi:Stack"
GET_RESOURCE_TOKEN = "pulumi:pulumi:getResource"

# The key that marks a value the wire carries specially (a secret, a resource reference, an asset, an
# archive, an output value): a secret wrapper's one key besides "value", read from the exported helper
# rather than the private constant.
(SPECIAL_VALUE_KEY,) = set(rpc.wrap_rpc_secret(None)) - {"value"}


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
    # Whether the mocks received the inputs from `plain_properties`, whole numbers already as int.
    plain: bool = False


class SpecialValueError(Exception):
    """A value `plain_properties` leaves to the SDK's decoder."""


def plain_properties(struct: struct_pb2.Struct) -> dict[str, Any]:
    """`rpc.deserialize_properties(struct)` for inputs of plain values only (maps, lists, strings,
    numbers, booleans, nulls): the same dict, in one walk of the message's own maps and lists, where the
    SDK's decoder tests every value for each special kind and builds a Python view of each map first.
    The wire carries every number as a double; a whole one comes back as int (`replicas: 2`, as the
    recorded inputs keep it, tools/mocks.py `whole_numbers_as_int`), and equal to the SDK's float.
    Raises SpecialValueError at the first value marked special or unknown: whether the SDK would push a
    secret up to its parents, or what a reference decodes to, is the SDK's to say."""
    return _plain_fields(struct.fields)


def _plain_fields(fields: Any) -> dict[str, Any]:
    if SPECIAL_VALUE_KEY in fields:
        raise SpecialValueError
    decoded = {}
    for key, value in fields.items():
        plain = _plain_value(value)
        # The SDK's decoder drops a key whose value decodes to None.
        if plain is not None:
            decoded[key] = plain
    return decoded


def _plain_value(value: struct_pb2.Value) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        text = value.string_value
        if text == rpc.UNKNOWN:
            raise SpecialValueError
        return text
    if kind == "struct_value":
        return _plain_fields(value.struct_value.fields)
    if kind == "list_value":
        return [_plain_value(item) for item in value.list_value.values]
    if kind == "number_value":
        number = value.number_value
        return int(number) if number.is_integer() else number
    if kind == "bool_value":
        return value.bool_value
    return None


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
    `urn`, and doing what `register_plain` does for plain inputs (`make_urn`, `mocks.new_resource`, the
    state serialized into the response's `object`, `resources[urn]`); the fields of
    `resource_pb2.RegisterResourceRequest` and `RegisterResourceResponse` used below; `MockMonitor.Invoke(request)`
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
        plain = self.register_plain(request)
        response = plain or super().RegisterResource(request)
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
                    plain=plain is not None,
                )
            )
        return response

    def register_plain(self, request: Any) -> Any:
        """The stock monitor's answer to a registration whose inputs are plain values, by its own steps
        (its URN, the mocks' `new_resource`, the answered state serialized and kept in `resources`), with
        the inputs decoded by `plain_properties`: most of the render's registrations, and the largest
        (each rule group's PrometheusRule). None where the stock monitor must answer: the stack, a
        request carrying transforms, inputs holding a special value."""
        if request.type == STACK_TYPE or len(request.transforms):
            return None
        try:
            inputs = plain_properties(request.object)
        except SpecialValueError:
            return None
        urn = self.make_urn(request.parent, request.type, request.name)
        args = MockResourceArgs(
            typ=request.type,
            name=request.name,
            inputs=inputs,
            provider=request.provider,
            resource_id=request.importId,
            custom=request.custom or False,
        )
        id_, state = self.mocks.new_resource(args)
        answer = _sync_await(rpc.serialize_properties(state, {}))
        self.resources[urn] = MockMonitor.ResourceRegistration(urn, id_, state)
        return resource_pb2.RegisterResourceResponse(urn=urn, id=id_, object=answer)

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
