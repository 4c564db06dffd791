"""What every capability gets besides its own config sections, built once in __main__.py."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StackContext:
    """The few stack-wide facts every capability reads; Pulumi-free, so render functions take it too."""

    # The Pulumi stack's name: a label on every object (contracts.labels).
    stack: str
    # Production stacks protect stateful resources and keep stricter defaults.
    production: bool
    # kube-prometheus-stack's release name: Prometheus selects monitors and rules by `release: <this>`.
    release_label: str
    # The namespace of Prometheus, Alertmanager and Grafana (and of every monitor).
    metrics_namespace: str
    # Prometheus' scrape interval: every monitor's endpoints use it.
    scrape_interval: str
    # The cluster's storage class for PersistentVolumeClaims ("" for the cluster's default).
    storage_class: str
