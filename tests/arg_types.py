"""What a component's Args may not carry, checked on the resolved type hints of its fields (a field's
name, or its annotation as text, says nothing about what it holds)."""

from __future__ import annotations

import typing
from typing import Any

from components.azure.platform import AzureProviders
from components.gcp.platform import GcpProviders
from components.oci.platform import OciProviders
from components.providers import Providers
from settings import StackSecrets, StackSettings

# The whole config, all secrets, all providers (or a cloud's bundle of them): a component given one of
# these can read what it has no business with. `Any` lets any of them through unchecked.
WHOLE: tuple[object, ...] = (
    StackSettings,
    StackSecrets,
    Providers,
    AzureProviders,
    GcpProviders,
    OciProviders,
    Any,
)


def _members(hint: object) -> set[object]:
    """The hint itself and, through unions and generics, every type it is built of."""
    found = {hint}
    for arg in typing.get_args(hint):
        found |= _members(arg)
    return found


def wide_fields(args_type: type, **names: object) -> dict[str, list[str]]:
    """Fields of `args_type` whose type is, or is built of, one of `WHOLE`. `names` resolves hints
    that its module imports only for type checking."""
    hints = typing.get_type_hints(args_type, localns=names or None)
    wide = {name: [str(t) for t in WHOLE if t in _members(hint)] for name, hint in hints.items()}
    return {name: kinds for name, kinds in wide.items() if kinds}
