"""What a cloud platform changes in the configuration: its defaults and its rules, as data.

Each cloud's `PlatformRules` lives with the rest of that cloud in components/<cloud>/platform.py; the
registry (components/platforms.py) hands them to the loader, so this layer names no cloud itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from settings.model import StackSettings


class Report(Protocol):
    def __call__(self, key: str, message: str, *, uses: tuple[str, ...] = ()) -> None: ...


Rule = Callable[["StackSettings", Report], None]


@dataclass(frozen=True)
class PlatformRules:
    """One cloud's part of the configuration model."""

    cloud: str
    # Raw config layered under the environment's defaults and the stack file (camelCase keys).
    defaults: Mapping[str, Any]
    # Keys of the cloud's own section (`<cloud>.<key>`) that must be set, each with how to find it.
    required_keys: Mapping[str, str] = field(default_factory=dict)
    # The `tracing.backend` values this cloud can run.
    trace_backends: tuple[str, ...] = ("jaeger",)
    # (pattern, what it allows) for `metrics.longTerm.bucketName`; None where the cloud has no bucket.
    bucket_name: tuple[str, str] | None = None
    # Whether long-term storage writes to the cloud's object storage (else to an in-cluster store).
    cloud_object_storage: bool = True
    # Secrets (`secrets.<name>`) every stack on this cloud needs.
    required_secrets: tuple[str, ...] = ()
    # Rules only this cloud has: retention bounds of its log store, keys its resources need.
    validators: tuple[Rule, ...] = ()
