"""Long-term metrics with Thanos: the cloud's bucket and identity bindings, the objstore Secret that
Prometheus' sidecars and the Thanos components share, and Thanos Query, Store Gateway and Compactor
from the pinned chart. What kube-prometheus-stack needs from it is `sidecar_inputs`; Grafana's
extra datasource is `grafana_inputs`. Everything that differs per cloud (the bucket, who may reach it,
the objstore config) comes from the platform (components/<cloud>/platform.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import pulumi
import yaml
from pulumi_kubernetes.core.v1 import Secret
from pulumi_kubernetes.meta.v1 import ObjectMetaArgs

from components.crds import PrometheusOperatorCrds
from components.helm import chart_release
from components.namespaces import NamespaceRef
from components.platform import Platform
from components.versions import THANOS
from contracts.context import StackContext
from contracts.inputs import GrafanaInputs, ThanosSidecarInputs
from contracts.labels import common_labels, monitoring_labels
from render.thanos import (
    OBJSTORE_SECRET_KEY,
    OBJSTORE_SECRET_NAME,
    ServiceAccountRef,
    bucket_service_accounts,
    chart_values,
    grafana_datasource,
    query_url,
)
from settings.model import ClusterSettings, LongTermStorageSettings, Section


@dataclass(frozen=True)
class BucketConfig:
    """What a platform makes its bucket, its names and its objstore config from. Pulumi-free, so the
    platform's `objstore_config` stays a pure function of it."""

    long_term: LongTermStorageSettings
    # Its name goes into the default bucket, identity and policy names; AKS federates its OIDC issuer.
    cluster: ClusterSettings
    # The platform's own config section (`Platform.section`: `todo-observability:<cloud>`, None where
    # the platform has none), read only by that platform's code.
    cloud: Section | None
    context: StackContext


@dataclass
class BucketAccessArgs:
    """What a platform's bucket access gets (components/<cloud>/platform.py `bucket_access`)."""

    config: BucketConfig
    # The Kubernetes service accounts that read or write the bucket.
    service_accounts: list[ServiceAccountRef]
    # The metrics namespace (the local platform runs its object store there).
    namespace: NamespaceRef
    # The provider the bucket's IAM writes must use (`Providers.identity`: OCI's home region); None
    # inherits the component's like every other child.
    identity_provider: pulumi.ProviderResource | None


class BucketAccess(Protocol):
    """What every per-cloud storage component gives the Thanos and Prometheus pods."""

    service_account_annotations: dict[str, pulumi.Input[str]]
    pod_labels: dict[str, str]
    # Whether the bucket readers need their own service account token mounted to reach the bucket.
    automount_token: bool
    # Resources the pods must wait for (identity bindings), or they fail their first bucket call.
    ready: list[pulumi.Resource]
    # The key Thanos presents to the bucket, for the platform's `objstore_config`; None where a
    # workload identity stands in for a key.
    objstore_secret_key: pulumi.Output[str] | None


@dataclass
class LongTermStorageArgs:
    long_term: LongTermStorageSettings
    cluster: ClusterSettings
    # The platform's own config section (`Platform.section`), handed on to its bucket code only.
    cloud: Section | None
    context: StackContext
    # The metrics namespace: the Secret and the release go there.
    namespace: NamespaceRef
    crds: PrometheusOperatorCrds
    platform: Platform
    # The provider IAM writes must use (`Providers.identity`), handed to the bucket's code; None inherits.
    identity_provider: pulumi.ProviderResource | None


def _objstore_yaml(config: dict[str, object]) -> str:
    return yaml.safe_dump(config, sort_keys=False)


class LongTermStorage(pulumi.ComponentResource):
    """Hands other capabilities `sidecar_inputs` (for MetricsStack), `grafana_inputs` and `query_url`;
    registers the outputs `queryUrl` and `release`. Its providers come
    through `providers=` on this component; its children inherit them."""

    def __init__(self, name: str, args: LongTermStorageArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("todo-observability:long_term_storage:LongTermStorage", name, None, opts)
        context, platform = args.context, args.platform
        config = BucketConfig(args.long_term, args.cluster, args.cloud, context)
        self.bucket = platform.bucket_access(
            f"{name}-{platform.rules.cloud}",
            BucketAccessArgs(config, bucket_service_accounts(context), args.namespace, args.identity_provider),
            pulumi.ResourceOptions(parent=self),
        )
        objstore_text = pulumi.Output.from_input(self.bucket.objstore_secret_key).apply(
            lambda key: _objstore_yaml(platform.objstore_config(config, key))
        )
        # A Secret even where it holds no credential: the sidecar and the chart read it as one, and a
        # later switch to key-based access must not put the key in a ConfigMap.
        self.objstore_secret = Secret(
            f"{name}-objstore",
            metadata=ObjectMetaArgs(
                name=OBJSTORE_SECRET_NAME, namespace=args.namespace.name, labels=common_labels("thanos", context.stack)
            ),
            string_data={OBJSTORE_SECRET_KEY: pulumi.Output.secret(objstore_text)},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[args.namespace.resource]),
        )
        values = chart_values(
            args.long_term,
            context,
            monitoring_labels("thanos", context.stack, context.release_label),
            self.bucket.service_account_annotations,
            self.bucket.pod_labels,
            self.bucket.automount_token,
        )
        self.release = chart_release(
            f"{name}-thanos",
            THANOS,
            args.namespace.name,
            values,
            pulumi.ResourceOptions(
                parent=self, depends_on=[self.objstore_secret, *args.crds.depends_on(), *self.bucket.ready]
            ),
        )
        self.query_url = query_url(context)
        self.sidecar_inputs = ThanosSidecarInputs(
            objstore_secret_name=OBJSTORE_SECRET_NAME,
            objstore_secret_key=OBJSTORE_SECRET_KEY,
            service_account_annotations=dict(self.bucket.service_account_annotations),
            pod_labels=dict(self.bucket.pod_labels),
            query_url=self.query_url,
            depends_on=[self.objstore_secret, *self.bucket.ready],
        )
        self.grafana_inputs = GrafanaInputs(datasources=[grafana_datasource(context)])
        self.register_outputs({"queryUrl": self.query_url, "release": self.release.name})


@dataclass(frozen=True)
class LongTermStorageOff:
    """Long-term storage switched off: Prometheus keeps its own retention, Grafana gets no Thanos
    datasource. Stands in for LongTermStorage so callers need no `if enabled` of their own."""

    sidecar_inputs: None = None
    grafana_inputs: None = None


def long_term_storage(
    name: str, args: LongTermStorageArgs, opts: pulumi.ResourceOptions | None = None
) -> LongTermStorage | LongTermStorageOff:
    """`LongTermStorage` when `metrics.longTerm.enabled`, otherwise nothing is created."""
    if not args.long_term.enabled:
        return LongTermStorageOff()
    return LongTermStorage(name, args, opts)
