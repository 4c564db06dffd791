"""Value types of the stack config: pydantic-annotated types whose errors say, in words, what is allowed.

Every type here is a plain `str`, `int`, `float` or `bool` at run time; the annotations add the form a
value must have (`Form`, shown in errors and in docs/config-reference.md) and how values arrive from
`pulumi config set --path` (numbers and booleans as strings, integers where text is meant).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_core import PydanticCustomError


@dataclass(frozen=True)
class Form:
    """What a value must look like, in words."""

    hint: str


def _fail(hint: str) -> PydanticCustomError:
    return PydanticCustomError("form", "must be {hint}", {"hint": hint})


def _matches(pattern: str, hint: str, *, empty_ok: bool) -> AfterValidator:
    def check(value: str) -> str:
        # re caches compiled patterns; compiling lazily keeps start-up short.
        if (value == "" and empty_ok) or re.fullmatch(pattern, value):
            return value
        raise _fail(hint)

    return AfterValidator(check)


def _no_bool(value: Any) -> Any:
    # pydantic's lax mode reads true as 1; a boolean where a number is meant is a mistake.
    if isinstance(value, bool):
        raise PydanticCustomError("bool_for_number", "must be a number, not true/false")
    return value


def _cli_bool(value: Any) -> Any:
    # `pulumi config set --path k true` stores a boolean; a stack file may quote it.
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise PydanticCustomError("flag", "must be true or false")


Flag = Annotated[bool, BeforeValidator(_cli_bool)]


def count(low: int, high: int) -> Any:
    """An integer in [low, high]; "3" (a string from the CLI) is read as 3."""
    return Annotated[int, BeforeValidator(_no_bool), Field(ge=low, le=high)]


def number(low: float, high: float) -> Any:
    """A number in [low, high]; "2.5" (how the CLI stores a decimal) is read as 2.5."""
    return Annotated[float, BeforeValidator(_no_bool), Field(ge=low, le=high)]


def text(pattern: str, hint: str, *, empty_ok: bool = False) -> Any:
    shown = f"{hint}, or empty" if empty_ok else hint
    return Annotated[str, Form(shown), _matches(pattern, shown, empty_ok=empty_ok)]


def checked(check: Callable[[str], bool], hint: str) -> Any:
    """Text that `check` accepts (for rules a regular expression says badly)."""

    def validate(value: str) -> str:
        if check(value):
            return value
        raise _fail(hint)

    return Annotated[str, Form(hint), AfterValidator(validate)]


# Prometheus duration syntax (what `for:`, retention and scrape intervals accept).
DURATION_PATTERN = r"([0-9]+(ms|s|m|h|d|w|y))+"
DURATION_HINT = "a Prometheus duration such as 30s, 5m, 15d"
_DURATION_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


def duration_seconds(text_value: str) -> float:
    return sum(float(n) * _DURATION_UNIT_SECONDS[u] for n, u in re.findall(r"([0-9]+)(ms|s|m|h|d|w|y)", text_value))


DNS_LABEL = r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?"
DNS_HINT = "a lowercase DNS label (a-z, 0-9, '-')"
_HOST = r"(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*"
_QUANTITY = r"[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?"

Duration = Annotated[str, Form(DURATION_HINT), _matches(DURATION_PATTERN, DURATION_HINT, empty_ok=False)]
PositiveDuration = checked(
    lambda v: re.fullmatch(DURATION_PATTERN, v) is not None and duration_seconds(v) > 0,
    "a Prometheus duration above zero such as 30s, 5m, 4h (Alertmanager refuses 0)",
)
DnsLabel = text(DNS_LABEL, DNS_HINT)
# A Kubernetes object name (Secrets, StorageClasses, IngressClasses): a lowercase DNS subdomain.
K8sName = text(_HOST, "a Kubernetes name (lowercase letters, digits, '-' and '.')", empty_ok=True)
HostName = text(_HOST, "a host name such as grafana.example.com (no scheme, port or path)", empty_ok=True)
HostPort = text(_HOST + r":[0-9]{1,5}", "host:port, such as smtp.example.com:587", empty_ok=True)
BootstrapServers = text(
    rf"{_HOST}:[0-9]{{1,5}}(,{_HOST}:[0-9]{{1,5}})*",
    "comma-separated host:port entries, such as broker-0.example.com:9092",
)
Quantity = text(_QUANTITY, "a Kubernetes quantity such as 512Mi, 10Gi or 1G (not 10GB)")
CpuQuantity = text(r"[0-9]+(\.[0-9]+)?m?", "a CPU quantity such as 500m or 2", empty_ok=True)
MemoryQuantity = text(_QUANTITY, "a Kubernetes quantity such as 512Mi or 2Gi (not 2GB)", empty_ok=True)
HttpsUrl = text(r"https://[^/\s?#@]+(/\S*)?", "an https:// URL", empty_ok=True)
HttpUrl = text(r"https?://[^\s@]*[^/\s@]", "an http(s) URL without a trailing slash")
Guid = text(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
    "a GUID such as 00000000-0000-0000-0000-000000000000",
    empty_ok=True,
)
Email = text(
    r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}", "an e-mail address with a domain, such as oncall@example.com", empty_ok=True
)
Path = text(r"/\S*", "a path starting with '/'")
Route = text(r"/\S*", "a route starting with '/'")


def named(hint: str) -> Any:
    """A name from a list that depends on other keys: any text here, so that every name outside the list
    (an unknown one too) gets the words of the rule that knows the list, not a list of every name."""
    return Annotated[str, Form(hint)]


# Checked against the stack's cloud (PlatformRules.trace_backends, settings.validation platform_problems).
TraceBackendName = named("the name of a trace backend the stack's cloud runs (see docs/tracing.md)")
