"""`make bench`: the generated systems are valid stacks, and a measured render reports its figures."""

from __future__ import annotations

import json
from pathlib import Path

from settings import parse_settings
from tools.bench import SERVICE_COUNTS, generated_services, generated_stack_file, measure
from tools.stackfile import engine_config, load_stack_document


def test_generated_systems_are_valid_and_sized_as_asked(tmp_path: Path) -> None:
    assert SERVICE_COUNTS == (10, 100, 500)
    for count in SERVICE_COUNTS:
        services = generated_services(count)
        assert len({s["name"] for s in services}) == count
    config, _ = engine_config(load_stack_document(generated_stack_file(10, tmp_path)))
    raw = {k.split(":", 1)[1]: (json.loads(v) if v[:1] in "[{" else v) for k, v in config.items()}
    settings = parse_settings(raw, "bench-10")
    assert len(settings.services) == 10


def test_a_measured_render_reports_time_memory_and_resources(tmp_path: Path) -> None:
    row = measure("local", None, tmp_path / "local")
    assert row["case"] == "local"
    assert row["wall"] >= row["seconds"] > 0
    assert row["peakMiB"] > 10
    assert row["resources"] > 20
