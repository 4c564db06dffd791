"""Reads a `Pulumi.<stack>.yaml` into the config map the Pulumi engine would hand the program."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from components.platforms import parse_settings
from settings import PROJECT, ConfigError, StackSettings
from settings.document import read_stack_file, stack_of

ROOT = Path(__file__).resolve().parent.parent
# An encrypted value cannot be decrypted offline; the program sees it as set, with this value.
ENCRYPTED_PLACEHOLDER = "[encrypted]"


def stack_file(stack: str) -> Path:
    return ROOT / f"Pulumi.{stack}.yaml"


def all_stacks() -> list[str]:
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in ROOT.glob("Pulumi.*.yaml"))


def _strip_secure(value: Any, path: str, secure_paths: list[str]) -> Any:
    if isinstance(value, dict) and set(value) == {"secure"}:
        secure_paths.append(path)
        return ENCRYPTED_PLACEHOLDER
    if isinstance(value, dict):
        return {k: _strip_secure(v, f"{path}.{k}", secure_paths) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip_secure(v, f"{path}[{i}]", secure_paths) for i, v in enumerate(value)]
    return value


def engine_config(document: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    """Config as the engine passes it (strings; structured values as JSON) and the secret keys."""
    config: dict[str, str] = {}
    secret_keys: list[str] = []
    for key, value in (document.get("config") or {}).items():
        full_key = key if ":" in key else f"{PROJECT}:{key}"
        secure_paths: list[str] = []
        plain = _strip_secure(value, full_key, secure_paths)
        if secure_paths:
            secret_keys.append(full_key)
        config[full_key] = plain if isinstance(plain, str) else json.dumps(plain, sort_keys=True)
    return config, secret_keys


def sections_of(document: dict[str, Any]) -> dict[str, Any]:
    """A stack document's config as `settings.parse_settings` takes it: section -> value, with the
    engine's JSON text decoded back into structures."""
    config, _ = engine_config(document)
    sections: dict[str, Any] = {}
    for key, value in config.items():
        if not key.startswith(f"{PROJECT}:"):
            continue
        try:
            sections[key.split(":", 1)[1]] = json.loads(value)
        except json.JSONDecodeError:
            sections[key.split(":", 1)[1]] = value
    return sections


def load_stack_document(path: Path) -> dict[str, Any]:
    """The stack file as a document; raises ConfigError when it cannot be read, or when it has problems
    the engine would hide (duplicate keys, a misspelt namespace, a plain value among secrets): then
    with the config's own problems in the same round."""
    document, problems = read_stack_file(path)
    if problems:
        stack = stack_of(path)
        try:
            parse_settings(sections_of(document), stack)
        except ConfigError as error:
            problems += error.problems
        raise ConfigError(stack, problems)
    return document


def stack_sections(stack: str) -> dict[str, Any]:
    """A committed stack's config as `settings.parse_settings` takes it."""
    return sections_of(load_stack_document(stack_file(stack)))


def stack_settings(stack: str) -> StackSettings:
    """A committed stack's typed settings, without the Pulumi engine."""
    return parse_settings(stack_sections(stack), stack)
