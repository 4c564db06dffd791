"""What other capabilities contribute to the kube-prometheus-stack release, so that each capability
stays in its own module and MetricsStack only assembles their fragments into one set of values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only for annotations: this layer stays importable without Pulumi
    import pulumi


@dataclass
class AlertmanagerInputs:
    """From the alerting capability."""

    # The Alertmanager configuration (route, receivers, inhibit_rules, templates). It holds no secret:
    # receivers read them from files (`routing_key_file`, `api_url_file`, ...) of `secret_names`.
    config: dict[str, Any]
    # Kubernetes Secrets in the metrics namespace, mounted by the operator at
    # /etc/alertmanager/secrets/<name>/<key>.
    secret_names: list[str] = field(default_factory=list)
    depends_on: list[pulumi.Resource] = field(default_factory=list)


@dataclass
class ThanosSidecarInputs:
    """From the long-term storage capability: Prometheus' Thanos sidecar and its cloud identity."""

    objstore_secret_name: str
    objstore_secret_key: str = "objstore.yaml"
    service_account_annotations: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    pod_labels: dict[str, str] = field(default_factory=dict)
    # Grafana's default Prometheus datasource when long-term storage is on (Thanos Query).
    query_url: str = ""
    depends_on: list[pulumi.Resource] = field(default_factory=list)


@dataclass
class GrafanaInputs:
    """Datasources (Grafana provisioning format) from logging, tracing and long-term storage."""

    datasources: list[dict[str, Any]] = field(default_factory=list)
    # Secrets whose keys become environment variables of Grafana (referenced as $__env{VAR} in
    # datasources' secureJsonData), so no credential lands in the values.
    env_from_secrets: list[str] = field(default_factory=list)
    depends_on: list[pulumi.Resource] = field(default_factory=list)
    # Grafana plugins the datasources need (e.g. googlecloud-logging-datasource is not built in).
    plugins: list[str] = field(default_factory=list)
    # Annotations of Grafana's ServiceAccount (GKE Workload Identity for the Cloud Logging datasource).
    service_account_annotations: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    # Annotations of Grafana's pod: a credential's id here restarts Grafana when the credential is rotated
    # (environment variables from a Secret are read only at start).
    pod_annotations: dict[str, pulumi.Input[str]] = field(default_factory=dict)


def merge_grafana_inputs(*contributions: GrafanaInputs | None) -> GrafanaInputs:
    """One GrafanaInputs from every capability's; datasource uids must stay unique across them."""
    merged = GrafanaInputs()
    for part in contributions:
        if part is None:
            continue
        merged.datasources += part.datasources
        merged.env_from_secrets += [s for s in part.env_from_secrets if s not in merged.env_from_secrets]
        merged.depends_on += part.depends_on
        merged.plugins += [p for p in part.plugins if p not in merged.plugins]
        _merge_annotations(merged.service_account_annotations, part.service_account_annotations, "ServiceAccount")
        _merge_annotations(merged.pod_annotations, part.pod_annotations, "pod")
    uids = [d.get("uid") for d in merged.datasources]
    duplicates = sorted({u for u in uids if u and uids.count(u) > 1})
    if duplicates:
        raise ValueError(f"Grafana datasource uid(s) contributed twice: {', '.join(duplicates)}")
    return merged


def _merge_annotations(merged: dict[str, pulumi.Input[str]], added: dict[str, pulumi.Input[str]], what: str) -> None:
    """Grafana has one identity: two capabilities that annotate it differently would silently have
    one of them lose its cloud access, so a conflict fails the program instead. The same Output (or
    an equal plain value) contributed twice is no conflict."""
    for key, value in added.items():
        if key in merged and merged[key] is not value and merged[key] != value:
            raise ValueError(
                f"Grafana {what} annotation {key!r} contributed twice with different values: "
                "Grafana has one identity, so every capability must use the same one"
            )
        merged[key] = value
