"""Starts and stops the lab: the stack's render, the sinks, the simulator, and real Prometheus and
Alertmanager processes on loopback, in a temp directory. `Lab` is a context manager: whatever
happens inside the `with`, every process and thread it started is stopped on the way out."""

from __future__ import annotations

import ctypes
import json
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

import yaml

from lab.configs import (
    LAB_RULE_FILE,
    chart_rule_copies,
    dump,
    lab_alertmanager_config,
    lab_rule_file,
    prometheus_config,
)
from lab.scenarios import SCENARIOS, Scenario
from lab.simulator import Simulator, TodoSystem
from lab.sinks import LOOPBACK, DeliveryLog, SmtpSink, WebhookSink
from tools.stackfile import ROOT, stack_settings

# Debian installs the servers as /usr/bin/prometheus and /usr/bin/prometheus-alertmanager; Homebrew as
# prometheus and alertmanager on PATH (scripts/ensure_tools.py checks the same names).
PROMETHEUS_BINARY = shutil.which("prometheus") or "/usr/bin/prometheus"
PROMTOOL_BINARY = shutil.which("promtool") or "/usr/bin/promtool"
# The traffic-drop alert compares with the same time a day earlier (`offset 1d`).
HISTORY_OFFSET_SECONDS = 86400
ALERTMANAGER_BINARY = (
    shutil.which("prometheus-alertmanager") or shutil.which("alertmanager") or "/usr/bin/prometheus-alertmanager"
)
READY_TIMEOUT_SECONDS = 30
STOP_TIMEOUT_SECONDS = 10


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def http_json(url: str, body: Any = None, timeout: float = 5.0) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        text = response.read().decode()
    return json.loads(text) if text else None


def render_stack(stack: str, out: Path) -> None:
    command = [sys.executable, "-m", "tools.render", "--stack", stack, "--out", str(out), "--quiet"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"render of stack {stack} failed:\n{done.stdout}\n{done.stderr}")


PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux to send SIGTERM when the lab process dies."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")


class Lab:
    def __init__(self, stack: str, scenario: str | Scenario = "healthy", keep_dir: bool = False) -> None:
        self.stack = stack
        self.scenario = SCENARIOS[scenario] if isinstance(scenario, str) else scenario
        self.keep_dir = keep_dir
        self.dir = Path(tempfile.mkdtemp(prefix=f"todo-lab-{stack}-"))
        self.log = DeliveryLog()
        self.webhooks = WebhookSink(self.log)
        self.smtp = SmtpSink(self.log)
        self.settings = stack_settings(stack)
        self.system = TodoSystem(self.settings, self.scenario.knobs)
        self.simulator = Simulator(self.system)
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.rendered_rules: dict[str, dict[str, Any]] = {}
        self.prometheus_url = ""
        self.receivers: list[str] = []
        self.alertmanager_url = ""
        self._started: list[Any] = []

    # ---- lifecycle ----------------------------------------------------------------------------

    def __enter__(self) -> Lab:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> None:
        render_dir = self.dir / "render"
        render_stack(self.stack, render_dir)
        for path in sorted((render_dir / "rules").glob("*.yaml")):
            self.rendered_rules[path.name] = yaml.safe_load(path.read_text())
        rules_dir = self.dir / "rules"
        if not self.scenario.watchdog_only:
            for name, document in self.rendered_rules.items():
                dump(rules_dir / name, lab_rule_file(document))
        dump(rules_dir / LAB_RULE_FILE, chart_rule_copies())

        for part in (self.webhooks, self.smtp, self.simulator):
            part.start()
            self._started.append(part)

        rendered_config = yaml.safe_load((render_dir / "alertmanager" / "alertmanager.yaml").read_text())
        am_config = lab_alertmanager_config(rendered_config, self.webhooks.url, self.smtp.port, self.dir / "secrets")
        self.receivers = [r["name"] for r in am_config["receivers"] if r["name"] != "null"]
        am_port = free_port()
        self.alertmanager_url = f"http://{LOOPBACK}:{am_port}"
        self._spawn(
            "alertmanager",
            [
                ALERTMANAGER_BINARY,
                f"--config.file={dump(self.dir / 'alertmanager.yaml', am_config)}",
                f"--storage.path={self.dir / 'alertmanager-data'}",
                f"--web.listen-address={LOOPBACK}:{am_port}",
                # No gossip: a single instance, and nothing listening beyond the one loopback port.
                "--cluster.listen-address=",
            ],
        )
        self.backfill_yesterday(self.dir / "prometheus-data")
        prom_port = free_port()
        self.prometheus_url = f"http://{LOOPBACK}:{prom_port}"
        config = prometheus_config(rules_dir, am_port, self.simulator.scrape_targets())
        self._spawn(
            "prometheus",
            [
                PROMETHEUS_BINARY,
                f"--config.file={dump(self.dir / 'prometheus.yaml', config)}",
                f"--storage.tsdb.path={self.dir / 'prometheus-data'}",
                f"--web.listen-address={LOOPBACK}:{prom_port}",
                "--rules.alert.resend-delay=1s",
                "--rules.alert.for-grace-period=1s",
            ],
        )
        self._wait_ready("alertmanager", f"{self.alertmanager_url}/-/ready")
        self._wait_ready("prometheus", f"{self.prometheus_url}/-/ready")

    def backfill_yesterday(self, data_dir: Path) -> None:
        """Writes the app pods' request counters of a day ago and of the last hour (lab/simulator.py
        `history`) into Prometheus' data directory before it starts, so ServiceTrafficDrop has the history
        it compares against; only for scenarios that set `history_request_rate` (the last hour of today's
        traffic slows every other 5m and 1h window down to real time). Only the request counters."""
        if not self.scenario.knobs.history_request_rate:
            # No history asked for: like a new deployment, the traffic-drop alert has nothing to compare with.
            return
        history = self.dir / "history.om.txt"
        history.write_text(self.system.history(time.time(), HISTORY_OFFSET_SECONDS, 15))
        data_dir.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [PROMTOOL_BINARY, "tsdb", "create-blocks-from", "openmetrics", str(history), str(data_dir)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"backfilling the lab's history failed: {done.stdout}{done.stderr}")

    def _spawn(self, name: str, command: list[str]) -> None:
        log = (self.dir / f"{name}.log").open("wb")
        # Own process group: a Ctrl-C in the terminal reaches the lab, which stops them in order.
        # And a parent-death signal: if the lab itself is killed (SIGKILL, a crashed test), the
        # kernel stops the servers too, so nothing is ever left running.
        self.processes[name] = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.dir,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        log.close()

    def _wait_ready(self, name: str, url: str) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            process = self.processes[name]
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{self.process_log(name)}")
            try:
                with urllib.request.urlopen(url, timeout=1) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{name} not ready after {READY_TIMEOUT_SECONDS}s:\n{self.process_log(name)}")

    def process_log(self, name: str) -> str:
        path = self.dir / f"{name}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def stop(self) -> None:
        for name, process in reversed(list(self.processes.items())):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=STOP_TIMEOUT_SECONDS)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=STOP_TIMEOUT_SECONDS)
            self.processes[name] = process
        for part in reversed(self._started):
            part.stop()
        self._started.clear()
        if not self.keep_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def running(self) -> list[int]:
        return [p.pid for p in self.processes.values() if p.poll() is None]

    # ---- scenario -----------------------------------------------------------------------------

    def switch(self, scenario: str) -> None:
        """Changes what the simulator serves; the loaded rules stay."""
        self.scenario = SCENARIOS[scenario]
        self.system.use(self.scenario.knobs)

    # ---- what the servers say -----------------------------------------------------------------

    def rule_groups(self) -> list[dict[str, Any]]:
        return http_json(f"{self.prometheus_url}/api/v1/rules")["data"]["groups"]

    def prometheus_alerts(self) -> list[dict[str, Any]]:
        return http_json(f"{self.prometheus_url}/api/v1/alerts")["data"]["alerts"]

    def alertmanager_alerts(self) -> list[dict[str, Any]]:
        return http_json(f"{self.alertmanager_url}/api/v2/alerts")

    def post_alerts(self, alerts: list[dict[str, Any]]) -> None:
        http_json(f"{self.alertmanager_url}/api/v2/alerts", alerts)

    def query(self, promql: str) -> list[dict[str, Any]]:
        from urllib.parse import quote

        return http_json(f"{self.prometheus_url}/api/v1/query?query={quote(promql)}")["data"]["result"]

    def wait_for(self, what: str, check: Any, timeout: float, interval: float = 0.5) -> Any:
        """Polls `check()` until it returns something truthy; fails with `what` after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        last: Any = None
        while time.monotonic() < deadline:
            last = check()
            if last:
                return last
            time.sleep(interval)
        raise TimeoutError(f"{what}: not seen within {timeout:.0f}s (last: {last!r})")
