"""The registry: every cloud this program deploys to, by its `cloud` config value.

Adding a cloud is one module, components/<cloud>/platform.py, and one line here. The platform modules
import no cloud SDK at module level, so loading the registry stays cheap. It also binds the
configuration loader to these platforms' rules (`load_from_pulumi`, `parse_settings`, ...), so callers
need not pass them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from components.azure.platform import AZURE
from components.gcp.platform import GCP
from components.local.platform import LOCAL
from components.oci.platform import OCI
from components.platform import Platform
from settings import StackSettings
from settings import loader as settings_loader
from settings.loader import LoadedStack
from settings.platform_rules import PlatformRules

PLATFORMS: Mapping[str, Platform] = {p.rules.cloud: p for p in (AZURE, GCP, OCI, LOCAL)}
# What the configuration model needs of each platform (the loader takes these).
RULES: Mapping[str, PlatformRules] = {cloud: p.rules for cloud, p in PLATFORMS.items()}


def platform_for(cloud: str) -> Platform:
    return PLATFORMS[cloud]


def load_from_pulumi() -> LoadedStack:
    """The stack's settings and secrets from the Pulumi runtime, checked against its platform's rules."""
    return settings_loader.load_from_pulumi(RULES)


def check_settings(raw: dict[str, Any]) -> tuple[StackSettings | None, list[str]]:
    return settings_loader.check_settings(raw, RULES)


def parse_settings(raw: dict[str, Any], stack: str) -> StackSettings:
    return settings_loader.parse_settings(raw, stack, RULES)


def load_stack(
    raw: dict[str, Any], stack: str, secret_keys: set[str], offline: bool, file_problems: list[str] | None = None
) -> LoadedStack:
    return settings_loader.load_stack(raw, stack, secret_keys, offline, RULES, file_problems)
