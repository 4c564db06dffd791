"""The lab's copies of a stack's rendered configuration. Production files are only read, never changed:
- rules: `for`/`keep_firing_for` scaled down (1/60, at most LAB_MAX_FOR_SECONDS) so a scenario takes
  seconds, plus copies of the two kube-prometheus-stack rules the scenarios need (Watchdog and
  KubeNodeNotReady), because the chart's own rules are not part of this project's render;
- Alertmanager: the rendered routing tree and inhibition unchanged; each `*_file` points at a temp
  file holding the sink's URL (or a fake key), PagerDuty's `url` at the sink, e-mail at the SMTP sink
  without TLS, and the timings scaled down the same way;
- Prometheus: scrapes the simulator's targets and evaluates the rules every second.
"""

from __future__ import annotations

import copy
import math
import re
from pathlib import Path
from typing import Any

import yaml

from render.alertmanager import SECRET_KEYS

TIME_SCALE = 60
LAB_MAX_FOR_SECONDS = 10
EVALUATION_INTERVAL = "1s"
LAB_RULES_GROUP = "lab.kube-prometheus-stack-copies"
LAB_RULE_FILE = "lab-chart-copies.yaml"

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
_DURATION_PART = re.compile(r"([0-9]+)(ms|s|m|h|d|w|y)")


def seconds(duration: str) -> float:
    parts = _DURATION_PART.findall(duration)
    if not parts or "".join(n + u for n, u in parts) != duration:
        raise ValueError(f"not a Prometheus duration: {duration!r}")
    return sum(int(n) * _UNITS[u] for n, u in parts)


def scaled(duration: str, cap_seconds: float | None = None) -> str:
    """`duration` divided by TIME_SCALE, whole seconds, at least 1s (0 stays 0)."""
    value = seconds(duration)
    if value == 0:
        return "0s"
    lab = max(1, math.ceil(value / TIME_SCALE))
    if cap_seconds is not None:
        lab = min(lab, int(cap_seconds))
    return f"{lab}s"


# ---- rules --------------------------------------------------------------------------------------


def chart_rule_copies() -> dict[str, Any]:
    """Stand-ins for two rules kube-prometheus-stack ships (same names, labels and meaning)."""
    return {
        "groups": [
            {
                "name": LAB_RULES_GROUP,
                "rules": [
                    {
                        "alert": "Watchdog",
                        "expr": "vector(1)",
                        "labels": {"severity": "none"},
                        "annotations": {"summary": "Always firing: proves the alerting pipeline works end to end."},
                    },
                    {
                        "alert": "KubeNodeNotReady",
                        "expr": (
                            'kube_node_status_condition{job="kube-state-metrics",condition="Ready",status="true"} == 0'
                        ),
                        "for": scaled("15m", LAB_MAX_FOR_SECONDS),
                        "labels": {"severity": "warning"},
                        "annotations": {"summary": "Node {{ $labels.node }} is not ready."},
                    },
                ],
            }
        ]
    }


def lab_rule_file(document: dict[str, Any]) -> dict[str, Any]:
    """A rendered rule file with every `for` and `keep_firing_for` scaled down."""
    lab = copy.deepcopy(document)
    for group in lab.get("groups", []):
        for rule in group.get("rules", []):
            for key in ("for", "keep_firing_for"):
                if key in rule:
                    rule[key] = scaled(rule[key], LAB_MAX_FOR_SECONDS)
    return lab


def rendered_rule_names(rule_files: dict[str, dict[str, Any]]) -> set[tuple[str, str]]:
    """(group, alert or record name) of every rendered rule."""
    return {
        (group["name"], rule.get("alert") or rule.get("record"))
        for document in rule_files.values()
        for group in document.get("groups", [])
        for rule in group.get("rules", [])
    }


# ---- alertmanager -------------------------------------------------------------------------------


def lab_alertmanager_config(
    rendered: dict[str, Any], sink_url: Any, smtp_port: int, secrets_dir: Path
) -> dict[str, Any]:
    """`sink_url(receiver)` gives the stand-in's URL for a receiver name."""
    config = copy.deepcopy(rendered)
    secrets_dir.mkdir(parents=True, exist_ok=True)
    by_key = {key: stack_secret for stack_secret, key in SECRET_KEYS.items()}
    lab_values = {
        "pagerdutyRoutingKey": "lab-pagerduty-routing-key",
        "slackWebhookUrl": sink_url("slack"),
        "teamsWebhookUrl": sink_url("teams"),
        "smtpPassword": "lab-smtp-password",
        "deadMansSwitchUrl": sink_url("dead-mans-switch"),
    }

    def lab_file(path: str) -> str:
        key = path.rsplit("/", 1)[-1]
        local = secrets_dir / key
        local.write_text(lab_values[by_key[key]])
        return str(local)

    for receiver in config.get("receivers", []):
        for integration, entries in receiver.items():
            if not isinstance(entries, list):
                continue
            for entry in entries:
                for field_name in [k for k in entry if k.endswith("_file")]:
                    entry[field_name] = lab_file(entry[field_name])
                if integration == "pagerduty_configs":
                    entry["url"] = sink_url("pagerduty")
                if integration == "email_configs":
                    entry["smarthost"] = f"127.0.0.1:{smtp_port}"
                    entry["require_tls"] = False
    _scale_route(config["route"])
    config.get("global", {})["resolve_timeout"] = "10s"
    return config


def _scale_route(route: dict[str, Any]) -> None:
    for key in ("group_wait", "group_interval", "repeat_interval"):
        if key in route:
            route[key] = scaled(route[key])
    for child in route.get("routes", []):
        _scale_route(child)


# ---- prometheus ---------------------------------------------------------------------------------


def prometheus_config(rules_dir: Path, alertmanager_port: int, targets: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": EVALUATION_INTERVAL},
        "rule_files": [str(rules_dir / "*.yaml")],
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": [f"127.0.0.1:{alertmanager_port}"]}]}]},
        "scrape_configs": [
            {
                "job_name": "lab-simulator",
                # Each target states its cluster labels (job, namespace, pod, ...) like the monitors would.
                "honor_labels": True,
                "static_configs": targets,
            }
        ],
    }


def dump(path: Path, document: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path
