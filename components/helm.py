"""One way to install a pinned chart: `helm.v3.Release`, because it runs chart hooks (v4 Chart does
not) and, with an explicit name, keeps the `release` label that selectors match stable."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi_kubernetes.helm.v3 import Release, ReleaseArgs, RepositoryOptsArgs

from components.versions import ChartPin

RELEASE_TIMEOUT_SECONDS = 900


def chart_release(
    name: str,
    pin: ChartPin,
    namespace: pulumi.Input[str],
    values: pulumi.Input[dict[str, Any]],
    opts: pulumi.ResourceOptions,
    protect: bool = False,
) -> Release:
    """`protect` for releases whose uninstall or replacement deletes state (CRDs take every custom
    resource with them; a replaced kube-prometheus-stack drops Grafana's volume)."""
    return Release(
        name,
        ReleaseArgs(
            name=name,
            chart=pin.chart,
            version=pin.version,
            repository_opts=RepositoryOptsArgs(repo=pin.repo),
            namespace=namespace,
            create_namespace=False,
            values=values,
            atomic=False,
            cleanup_on_fail=True,
            max_history=10,
            timeout=RELEASE_TIMEOUT_SECONDS,
        ),
        pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(protect=protect)) if protect else opts,
    )
