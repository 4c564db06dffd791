"""The lab's live table: each alert as Prometheus and Alertmanager see it, and where it was delivered."""

from __future__ import annotations

import urllib.error
from collections import Counter

from lab.runner import Lab

COLUMNS = ("alert", "severity", "service", "prometheus", "alertmanager", "delivered to")


def _key(labels: dict[str, str]) -> tuple[str, str, str]:
    return labels.get("alertname", ""), labels.get("severity", ""), labels.get("service", "")


def rows(lab: Lab) -> list[tuple[str, ...]]:
    prometheus: dict[tuple[str, str, str], str] = {}
    for alert in lab.prometheus_alerts():
        prometheus[_key(alert["labels"])] = alert["state"]
    manager: dict[tuple[str, str, str], str] = {}
    for alert in lab.alertmanager_alerts():
        state = alert["status"]["state"]
        inhibited = alert["status"].get("inhibitedBy") or []
        manager[_key(alert["labels"])] = "inhibited" if inhibited else state
    deliveries: dict[str, Counter[str]] = {}
    for key in {*prometheus, *manager}:
        name = key[0]
        deliveries[name] = Counter(d.receiver for d in lab.log.all() if d.mentions(name))
    table = []
    for key in sorted({*prometheus, *manager}):
        delivered = ", ".join(f"{receiver} x{count}" for receiver, count in sorted(deliveries[key[0]].items()))
        table.append((*key, prometheus.get(key, "-"), manager.get(key, "-"), delivered or "-"))
    return table


def format_rows(header: tuple[str, ...], body: list[tuple[str, ...]]) -> str:
    widths = [max(len(str(row[i])) for row in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(row)) for row in [header, *body]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def render_table(lab: Lab, elapsed: float) -> str:
    head = (
        f"lab: stack {lab.stack}, scenario {lab.scenario.name}, {elapsed:.0f}s  "
        f"(Prometheus {lab.prometheus_url}, Alertmanager {lab.alertmanager_url}; Ctrl-C stops)"
    )
    try:
        body = rows(lab)
    except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
        return f"{head}\n(servers not answering: {error})"
    per_receiver: Counter[str] = Counter(d.receiver for d in lab.log.all())
    totals = ", ".join(f"{r}: {n}" for r, n in sorted(per_receiver.items())) or "none yet"
    note = "" if lab.receivers else "\n(this stack enables no receiver: Alertmanager routes every alert to null)"
    return f"{head}\n\n{format_rows(COLUMNS, body)}\n\nnotifications received by the stand-ins: {totals}{note}\n"
