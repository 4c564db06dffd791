"""A hundred plausible mistakes, on the four committed stacks: each is refused with its key named and the
allowed values stated, before anything is registered; values as the Pulumi CLI writes them are accepted."""

from __future__ import annotations

import copy
import itertools
import math
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.platforms import load_stack, parse_settings
from render.fluent_bit import MAX_CHUNKS_UP, TAIL_BUFFER_MAX
from settings import ConfigError
from settings.defaults import APP_CONTRACT_SERVICES
from settings.document import read_stack_file
from settings.model import MIN_LOG_BUFFER, fluent_bit_bytes
from tools.stackfile import ROOT, load_stack_document, sections_of, stack_sections

STACK_OF = {"local": "local", "azure": "prod", "gcp": "prod-gcp", "oci": "prod-oci"}
# Python's words for types: a user never needs them.
PYTHON_WORDS = re.compile(r"\b(NoneType|dict|str|int|float|bool|Input should|pydantic)\b")


def base(stack: str) -> dict[str, Any]:
    raw = copy.deepcopy(stack_sections(stack))
    raw.setdefault("services", copy.deepcopy(APP_CONTRACT_SERVICES))
    return raw


def put(raw: dict[str, Any], path: str, value: Any) -> None:
    """Sets `a.b[2].c` in a raw config, creating maps on the way; `=a.b` sets the flat key "a.b"."""
    if path.startswith("="):
        raw[path[1:]] = value
        return
    parts = [int(p) if p.isdigit() else p for p in re.findall(r"[^.\[\]]+", path)]
    node: Any = raw
    for part, following in itertools.pairwise(parts):
        if isinstance(part, str) and (part not in node or node[part] is None):
            node[part] = [] if isinstance(following, int) else {}
        node = node[part]
    node[parts[-1]] = value


def changed(stack: str, *changes: tuple[str, Any]) -> dict[str, Any]:
    raw = base(stack)
    for path, value in changes:
        put(raw, path, value)
    return raw


NO_HUMAN = tuple((f"alerting.receivers.{r}.enabled", False) for r in ("pagerduty", "slack", "teams", "email"))

# (stack, changes, key named, text stating what is allowed)
BAD: list[tuple[str, tuple[tuple[str, Any], ...], str, str]] = [
    ("local", (("cloud", "aws"),), "cloud", "one of azure, gcp, oci, local"),
    ("local", (("environment", "prod"),), "environment", "one of production, staging, development"),
    ("prod", (("azure.subscriptionId", "my-subscription"),), "azure.subscriptionId", "a GUID"),
    ("prod", (("azure.tenantId", "contoso.onmicrosoft.com"),), "azure.tenantId", "a GUID"),
    ("prod", (("azure.location", "West Europe"),), "azure.location", "an Azure region such as westeurope"),
    ("prod", (("azure.resourceGroup", ""),), "azure.resourceGroup", "is required when cloud is azure"),
    ("prod-gcp", (("gcp.project", "Todo Prod"),), "gcp.project", "a GCP project ID"),
    ("prod-gcp", (("gcp.region", "Belgium"),), "gcp.region", "a GCP region such as europe-west1"),
    ("prod-gcp", (("cluster.location", ""),), "cluster.location", "the GKE cluster's zone or region"),
    ("prod-oci", (("oci.compartmentId", "ocid1.vcn.oc1..aaaa"),), "oci.compartmentId", "a compartment OCID"),
    ("prod-oci", (("oci.tenancyId", "todotenancy"),), "oci.tenancyId", "a tenancy OCID"),
    ("prod-oci", (("oci.region", "Frankfurt"),), "oci.region", "an OCI region such as eu-frankfurt-1"),
    ("prod-oci", (("oci.logUploadKeyFingerprint", "abcd"),), "oci.logUploadKeyFingerprint", "16 hex pairs"),
    ("prod", (("cluster.oidcIssuerUrl", "http://issuer.example/"),), "cluster.oidcIssuerUrl", "an https:// URL"),
    ("prod", (("cluster.oidcIssuerUrl", ""),), "cluster.oidcIssuerUrl", "an https:// URL"),
    ("local", (("cluster.name", "Todo_Local"),), "cluster.name", "a lowercase DNS label"),
    ("prod", (("grafana.ingressHost", "https://grafana.example.com"),), "grafana.ingressHost", "no scheme"),
    ("local", (("kafka.ui.ingressHost", "kafka.example.com/ui"),), "kafka.ui.ingressHost", "no scheme, port or path"),
    ("prod", (("grafana.persistenceSize", "10GB"),), "grafana.persistenceSize", "a Kubernetes quantity"),
    (
        "local",
        (("metrics.longTerm.compactorStorageSize", "50 GB"),),
        "metrics.longTerm.compactorStorageSize",
        "a Kubernetes quantity",
    ),
    ("prod-oci", (("tracing.jaegerStorageSize", "20GB"),), "tracing.jaegerStorageSize", "a Kubernetes quantity"),
    ("local", (("tracing.collectorMemoryLimit", "1GB"),), "tracing.collectorMemoryLimit", "a Kubernetes quantity"),
    (
        "local",
        (("metrics.prometheus.resources.memoryLimit", "4GB"),),
        "metrics.prometheus.resources.memoryLimit",
        "a Kubernetes quantity",
    ),
    ("local", (("logging.resources.cpuRequest", "0.1 cores"),), "logging.resources.cpuRequest", "a CPU quantity"),
    (
        "local",
        (("metrics.prometheus.storageSize", "50GB"),),
        "metrics.prometheus.storageSize",
        "a volume size such as 50Gi",
    ),
    ("local", (("kafka.bootstrapServers", "broker-0.example.com"),), "kafka.bootstrapServers", "host:port"),
    ("prod-oci", (("kafka.bootstrapServers", "seed-0:9092,seed-1"),), "kafka.bootstrapServers", "host:port"),
    ("local", (("alerting.groupInterval", "0s"),), "alerting.groupInterval", "above zero"),
    ("prod", (("alerting.repeatInterval", "0s"),), "alerting.repeatInterval", "above zero"),
    (
        "prod",
        (("alerting.receivers.deadMansSwitch.repeatInterval", "0m"),),
        "alerting.receivers.deadMansSwitch.repeatInterval",
        "above zero",
    ),
    ("local", (("alerting.groupWait", "30 seconds"),), "alerting.groupWait", "a Prometheus duration"),
    (
        "local",
        (("metrics.applicationNamespaces", ["Todo"]),),
        "metrics.applicationNamespaces[0]",
        "a lowercase DNS label",
    ),
    ("local", (("metrics.applicationNamespaces", "todo"),), "metrics.applicationNamespaces", "a list"),
    (
        "local",
        (("tracing.slowTraceThresholdMs", 1000000000000),),
        "tracing.slowTraceThresholdMs",
        "an integer from 1 to 600000",
    ),
    ("local", (("tracing.samplingRate", "1.5"),), "tracing.samplingRate", "a number from 0 to 1"),
    ("local", (("tracing.samplingRate", "ten percent"),), "tracing.samplingRate", "a number from 0 to 1"),
    (
        "prod",
        (("alerting.thresholds.errorRatePercent", "2,5"),),
        "alerting.thresholds.errorRatePercent",
        "a number from 0.01 to 100",
    ),
    (
        "local",
        (("alerting.thresholds.consumerLagMessages", -5),),
        "alerting.thresholds.consumerLagMessages",
        "an integer from 1 to",
    ),
    ("local", (("metrics.prometheus.replicas", True),), "metrics.prometheus.replicas", "an integer from 1 to 5"),
    ("prod", (("metrics.prometheus.replicas", 1),), "metrics.prometheus.replicas", "2 or more in a production stack"),
    ("prod-gcp", (("metrics.alertmanagerReplicas", 1),), "metrics.alertmanagerReplicas", "2 or more"),
    ("prod", (("logging.retentionDays", 7),), "logging.retentionDays", ">= 30 in a production stack"),
    ("prod", (("logging.retentionDays", 1000),), "logging.retentionDays", "between 4 and 730 on Azure"),
    ("prod-gcp", (("logging.auditRetentionDays", 4000),), "logging.auditRetentionDays", "<= 3650 on GCP"),
    ("prod-oci", (("logging.auditRetentionDays", 10),), "logging.auditRetentionDays", ">= logging.retentionDays"),
    ("local", (("logging.bufferLimit", "32M"),), "logging.bufferLimit", f"at least {MIN_LOG_BUFFER}"),
    ("prod-oci", (("logging.bufferLimit", "2GB"),), "logging.bufferLimit", "such as 500M or 2G"),
    ("prod", (("azure.clientSecretRotation", "rotate now"),), "azure.clientSecretRotation", "a short label"),
    ("prod", (("azure.clientSecretValidityDays", 1000),), "azure.clientSecretValidityDays", "from 30 to 730"),
    ("prod", (("logging.clientSecretRotation", "2027-01"),), "logging.clientSecretRotation", "has moved to"),
    # Accepted and unused off Azure: the stack is told to drop them, not to set the Azure key.
    (
        "prod-gcp",
        (("logging.clientSecretRotation", "2027-01"),),
        "logging.clientSecretRotation",
        "applies to the azure cloud only (todo-observability:azure.clientSecretRotation), and this stack's cloud "
        "is gcp: remove it (pulumi config rm --path 'logging.clientSecretRotation')",
    ),
    (
        "local",
        (("logging.clientSecretValidityDays", 90),),
        "logging.clientSecretValidityDays",
        "applies to the azure cloud only",
    ),
    # Another cloud's section is never read: refused, not ignored.
    (
        "prod-gcp",
        (("azure", {"location": "westeurope"}),),
        "azure",
        "is the azure cloud's section, and this stack's cloud is gcp: remove it (pulumi config rm azure)",
    ),
    ("prod", (("oci.region", "eu-frankfurt-1"),), "oci", "this stack's cloud is azure"),
    ("local", (("gcp", {}),), "gcp", "this stack's cloud is local"),
    ("prod", (("alerting.receivers.email.to", "oncall"),), "alerting.receivers.email.to", "with a domain"),
    (
        "prod-gcp",
        (("alerting.receivers.email.sender", "alertmanager@localhost"),),
        "alerting.receivers.email.sender",
        "with a domain",
    ),
    (
        "prod-gcp",
        (("alerting.receivers.email.smarthost", "smtp.sendgrid.net"),),
        "alerting.receivers.email.smarthost",
        "host:port",
    ),
    ("prod-oci", (("alerting.receivers.email.smarthost", ""),), "alerting.receivers.email.smarthost", "host:port"),
    ("prod", NO_HUMAN, "alerting.receivers", "alerting.receivers.pagerduty.enabled: true"),
    ("prod-oci", NO_HUMAN, "alerting.receivers", "alerting.receivers.email.enabled: true"),
    (
        "prod",
        (("alerting.receivers.deadMansSwitch.enabled", False),),
        "alerting.receivers.deadMansSwitch.enabled",
        "allowed: true",
    ),
    ("local", (("alerting.receivers.slack.enabled", "yes"),), "alerting.receivers.slack.enabled", "true or false"),
    (
        "local",
        (("alerting.receivers.slack.channel", "todo-alerts"), ("alerting.receivers.slack.enabled", True)),
        "alerting.receivers.slack.channel",
        "a channel ('#name')",
    ),
    ("prod", (("alerting.receivers.email.requireTls", False),), "alerting.receivers.email.requireTls", "must be true"),
    (
        "local",
        (("alerting.receivers.slack.webhookUrl", "https://hooks.slack.com/services/T0/B0/XYZ"),),
        "alerting.receivers.slack.webhookUrl",
        "secrets.slackWebhookUrl",
    ),
    ("prod-oci", (("kafka.sasl.password", "hunter2"),), "kafka.sasl.password", "secrets.kafkaPassword"),
    ("local", (("grafana.adminPassword", "admin123"),), "grafana.adminPassword", "secrets.grafanaAdminPassword"),
    ("local", (("=alerting.thresholds.errorRatePercent", 2.5),), "alerting.thresholds.errorRatePercent", "--path"),
    ("local", (("logging.retentionDay", 7),), "logging.retentionDay", "did you mean retentionDays?"),
    ("local", (("metrcis", {}),), "metrcis", "did you mean metrics?"),
    (
        "prod-gcp",
        (("alerting.receivers.pagerDuty", {"enabled": True}),),
        "alerting.receivers.pagerDuty",
        "did you mean pagerduty?",
    ),
    ("local", (("services[0].name", "Chat_API"),), "services[0].name", "a lowercase DNS label"),
    ("local", (("services[1].port", 70000),), "services[1].port", "an integer from 1 to 65535"),
    ("local", (("services[2].subscribes", ["remind"]),), "services[2].subscribes[0]", "add it to kafka.topics"),
    ("prod", (("services", "frontend"),), "services", "a list, each an object with the keys name"),
    ("local", (("services[0].healthPath", "api/health"),), "services[0].healthPath", "a path starting with '/'"),
    ("prod-oci", (("services[1].kind", "backend"),), "services[1].kind", "one of frontend, api, worker"),
    # The SLO window is no longer a key (the burn rates are tuned for 30 days): a stack file that still sets
    # it is told why and what to do, not that the key is unknown.
    (
        "local",
        (("services[3].slo.window", "30d"),),
        "services[3].slo.window",
        "was removed: the SLO window is always 30d; remove the key (pulumi config rm --path 'services[3].slo.window')",
    ),
    ("local", (("services", [{"port": 8000}]),), "services[0].name", "a lowercase DNS label"),
    ("local", (("tracing.backend", "azure-monitor"),), "tracing.backend", "must be one of jaeger when cloud is local"),
    # A backend no cloud runs gets the same words: what this cloud runs.
    (
        "prod-oci",
        (("tracing.backend", "oci-apm"),),
        "tracing.backend",
        "must be one of jaeger when cloud is oci (got oci-apm)",
    ),
    (
        "prod",
        (("tracing.backend", "zipkin"),),
        "tracing.backend",
        "must be one of azure-monitor, jaeger when cloud is azure (got zipkin)",
    ),
    ("prod-oci", (("tracing.jaegerStorage", "memory"),), "tracing.jaegerStorage", "allowed: memory, badger"),
    ("local", (("tracing.daprProtocol", "thrift"),), "tracing.daprProtocol", "one of grpc, http, zipkin"),
    (
        "prod-oci",
        (("kafka.metricsEndpoint", "http://api.prd.cloud.redpanda.com/metrics"),),
        "kafka.metricsEndpoint",
        "an https:// URL",
    ),
    ("prod-oci", (("kafka.tls", False),), "kafka.tls", "must be true when kafka.mode is managed"),
    ("local", (("kafka.vendor", "confluent"),), "kafka.vendor", "must be strimzi when kafka.mode is strimzi"),
    (
        "prod-oci",
        (("kafka.sasl.mechanism", "SCRAM-SHA-1"),),
        "kafka.sasl.mechanism",
        "one of SCRAM-SHA-256, SCRAM-SHA-512, PLAIN",
    ),
    ("prod", (("kafka.ui.readOnly", False),), "kafka.ui.readOnly", "must be true in a production stack"),
    ("prod-gcp", (("metrics.longTerm.rawRetention", "1d"),), "metrics.longTerm.rawRetention", "at least 40h"),
    ("prod", (("metrics.longTerm.bucketName", "Not_Valid"),), "metrics.longTerm.bucketName", "3-24 lowercase letters"),
    ("prod-oci", (("metrics.longTerm.okeClusterId", ""),), "metrics.longTerm.okeClusterId", "ocid1.cluster"),
    ("local", (("metrics.longTerm.enabled", True),), "metrics.longTerm.enabled", "inClusterObjectStore: true"),
    ("local", (("alerting.runbookBaseUrl", "github.com/x/runbooks/"),), "alerting.runbookBaseUrl", "an http(s) URL"),
    (
        "local",
        (("alerting.thresholds.latencyP95Seconds", 0.8),),
        "alerting.thresholds.latencyP95Seconds",
        "histogram buckets",
    ),
    (
        "local",
        (("grafana.ingressHost", "grafana.example.com"),),
        "grafana.ingressTlsSecret",
        "the name of a TLS Secret",
    ),
    ("prod", (("grafana.ingressTlsSecret", "Grafana TLS"),), "grafana.ingressTlsSecret", "a Kubernetes name"),
    ("local", (("alerting", "loud"),), "alerting", "an object with the keys runbookBaseUrl"),
    ("local", (("environment", "production"),), "environment", "must be development or staging"),
]


@pytest.mark.parametrize(
    ("stack", "changes", "key", "allowed"),
    BAD,
    ids=[f"{stack}:{key}:{i}" for i, (stack, _, key, _) in enumerate(BAD)],
)
def test_a_mistake_is_refused_with_its_key_and_what_is_allowed(
    stack: str, changes: tuple[tuple[str, Any], ...], key: str, allowed: str
) -> None:
    raw = changed(stack, *changes)
    with pytest.raises(ConfigError) as error:
        load_stack(raw, stack, {"secrets"}, offline=True)
    message = str(error.value)
    line = next((p for p in error.value.problems if p.startswith(f"todo-observability:{key} ")), None)
    assert line is not None, message
    assert allowed in line, message
    assert not PYTHON_WORDS.search(message), message


def test_the_table_covers_every_section_and_all_four_stacks() -> None:
    assert len(BAD) >= 60
    assert {stack for stack, *_ in BAD} == set(STACK_OF.values())
    sections = {key.split(".")[0].split("[")[0] for _, _, key, _ in BAD}
    expected = {"environment", "cloud", "cluster", "azure", "gcp", "oci", "services", "kafka", "metrics"}
    assert expected | {"logging", "tracing", "alerting", "grafana"} <= sections


def test_a_whole_url_or_secret_is_never_echoed() -> None:
    raw = changed("local", ("alerting.receivers.slack.webhookUrl", "https://hooks.slack.com/services/T0/B0/XYZ"))
    raw = changed("local", ("grafana.ingressHost", "https://user:pw@grafana.example.com/path?token=abc"))
    with pytest.raises(ConfigError) as error:
        parse_settings(raw, "local")
    message = str(error.value)
    assert "grafana.example.com" in message
    assert "token=abc" not in message and "/path" not in message and "pw@" not in message
    slack = changed("local", ("alerting.receivers.slack.webhookUrl", "https://hooks.slack.com/services/T0/B0/XYZ"))
    with pytest.raises(ConfigError) as error:
        parse_settings(slack, "local")
    assert "XYZ" not in str(error.value) and "hooks.slack.com" not in str(error.value)


def test_a_misspelt_secret_name_is_suggested() -> None:
    with pytest.raises(ConfigError) as error:
        load_stack(changed("local", ("secrets", {"slackWebhookURL": "x"})), "local", {"secrets"}, offline=True)
    assert "todo-observability:secrets.slackWebhookURL is not a known secret; did you mean slackWebhookUrl?" in str(
        error.value
    )


# Values as `pulumi config set --path` writes them: decimals as strings, integers where text is meant.
VALID: list[tuple[str, tuple[tuple[str, Any], ...], str, Any]] = [
    ("prod", (("alerting.thresholds.errorRatePercent", "2.5"),), "alerting.thresholds.error_rate_percent", 2.5),
    ("local", (("tracing.samplingRate", "0.25"),), "tracing.sampling_rate", 0.25),
    ("prod", (("azure.clientSecretRotation", 2),), "azure.client_secret_rotation", "2"),
    ("prod-gcp", (("metrics.prometheus.replicas", "3"),), "metrics.prometheus.replicas", 3),
    ("local", (("alerting.receivers.slack.enabled", "true"),), "alerting.receivers.slack.enabled", True),
    (
        "local",
        (("alerting.thresholds.consumerLagMessages", "10000"),),
        "alerting.thresholds.consumer_lag_messages",
        10000,
    ),
    ("local", (("alerting.groupWait", "0s"),), "alerting.group_wait", "0s"),
    (
        "local",
        (("metrics.applicationNamespaces", ["todo", "todo-workers"]),),
        "application_namespaces",
        ["todo", "todo-workers"],
    ),
    (
        "local",
        (("kafka.bootstrapServers", "b-0.example.com:9092,b-1.example.com:9092"),),
        "kafka.bootstrap_servers",
        "b-0.example.com:9092,b-1.example.com:9092",
    ),
    (
        "prod-oci",
        (("oci.compartmentId", "ocid1.tenancy.oc1..aaaaaaaatodotenancy"),),
        "oci.compartment_id",
        "ocid1.tenancy.oc1..aaaaaaaatodotenancy",
    ),
    (
        "prod",
        (("alerting.receivers.email.to", "a@example.com, b@example.org"),),
        "alerting.receivers.email.to",
        "a@example.com, b@example.org",
    ),
    ("local", (("logging.bufferLimit", MIN_LOG_BUFFER),), "logging.buffer_limit", MIN_LOG_BUFFER),
    (
        "prod",
        (
            ("alerting.receivers.pagerduty.enabled", False),
            ("alerting.receivers.slack.enabled", False),
            ("alerting.receivers.email.enabled", False),
        ),
        "alerting.receivers.teams.enabled",
        True,
    ),
    ("local", (("tracing.slowTraceThresholdMs", "600000"),), "tracing.slow_trace_threshold_ms", 600000),
]


@pytest.mark.parametrize(("stack", "changes", "attribute", "expected"), VALID, ids=[v[2] for v in VALID])
def test_values_as_the_cli_writes_them_are_accepted(
    stack: str, changes: tuple[tuple[str, Any], ...], attribute: str, expected: Any
) -> None:
    settings: Any = parse_settings(changed(stack, *changes), stack)
    for part in attribute.split("."):
        settings = getattr(settings, part)
    assert settings == expected and type(settings) is type(expected)


# Fluent Bit (the pinned chart's app_version, components/versions.py) locks a filesystem chunk once its
# content passes 2,048,000 bytes (FLB_INPUT_CHUNK_FS_MAX_SIZE); the append that crosses it is at most one
# tail read (TAIL_BUFFER_MAX), and the file grows in 32 KiB steps.
CHUNK_MAX_BYTES = 2_048_000 + int(TAIL_BUFFER_MAX.removesuffix("k")) * 1024 + 32 * 1024 + 4096


def test_the_log_buffer_minimum_holds_every_chunk_eviction_cannot_touch() -> None:
    """The chunk being written and one per flush in flight (`storage.max_chunks_up`), rounded up to 10M
    (docs/logging.md "Buffer size"): equal, so the floor follows MAX_CHUNKS_UP and TAIL_BUFFER_MAX both ways."""
    floor = (MAX_CHUNKS_UP + 1) * CHUNK_MAX_BYTES
    rounded_up = f"{math.ceil(floor / 10_000_000) * 10}M"
    assert rounded_up == MIN_LOG_BUFFER
    assert fluent_bit_bytes(MIN_LOG_BUFFER) >= floor


# --- the stack file itself ------------------------------------------------------------------------------

MANY_MISTAKES = """\
config:
  todo-observability:environment: production
  todo-observability:cloud: azure
  todo-observability:cluster:
    name: todo-prod-aks
    oidcIssuerUrl: https://issuer.example/
  todo-observability:azure:
    subscriptionId: 00000000-0000-0000-0000-000000000000
    tenantId: not-a-guid
    resourceGroup: rg
    location: westeurope
  todo-observability:alerting:
    receivers:
      pagerduty:
        enabled: true
      deadMansSwitch:
        enabled: true
  todo-observabilty:logging:
    retentionDays: 7
  todo-observability:tracing:
    samplingRate: 5
    slowTraceThresholdMS: 100
  todo-observability:alerting:
    groupInterval: 0s
  todo-observability:secrets:
    pagerdutyRoutingKey:
      secure: AAABAJx
    slackWebhookUrl: https://hooks.slack.com/services/T0/B0/XYZ
"""


def write(tmp_path: Path, text: str, stack: str = "cfgtest") -> Path:
    path = tmp_path / f"Pulumi.{stack}.yaml"
    path.write_text(text)
    return path


def test_every_kind_of_mistake_in_one_file_is_reported_in_one_run(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        load_stack_document(write(tmp_path, MANY_MISTAKES))
    problems = error.value.problems
    expected = [
        "todo-observability:alerting is set twice in Pulumi.cfgtest.yaml (lines 12 and 23)",
        "todo-observabilty:logging in Pulumi.cfgtest.yaml is in the unknown namespace 'todo-observabilty'; "
        "did you mean todo-observability:logging?",
        "todo-observability:secrets.slackWebhookUrl is stored in plain text",
        "todo-observability:azure.tenantId must be a GUID",
        "todo-observability:tracing.samplingRate must be a number from 0 to 1 (got 5)",
        "todo-observability:tracing.slowTraceThresholdMS is not a known key; did you mean slowTraceThresholdMs?",
        "todo-observability:alerting.groupInterval must be a Prometheus duration above zero",
        # Cross-field, though other keys failed: the second `alerting` (the one YAML keeps) has no receiver
        # (the dead man's switch is on by the production default).
        "todo-observability:alerting.receivers must enable at least one receiver",
    ]
    for text in expected:
        assert any(p.startswith(text) for p in problems), (text, problems)
    assert len(problems) == len(expected), problems
    assert "XYZ" not in str(error.value)


def test_cross_field_rules_run_beside_type_errors_without_follow_on_errors() -> None:
    raw = changed(
        "prod",
        ("logging.retentionDays", "thirty"),  # type error: the audit >= retention rule must not follow it
        ("logging.auditRetentionDays", 400),
        ("metrics.prometheus.replicas", 1),  # a production rule, reported in the same round
    )
    with pytest.raises(ConfigError) as error:
        parse_settings(raw, "prod")
    assert [p.split(" ")[0] for p in error.value.problems] == [
        "todo-observability:logging.retentionDays",
        "todo-observability:metrics.prometheus.replicas",
    ], error.value.problems


def test_the_clouds_own_rules_come_first() -> None:
    """A production local stack is told first that local is not for production: the production rules
    after it follow from that one choice."""
    with pytest.raises(ConfigError) as error:
        parse_settings(changed("local", ("environment", "production")), "local")
    assert [p.split(" ")[0] for p in error.value.problems] == [
        "todo-observability:environment",
        "todo-observability:alerting.receivers",
        "todo-observability:tracing.jaegerStorage",
    ], error.value.problems


def test_another_clouds_section_is_refused_once_and_not_checked() -> None:
    """An Azure section with a bad value on a GCP stack: one error, the section's; its values are never read."""
    raw = changed("prod-gcp", ("azure", {"tenantId": "not-a-guid"}))
    with pytest.raises(ConfigError) as error:
        parse_settings(raw, "prod-gcp")
    assert error.value.problems == [
        "todo-observability:azure is the azure cloud's section, and this stack's cloud is gcp: "
        "remove it (pulumi config rm azure)"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("config:\n  todo-observability:cloud: local\n\ttodo-observability:environment: development\n", ":3:1: "),
        ("config:\n  - todo-observability:cloud: local\n", "'config' must be a map"),
        ("config:\n  todo-observability:cloud: [local\n", "Pulumi.cfgtest.yaml:3:1: "),
        ("- just\n- a list\n", "must be a map with a 'config' key"),
    ],
    ids=["tab", "config-as-list", "unclosed-bracket", "not-a-stack-file"],
)
def test_an_unreadable_stack_file_is_a_clean_error(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as error:
        read_stack_file(write(tmp_path, text))
    assert expected in str(error.value)


def test_a_tab_is_named_as_the_cause(tmp_path: Path) -> None:
    text = "config:\n  todo-observability:cloud: local\n\ttodo-observability:environment: development\n"
    with pytest.raises(ConfigError) as error:
        read_stack_file(write(tmp_path, text))
    assert "a tab: YAML indents with spaces only" in str(error.value)


def test_duplicates_are_found_at_any_depth(tmp_path: Path) -> None:
    text = "config:\n  todo-observability:alerting:\n    receivers:\n      slack:\n        enabled: true\n"
    text += "        enabled: false\n"
    _, problems = read_stack_file(write(tmp_path, text))
    assert problems == [
        "todo-observability:alerting.receivers.slack.enabled is set twice in Pulumi.cfgtest.yaml (lines 5 and 6): "
        "YAML keeps only the last one; merge them into one"
    ]


@pytest.mark.parametrize("stack", sorted(STACK_OF.values()))
def test_the_committed_stack_files_have_no_file_level_problems(stack: str) -> None:
    _, problems = read_stack_file(ROOT / f"Pulumi.{stack}.yaml")
    assert problems == []
    assert parse_settings(sections_of(load_stack_document(ROOT / f"Pulumi.{stack}.yaml")), stack).stack == stack


# --- through the real render: exit code, no traceback, nothing registered or written -----------------------

RENDERED_MISTAKES = {
    "local": ("todo-observability:metrics", "applicationNamespaces: [Todo]", "metrics.applicationNamespaces[0]"),
    "prod": ("todo-observability:grafana", "ingressHost: https://grafana.example.com", "grafana.ingressHost"),
    "prod-gcp": ("todo-observability:tracing", 'samplingRate: "2"', "tracing.samplingRate"),
    "prod-oci": ("todo-observability:kafka", "bootstrapServers: seed-0.example.com", "kafka.bootstrapServers"),
}


def render_file(tmp_path: Path, stack: str, document: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / f"Pulumi.{stack}.yaml"
    path.write_text(document)
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "tools.render", "--stack", stack, "--config-file", str(path), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert not out.exists(), "nothing may be written"
    return done


@pytest.mark.parametrize("stack", sorted(RENDERED_MISTAKES))
def test_the_render_refuses_before_registering_anything(tmp_path: Path, stack: str) -> None:
    section, line, key = RENDERED_MISTAKES[stack]
    document = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())
    document["config"].pop(section, None)
    text = yaml.safe_dump(document) + f"  {section}:\n    {line}\n"
    done = render_file(tmp_path, stack, text)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert f"error: stack '{stack}' has 1 configuration error(s):\n  - todo-observability:{key} must be" in done.stderr
    assert "0 resources were registered" in done.stderr


def test_the_render_reports_a_file_with_many_mistakes_in_one_run(tmp_path: Path) -> None:
    done = render_file(tmp_path, "cfgtest", MANY_MISTAKES)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "error: stack 'cfgtest' has 8 configuration error(s):" in done.stderr, done.stderr


def test_the_render_refuses_a_tab_cleanly(tmp_path: Path) -> None:
    done = render_file(tmp_path, "cfgtest", "config:\n\ttodo-observability:cloud: local\n")
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "Pulumi.cfgtest.yaml:2:1:" in done.stderr


def test_under_the_real_engine_the_program_reads_its_stack_file_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The engine hands over only the last of two equal keys and drops a misspelt namespace: the program
    finds both in Pulumi.<stack>.yaml in the project directory (Pulumi runs it there)."""
    from settings.loader import _stack_file_problems

    write(tmp_path, MANY_MISTAKES)
    monkeypatch.chdir(tmp_path)
    problems = _stack_file_problems("cfgtest")
    assert any("is set twice" in p for p in problems)
    assert any("did you mean todo-observability:logging?" in p for p in problems)
    assert _stack_file_problems("other") == []
