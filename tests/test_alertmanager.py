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

import pytest
import yaml

from render.alertmanager import (
    RECEIVER_SECRET_NAME,
    SECRETS_MOUNT_DIR,
    render_alertmanager_config,
)
from settings import ConfigError, StackSettings, parse_settings
from settings.secrets import PLACEHOLDER_PREFIX
from tests.harness import STACKS, Rendered
from tools.stackfile import ROOT, engine_config, load_stack_document, stack_file

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


def stack_settings(stack: str) -> StackSettings:
    config, _ = engine_config(load_stack_document(stack_file(stack)))
    raw: dict[str, Any] = {}
    for key, value in config.items():
        try:
            raw[key.split(":", 1)[1]] = json.loads(value)
        except json.JSONDecodeError:
            raw[key.split(":", 1)[1]] = value
    return parse_settings(raw, stack)


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
    config_file = write_config(render_alertmanager_config(stack_settings(stack)), tmp_path)
    done = amtool("check-config", str(config_file))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


def test_expected_routes_cover_every_stack() -> None:
    assert sorted(EXPECTED_ROUTES) == sorted(STACKS)


@pytest.mark.parametrize(("stack", "target"), [(s, t) for s in STACKS for t in EXPECTED_ROUTES.get(s, {})])
def test_each_severity_reaches_exactly_its_receivers(stack: str, target: str, tmp_path: Path) -> None:
    config_file = write_config(render_alertmanager_config(stack_settings(stack)), tmp_path)
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
    config_file = write_config(render_alertmanager_config(stack_settings(stack)), tmp_path)
    for severity in ("none", "critical", "warning", "info"):
        got = routed_receivers(config_file, {"alertname": "Watchdog", "severity": severity})
        assert got == EXPECTED_ROUTES[stack]["Watchdog"], severity


@pytest.mark.parametrize("stack", STACKS)
def test_unknown_severity_goes_nowhere(stack: str, tmp_path: Path) -> None:
    config_file = write_config(render_alertmanager_config(stack_settings(stack)), tmp_path)
    assert routed_receivers(config_file, {"alertname": "InfoInhibitor", "severity": "none"}) == [NULL]


@pytest.mark.parametrize("stack", STACKS)
def test_rendered_config_holds_no_secret(stack: str) -> None:
    config = render_alertmanager_config(stack_settings(stack))
    assert_holds_no_secret(yaml.safe_dump(config), config)


def test_grouping_and_timings_come_from_config() -> None:
    settings = with_receivers({}, groupWait="10s", groupInterval="2m", repeatInterval="3h")
    route = render_alertmanager_config(settings)["route"]
    assert route["group_by"] == ["alertname", "namespace", "service"]
    assert (route["group_wait"], route["group_interval"], route["repeat_interval"]) == ("10s", "2m", "3h")
    watchdog = route["routes"][0]
    assert watchdog["matchers"] == ['alertname="Watchdog"']
    assert watchdog["repeat_interval"] == "1m"
    faster = with_receivers({"deadMansSwitch": {"enabled": True, "repeatInterval": "2m"}})
    assert render_alertmanager_config(faster)["route"]["routes"][0]["repeat_interval"] == "2m"


def test_inhibition_rules() -> None:
    rules = render_alertmanager_config(stack_settings("prod"))["inhibit_rules"]
    by_source = {tuple(rule["source_matchers"]): rule for rule in rules}
    critical = by_source[('severity="critical"',)]
    assert critical["target_matchers"] == ['severity="warning"']
    assert critical["equal"] == ["alertname", "namespace", "service"]
    node = by_source[('alertname="KubeNodeNotReady"',)]
    assert 'pod=~".+"' in node["target_matchers"] and node["equal"] == ["node"]
    slo = by_source[('slo_action="page"',)]
    assert slo["target_matchers"] == ['slo_action="ticket"']
    assert slo["equal"] == ["slo", "service", "namespace"]
    assert len(rules) == 3


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
    config = render_alertmanager_config(with_receivers(receivers))
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
    config = render_alertmanager_config(with_receivers({"email": {"enabled": True, **EMAIL}}))
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
        for path, value in walk(render_alertmanager_config(stack_settings(stack)))
        if path.endswith("_file")
    }
    assert files == EXPECTED_SECRET_KEYS[stack]


def test_deployed_alertmanager_config_is_the_checked_one(rendered: Rendered) -> None:
    values = rendered.helm_values(KPS_RELEASE)
    expected = render_alertmanager_config(stack_settings(rendered.stack))
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
