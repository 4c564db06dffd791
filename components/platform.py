"""The contract every cloud fulfils, once, in components/<cloud>/platform.py.

A platform is everything that changes with the cloud: its part of the configuration model (`rules`),
its Pulumi providers, where logs go (`log_sink`), how Thanos reaches the bucket (`bucket_access`,
`objstore_config`), the cloud's trace backend, and Grafana's one cloud identity, built once and
handed to the capabilities that grant it read access. Capabilities ask their platform; none of them
names a cloud. Each method imports its cloud's SDK lazily, so a stack loads only its own cloud's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import pulumi

if TYPE_CHECKING:
    from components.grafana_identity import GrafanaIdentity, GrafanaIdentityArgs
    from components.log_sink import LogSink, LogSinkArgs
    from components.long_term_storage import BucketAccess, BucketAccessArgs, BucketConfig
    from components.trace_backend import TraceBackend, TraceBackendArgs
    from settings import StackSecrets, StackSettings
    from settings.model import Section
    from settings.platform_rules import PlatformRules


SectionT = TypeVar("SectionT")


def own_section(section: object, kind: type[SectionT]) -> SectionT:
    """The platform's own config section (`Platform.section`), as its cloud's modules need it: the
    config model requires the section on its cloud, so anything else is a wiring mistake."""
    if not isinstance(section, kind):
        raise TypeError(f"expected the {kind.__name__} config section, got {type(section).__name__}")
    return section


class Platform(Protocol):
    rules: PlatformRules
    # Grafana's datasource type for the cloud's log store (provisioned as uid `logs`), or None where
    # Grafana has no datasource for it: dashboards link to logs in Explore only when there is one.
    logs_datasource_type: str | None

    def section(self, settings: StackSettings) -> Section | None:
        """Its own config section (`todo-observability:<cloud>`), None where it has none: how capabilities
        get the cloud's settings without naming the cloud."""

    def cloud_providers(self, settings: StackSettings) -> Any:
        """The cloud's providers (its own frozen dataclass), or None where the platform has no cloud."""

    def provider_list(self, cloud: Any) -> list[pulumi.ProviderResource]:
        """The providers of `cloud_providers` that components inherit through `providers=`."""

    def identity_provider(self, cloud: Any) -> pulumi.ProviderResource | None:
        """The provider of `cloud_providers` that IAM writes must use, where it is not the one they
        inherit (OCI: the tenancy's home region); None: they inherit it like every other child."""

    def grafana_identity(
        self, name: str, args: GrafanaIdentityArgs, opts: pulumi.ResourceOptions
    ) -> GrafanaIdentity | None:
        """Grafana's one identity in the cloud, or None where Grafana needs none."""

    def log_sink(self, name: str, args: LogSinkArgs, opts: pulumi.ResourceOptions) -> LogSink:
        """The log store Fluent Bit ships to, and how Fluent Bit authenticates to it."""

    def bucket_access(self, name: str, args: BucketAccessArgs, opts: pulumi.ResourceOptions) -> BucketAccess:
        """The bucket Thanos writes to and the identities that may read and write it."""

    def objstore_config(self, config: BucketConfig, secret_key: str | None) -> dict[str, Any]:
        """Thanos' objstore.yaml for this cloud's bucket (pure)."""

    def trace_backend(self, name: str, args: TraceBackendArgs, opts: pulumi.ResourceOptions) -> TraceBackend | None:
        """The cloud's own trace backend for `tracing.backend`, or None for Jaeger (the same everywhere)."""


def platform_secrets(platform: Platform, secrets: StackSecrets) -> dict[str, pulumi.Output[str]]:
    """The stack secrets the platform's own code reads (its rules' `required_secrets`), by name: what
    a capability hands the platform instead of every secret of the stack."""
    return {name: secrets.require(name) for name in platform.rules.required_secrets}
