"""The alert lab end to end: the prod stack's rendered rules and routing on real Prometheus and
Alertmanager servers (Debian's binaries), fed by the simulator, delivering to the stand-ins.

One lab serves the whole module (scenarios are switched in place); it is torn down by its context
manager whatever happens. The tests run in file order: each switches to the scenario it needs.
"""

from __future__ import annotations

import copy
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from lab.configs import (
    LAB_MAX_FOR_SECONDS,
    LAB_RULES_GROUP,
    lab_alertmanager_config,
    lab_rule_file,
    rendered_rule_names,
    scaled,
)
from lab.runner import Lab
from lab.scenarios import WORKER_NODE
from lab.simulator import node_of, pod_name
from lab.table import rows
from render.alertmanager import render_alertmanager_config
from tools.stackfile import ROOT, stack_settings

pytestmark = pytest.mark.lab

STACK = "prod"
# Seconds to wait for something the scaled-down rules and routes should show within a few seconds.
SETTLE = 60


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    with Lab(STACK, "healthy") as running:
        yield running
    assert running.running() == [], "processes left after the lab stopped"


def firing(lab: Lab) -> dict[str, set[str]]:
    """alertname -> severities of the alerts Prometheus has firing."""
    out: dict[str, set[str]] = {}
    for alert in lab.prometheus_alerts():
        if alert["state"] == "firing":
            out.setdefault(alert["labels"]["alertname"], set()).add(alert["labels"].get("severity", ""))
    return out


def manager_alerts(lab: Lab, alertname: str) -> list[dict[str, Any]]:
    return [a for a in lab.alertmanager_alerts() if a["labels"].get("alertname") == alertname]


def synthetic(labels: dict[str, str]) -> dict[str, Any]:
    """An alert as Prometheus posts it, valid for a minute."""
    now = datetime.now(UTC)
    return {
        "labels": labels,
        "annotations": {"summary": f"lab probe {labels['alertname']}"},
        "startsAt": now.isoformat(),
        "endsAt": (now + timedelta(minutes=1)).isoformat(),
    }


def test_every_rendered_rule_is_loaded_and_evaluates_without_error(lab: Lab) -> None:
    expected = rendered_rule_names(lab.rendered_rules)
    assert len(expected) > 20, "the prod render should carry the project's rules"

    def evaluated() -> list[dict[str, Any]] | None:
        groups = lab.rule_groups()
        rules = [r for g in groups for r in g["rules"]]
        return groups if rules and all(r["health"] != "unknown" for r in rules) else None

    groups = lab.wait_for("every rule evaluated once", evaluated, SETTLE)
    loaded = {(g["name"], r["name"]) for g in groups for r in g["rules"] if g["name"] != LAB_RULES_GROUP}
    assert loaded == expected
    rendered_count = sum(len(g["rules"]) for d in lab.rendered_rules.values() for g in d["groups"])
    assert sum(len(g["rules"]) for g in groups if g["name"] != LAB_RULES_GROUP) == rendered_count
    broken = [(g["name"], r["name"], r.get("lastError")) for g in groups for r in g["rules"] if r["health"] != "ok"]
    assert broken == []


def test_a_healthy_day_fires_nothing_but_the_watchdog(lab: Lab) -> None:
    # Longer than the longest scaled `for` (10s) plus a few evaluations.
    time.sleep(14)
    assert firing(lab) == {"Watchdog": {"none"}}

    # Every simulated target parsed and scraped: the series the rules read are really there.
    def all_up() -> bool:
        up = lab.query("up")
        return len(up) == len(lab.system.targets) and {sample["value"][1] for sample in up} == {"1"}

    lab.wait_for("every simulated target up", all_up, SETTLE)


# ---- the lab's copies, offline --------------------------------------------------------------------


def test_lab_copies_scale_time_and_leave_routing_and_the_render_alone(tmp_path: Path) -> None:
    assert [scaled(d) for d in ("0s", "30s", "2m", "5m", "15m", "4h")] == ["0s", "1s", "2s", "5s", "15s", "240s"]
    assert scaled("1h", LAB_MAX_FOR_SECONDS) == "10s"
    rendered = render_alertmanager_config(stack_settings(STACK).alerting)
    pristine = copy.deepcopy(rendered)
    lab_config = lab_alertmanager_config(rendered, lambda r: f"http://127.0.0.1:1/{r}", 2525, tmp_path)
    assert rendered == pristine
    text = yaml.safe_dump(lab_config)
    assert "/etc/alertmanager/secrets" not in text
    assert lab_config["inhibit_rules"] == rendered["inhibit_rules"]
    assert [r["name"] for r in lab_config["receivers"]] == [r["name"] for r in rendered["receivers"]]
    assert lab_config["route"]["group_wait"] == "1s" and lab_config["route"]["repeat_interval"] == "240s"
    slack = next(r for r in lab_config["receivers"] if r["name"] == "slack")["slack_configs"][0]
    assert Path(slack["api_url_file"]).read_text() == "http://127.0.0.1:1/slack"
    rule_file = {"groups": [{"name": "g", "rules": [{"alert": "A", "expr": "vector(1)", "for": "15m"}]}]}
    assert lab_rule_file(rule_file)["groups"][0]["rules"][0]["for"] == "10s"
    assert rule_file["groups"][0]["rules"][0]["for"] == "15m"


def test_watchdog_reaches_only_the_dead_mans_switch(lab: Lab) -> None:
    lab.wait_for("Watchdog at the dead man's switch", lambda: lab.log.receivers_of("Watchdog"), SETTLE)
    time.sleep(3)
    assert lab.log.receivers_of("Watchdog") == {"dead-mans-switch"}
    heartbeat = lab.log.to("dead-mans-switch")[0].json()
    assert heartbeat["commonLabels"]["alertname"] == "Watchdog"


def test_a_critical_alert_pages_and_posts_to_slack_but_never_mails(lab: Lab) -> None:
    lab.switch("chat-api-5xx")
    wanted = {"pagerduty", "slack"}
    lab.wait_for(
        "ServiceHighErrorRate (chat-api, critical) at PagerDuty and Slack",
        lambda: wanted <= lab.log.receivers_of("ServiceHighErrorRate"),
        SETTLE,
    )
    assert "critical" in firing(lab)["ServiceHighErrorRate"]
    time.sleep(3)
    assert lab.log.receivers_of("ServiceHighErrorRate") == wanted
    page = next(d for d in lab.log.to("pagerduty") if d.mentions("ServiceHighErrorRate")).json()
    # The routing key came from the file the rendered `routing_key_file` names (the lab's copy of it).
    assert page["routing_key"] == "lab-pagerduty-routing-key"
    assert page["event_action"] == "trigger"
    slack = next(d for d in lab.log.to("slack") if d.mentions("ServiceHighErrorRate")).json()
    assert slack["channel"] == "#todo-alerts"
    assert all(not d.mentions("ServiceHighErrorRate") for d in lab.log.to("email"))


def test_an_slo_page_mutes_its_ticket(lab: Lab) -> None:
    # Same scenario: chat-api's availability budget burns fast (page) and slowly (ticket) at once.
    def ticket_muted() -> list[dict[str, Any]]:
        tickets = manager_alerts(lab, "SloErrorBudgetSlowBurn")
        return [t for t in tickets if t["status"]["state"] == "suppressed" and t["status"]["inhibitedBy"]]

    muted = lab.wait_for("SloErrorBudgetSlowBurn suppressed", ticket_muted, SETTLE)
    assert {t["labels"]["slo"] for t in muted} == {"chat-api-availability"}
    assert "SloErrorBudgetSlowBurn" in firing(lab)
    assert {"pagerduty", "slack"} <= lab.log.receivers_of("SloErrorBudgetFastBurn")
    assert lab.log.receivers_of("SloErrorBudgetSlowBurn") == set()


def test_critical_mutes_the_matching_warning(lab: Lab) -> None:
    name = f"LabProbe{uuid.uuid4().hex[:6]}"
    base = {"alertname": name, "namespace": "todo", "service": "chat-api"}
    other_service = {**base, "service": "audit-service", "severity": "warning"}
    # The chart's volume alerts come in warning/critical pairs per PVC: one volume's critical must not
    # hide another volume's warning.
    volume = {"alertname": name, "namespace": "kafka", "service": "kube-state-metrics"}
    volume_critical = {**volume, "persistentvolumeclaim": "data-0", "severity": "critical"}
    other_volume = {**volume, "persistentvolumeclaim": "data-1", "severity": "warning"}

    def post_and_read() -> dict[str, str] | None:
        lab.post_alerts(
            [
                synthetic({**base, "severity": "critical"}),
                synthetic({**base, "severity": "warning"}),
                synthetic(other_service),
                synthetic(volume_critical),
                synthetic(other_volume),
            ]
        )
        states = {
            f"{a['labels']['service']}/{a['labels'].get('persistentvolumeclaim', '-')}/{a['labels']['severity']}": a[
                "status"
            ]["state"]
            for a in manager_alerts(lab, name)
        }
        return states if len(states) == 5 and "suppressed" in states.values() else None

    states = lab.wait_for("the warning form suppressed", post_and_read, SETTLE)
    assert states == {
        "chat-api/-/critical": "active",
        "chat-api/-/warning": "suppressed",
        "audit-service/-/warning": "active",
        "kube-state-metrics/data-0/critical": "active",
        "kube-state-metrics/data-1/warning": "active",
    }


def test_info_reaches_email_only(lab: Lab) -> None:
    name = f"LabInfo{uuid.uuid4().hex[:6]}"
    labels = {"alertname": name, "namespace": "todo", "service": "chat-api", "severity": "info"}

    def mailed() -> set[str]:
        lab.post_alerts([synthetic(labels)])
        return lab.log.receivers_of(name)

    assert lab.wait_for("info alert mailed", mailed, SETTLE) == {"email"}
    mail = next(d for d in lab.log.to("email") if d.mentions(name))
    assert "todo-oncall@example.com" in mail.headers["To"]


def test_a_not_ready_node_mutes_the_pod_alerts_on_it(lab: Lab) -> None:
    lab.switch("node-not-ready")
    lab.wait_for("KubeNodeNotReady firing", lambda: "KubeNodeNotReady" in firing(lab), SETTLE)
    worker_pods = {pod_name(s.name) for s in lab.settings.services if node_of(s) == WORKER_NODE}
    assert worker_pods

    # The rendered rules' own pod alerts: the workers' sidecars are down with their node, and each of
    # those alerts carries the pod's node (joined from kube_pod_info), so the node alert mutes it.
    def rendered_pod_alerts_muted() -> dict[str, str] | None:
        alerts = [a for a in manager_alerts(lab, "DaprSidecarDown") if a["labels"].get("pod") in worker_pods]
        states = {a["labels"]["pod"]: a["status"]["state"] for a in alerts}
        if len(states) == len(worker_pods) and set(states.values()) == {"suppressed"}:
            return states
        return None

    lab.wait_for("every worker's DaprSidecarDown suppressed", rendered_pod_alerts_muted, SETTLE)
    for alert in manager_alerts(lab, "DaprSidecarDown"):
        if alert["labels"].get("pod") in worker_pods:
            assert alert["labels"]["node"] == WORKER_NODE
            assert alert["status"]["inhibitedBy"], alert["labels"]
    # Every rendered rule's alert about a pod on that node is muted as well.
    for alert in lab.alertmanager_alerts():
        labels = alert["labels"]
        if labels.get("node") == WORKER_NODE and labels.get("pod") and labels["alertname"] != "KubeNodeNotReady":
            assert alert["status"]["state"] == "suppressed", labels

    # A pod alert on the healthy node is not muted: it still pages.
    name = f"LabPodProbe{uuid.uuid4().hex[:6]}"
    on_healthy = {"alertname": name, "namespace": "todo", "pod": "chat-api-abc-1", "node": "lab-node-1"}

    def healthy_node_alert_active() -> str | None:
        lab.post_alerts([synthetic({**on_healthy, "severity": "critical"})])
        states = [a["status"]["state"] for a in manager_alerts(lab, name)]
        return states[0] if states else None

    assert lab.wait_for("the healthy node's pod alert", healthy_node_alert_active, SETTLE) == "active"
    wanted = {"pagerduty", "slack"}
    lab.wait_for("the healthy node's pod alert paged", lambda: wanted <= lab.log.receivers_of(name), SETTLE)
    time.sleep(2)
    assert lab.log.receivers_of(name) == wanted


def _port_open(url: str) -> bool:
    host, port = url.removeprefix("http://").split(":")
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex((host, int(port))) == 0


def _start_lab_cli() -> tuple[subprocess.Popen[str], list[str], list[str]]:
    """Starts `python -m lab` and waits for its header; returns the process, its output and the
    Prometheus and Alertmanager URLs it prints."""
    command = [sys.executable, "-m", "lab", "--stack", "local", "--scenario", "watchdog", "--plain"]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ}
    )
    output: list[str] = []
    try:
        deadline = time.monotonic() + 120
        assert process.stdout is not None
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            output.append(line)
            if line.startswith("lab: stack local") or not line:
                break
        header = output[-1]
        assert header.startswith("lab: stack local"), "".join(output)
        urls = re.findall(r"http://127\.0\.0\.1:[0-9]+", header)
        assert len(urls) == 2 and all(_port_open(url) for url in urls), urls
    except BaseException:
        process.kill()
        process.wait()
        raise
    return process, output, urls


def test_a_killed_lab_leaves_no_server_running() -> None:
    """Even SIGKILL, which the lab cannot catch, stops Prometheus and Alertmanager (parent-death signal)."""
    process, _, urls = _start_lab_cli()
    process.kill()
    process.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_port_open(url) for url in urls):
        time.sleep(0.5)
    assert not any(_port_open(url) for url in urls), urls


def test_ctrl_c_stops_the_lab_and_leaves_nothing_running() -> None:
    process, output, urls = _start_lab_cli()
    try:
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=60)
        output.append(rest)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    text = "".join(output)
    assert process.returncode == 0, text
    assert "(none left)" in text
    assert not any(_port_open(url) for url in urls)


# ---- scenarios that need their own history (each starts its own lab) -------------------------------


def test_traffic_drop_pages_against_the_same_hour_a_day_earlier() -> None:
    """The lab backfills the same hours a day earlier at 20 req/s; chat-api now gets 0.2 req/s with pods up
    and no errors: the rendered ServiceTrafficDrop pages (PagerDuty and Slack) and the live table shows it."""
    with Lab(STACK, "traffic-drop") as lab:
        baseline = lab.query(
            'sum(rate(http_requests_total{service="chat-api", handler!~"/healthz|/readyz|/metrics"}[5m] offset 1d))'
        )
        assert baseline and abs(float(baseline[0]["value"][1]) - 20.0) < 1.0, baseline
        lab.wait_for(
            "ServiceTrafficDrop (chat-api) at PagerDuty and Slack",
            lambda: {"pagerduty", "slack"} <= lab.log.receivers_of("ServiceTrafficDrop"),
            SETTLE,
        )
        assert firing(lab)["ServiceTrafficDrop"] == {"critical"}
        shown = [row for row in rows(lab) if row[0] == "ServiceTrafficDrop"]
        assert shown and shown[0][1:4] == ("critical", "chat-api", "firing"), shown
        assert "ServiceHighErrorRate" not in firing(lab)
    assert lab.running() == []


def test_a_quiet_service_failing_now_and_then_stays_silent() -> None:
    """notification-service at 3 req/min failing one request in ten: its 5xx ratio is over 5%, but
    fewer than errorRateMinFailedRequests (3) failures in 5 minutes, so nothing fires."""
    with Lab(STACK, "low-traffic") as lab:
        over = 'service:http_requests_5xx:ratio_rate5m{service="notification-service"} * 100 > 5'
        lab.wait_for("notification-service's 5xx ratio over 5%", lambda: lab.query(over), SETTLE)
        # ServiceHighErrorRate's `for` is 1m, 1 s in the lab: give it several evaluations.
        time.sleep(5)
        assert lab.query(over), "the ratio alone would fire"
        assert "ServiceHighErrorRate" not in firing(lab)
        quiet = [a for a in lab.prometheus_alerts() if a["labels"].get("service") == "notification-service"]
        assert quiet == [], quiet
        assert all(row[2] != "notification-service" for row in rows(lab)), rows(lab)
    assert lab.running() == []
