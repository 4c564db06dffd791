"""The shared test harness: renders each stack once per test run (in a subprocess, as
`make render` does) and exposes the recorded resources and the files of build/<stack>/."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from tools.stackfile import ROOT, all_stacks

STACKS = all_stacks()

# A minimal valid Azure production stack (raw config, keys as users write them) for in-process loads.
AZURE: dict[str, Any] = {
    "environment": "production",
    "cloud": "azure",
    "cluster": {"name": "aks", "oidcIssuerUrl": "https://issuer.example/"},
    "azure": {
        "subscriptionId": "00000000-0000-0000-0000-000000000001",
        "tenantId": "00000000-0000-0000-0000-000000000002",
        "resourceGroup": "rg",
        "location": "westeurope",
    },
    "alerting": {"receivers": {"pagerduty": {"enabled": True}}},
}
PRODUCTION_STACKS = [s for s in STACKS if s.startswith("prod")]


@dataclass
class Rendered:
    stack: str
    dir: Path
    stdout: str

    @cached_property
    def resources(self) -> list[dict[str, Any]]:
        return json.loads((self.dir / "resources.json").read_text())

    def of_type(self, type_token: str) -> list[dict[str, Any]]:
        return [r for r in self.resources if r["type"] == type_token]

    def named(self, name: str, type_token: str | None = None) -> dict[str, Any]:
        matches = [r for r in self.resources if r["name"] == name and type_token in (None, r["type"])]
        assert len(matches) == 1, f"expected one resource named {name!r} in {self.stack}, found {len(matches)}"
        return matches[0]

    def releases(self) -> dict[str, dict[str, Any]]:
        return {r["inputs"]["name"]: r for r in self.of_type("kubernetes:helm.sh/v3:Release")}

    def helm_values(self, release: str) -> dict[str, Any]:
        return yaml.safe_load((self.dir / "helm" / f"{release}.values.yaml").read_text()) or {}

    def read(self, relative: str) -> str:
        return (self.dir / relative).read_text()

    def yaml(self, relative: str) -> Any:
        return yaml.safe_load(self.read(relative))

    def files(self, pattern: str) -> list[Path]:
        return sorted(self.dir.glob(pattern))

    def custom_resources(self, kind: str) -> list[dict[str, Any]]:
        """Custom resources (ServiceMonitor, PodMonitor, Probe, ...) by kind."""
        return [
            r
            for r in self.resources
            if r["type"].startswith("kubernetes:") and r["type"].rsplit(":", 1)[-1] == kind and r["custom"]
        ]


def render_stack(stack: str, out: Path, config_file: Path | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "tools.render", "--stack", stack, "--out", str(out)]
    if config_file is not None:
        command += ["--config-file", str(config_file)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)


def render_all(base: Path) -> dict[str, Rendered]:
    def one(stack: str) -> Rendered:
        out = base / stack
        done = render_stack(stack, out)
        if done.returncode != 0:
            raise AssertionError(f"render of {stack} failed:\n{done.stdout}\n{done.stderr}")
        return Rendered(stack, out, done.stdout)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(STACKS, pool.map(one, STACKS), strict=True))


def event_loops_after(statements: str) -> tuple[int, int, str]:
    """Runs `statements` in a fresh interpreter and counts the event loops left behind: (made, still
    open, stderr)."""
    probe = (
        f"import asyncio, gc\n{statements}"
        "loops = [o for o in gc.get_objects() if isinstance(o, asyncio.AbstractEventLoop)]\n"
        "print(len(loops), sum(not loop.is_closed() for loop in loops))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    made, still_open = (int(n) for n in done.stdout.split()[-2:])
    return made, still_open, done.stderr
