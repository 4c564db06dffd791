"""The stack config model: defaults per cloud and environment, and the bad-input table."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from components.platforms import load_stack, parse_settings
from settings import ConfigError
from settings.secrets import PLACEHOLDER_PREFIX
from tests.harness import AZURE, STACKS
from tools.stackfile import stack_sections

LOCAL: dict[str, Any] = {"environment": "development", "cloud": "local"}


def with_(base: dict[str, Any], **sections: Any) -> dict[str, Any]:
    raw = copy.deepcopy(base)
    raw.update(sections)
    return raw


# (case, raw config, text the error must contain)
BAD_INPUTS: list[tuple[str, dict[str, Any], str]] = [
    (
        "unknown cloud",
        with_(LOCAL, cloud="aws"),
        "todo-observability:cloud must be one of azure, gcp, oci, local (got 'aws')",
    ),
    ("missing cloud", {"environment": "development"}, "todo-observability:cloud is required"),
    (
        "unknown environment",
        with_(LOCAL, environment="prod"),
        "todo-observability:environment must be one of production, staging, development",
    ),
    ("unknown top-level key", with_(LOCAL, metrcis={}), "todo-observability:metrcis is not a known key"),
    (
        "unknown nested key (typo)",
        with_(LOCAL, logging={"retentionDay": 30}),
        "todo-observability:logging.retentionDay is not a known key; did you mean retentionDays?; allowed keys",
    ),
    (
        "wrong type: string for int",
        with_(LOCAL, logging={"retentionDays": "thirty"}),
        "todo-observability:logging.retentionDays must be an integer from 1 to 4383 (got 'thirty')",
    ),
    (
        "wrong type: bool for int",
        with_(LOCAL, metrics={"prometheus": {"replicas": True}}),
        "todo-observability:metrics.prometheus.replicas must be an integer from 1 to 5 (got true)",
    ),
    (
        "wrong type: section not an object",
        with_(LOCAL, alerting="loud"),
        "todo-observability:alerting must be an object",
    ),
    (
        "out of range: replicas",
        with_(LOCAL, metrics={"prometheus": {"replicas": 0}}),
        "todo-observability:metrics.prometheus.replicas must be an integer from 1 to 5 (got 0)",
    ),
    (
        "out of range: sampling rate",
        with_(LOCAL, tracing={"samplingRate": 1.5}),
        "todo-observability:tracing.samplingRate must be a number from 0 to 1 (got 1.5)",
    ),
    (
        "production log retention below 30 days",
        with_(AZURE, logging={"retentionDays": 7}),
        "todo-observability:logging.retentionDays must be >= 30 in a production stack (got 7)",
    ),
    (
        "audit kept shorter than logs",
        with_(AZURE, logging={"retentionDays": 60, "auditRetentionDays": 30}),
        "todo-observability:logging.auditRetentionDays must be >= logging.retentionDays (60)",
    ),
    (
        "missing cloud section",
        {"environment": "production", "cloud": "gcp", "cluster": {"location": "europe-west1"}},
        "todo-observability:gcp is required when todo-observability:cloud is gcp",
    ),
    (
        "missing cloud key",
        with_(AZURE, azure={"subscriptionId": "s", "tenantId": "t", "location": "l"}),
        "todo-observability:azure.resourceGroup is required when cloud is azure",
    ),
    (
        "duplicate service",
        with_(LOCAL, services=[{"name": "chat-api"}, {"name": "chat-api"}]),
        "todo-observability:services names service 'chat-api' 2 times",
    ),
    (
        "service without name",
        with_(LOCAL, services=[{"port": 8000}]),
        "todo-observability:services[0].name is required",
    ),
    (
        "bad service name",
        with_(LOCAL, services=[{"name": "Chat_API"}]),
        "todo-observability:services[0].name must be a lowercase DNS label",
    ),
    (
        "bad duration",
        with_(LOCAL, metrics={"prometheus": {"retention": "15 days"}}),
        "metrics.prometheus.retention must be a Prometheus duration such as 30s, 5m, 15d (got '15 days')",
    ),
    (
        "bad port",
        with_(LOCAL, services=[{"name": "a", "port": 70000}]),
        "todo-observability:services[0].port must be an integer from 1 to 65535 (got 70000)",
    ),
    (
        "latency threshold off bucket",
        with_(LOCAL, alerting={"thresholds": {"latencyP95Seconds": 0.8}}),
        "todo-observability:alerting.thresholds.latencyP95Seconds must be one of the app's histogram buckets",
    ),
    (
        "tracing backend of another cloud",
        with_(LOCAL, tracing={"backend": "azure-monitor"}),
        "todo-observability:tracing.backend must be one of jaeger when cloud is local (got azure-monitor)",
    ),
    (
        "production on local",
        with_(LOCAL, environment="production"),
        "todo-observability:environment must be development or staging when todo-observability:cloud is local",
    ),
    (
        "managed kafka without SASL",
        with_(LOCAL, kafka={"mode": "managed", "vendor": "redpanda", "tls": True}),
        "todo-observability:kafka.sasl.username is required when kafka.mode is managed",
    ),
    (
        "email receiver without smarthost",
        with_(LOCAL, alerting={"receivers": {"email": {"enabled": True, "to": "a@b", "sender": "c@d"}}}),
        "todo-observability:alerting.receivers.email.smarthost is required",
    ),
    (
        "bad smarthost",
        with_(LOCAL, alerting={"receivers": {"email": {"smarthost": "smtp.example.com"}}}),
        "todo-observability:alerting.receivers.email.smarthost must be host:port",
    ),
    (
        "ingress without TLS",
        with_(LOCAL, grafana={"ingressHost": "grafana.example.com"}),
        "todo-observability:grafana.ingressTlsSecret is required when grafana.ingressHost is set",
    ),
    (
        "services not a list",
        with_(LOCAL, services={"name": "a"}),
        "todo-observability:services must be a list, each an object with the keys name, kind",
    ),
]


@pytest.mark.parametrize(("case", "raw", "expected"), BAD_INPUTS, ids=[case for case, _, _ in BAD_INPUTS])
def test_bad_input_is_rejected_with_the_key_named(case: str, raw: dict[str, Any], expected: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_settings(raw, "teststack")
    message = str(error.value)
    assert expected in message, f"{case}: {message}"
    assert "stack 'teststack'" in message


def test_every_problem_is_reported_at_once() -> None:
    raw = with_(LOCAL, logging={"retentionDays": "x"}, tracing={"samplingRate": 2.0}, bogus=1)
    with pytest.raises(ConfigError) as error:
        parse_settings(raw, "s")
    assert len(error.value.problems) == 3


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_file_parses(stack: str) -> None:
    settings = parse_settings(stack_sections(stack), stack)
    assert settings.stack == stack
    assert settings.services, "the app contract's services are the default"


def test_defaults_follow_environment_and_cloud() -> None:
    local = parse_settings(LOCAL, "local")
    prod = parse_settings(AZURE, "prod")
    assert (local.metrics.prometheus.replicas, prod.metrics.prometheus.replicas) == (1, 2)
    assert (local.metrics.alertmanager_replicas, prod.metrics.alertmanager_replicas) == (1, 3)
    assert local.tracing.backend == "jaeger" and prod.tracing.backend == "azure-monitor"
    assert not local.metrics.long_term.enabled and prod.metrics.long_term.enabled
    assert [s.name for s in local.services] == [
        "frontend",
        "chat-api",
        "notification-service",
        "recurring-task-service",
        "audit-service",
        "websocket-service",
    ]


def test_stack_file_overrides_defaults() -> None:
    settings = parse_settings(with_(AZURE, metrics={"prometheus": {"replicas": 3}}), "prod")
    assert settings.metrics.prometheus.replicas == 3
    # A sibling default survives a partial override.
    assert settings.metrics.prometheus.retention == "15d"


RECEIVERS = {"receivers": {"pagerduty": {"enabled": True}}}


def test_missing_required_secret_names_the_command() -> None:
    with pytest.raises(ConfigError) as error:
        load_stack(with_(LOCAL, alerting=RECEIVERS), "s", set(), offline=False)
    assert (
        "todo-observability:secrets.pagerdutyRoutingKey is required (PagerDuty Events API v2 integration "
        "(routing) key): run pulumi config set --secret --path 'secrets.pagerdutyRoutingKey' <value>"
    ) in str(error.value)


def test_offline_render_uses_visible_placeholders() -> None:
    loaded = load_stack(with_(LOCAL, alerting=RECEIVERS), "s", set(), offline=True)
    assert loaded.secrets.placeholders == ["pagerdutyRoutingKey"]
    assert loaded.secrets.get("pagerdutyRoutingKey") is not None
    assert PLACEHOLDER_PREFIX.startswith("PLACEHOLDER")


def test_plain_text_secrets_are_refused() -> None:
    raw = with_(LOCAL, alerting=RECEIVERS, secrets={"pagerdutyRoutingKey": "abc"})
    with pytest.raises(ConfigError) as error:
        load_stack(raw, "s", set(), offline=False)
    assert "todo-observability:secrets is stored in plain text" in str(error.value)
    assert load_stack(raw, "s", {"secrets"}, offline=False).secrets.placeholders == []


def test_unknown_secret_is_refused() -> None:
    with pytest.raises(ConfigError) as error:
        load_stack(with_(LOCAL, secrets={"slackToken": "x"}), "s", {"secrets"}, offline=False)
    assert "todo-observability:secrets.slackToken is not a known secret" in str(error.value)


# Issue 15's start-up budget: importing settings and loading a stack must not build one validator per
# section (each is a compiled schema; 26 of them cost more than the whole old loader). Run in a fresh
# interpreter, since other tests in this process build the sections' validators on purpose.
_BUILT_AFTER_LOAD = """
import settings.model as model
from tools.stackfile import stack_settings

sections = [c for c in vars(model).values() if isinstance(c, type) and issubclass(c, model.Section)]
print("import:", sorted(c.__name__ for c in sections if c.__pydantic_complete__))
for stack in ("local", "prod", "prod-gcp", "prod-oci"):
    stack_settings(stack)
print("load:", sorted(c.__name__ for c in sections if c.__pydantic_complete__))
"""


def test_loading_a_stack_builds_only_the_root_validator() -> None:
    import subprocess
    import sys

    from tools.stackfile import ROOT

    done = subprocess.run(
        [sys.executable, "-c", _BUILT_AFTER_LOAD], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.splitlines() == ["import: []", "load: ['StackSettings']"]


def test_nested_defaults_are_the_sections_own_values() -> None:
    from settings.model import LoggingSettings, PrometheusSettings, ResourceSettings, ServiceSettings, SloSettings

    settings = parse_settings(LOCAL, "t")
    assert settings.stack == "t"
    assert settings.logging.resources == ResourceSettings(
        cpu_request="100m", memory_request="128Mi", memory_limit="512Mi"
    )
    assert PrometheusSettings().resources == ResourceSettings(
        cpu_request="500m", memory_request="2Gi", memory_limit="4Gi"
    )
    assert ServiceSettings(name="x").slo == SloSettings()
    assert isinstance(LoggingSettings().resources, ResourceSettings)
    # Each default is a fresh object, and the models stay frozen.
    assert ServiceSettings(name="x").routes is not ServiceSettings(name="y").routes
    with pytest.raises(ValueError, match="frozen"):
        settings.logging.retention_days = 3  # type: ignore[misc]


def test_replace_validates_the_copy_and_keeps_the_rest() -> None:
    from settings.model import replace

    settings = parse_settings(LOCAL, "t")
    changed = replace(settings, logging=replace(settings.logging, retention_days="9"))
    assert changed.logging.retention_days == 9
    assert changed.logging.namespace == settings.logging.namespace
    assert changed.metrics == settings.metrics
    assert settings.logging.retention_days != 9
    with pytest.raises(ValueError, match="greater than or equal to 1"):
        replace(settings.logging, retention_days=0)
