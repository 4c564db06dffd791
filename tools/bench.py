"""`make bench`: render wall time and peak memory per stack, and for generated systems of 10, 100
and 500 services, so that how the cost grows with the size of the system is visible."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from tools.stackfile import ROOT, all_stacks, load_stack_document, stack_file

SERVICE_COUNTS = (10, 100, 500)
TOPICS = ("task-events", "reminders", "task-updates")


def generated_services(count: int) -> list[dict[str, Any]]:
    """A system of `count` services shaped like the app contract's: one API in ten, workers otherwise."""
    services = []
    for i in range(count):
        if i % 10 == 0:
            services.append(
                {
                    "name": f"api-{i:03d}",
                    "kind": "api",
                    "critical": True,
                    "criticalRoutes": ["/api/chat"],
                    "routes": ["/api/chat", "/api/items/{item_id}", "/healthz", "/readyz", "/metrics"],
                    "publishes": list(TOPICS),
                    "slo": {"availability": 0.999, "latency": 0.99, "latencyThresholdSeconds": 1.0},
                }
            )
        else:
            services.append({"name": f"worker-{i:03d}", "subscribes": [TOPICS[i % len(TOPICS)]]})
    return services


def generated_stack_file(count: int, directory: Path) -> Path:
    document = load_stack_document(stack_file("prod"))
    document["config"]["todo-observability:services"] = generated_services(count)
    path = directory / f"Pulumi.bench-{count}.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=True))
    return path


def measure(stack: str, config_file: Path | None, out: Path) -> dict[str, Any]:
    command = [sys.executable, "-m", "tools.render", "--stack", stack, "--out", str(out), "--stats"]
    if config_file is not None:
        command += ["--config-file", str(config_file)]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    stats = json.loads(done.stdout.strip().splitlines()[-1])
    return {"case": stack, "wall": wall, **stats}


def main() -> int:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        for stack in all_stacks():
            rows.append(measure(stack, None, base / stack))
        for count in SERVICE_COUNTS:
            config = generated_stack_file(count, base)
            row = measure("prod", config, base / f"bench-{count}")
            rows.append({**row, "case": f"prod, {count} services"})
    print(f"{'case':<24} {'wall s':>8} {'program s':>10} {'peak MiB':>9} {'resources':>10}")
    for row in rows:
        figures = f"{row['wall']:>8.2f} {row['seconds']:>10.2f} {row['peakMiB']:>9.1f} {row['resources']:>10}"
        print(f"{row['case']:<24} {figures}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
