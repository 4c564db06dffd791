"""`make bench`: the generated systems are valid stacks, a measured render reports its figures, the
floor matches the program's imports and size, and README's table is the one bench prints."""

from __future__ import annotations

import json
import re
from pathlib import Path

from components.platforms import parse_settings
from tests.harness import event_loops_after
from tools.bench import (
    HEADER,
    SERVICE_COUNTS,
    case_names,
    generated_services,
    generated_stack_file,
    measure,
    measure_floor,
    per_service,
    table,
)
from tools.stackfile import ROOT, all_stacks, engine_config, load_stack_document


def test_generated_systems_are_valid_and_sized_as_asked(tmp_path: Path) -> None:
    assert SERVICE_COUNTS == (10, 100, 500, 1000)
    for count in SERVICE_COUNTS:
        services = generated_services(count)
        assert len({s["name"] for s in services}) == count
    config, _ = engine_config(load_stack_document(generated_stack_file(10, tmp_path)))
    raw = {k.split(":", 1)[1]: (json.loads(v) if v[:1] in "[{" else v) for k, v in config.items()}
    settings = parse_settings(raw, "bench-10")
    assert len(settings.services) == 10


def test_a_render_and_its_floor_report_time_memory_resources_and_the_same_imports(tmp_path: Path) -> None:
    row = measure("local", None, tmp_path / "local")
    assert row["case"] == "local"
    assert row["wall"] >= row["seconds"] >= row["programSeconds"] > 0
    assert row["cpu"] > 0
    assert row["peakMiB"] > 10
    assert row["resources"] > row["customResources"] > 5
    assert "pulumi_kubernetes.apiextensions.CustomResource" in row["providerModules"]
    floor = measure_floor(row, tmp_path)
    # The same number of resources, and the provider modules the program loaded, nothing else.
    assert floor["resources"] == row["resources"]
    assert set(floor["providerModules"]) == set(row["providerModules"])
    assert floor["wall"] >= floor["seconds"] > 0 and floor["peakMiB"] > 10


def test_the_table_has_a_row_per_case_and_the_slope_per_service() -> None:
    rows = [
        {
            "case": f"prod, {count} services",
            "render": 1.0 + count / 100,
            "floor": 1.0 + count / 200,
            "ratio": 1.2,
            "cpuRatio": 1.1,
            "renderMiB": 100 + count / 10,
            "floorMiB": 90 + count / 20,
            "memoryRatio": 1.1,
            "program": 0.5,
            "resources": count * 2,
        }
        for count in SERVICE_COUNTS
    ]
    lines = table(rows).splitlines()
    assert lines[0] == "| " + " | ".join(HEADER) + " |"
    assert [line.split(" | ")[0].removeprefix("| ") for line in lines[2:]] == [r["case"] for r in rows]
    assert per_service(rows) == "Per service: render 10.0 ms, floor 5.0 ms; render 102 KiB, floor 51 KiB."


def readme_benchmark_table() -> list[list[str]]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Benchmark", 1)[1].split("\n## ", 1)[0]
    return [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in section.splitlines()
        if line.startswith("|")
    ]


def test_readme_shows_the_table_make_bench_prints() -> None:
    """The shape only (columns, one row per case, numbers where numbers go): figures vary by machine."""
    header, rule, *rows = readme_benchmark_table()
    assert header == list(HEADER)
    assert set(rule) == {"---"} and len(rule) == len(HEADER)
    assert [row[0] for row in rows] == case_names()
    assert case_names()[: len(all_stacks())] == all_stacks()
    for row in rows:
        assert len(row) == len(HEADER), row
        assert all(re.fullmatch(r"\d+(\.\d+)?", cell) for cell in row[1:]), row


def test_the_floor_closes_every_event_loop_the_sdk_opened_as_the_render_does() -> None:
    """The floor runs under the render's harness, loops included (tests/test_render.py checks the render)."""
    made, still_open, _ = event_loops_after(
        "from tools.floor import main\nassert main(['--custom-resources', '3', '--config-maps', '1']) == 0\n"
    )
    assert made >= 2, "the SDK's executor threads no longer make loops: this test checks nothing"
    assert still_open == 0
