"""Configuration errors in the words of the stack file: the `todo-observability:<key>` named, what was
given (short, never a whole URL or secret), and what is allowed."""

from __future__ import annotations

import difflib
import re
import types
import typing
from typing import Any, Literal, Union, get_args, get_origin

from annotated_types import Ge, Le

from settings.fields import Form

PROJECT = "todo-observability"


class ConfigError(ValueError):
    """Every problem found in one stack's configuration, each naming its config key."""

    def __init__(self, stack: str, problems: list[str]) -> None:
        self.stack = stack
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"stack '{stack}' has {len(problems)} configuration error(s):\n{lines}")


def config_key(path: str) -> str:
    return f"{PROJECT}:{path}"


def key_of(loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as the stack file's key: services[2].slo.latency."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def shown(value: Any) -> str:
    """What was given, short: no URL path or query (webhook tokens live there), no long strings."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | float):
        text = f"{value:g}" if isinstance(value, float) else str(value)
        return text if len(text) <= 20 else text[:17] + "..."
    text = str(value)
    url = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)(?:[^@/]*@)?([^/?#]*)(.*)$", text)
    if url:
        return repr(url.group(1) + url.group(2) + ("/..." if url.group(3) else ""))
    return repr(text if len(text) <= 32 else text[:24] + "...")


def _metadata(annotation: Any, field_metadata: list[Any] | None = None) -> tuple[Any, list[Any]]:
    metadata = list(field_metadata or [])
    while get_origin(annotation) is typing.Annotated:
        metadata += list(annotation.__metadata__)
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        options = [a for a in get_args(annotation) if a is not type(None)]
        if len(options) == 1:
            return _metadata(options[0], metadata)
    return annotation, metadata


def _fields(cls: Any) -> dict[str, Any]:
    return getattr(cls, "__pydantic_fields__", {})


def alias(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def keys_of(cls: Any) -> list[str]:
    return [alias(name) for name in _fields(cls)]


def describe(annotation: Any, field_metadata: list[Any] | None = None) -> str:
    """What a field accepts, in words (no Python type names)."""
    annotation, metadata = _metadata(annotation, field_metadata)
    forms = [m.hint for m in metadata if isinstance(m, Form)]
    low = next((m.ge for m in metadata if isinstance(m, Ge)), None)
    high = next((m.le for m in metadata if isinstance(m, Le)), None)
    bounds = f" from {low:g} to {high:g}" if low is not None and high is not None else ""
    origin = get_origin(annotation)
    if forms:
        return forms[0]
    if origin is Literal:
        return "one of " + ", ".join(str(v) for v in get_args(annotation))
    if origin is list:
        return "a list, each " + describe(get_args(annotation)[0])
    if annotation is bool:
        return "true or false"
    if annotation is int:
        return "an integer" + bounds
    if annotation is float:
        return "a number" + bounds
    if annotation is str:
        return "text"
    if _fields(annotation):
        return "an object with the keys " + ", ".join(keys_of(annotation))
    return "a value"


def field_at(root: Any, loc: tuple[int | str, ...]) -> tuple[Any, list[Any]] | None:
    """The annotation and metadata of the field at a location, or None when there is none."""
    annotation: Any = root
    metadata: list[Any] = []
    for part in loc:
        annotation, _ = _metadata(annotation)
        if isinstance(part, int):
            if get_origin(annotation) is not list:
                return None
            annotation, metadata = get_args(annotation)[0], []
            continue
        fields = _fields(annotation)
        match = next((i for n, i in fields.items() if part in (n, alias(n))), None)
        if match is None:
            return None
        annotation, metadata = match.annotation, list(match.metadata)
    return annotation, metadata


def container_at(root: Any, loc: tuple[int | str, ...]) -> Any:
    found = field_at(root, loc)
    return _metadata(found[0])[0] if found else None


# Keys that look like credentials: they belong under `secrets`, never in plain config.
_SECRET_WORDS = ("password", "secret", "token", "webhook", "routingkey", "apikey", "privatekey", "kubeconfig")


def looks_secret(key: str) -> bool:
    lowered = key.lower()
    return any(word in lowered for word in _SECRET_WORDS)


def secret_for(parts: list[str], known: list[str]) -> str | None:
    """The known secret a misplaced key means: slack.webhookUrl -> slackWebhookUrl."""
    words = [p for p in parts if p not in ("alerting", "receivers")]
    candidates = [alias("_".join([a, words[-1]])) for a in words[:-1]] + [words[-1]]
    candidates += [alias("_".join(words))]
    for candidate in candidates:
        if candidate in known:
            return candidate
    close = difflib.get_close_matches(alias("_".join(words)), known, n=1, cutoff=0.5)
    return close[0] if close else None


def suggestion(key: str, allowed: list[str]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    if not close:
        close = [a for a in allowed if a.lower() == key.lower()]
    return f"; did you mean {close[0]}?" if close else ""
