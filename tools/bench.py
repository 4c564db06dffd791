"""`make bench`: each render against the Pulumi engine's floor (tools/floor.py), measured in the same run.

For every stack, and for generated systems of 10, 100, 500 and 1000 services, the render
(`python -m tools.render`) and the floor (the same provider modules, the same number of trivial
resources, the same mock engine) run in fresh processes, alternately, `--repeat` times. The table shows
the medians of wall time and peak memory of each, the median of the paired ratios (of CPU time too, which
a busy machine disturbs less than wall time), and the program time alone (what `pulumi preview` pays,
imports included). Printed as Markdown: README "Benchmark" is this
table. A benchmark, not a timed test: nothing here fails on a slow machine.

    python -m tools.bench [--repeat 3] [--case prod --case "500 services"]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from tools.stackfile import ROOT, all_stacks, load_stack_document, stack_file

SERVICE_COUNTS = (10, 100, 500, 1000)
TOPICS = ("task-events", "reminders", "task-updates")
HEADER = (
    "case",
    "render s",
    "floor s",
    "ratio",
    "CPU ratio",
    "render MiB",
    "floor MiB",
    "MiB ratio",
    "program s",
    "resources",
)


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


def case_names() -> list[str]:
    """The rows `make bench` prints, in order."""
    return [*all_stacks(), *(f"prod, {count} services" for count in SERVICE_COUNTS)]


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(command: list[str]) -> dict[str, Any]:
    """Wall time, CPU time (the one child's: children run one at a time) and the child's own figures."""
    cpu, started = _cpu_of_children(), time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    wall, cpu = time.perf_counter() - started, _cpu_of_children() - cpu
    return {"wall": wall, "cpu": cpu, **json.loads(done.stdout.strip().splitlines()[-1])}


def measure(stack: str, config_file: Path | None, out: Path) -> dict[str, Any]:
    """One render in a fresh process: its wall time and the figures it reports (`--stats`)."""
    command = [sys.executable, "-m", "tools.render", "--stack", stack, "--out", str(out), "--stats"]
    if config_file is not None:
        command += ["--config-file", str(config_file)]
    return {"case": stack, **_run(command)}


def measure_floor(render_stats: dict[str, Any], work: Path) -> dict[str, Any]:
    """The floor for a render in a fresh process: its imports, its resource count, one provider."""
    modules = work / "modules.json"
    modules.write_text(json.dumps(render_stats["providerModules"]))
    custom_resources = render_stats["customResources"]
    config_maps = render_stats["resources"] - custom_resources - 1
    command = [sys.executable, "-m", "tools.floor", "--modules-file", str(modules)]
    command += ["--custom-resources", str(custom_resources), "--config-maps", str(config_maps)]
    return _run(command)


def paired(case: str, stack: str, config_file: Path | None, work: Path, repeat: int) -> dict[str, Any]:
    """Render and floor, alternately, `repeat` times: medians, and the median of the paired ratios."""
    renders, floors = [], []
    for _ in range(repeat):
        renders.append(measure(stack, config_file, work / "out"))
        floors.append(measure_floor(renders[-1], work))

    def median(rows: list[dict[str, Any]], key: str) -> float:
        return statistics.median(row[key] for row in rows)

    return {
        "case": case,
        "render": median(renders, "wall"),
        "floor": median(floors, "wall"),
        "ratio": statistics.median(r["wall"] / f["wall"] for r, f in zip(renders, floors, strict=True)),
        "cpuRatio": statistics.median(r["cpu"] / f["cpu"] for r, f in zip(renders, floors, strict=True)),
        "renderMiB": median(renders, "peakMiB"),
        "floorMiB": median(floors, "peakMiB"),
        "memoryRatio": statistics.median(r["peakMiB"] / f["peakMiB"] for r, f in zip(renders, floors, strict=True)),
        "program": median(renders, "programSeconds"),
        "resources": renders[0]["resources"],
        "floorResources": floors[0]["resources"],
    }


def table(rows: list[dict[str, Any]]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for row in rows:
        cells = [
            row["case"],
            f"{row['render']:.2f}",
            f"{row['floor']:.2f}",
            f"{row['ratio']:.2f}",
            f"{row['cpuRatio']:.2f}",
            f"{row['renderMiB']:.0f}",
            f"{row['floorMiB']:.0f}",
            f"{row['memoryRatio']:.2f}",
            f"{row['program']:.2f}",
            str(row["resources"]),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def per_service(rows: list[dict[str, Any]]) -> str:
    """The slope of wall time over the generated systems (least squares): the cost of one more service."""
    points = [(count, row) for count in SERVICE_COUNTS for row in rows if row["case"] == f"prod, {count} services"]
    if len(points) < 2:
        return ""
    xs = [count for count, _ in points]

    def slope(key: str) -> float:
        ys = [row[key] for _, row in points]
        mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
        return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sum(
            (x - mean_x) ** 2 for x in xs
        )

    return (
        f"Per service: render {slope('render') * 1000:.1f} ms, floor {slope('floor') * 1000:.1f} ms; "
        f"render {slope('renderMiB') * 1024:.0f} KiB, floor {slope('floorMiB') * 1024:.0f} KiB."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="paired runs per case (default 3)")
    parser.add_argument("--case", action="append", help="only the cases whose name contains this (repeatable)")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cases: list[tuple[str, str, Path | None]] = [(stack, stack, None) for stack in all_stacks()]
        cases += [(f"prod, {n} services", "prod", generated_stack_file(n, work)) for n in SERVICE_COUNTS]
        for case, stack, config_file in cases:
            if args.case and not any(wanted in case for wanted in args.case):
                continue
            rows.append(paired(case, stack, config_file, work, args.repeat))
            print(f"measured {case}", file=sys.stderr)
    print(table(rows))
    if slope := per_service(rows):
        print(f"\n{slope}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
