"""The offline render: runs the real program under Pulumi's mock engine with a stack's config and
writes what a reviewer needs to build/<stack>/ (see README "Offline render").

    python -m tools.render --stack prod [--config-file other.yaml] [--out DIR] [--quiet]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import runpy
import shutil
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from settings import PROJECT
from settings.loader import OFFLINE_ENV
from tools.artifacts import extract_all
from tools.mocks import Recorder, Registration, closing_event_loops, install, run
from tools.stackfile import ROOT, engine_config, load_stack_document, stack_file

# Prometheus Operator's kinds (ServiceMonitor, PodMonitor, Probe, PrometheusRule): the floor's CustomResources.
MONITORING_TYPE_PREFIX = "kubernetes:monitoring.coreos.com/"


@dataclass
class RenderResult:
    stack: str
    registrations: list[Registration]
    files: dict[str, str]
    secrets_to_set: list[str] = field(default_factory=list)
    seconds: float = 0.0
    # The program alone under the mock engine, imports included: what `pulumi preview` pays.
    program_seconds: float = 0.0


def run_program(stack: str, config: dict[str, str], secret_keys: list[str], recorder: Recorder) -> list[str]:
    """Runs __main__.py under mocks, recording into `recorder`; returns the secrets the program faked."""
    from pulumi import runtime as pulumi_runtime

    os.environ[OFFLINE_ENV] = "1"
    pulumi_runtime.set_all_config(config, secret_keys)
    install(PROJECT, stack, recorder)
    namespace: dict[str, object] = {}

    def program() -> None:
        namespace.update(runpy.run_path(str(ROOT / "__main__.py"), run_name="__pulumi_program__"))

    run(program)
    loaded = namespace.get("stack")
    placeholders = list(getattr(getattr(loaded, "secrets", None), "placeholders", []))
    return placeholders


def extract(registrations: list[Registration]) -> dict[str, str]:
    """The artifacts. The program's objects (the SDK's resources, outputs, modules) all outlive it and
    never become garbage while extracting: frozen, the collector stops rescanning them for every
    thousand nodes and rows the extractors build (a third of the extraction time at 500 services)."""
    gc.freeze()
    try:
        return extract_all(registrations)
    finally:
        gc.unfreeze()


def render(stack: str, config_file: Path | None = None, recorder: Recorder | None = None) -> RenderResult:
    started = time.perf_counter()
    recorder = recorder if recorder is not None else Recorder()
    document = load_stack_document(config_file or stack_file(stack))
    config, secret_keys = engine_config(document)
    program_started = time.perf_counter()
    placeholders = run_program(stack, config, secret_keys, recorder)
    program_seconds = time.perf_counter() - program_started
    files = extract(recorder.registrations)
    files["secrets-to-set.txt"] = "".join(f"secrets.{name}\n" for name in placeholders)
    seconds = time.perf_counter() - started
    return RenderResult(stack, recorder.registrations, files, placeholders, seconds, program_seconds)


def write(result: RenderResult, out: Path) -> None:
    if out.exists():
        shutil.rmtree(out)
    for relative, content in sorted(result.files.items()):
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)


def component_of(registration: Registration, by_urn: dict[str, Registration]) -> str:
    """The top-level component a resource belongs to (its outermost non-stack ancestor)."""
    current = registration
    while current.parent_urn in by_urn:
        current = by_urn[current.parent_urn]
    return f"{current.type.split(':')[-1]}/{current.name}"


def summary(result: RenderResult, out: Path) -> str:
    by_urn = {r.urn: r for r in result.registrations}
    custom = [r for r in result.registrations if r.custom and not r.type.startswith("pulumi:providers:")]
    per_component = Counter(component_of(r, by_urn) for r in custom)
    per_type = Counter(r.type for r in custom)
    lines = [f"Offline render of stack '{result.stack}' (mock engine, like `pulumi preview`):", ""]
    lines.append("  Resources by component:")
    lines += [f"    {count:4d}  {name}" for name, count in sorted(per_component.items())]
    lines.append("  Resources by type:")
    lines += [f"    {count:4d}  {name}" for name, count in sorted(per_type.items())]
    providers = sum(1 for r in result.registrations if r.type.startswith("pulumi:providers:"))
    components = sum(1 for r in result.registrations if not r.custom)
    lines.append(f"  Total: {len(custom)} resources, {components} components, {providers} providers")
    lines.append(f"  Files: {len(result.files)} under {out}")
    if result.secrets_to_set:
        lines.append("  Secrets still to set (placeholders were rendered):")
        lines += [f"    pulumi config set --secret --path 'secrets.{name}' <value>" for name in result.secrets_to_set]
    else:
        lines.append("  Secrets still to set: none")
    lines.append(f"  Rendered in {result.seconds:.2f}s")
    return "\n".join(lines)


def stats(result: RenderResult) -> dict[str, object]:
    """The figures `make bench` reads, and what the floor needs to match the program's size and imports."""
    import resource

    from tools.floor import provider_modules

    custom = [r for r in result.registrations if r.custom]
    monitoring = sum(1 for r in custom if r.type.startswith(MONITORING_TYPE_PREFIX))
    return {
        "seconds": round(result.seconds, 3),
        "programSeconds": round(result.program_seconds, 3),
        "peakMiB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "resources": len(custom),
        "customResources": monitoring,
        "providerModules": provider_modules(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", default="local")
    parser.add_argument("--config-file", type=Path, help="stack file to read instead of Pulumi.<stack>.yaml")
    parser.add_argument("--out", type=Path, help="output folder (default build/<stack>)")
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument(
        "--stats", action="store_true", help="print one JSON line: seconds, peak memory, resources, provider modules"
    )
    args = parser.parse_args(argv)
    from settings import ConfigError

    out = args.out or ROOT / "build" / args.stack
    recorder = Recorder()
    try:
        with closing_event_loops():
            result = render(args.stack, args.config_file, recorder)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        print(f"{len(recorder.registrations)} resources were registered; nothing was written.", file=sys.stderr)
        return 2
    write(result, out)
    if args.stats:
        print(json.dumps(stats(result)))
    elif not args.quiet:
        print(summary(result, out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
