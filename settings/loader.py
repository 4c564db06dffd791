"""Loads the stack configuration once: defaults per cloud and environment, the stack file on top,
then every check, before any resource is registered."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from settings.defaults import defaults_for
from settings.model import StackSettings
from settings.schema import PROJECT, ConfigError, merge, parse_section
from settings.secrets import StackSecrets, build_secrets, secret_problems
from settings.validation import cross_field_problems

# Set by the offline render (tools/render.py): missing secrets become visible placeholders.
OFFLINE_ENV = "TODO_OBSERVABILITY_OFFLINE_RENDER"


@dataclass
class LoadedStack:
    settings: StackSettings
    secrets: StackSecrets


def parse_settings(raw: dict[str, Any], stack: str) -> StackSettings:
    """Pure: raw section values (keys without the project prefix) to validated settings."""
    sections = {key: value for key, value in raw.items() if key != "secrets"}
    cloud = sections.get("cloud")
    environment = sections.get("environment")
    layered = merge(defaults_for(str(cloud), str(environment)), sections)
    settings, problems = parse_section(StackSettings, layered, "")
    if not problems:
        problems = cross_field_problems(settings)
    if problems:
        raise ConfigError(stack, problems)
    object.__setattr__(settings, "stack", stack)
    return settings


def load_stack(raw: dict[str, Any], stack: str, secret_keys: set[str], offline: bool) -> LoadedStack:
    settings = parse_settings(raw, stack)
    raw_secrets = raw.get("secrets")
    problems = secret_problems(raw_secrets, "secrets" in secret_keys, settings, offline)
    if problems:
        raise ConfigError(stack, problems)
    return LoadedStack(settings, build_secrets(raw_secrets, settings))


def _decode(value: Any) -> Any:
    # Pulumi hands structured config to the program as JSON text.
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def load_from_pulumi() -> LoadedStack:
    """Reads `todo-observability:*` from the Pulumi runtime (the engine, or the offline render's mocks)."""
    import pulumi
    from pulumi.runtime import config as runtime_config

    prefix = f"{PROJECT}:"
    raw = {
        key[len(prefix) :]: _decode(value)
        for key, value in runtime_config.CONFIG.get().items()
        if key.startswith(prefix)
    }
    if not raw:
        env = runtime_config.get_config_env()
        raw = {key[len(prefix) :]: _decode(value) for key, value in env.items() if key.startswith(prefix)}
    secret_keys = {key[len(prefix) :] for key in _secret_keys(runtime_config) if key.startswith(prefix)}
    offline = os.environ.get(OFFLINE_ENV) == "1"
    return load_stack(raw, pulumi.get_stack(), secret_keys, offline)


def _secret_keys(runtime_config: Any) -> set[str]:
    return {key for key in runtime_config.CONFIG.get() if runtime_config.is_config_secret(key)} | set(
        runtime_config.get_config_secret_keys_env()
    )
