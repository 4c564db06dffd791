"""The Pulumi engine's floor for a render: what any program of the same size pays under the same mock
engine, whatever it computes. `make bench` compares each render with it.

The floor imports the provider submodules the real program imported (the list `tools.render --stats`
reports), then registers the same number of trivial resources of the kinds the program registers most
(ServiceMonitor-shaped CustomResources and ConfigMaps) under one Kubernetes provider, through
`tools.mocks`, exactly as `tools.render` runs `__main__.py`.

    python -m tools.floor --modules-file modules.json --custom-resources 900 --config-maps 170
"""

from __future__ import annotations

import argparse
import importlib
import json
import resource
import sys
import time
from pathlib import Path

from tools.mocks import Recorder, closing_event_loops, install, run

# The packages whose modules the floor imports as the program did; `pulumi` itself both always import.
PROVIDER_PACKAGES = (
    "pulumi_kubernetes",
    "pulumi_azure_native",
    "pulumi_azuread",
    "pulumi_gcp",
    "pulumi_oci",
    "pulumi_random",
)


def provider_modules() -> list[str]:
    """The provider modules this process has executed, in the order it first imported them (a package's
    own `__init__` rebinds names its submodules shadow, so the order matters). A provider package
    registers its submodules lazily (`pulumi._utils.lazy_import`): those never touched were not loaded,
    and are left out."""
    return [
        name
        for name, module in list(sys.modules.items())
        if name.split(".", 1)[0] in PROVIDER_PACKAGES and type(module).__name__ != "_LazyModule"
    ]


def floor_program(modules: list[str], custom_resources: int, config_maps: int) -> None:
    """The program the floor runs: imports, one provider, then the trivial resources."""
    for name in modules:
        # An attribute read loads a module its package registered lazily, as the program's use did.
        _ = importlib.import_module(name).__name__
    # From their defining modules: importing a submodule again after its lazily registered package
    # can rebind the package's name (`apiextensions.CustomResource`) to the submodule.
    from pulumi import ResourceOptions
    from pulumi_kubernetes.apiextensions.CustomResource import CustomResource
    from pulumi_kubernetes.core.v1.ConfigMap import ConfigMap
    from pulumi_kubernetes.meta.v1._inputs import ObjectMetaArgs
    from pulumi_kubernetes.provider import Provider

    opts = ResourceOptions(provider=Provider("kubernetes", enable_config_map_mutable=True))
    labels = {"app.kubernetes.io/part-of": "todo-observability", "release": "kube-prometheus-stack"}
    for i in range(custom_resources):
        CustomResource(
            f"floor-monitor-{i}",
            api_version="monitoring.coreos.com/v1",
            kind="ServiceMonitor",
            metadata=ObjectMetaArgs(name=f"monitor-{i}", namespace="monitoring", labels=labels),
            spec={
                "selector": {"matchLabels": {"app.kubernetes.io/name": f"service-{i}"}},
                "namespaceSelector": {"matchNames": ["todo"]},
                "endpoints": [{"port": "http", "path": "/metrics", "interval": "30s"}],
            },
            opts=opts,
        )
    for i in range(config_maps):
        ConfigMap(
            f"floor-config-{i}",
            metadata=ObjectMetaArgs(name=f"config-{i}", namespace="monitoring", labels=labels),
            data={"config.yaml": f"name: config-{i}\n"},
            opts=opts,
        )


def run_floor(modules: list[str], custom_resources: int, config_maps: int, recorder: Recorder) -> float:
    """Runs the floor program under the mock engine; returns its seconds (imports included)."""
    started = time.perf_counter()
    install("todo-observability", "floor", recorder)
    run(lambda: floor_program(modules, custom_resources, config_maps))
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--modules-file", type=Path, help="JSON list of modules to import (default: none)")
    parser.add_argument("--custom-resources", type=int, default=0)
    parser.add_argument("--config-maps", type=int, default=0)
    args = parser.parse_args(argv)
    modules = json.loads(args.modules_file.read_text()) if args.modules_file else []
    recorder = Recorder()
    # As the render does: the loops the SDK opens are closed, not left to the interpreter's shutdown.
    with closing_event_loops():
        seconds = run_floor(modules, args.custom_resources, args.config_maps, recorder)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    custom = sum(1 for r in recorder.registrations if r.custom)
    figures = {"seconds": round(seconds, 3), "peakMiB": round(peak_mib, 1), "resources": custom}
    print(json.dumps({**figures, "providerModules": provider_modules()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
