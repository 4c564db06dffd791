"""Alert routing: the rendered Alertmanager configuration checked by the real amtool, routes proven
per severity and stack, inhibition, disabled receivers, and secrets that stay in a Kubernetes Secret."""

from __future__ import annotations

import copy
import itertools
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import promql_parser
import pytest
import yaml

from components.platforms import parse_settings
from render.alertmanager import (
    RECEIVER_SECRET_NAME,
    SECRETS_MOUNT_DIR,
    render_alertmanager_config,
)
from settings import ConfigError, StackSettings
from settings.secrets import PLACEHOLDER_PREFIX
from tests.harness import STACKS, Rendered
from tools.stackfile import ROOT, stack_sections, stack_settings

AMTOOL = "amtool"
KPS_RELEASE = "kube-prometheus-stack"
NULL = "null"

# Which receivers each severity (and the Watchdog) must reach in each committed stack: written out
# by hand from Pulumi.<stack>.yaml, so a change in the render or the stack file shows up here.
EXPECTED_ROUTES: dict[str, dict[str, list[str]]] = {
    "local": {"critical": [NULL], "warning": [NULL], "info": [NULL], "Watchdog": [NULL]},
    "prod": {
        "critical": ["pagerduty", "slack"],
        "warning": ["slack", "teams"],
        "info": ["email"],
        "Watchdog": ["dead-mans-switch"],
    },
    "prod-gcp": {
        "critical": ["pagerduty", "slack"],
        "warning": ["slack"],
        "info": ["email"],
        "Watchdog": ["dead-mans-switch"],
    },
    "prod-oci": {
        "critical": ["pagerduty"],
        "warning": ["teams"],
        "info": ["email"],
        "Watchdog": ["dead-mans-switch"],
    },
}

EXPECTED_SECRET_KEYS: dict[str, set[str]] = {
    "local": set(),
    "prod": {
        "pagerduty-routing-key",
        "slack-webhook-url",
        "teams-webhook-url",
        "smtp-password",
        "dead-mans-switch-url",
    },
    "prod-gcp": {"pagerduty-routing-key", "slack-webhook-url", "smtp-password", "dead-mans-switch-url"},
    "prod-oci": {"pagerduty-routing-key", "teams-webhook-url", "smtp-password", "dead-mans-switch-url"},
}

# Fields that would carry a credential inline; only their `*_file` forms may appear.
INLINE_SECRET_FIELDS = {"routing_key", "service_key", "api_url", "webhook_url", "auth_password", "url"}

LOCAL: dict[str, Any] = {"environment": "development", "cloud": "local"}


def with_receivers(receivers: dict[str, Any], **alerting: Any) -> StackSettings:
    raw = copy.deepcopy(LOCAL)
    raw["alerting"] = {"receivers": receivers, **alerting}
    return parse_settings(raw, "test")


def write_config(config: dict[str, Any], directory: Path) -> Path:
    path = directory / "alertmanager.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=True))
    return path


def amtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([AMTOOL, *args], capture_output=True, text=True, timeout=60, check=False)


def routed_receivers(config_file: Path, labels: dict[str, str]) -> list[str]:
    done = amtool("config", "routes", "test", f"--config.file={config_file}", *[f"{k}={v}" for k, v in labels.items()])
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().split(",")


def labels_for(target: str) -> dict[str, str]:
    if target == "Watchdog":
        # The chart's Watchdog carries severity=none.
        return {"alertname": "Watchdog", "severity": "none", "namespace": "monitoring"}
    return {"alertname": "ChatApiHighErrorRate", "severity": target, "namespace": "todo", "service": "chat-api"}


def every_receiver_reference(route: dict[str, Any]) -> list[str]:
    return [route["receiver"], *[r for child in route.get("routes", []) for r in every_receiver_reference(child)]]


def walk(value: Any, path: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [item for key, child in value.items() for item in walk(child, f"{path}.{key}")] + [(path, value)]
    if isinstance(value, list):
        return [item for i, child in enumerate(value) for item in walk(child, f"{path}[{i}]")]
    return [(path, value)]


def assert_holds_no_secret(text: str, config: dict[str, Any]) -> None:
    assert PLACEHOLDER_PREFIX not in text
    assert "[secret]" not in text
    assert "hooks.slack.com" not in text and "webhook.office.com" not in text
    for path, value in walk(config):
        if isinstance(value, dict):
            leaked = INLINE_SECRET_FIELDS & set(value)
            assert not leaked, f"{path} carries {leaked} inline"
            for key, file_path in value.items():
                if key.endswith("_file"):
                    assert file_path.startswith(f"{SECRETS_MOUNT_DIR}/{RECEIVER_SECRET_NAME}/"), (path, key)


# ---- the pure render, for every committed stack -------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_amtool_accepts_every_stacks_config(stack: str, tmp_path: Path) -> None:
    config_file = write_config(render_alertmanager_config(stack_settings(stack).alerting), tmp_path)
    done = amtool("check-config", str(config_file))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


def test_expected_routes_cover_every_stack() -> None:
    assert sorted(EXPECTED_ROUTES) == sorted(STACKS)


@pytest.mark.parametrize(("stack", "target"), [(s, t) for s in STACKS for t in EXPECTED_ROUTES.get(s, {})])
def test_each_severity_reaches_exactly_its_receivers(stack: str, target: str, tmp_path: Path) -> None:
    config_file = write_config(render_alertmanager_config(stack_settings(stack).alerting), tmp_path)
    expected = EXPECTED_ROUTES[stack][target]
    labels = [f"{k}={v}" for k, v in labels_for(target).items()]
    verified = amtool(
        "config", "routes", "test", f"--config.file={config_file}", f"--verify.receivers={','.join(expected)}", *labels
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    # The verification can fail: a receiver list with one more entry is rejected.
    wrong = amtool(
        "config",
        "routes",
        "test",
        f"--config.file={config_file}",
        f"--verify.receivers={','.join([*expected, 'email' if 'email' not in expected else 'slack'])}",
        *labels,
    )
    assert wrong.returncode != 0


@pytest.mark.parametrize("stack", STACKS)
def test_watchdog_reaches_only_the_dead_mans_switch_whatever_its_severity(stack: str, tmp_path: Path) -> None:
    config_file = write_config(render_alertmanager_config(stack_settings(stack).alerting), tmp_path)
    for severity in ("none", "critical", "warning", "info"):
        got = routed_receivers(config_file, {"alertname": "Watchdog", "severity": severity})
        assert got == EXPECTED_ROUTES[stack]["Watchdog"], severity


@pytest.mark.parametrize("stack", STACKS)
def test_unknown_severity_goes_nowhere(stack: str, tmp_path: Path) -> None:
    config_file = write_config(render_alertmanager_config(stack_settings(stack).alerting), tmp_path)
    assert routed_receivers(config_file, {"alertname": "InfoInhibitor", "severity": "none"}) == [NULL]


@pytest.mark.parametrize("stack", STACKS)
def test_rendered_config_holds_no_secret(stack: str) -> None:
    config = render_alertmanager_config(stack_settings(stack).alerting)
    assert_holds_no_secret(yaml.safe_dump(config), config)


def test_grouping_and_timings_come_from_config() -> None:
    settings = with_receivers({}, groupWait="10s", groupInterval="2m", repeatInterval="3h")
    route = render_alertmanager_config(settings.alerting)["route"]
    assert route["group_by"] == ["alertname", "namespace", "service"]
    assert (route["group_wait"], route["group_interval"], route["repeat_interval"]) == ("10s", "2m", "3h")
    watchdog = route["routes"][0]
    assert watchdog["matchers"] == ['alertname="Watchdog"']
    assert watchdog["repeat_interval"] == "1m"
    faster = with_receivers({"deadMansSwitch": {"enabled": True, "repeatInterval": "2m"}})
    assert render_alertmanager_config(faster.alerting)["route"]["routes"][0]["repeat_interval"] == "2m"


def matches(matcher: str, labels: dict[str, str]) -> bool:
    """One Alertmanager matcher (`name="v"`, `name!="v"`, `name=~"re"`, `name!~"re"`); a missing label is ""."""
    found = re.fullmatch(r'([a-zA-Z_][a-zA-Z0-9_]*)(=~|!~|!=|=)"(.*)"', matcher)
    assert found, matcher
    name, op, value = found.groups()
    actual = labels.get(name, "")
    if op in ("=~", "!~"):
        hit = re.fullmatch(value, actual) is not None
        return hit if op == "=~" else not hit
    return (actual == value) if op == "=" else (actual != value)


def inhibits(rule: dict[str, Any], source: dict[str, str], target: dict[str, str]) -> bool:
    """Alertmanager's inhibition semantics: both matcher sets hold and the `equal` labels have the same
    value on both alerts, a label missing on both counting as equal."""
    return (
        all(matches(m, source) for m in rule["source_matchers"])
        and all(matches(m, target) for m in rule["target_matchers"])
        and all(source.get(name, "") == target.get(name, "") for name in rule["equal"])
    )


def muted(rules: list[dict[str, Any]], source: dict[str, str], target: dict[str, str]) -> bool:
    return any(inhibits(rule, source, target) for rule in rules)


INHIBITION_CASES: list[tuple[str, dict[str, str], dict[str, str], bool]] = [
    (
        "critical PVC mutes the warning of the same PVC",
        {
            "alertname": "KubePersistentVolumeFillingUp",
            "severity": "critical",
            "namespace": "kafka",
            "persistentvolumeclaim": "data-todo-kafka-0",
            "service": "kube-state-metrics",
        },
        {
            "alertname": "KubePersistentVolumeFillingUp",
            "severity": "warning",
            "namespace": "kafka",
            "persistentvolumeclaim": "data-todo-kafka-0",
            "service": "kube-state-metrics",
        },
        True,
    ),
    (
        "critical PVC leaves another PVC's warning alone",
        {
            "alertname": "KubePersistentVolumeFillingUp",
            "severity": "critical",
            "namespace": "kafka",
            "persistentvolumeclaim": "data-todo-kafka-0",
            "service": "kube-state-metrics",
        },
        {
            "alertname": "KubePersistentVolumeFillingUp",
            "severity": "warning",
            "namespace": "kafka",
            "persistentvolumeclaim": "data-todo-kafka-1",
            "service": "kube-state-metrics",
        },
        False,
    ),
    (
        "critical filesystem of node A leaves node B's warning alone",
        {
            "alertname": "NodeFilesystemAlmostOutOfSpace",
            "severity": "critical",
            "namespace": "monitoring",
            "service": "node-exporter",
            "instance": "10.0.0.1:9100",
            "mountpoint": "/",
            "device": "/dev/sda1",
        },
        {
            "alertname": "NodeFilesystemAlmostOutOfSpace",
            "severity": "warning",
            "namespace": "monitoring",
            "service": "node-exporter",
            "instance": "10.0.0.2:9100",
            "mountpoint": "/",
            "device": "/dev/sda1",
        },
        False,
    ),
    (
        "critical on one mountpoint leaves another mountpoint of the node alone",
        {
            "alertname": "NodeFilesystemAlmostOutOfSpace",
            "severity": "critical",
            "instance": "10.0.0.1:9100",
            "mountpoint": "/",
            "device": "/dev/sda1",
        },
        {
            "alertname": "NodeFilesystemAlmostOutOfSpace",
            "severity": "warning",
            "instance": "10.0.0.1:9100",
            "mountpoint": "/var/lib/kubelet",
            "device": "/dev/sdb1",
        },
        False,
    ),
    (
        "the critical form of an app alert mutes its warning form",
        {"alertname": "ServiceHealthProbeFailing", "severity": "critical", "namespace": "todo", "service": "chat-api"},
        {"alertname": "ServiceHealthProbeFailing", "severity": "warning", "namespace": "todo", "service": "chat-api"},
        True,
    ),
    (
        "a NotReady node mutes the pod alerts on it",
        {"alertname": "KubeNodeNotReady", "severity": "warning", "node": "aks-pool-2"},
        {
            "alertname": "DaprSidecarDown",
            "severity": "critical",
            "namespace": "todo",
            "pod": "audit-service-5f6d7c8b9-abcde",
            "node": "aks-pool-2",
        },
        True,
    ),
    (
        "a NotReady node leaves pods on other nodes alone",
        {"alertname": "KubeNodeNotReady", "severity": "warning", "node": "aks-pool-2"},
        {
            "alertname": "DaprSidecarDown",
            "severity": "critical",
            "namespace": "todo",
            "pod": "chat-api-7d4b9c6f5-x2k8p",
            "node": "aks-pool-1",
        },
        False,
    ),
    (
        "an SLO page mutes the ticket of the same SLO",
        {
            "alertname": "SloErrorBudgetFastBurn",
            "slo_action": "page",
            "slo": "chat-api-availability",
            "service": "chat-api",
            "namespace": "todo",
            "severity": "critical",
        },
        {
            "alertname": "SloErrorBudgetSlowBurn",
            "slo_action": "ticket",
            "slo": "chat-api-availability",
            "service": "chat-api",
            "namespace": "todo",
            "severity": "warning",
        },
        True,
    ),
    (
        "an SLO page leaves another SLO's ticket alone",
        {
            "alertname": "SloErrorBudgetFastBurn",
            "slo_action": "page",
            "slo": "chat-api-availability",
            "service": "chat-api",
            "namespace": "todo",
            "severity": "critical",
        },
        {
            "alertname": "SloErrorBudgetSlowBurn",
            "slo_action": "ticket",
            "slo": "chat-api-latency",
            "service": "chat-api",
            "namespace": "todo",
            "severity": "warning",
        },
        False,
    ),
]


@pytest.mark.parametrize(
    ("case", "source", "target", "expected"), INHIBITION_CASES, ids=[c[0] for c in INHIBITION_CASES]
)
def test_inhibition_mutes_only_alerts_about_the_same_thing(
    case: str, source: dict[str, str], target: dict[str, str], expected: bool
) -> None:
    rules = render_alertmanager_config(stack_settings("prod").alerting)["inhibit_rules"]
    assert muted(rules, source, target) is expected, case


def series_labels(series: str) -> dict[str, str]:
    selector = promql_parser.parse(series)
    return {m.name: m.value for m in selector.matchers.matchers if m.name != "__name__"}


def test_every_pod_alert_carries_the_node_the_inhibition_needs() -> None:
    """The promtool tests prove the labels the rendered rules give their alerts: every alert about a
    pod that kube_pod_info knows carries that pod's `node`, and the KubeNodeNotReady inhibition of the
    rendered config mutes it for that node only."""
    rules = render_alertmanager_config(stack_settings("prod").alerting)["inhibit_rules"]
    node_rule = next(r for r in rules if 'alertname="KubeNodeNotReady"' in r["source_matchers"])
    pod_alerts: set[str] = set()
    proven: set[str] = set()
    for test_file in sorted((ROOT / "tests" / "rules").glob("*.test.yaml")):
        for case in yaml.safe_load(test_file.read_text())["tests"]:
            pod_infos = [
                series_labels(s["series"])
                for s in case.get("input_series", [])
                if s["series"].startswith("kube_pod_info")
            ]
            nodes = {(info["namespace"], info["pod"]): info["node"] for info in pod_infos}
            for check in case.get("alert_rule_test", []):
                for expected in check.get("exp_alerts") or []:
                    labels = {**expected["exp_labels"], "alertname": check["alertname"]}
                    if "pod" not in labels:
                        continue
                    pod_alerts.add(check["alertname"])
                    node = nodes.get((labels["namespace"], labels["pod"]))
                    if node is None:
                        continue
                    assert labels.get("node") == node, (test_file.name, labels)
                    assert inhibits(node_rule, {"alertname": "KubeNodeNotReady", "node": node}, labels)
                    assert not inhibits(node_rule, {"alertname": "KubeNodeNotReady", "node": "elsewhere"}, labels)
                    proven.add(check["alertname"])
    assert {"DaprSidecarDown", "DaprSidecarNotReady", "PodEvicted", "ContainerOomKilled"} <= pod_alerts
    assert pod_alerts - proven == set(), "pod alerts without a promtool case proving their `node`"


RECEIVER_FLAGS = ("pagerduty", "slack", "teams", "email", "deadMansSwitch")
RECEIVER_NAMES = {
    "pagerduty": "pagerduty",
    "slack": "slack",
    "teams": "teams",
    "email": "email",
    "deadMansSwitch": "dead-mans-switch",
}
EMAIL = {"to": "oncall@example.com", "sender": "am@example.com", "smarthost": "smtp.example.com:587"}


@pytest.mark.parametrize("enabled", list(itertools.product([False, True], repeat=len(RECEIVER_FLAGS))))
def test_disabled_receivers_are_left_out_cleanly(enabled: tuple[bool, ...], tmp_path: Path) -> None:
    flags = dict(zip(RECEIVER_FLAGS, enabled, strict=True))
    receivers: dict[str, Any] = {name: {"enabled": on} for name, on in flags.items()}
    receivers["email"].update(EMAIL)
    config = render_alertmanager_config(with_receivers(receivers).alerting)
    names = [r["name"] for r in config["receivers"]]
    assert names[0] == NULL
    assert set(names[1:]) == {RECEIVER_NAMES[n] for n, on in flags.items() if on}
    assert set(every_receiver_reference(config["route"])) <= set(names), "dangling receiver reference"
    text = yaml.safe_dump(config)
    for flag, name in RECEIVER_NAMES.items():
        if not flags[flag]:
            assert f"receiver: {name}\n" not in text
    config_file = write_config(config, tmp_path)
    assert amtool("check-config", str(config_file)).returncode == 0
    critical = routed_receivers(config_file, labels_for("critical"))
    assert critical == ([n for n in ("pagerduty", "slack") if flags[n]] or [NULL])
    warning = routed_receivers(config_file, labels_for("warning"))
    assert warning == ([n for n in ("slack", "teams") if flags[n]] or [NULL])


def test_email_without_username_has_no_password_file() -> None:
    config = render_alertmanager_config(with_receivers({"email": {"enabled": True, **EMAIL}}).alerting)
    email = next(r for r in config["receivers"] if r["name"] == "email")["email_configs"][0]
    assert "auth_password_file" not in email and "auth_username" not in email
    assert email["require_tls"] is True


BAD_INPUTS: list[tuple[str, dict[str, Any], str]] = [
    (
        "slack channel without # or @",
        {"slack": {"enabled": True, "channel": "todo-alerts"}},
        "todo-observability:alerting.receivers.slack.channel must be a channel ('#name') or a user ('@name')",
    ),
    (
        "smtp login without TLS",
        {"email": {"enabled": True, **EMAIL, "username": "apikey", "requireTls": False}},
        "todo-observability:alerting.receivers.email.requireTls must be true",
    ),
    (
        "dead man's switch interval not a duration",
        {"deadMansSwitch": {"enabled": True, "repeatInterval": "every minute"}},
        "todo-observability:alerting.receivers.deadMansSwitch.repeatInterval",
    ),
    (
        "email enabled without recipient",
        {"email": {"enabled": True, "sender": "a@example.com", "smarthost": "smtp.example.com:25"}},
        "todo-observability:alerting.receivers.email.to is required",
    ),
]


@pytest.mark.parametrize(("case", "receivers", "message"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_receiver_config_is_rejected_naming_the_key(case: str, receivers: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        with_receivers(receivers)
    assert message in str(raised.value), case


def test_production_requires_the_dead_mans_switch() -> None:
    raw = stack_sections("prod")
    assert parse_settings(raw, "prod").alerting.receivers.dead_mans_switch.enabled
    raw["alerting"]["receivers"]["deadMansSwitch"]["enabled"] = False
    with pytest.raises(ConfigError) as raised:
        parse_settings(raw, "prod")
    assert "todo-observability:alerting.receivers.deadMansSwitch.enabled must be true in a production stack" in str(
        raised.value
    )
    # Development stacks may leave it off (the local stack does).
    assert not stack_settings("local").alerting.receivers.dead_mans_switch.enabled


# ---- what the program deploys -----------------------------------------------------------------


def test_receiver_secret_holds_only_masked_values(rendered: Rendered) -> None:
    secrets = [
        r
        for r in rendered.of_type("kubernetes:core/v1:Secret")
        if r["inputs"]["metadata"]["name"] == RECEIVER_SECRET_NAME
    ]
    if not EXPECTED_SECRET_KEYS[rendered.stack]:
        assert secrets == []
        return
    assert len(secrets) == 1
    secret = secrets[0]
    assert secret["inputs"]["metadata"]["namespace"] == "monitoring"
    assert secret["inputs"]["stringData"] == "[secret]"
    assert secret["parent"] == "todo-observability:alertmanager:AlertRouting::alert-routing"
    text = rendered.read("resources.json")
    assert PLACEHOLDER_PREFIX not in text


SECRET_KEYS_PROBE = """
import json, sys
from tools.mocks import unwrap
from tools.render import render
result = render(sys.argv[1])
out = {}
for r in result.registrations:
    if r.type == "kubernetes:core/v1:Secret" and r.inputs["metadata"]["name"] == sys.argv[2]:
        data = unwrap(r.inputs["stringData"])
        out = {key: value.startswith(sys.argv[3]) for key, value in data.items()}
print(json.dumps(out))
"""


@pytest.mark.parametrize("stack", STACKS)
def test_secret_keys_are_the_files_receivers_read(stack: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SECRET_KEYS_PROBE, stack, RECEIVER_SECRET_NAME, PLACEHOLDER_PREFIX],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    keys: dict[str, bool] = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(keys) == EXPECTED_SECRET_KEYS[stack]
    # Offline, every value is the placeholder of a stack secret (never an inline literal).
    assert all(keys.values())
    files = {
        value.rsplit("/", 1)[-1]
        for path, value in walk(render_alertmanager_config(stack_settings(stack).alerting))
        if path.endswith("_file")
    }
    assert files == EXPECTED_SECRET_KEYS[stack]


def test_deployed_alertmanager_config_is_the_checked_one(rendered: Rendered) -> None:
    values = rendered.helm_values(KPS_RELEASE)
    expected = render_alertmanager_config(stack_settings(rendered.stack).alerting)
    path = rendered.dir / "alertmanager" / "alertmanager.yaml"
    done = amtool("check-config", str(path))
    assert done.returncode == 0, done.stdout + done.stderr
    deployed = yaml.safe_load(path.read_text())
    assert deployed == expected
    assert_holds_no_secret(path.read_text(), deployed)
    for target, receivers in EXPECTED_ROUTES[rendered.stack].items():
        assert routed_receivers(path, labels_for(target)) == receivers
    mounted = values["alertmanager"]["alertmanagerSpec"].get("secrets", [])
    assert (RECEIVER_SECRET_NAME in mounted) == bool(EXPECTED_SECRET_KEYS[rendered.stack])
    assert not re.search(r"PLACEHOLDER-set-secrets", rendered.read(f"helm/{KPS_RELEASE}.values.yaml"))


# The labels kube-prometheus-stack 88.5.3 gives its pod alerts (rules-1.14/*.yaml at the chart commit
# rules/shipped.py names): KubePodNotReady `sum by (namespace, pod, job, cluster)`; KubePodCrashLooping and
# KubeContainerWaiting the kube_pod_container_status_waiting_reason series as kube-state-metrics' ServiceMonitor
# scrapes it; CPUThrottlingHigh `sum by (cluster, container, pod, namespace)`; ConfigReloaderSidecarErrors
# `max_over_time(reloader_last_reload_successful{...}[5m])`, the reloader container's target labels.
KSM_TARGET = {"job": "kube-state-metrics", "instance": "10.0.0.9:8080", "service": "kube-state-metrics"}
CHART_POD_ALERT_LABELS: dict[str, dict[str, str]] = {
    "KubePodNotReady": {"namespace": "todo", "pod": "chat-api-1", "job": "kube-state-metrics"},
    "KubePodCrashLooping": {
        **KSM_TARGET,
        "namespace": "todo",
        "pod": "chat-api-1",
        "container": "chat-api",
        "reason": "CrashLoopBackOff",
        "uid": "u1",
    },
    "KubeContainerWaiting": {
        **KSM_TARGET,
        "namespace": "todo",
        "pod": "chat-api-1",
        "container": "chat-api",
        "reason": "ContainerCreating",
        "uid": "u1",
    },
    "CPUThrottlingHigh": {"namespace": "todo", "pod": "chat-api-1", "container": "chat-api"},
    "ConfigReloaderSidecarErrors": {
        "namespace": "monitoring",
        "pod": "prometheus-kps-0",
        "container": "config-reloader",
        "job": "prometheus-kps",
        "instance": "10.0.0.7:8080",
    },
}


def test_chart_pod_alerts_are_not_muted_by_a_node_outage_and_the_doc_says_so() -> None:
    """What the NotReady-node inhibition can and cannot do: it mutes pod alerts by their `node`; the
    chart's pod alerts have none (Alertmanager cannot join them to kube_pod_info), so a dead node's pods
    still notify through them, and docs/alerting-routing.md must name each one."""
    from components.versions import KUBE_PROMETHEUS_STACK
    from rules.shipped import KUBE_PROMETHEUS_STACK_ALERTS, KUBE_PROMETHEUS_STACK_VERSION

    # The labels above were read at this chart version: a new pin must re-read them.
    assert KUBE_PROMETHEUS_STACK.version == KUBE_PROMETHEUS_STACK_VERSION == "88.5.3"
    assert set(CHART_POD_ALERT_LABELS) <= KUBE_PROMETHEUS_STACK_ALERTS
    rules = render_alertmanager_config(stack_settings("prod").alerting)["inhibit_rules"]
    node_down = {
        "alertname": "KubeNodeNotReady",
        "severity": "warning",
        "node": "node-a",
        "condition": "Ready",
        "status": "true",
        **KSM_TARGET,
    }
    doc = (ROOT / "docs" / "alerting-routing.md").read_text()
    inhibition = doc.split("## Inhibition", 1)[1].split("\n## ", 1)[0]
    for alertname, labels in CHART_POD_ALERT_LABELS.items():
        target = {**labels, "alertname": alertname, "severity": "warning"}
        assert "node" not in target
        assert not muted(rules, node_down, target), alertname
        assert f"`{alertname}`" in inhibition, f"docs/alerting-routing.md does not say {alertname} stays unmuted"
    # This project's pod alerts, with the node the rules join in, are muted for that node only.
    ours = {"alertname": "DaprSidecarDown", "severity": "critical", "namespace": "todo", "pod": "chat-api-1"}
    assert muted(rules, node_down, {**ours, "node": "node-a"})
    assert not muted(rules, node_down, {**ours, "node": "node-b"})


def test_alert_routing_gets_the_enabled_receivers_credentials_only() -> None:
    """Not the stack's secrets: the credentials of the receivers that are on, by stack secret name."""
    from components.alertmanager import AlertRoutingArgs, receiver_credentials
    from settings import StackSecrets
    from settings.secrets import KNOWN_SECRETS
    from tests.arg_types import wide_fields

    assert wide_fields(AlertRoutingArgs) == {}
    every = StackSecrets(values={name: f"value-of-{name}" for name in KNOWN_SECRETS})  # type: ignore[misc]
    settings = with_receivers({"pagerduty": {"enabled": True}, "slack": {"enabled": True, "channel": "#alerts"}})
    assert receiver_credentials(settings.alerting, every) == {
        "pagerdutyRoutingKey": "value-of-pagerdutyRoutingKey",
        "slackWebhookUrl": "value-of-slackWebhookUrl",
    }
    only_pagerduty = StackSecrets(values={"pagerdutyRoutingKey": "k"})  # type: ignore[dict-item]
    with pytest.raises(KeyError, match=re.escape("secrets.slackWebhookUrl")):
        receiver_credentials(settings.alerting, only_pagerduty)
