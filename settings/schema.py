"""Turns raw stack config (nested dicts from `Pulumi.<stack>.yaml`) into typed, frozen dataclasses.

The section dataclasses in `settings.model` are the schema: field names are the snake_case form of
the camelCase keys users write, field types say what is accepted, and `constraint(...)` metadata adds
ranges and patterns. Every problem is collected with the full config key, so a user sees all of them
at once instead of fixing one per `pulumi preview`.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Mapping
from typing import Any, Literal, Union, get_args, get_origin

PROJECT = "todo-observability"

# Prometheus duration syntax (what `for:`, retention and scrape intervals accept).
DURATION_PATTERN = r"^([0-9]+(ms|s|m|h|d|w|y))+$"


class ConfigError(ValueError):
    """Every problem found in one stack's configuration, each naming its config key."""

    def __init__(self, stack: str, problems: list[str]) -> None:
        self.stack = stack
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"stack '{stack}' has {len(problems)} configuration error(s):\n{lines}")


def constraint(
    default: Any = dataclasses.MISSING,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    pattern: str | None = None,
    hint: str | None = None,
    default_factory: Any = dataclasses.MISSING,
) -> Any:
    """A dataclass field with validation metadata; `hint` describes the allowed values in errors."""
    metadata = {"minimum": minimum, "maximum": maximum, "pattern": pattern, "hint": hint}
    if default_factory is not dataclasses.MISSING:
        return dataclasses.field(default_factory=default_factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def config_key(path: str) -> str:
    return f"{PROJECT}:{path}"


def describe(tp: Any) -> str:
    """A short, user-facing description of a type, used in "expected ..." messages."""
    origin = get_origin(tp)
    if origin is Literal:
        return "one of " + ", ".join(repr(value) for value in get_args(tp))
    if origin in (Union, types.UnionType):
        return " or ".join(describe(arg) for arg in get_args(tp) if arg is not type(None))
    if origin is list:
        return f"a list of {describe(get_args(tp)[0])}"
    if origin is dict:
        return f"a map of {describe(get_args(tp)[1])}"
    if dataclasses.is_dataclass(tp):
        return "an object"
    return {str: "a string", int: "an integer", float: "a number", bool: "true or false"}.get(
        tp, getattr(tp, "__name__", str(tp))
    )


class _Parser:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append(f"{config_key(path)} {message}")

    def parse(self, tp: Any, raw: Any, path: str, meta: Mapping[str, Any] | None = None) -> Any:
        origin = get_origin(tp)
        if origin in (Union, types.UnionType):
            options = [arg for arg in get_args(tp) if arg is not type(None)]
            if raw is None:
                return None
            return self.parse(options[0], raw, path, meta)
        if origin is Literal:
            allowed = get_args(tp)
            if raw not in allowed:
                self.fail(path, f"must be one of {', '.join(map(str, allowed))} (got {raw!r})")
            return raw
        if origin is list:
            if not isinstance(raw, list):
                self.fail(path, f"must be {describe(tp)} (got {type(raw).__name__} {raw!r})")
                return []
            (item_type,) = get_args(tp)
            return [self.parse(item_type, item, f"{path}[{i}]") for i, item in enumerate(raw)]
        if origin is dict:
            if not isinstance(raw, dict):
                self.fail(path, f"must be {describe(tp)} (got {type(raw).__name__})")
                return {}
            _, value_type = get_args(tp)
            return {str(k): self.parse(value_type, v, f"{path}.{k}") for k, v in raw.items()}
        if dataclasses.is_dataclass(tp):
            return self.parse_dataclass(tp, raw, path)
        return self.parse_scalar(tp, raw, path, meta or {})

    def parse_scalar(self, tp: Any, raw: Any, path: str, meta: Mapping[str, Any]) -> Any:
        ok = (
            (tp is bool and isinstance(raw, bool))
            or (tp is int and isinstance(raw, int) and not isinstance(raw, bool))
            or (tp is float and isinstance(raw, int | float) and not isinstance(raw, bool))
            or (tp is str and isinstance(raw, str))
        )
        if not ok:
            self.fail(path, f"must be {describe(tp)} (got {type(raw).__name__} {raw!r})")
            return raw
        value = float(raw) if tp is float else raw
        hint = meta.get("hint")
        if meta.get("minimum") is not None and value < meta["minimum"]:
            self.fail(path, f"must be >= {meta['minimum']} (got {raw!r})")
        if meta.get("maximum") is not None and value > meta["maximum"]:
            self.fail(path, f"must be <= {meta['maximum']} (got {raw!r})")
        if meta.get("pattern") and not re.fullmatch(meta["pattern"], value):
            self.fail(path, f"must be {hint or 'of the form ' + meta['pattern']} (got {raw!r})")
        return value

    def parse_dataclass(self, cls: Any, raw: Any, path: str) -> Any:
        if not isinstance(raw, dict):
            self.fail(path, f"must be an object (got {type(raw).__name__} {raw!r})")
            raw = {}
        hints = typing.get_type_hints(cls)
        fields = {camel(f.name): f for f in dataclasses.fields(cls) if f.init}
        prefix = f"{path}." if path else ""
        for key in sorted(set(raw) - set(fields)):
            self.fail(
                f"{prefix}{key}",
                f"is not a known key; allowed keys here: {', '.join(sorted(fields))}",
            )
        values: dict[str, Any] = {}
        for key, f in fields.items():
            if key in raw:
                values[f.name] = self.parse(hints[f.name], raw[key], f"{prefix}{key}", f.metadata)
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                self.fail(f"{prefix}{key}", f"is required ({describe(hints[f.name])})")
                values[f.name] = None
        return cls(**values)


def parse_section(cls: Any, raw: Any, path: str) -> tuple[Any, list[str]]:
    """Parses one dataclass from raw config; returns the value and the problems found."""
    parser = _Parser()
    value = parser.parse_dataclass(cls, raw, path)
    return value, parser.problems


def merge(base: Any, override: Any) -> Any:
    """Deep merge for maps; lists and scalars in `override` replace those in `base`."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = merge(base.get(key), value) if key in base else value
        return merged
    return override
