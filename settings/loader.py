"""Loads the stack configuration once: defaults per cloud and environment, the stack file on top,
then every check, before any resource is registered.

Every problem is reported in one round. Pydantic reports every key that fails on its own; the rules
across keys (model validators) need a whole model, so the loader validates again with the failed keys
set back to their defaults and keeps only the rule reports that do not touch a failed key.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from settings.defaults import defaults_for, merge
from settings.errors import (
    PROJECT,
    ConfigError,
    config_key,
    container_at,
    describe,
    field_at,
    key_of,
    keys_of,
    looks_secret,
    secret_for,
    shown,
    suggestion,
)
from settings.model import StackSettings
from settings.platform_rules import PlatformRules
from settings.secrets import KNOWN_SECRETS, StackSecrets, build_secrets, secret_problems

# Set by the offline render (tools/render.py): missing secrets become visible placeholders.
OFFLINE_ENV = "TODO_OBSERVABILITY_OFFLINE_RENDER"
# Extra passes after the first; each sets more of what failed back to defaults.
_MAX_PASSES = 4


@dataclass
class LoadedStack:
    settings: StackSettings
    secrets: StackSecrets


def _overlaps(key: str, failed: str) -> bool:
    return any(a == b or a.startswith((b + ".", b + "[")) for a, b in ((key, failed), (failed, key)))


class Collector:
    """Gathers the cross-field rules' reports, dropping those about keys that already failed."""

    def __init__(self, failed: set[str]) -> None:
        self.failed = failed
        self.problems: list[str] = []

    def __call__(self, key: str, message: str, *, uses: tuple[str, ...] = ()) -> None:
        if not any(_overlaps(k, f) for k in (key, *uses) for f in self.failed):
            self.problems.append(f"{config_key(key)} {message}")


def unknown_key_message(loc: tuple[int | str, ...], cloud: str | None, clouds: Collection[str]) -> str:
    """Why the key at `loc` is not read, and what to do. `cloud` is the stack's (None when unknown),
    `clouds` every registered cloud: a key that moved into another cloud's section is of no use here."""
    parent = container_at(StackSettings, loc[:-1]) if loc[:-1] else StackSettings
    key = str(loc[-1])
    allowed = sorted(keys_of(parent)) if parent is not None else []
    old = key_of(loc)
    removed = getattr(parent, "removed_keys", {}).get(key)
    if removed is not None:
        return f"was removed: {removed}; remove the key (pulumi config rm --path '{old}')"
    moved = getattr(parent, "moved_keys", {}).get(key)
    if moved is not None:
        section = moved.split(".", 1)[0]
        if cloud is not None and section in clouds and section != cloud:
            # The old key was accepted and unused on this cloud: moving it would only be refused again.
            return (
                f"applies to the {section} cloud only ({config_key(moved)}), and this stack's cloud is {cloud}: "
                f"remove it (pulumi config rm --path '{old}')"
            )
        return (
            f"has moved to {config_key(moved)}: pulumi config rm --path '{old}'; "
            f"pulumi config set --path '{moved}' <value>"
        )
    if looks_secret(key):
        name = secret_for([str(p) for p in loc if isinstance(p, str)], list(KNOWN_SECRETS))
        target = f"secrets.{name or '<name>'}"
        return (
            f"looks like a secret, and secrets never go in plain config: set {config_key(target)} with "
            f"pulumi config set --secret --path '{target}' <value>"
        )
    return f"is not a known key{suggestion(key, allowed)}; allowed keys here: {', '.join(allowed)}"


def error_message(error: Any, cloud: str | None, clouds: Collection[str]) -> str:
    loc = tuple(error["loc"])
    kind = error["type"]
    if kind in ("unexpected_keyword_argument", "extra_forbidden"):
        return f"{config_key(key_of(loc))} {unknown_key_message(loc, cloud, clouds)}"
    found = field_at(StackSettings, loc)
    allowed = describe(*found) if found else "a known value"
    if kind == "missing":
        return f"{config_key(key_of(loc))} is required ({allowed})"
    return f"{config_key(key_of(loc))} must be {allowed} (got {shown(error.get('input'))})"


def _lookup(tree: Any, loc: tuple[int | str, ...]) -> tuple[bool, Any]:
    for part in loc:
        in_list = isinstance(part, int) and isinstance(tree, list) and part < len(tree)
        if in_list or (isinstance(part, str) and isinstance(tree, dict) and part in tree):
            tree = tree[part]
        else:
            return False, None
    return True, tree


def _reset(tree: Any, loc: tuple[int | str, ...], defaults: dict[str, Any]) -> None:
    """Sets the value at `loc` back to its default (the overlay's, or the model's by removing it)."""
    found, parent = _lookup(tree, loc[:-1])
    if not found or not isinstance(parent, dict):
        return
    has_default, default = _lookup(defaults, loc)
    if has_default:
        parent[loc[-1]] = default
    else:
        parent.pop(loc[-1], None)


def _flat_keys(sections: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    """`pulumi config set 'alerting.thresholds.x' 2` without --path makes one flat key with dots."""
    kept = {}
    for key, value in sections.items():
        head = key.split(".", 1)[0].split("[", 1)[0]
        if ("." in key or "[" in key) and head in keys_of(StackSettings):
            problems.append(
                f"{config_key(key)} is one flat key with dots in its name, not the nested key {key}: set it with "
                f"--path (pulumi config rm '{key}'; pulumi config set --path '{key}' <value>)"
            )
        else:
            kept[key] = value
    return kept


def _other_cloud_sections(
    sections: dict[str, Any], cloud: str, clouds: Collection[str], problems: list[str]
) -> dict[str, Any]:
    """A section named after another registered cloud is never read on this one: refused (and left out,
    so its values are not checked as well), instead of being accepted and ignored."""
    kept = {}
    for key, value in sections.items():
        if key in clouds and key != cloud and key in keys_of(StackSettings):
            problems.append(
                f"{config_key(key)} is the {key} cloud's section, and this stack's cloud is {cloud}: "
                f"remove it (pulumi config rm {key})"
            )
        else:
            kept[key] = value
    return kept


def check_settings(
    raw: dict[str, Any], platforms: Mapping[str, PlatformRules]
) -> tuple[StackSettings | None, list[str]]:
    """Pure: raw section values (keys without the project prefix) to settings and every problem found.
    `platforms` are the clouds' parts of the model by `cloud` value (components/platforms.py)."""
    problems: list[str] = []
    sections = _flat_keys({key: value for key, value in raw.items() if key != "secrets"}, problems)
    platform = platforms.get(str(sections.get("cloud")))
    cloud = platform.cloud if platform else None
    if cloud is not None:
        sections = _other_cloud_sections(sections, cloud, platforms.keys(), problems)
    defaults = defaults_for(platform.defaults if platform else {}, str(sections.get("environment")))
    layered = merge(defaults, sections)
    failed: set[str] = set()
    collector = Collector(failed)
    for attempt in range(_MAX_PASSES + 1):
        try:
            settings = StackSettings.__pydantic_validator__.validate_python(
                layered, context={"report": collector, "platform": platform}
            )
        except ValidationError as error:
            if attempt == 0:
                layered = copy.deepcopy(layered)  # reset below without touching the caller's values
            for item in error.errors(include_url=False):
                loc = tuple(item["loc"])
                if attempt == 0:
                    problems.append(error_message(item, cloud, platforms.keys()))
                if not loc or loc[0] in ("cloud", "environment"):
                    return None, problems  # the rules all depend on them
                # A missing key or a bad list item: give up on the whole enclosing object or list.
                if item["type"] == "missing" or isinstance(loc[-1], int):
                    loc = loc[:-1]
                    while loc and isinstance(loc[-1], int):
                        loc = loc[:-1]
                if not loc:
                    return None, problems
                failed.add(key_of(loc))
                _reset(layered, loc, defaults)
            continue
        return settings, problems + collector.problems
    return None, problems


def parse_settings(raw: dict[str, Any], stack: str, platforms: Mapping[str, PlatformRules]) -> StackSettings:
    """Pure: raw section values (keys without the project prefix) to validated settings."""
    settings, problems = check_settings(raw, platforms)
    if problems or settings is None:
        raise ConfigError(stack, problems)
    settings.set_stack(stack)
    return settings


def load_stack(
    raw: dict[str, Any],
    stack: str,
    secret_keys: set[str],
    offline: bool,
    platforms: Mapping[str, PlatformRules],
    file_problems: list[str] | None = None,
) -> LoadedStack:
    settings, problems = check_settings(raw, platforms)
    problems = [*(file_problems or []), *problems]
    raw_secrets = raw.get("secrets")
    platform = platforms.get(settings.cloud) if settings is not None else None
    platform_secrets = platform.required_secrets if platform else ()
    problems += secret_problems(raw_secrets, "secrets" in secret_keys, settings, offline, platform_secrets)
    if problems or settings is None:
        raise ConfigError(stack, problems)
    settings.set_stack(stack)
    return LoadedStack(settings, build_secrets(raw_secrets, settings, platform_secrets))


def _decode(value: Any) -> Any:
    # Pulumi hands structured config to the program as JSON text.
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _stack_file_problems(stack: str) -> list[str]:
    """Under the real engine, the program reads its stack file itself: the engine has already dropped
    duplicate keys and misspelt namespaces, and marks a whole `secrets` object secret when one value is."""
    from settings.document import read_stack_file

    path = Path.cwd() / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        return []
    try:
        return read_stack_file(path)[1]
    except ConfigError as error:
        return error.problems


def load_from_pulumi(platforms: Mapping[str, PlatformRules]) -> LoadedStack:
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
    stack = pulumi.get_stack()
    # The offline render has read (and checked) its stack file already (tools/stackfile.py).
    file_problems = [] if offline else _stack_file_problems(stack)
    return load_stack(raw, stack, secret_keys, offline, platforms, file_problems)


def _secret_keys(runtime_config: Any) -> set[str]:
    return {key for key in runtime_config.CONFIG.get() if runtime_config.is_config_secret(key)} | set(
        runtime_config.get_config_secret_keys_env()
    )
