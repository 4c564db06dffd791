"""Long-term metrics with Thanos: the cloud's bucket and identity bindings, the objstore Secret that
Prometheus' sidecars and the Thanos components share, and Thanos Query, Store Gateway and Compactor
from the pinned chart. What kube-prometheus-stack needs from it is `sidecar_inputs`; Grafana's
extra datasource is `grafana_inputs`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import pulumi
import yaml
from pulumi_kubernetes.core.v1 import Secret
from pulumi_kubernetes.meta.v1 import ObjectMetaArgs

from components.crds import PrometheusOperatorCrds
from components.helm import chart_release
from components.labels import common_labels, monitoring_labels
from components.metrics_inputs import GrafanaInputs, ThanosSidecarInputs
from components.providers import Providers
from components.versions import THANOS
from render.thanos import (
    OBJSTORE_SECRET_KEY,
    OBJSTORE_SECRET_NAME,
    ServiceAccountRef,
    bucket_service_accounts,
    chart_values,
    grafana_datasource,
    objstore_config,
    query_url,
)
from settings import StackSettings


class BucketAccess(Protocol):
    """What every per-cloud storage component gives the Thanos and Prometheus pods."""

    service_account_annotations: dict[str, pulumi.Input[str]]
    pod_labels: dict[str, str]
    # Whether the bucket readers need their own service account token mounted to reach the bucket.
    automount_token: bool
    # Resources the pods must wait for (identity bindings), or they fail their first bucket call.
    ready: list[pulumi.Resource]


@dataclass
class LongTermStorageArgs:
    settings: StackSettings
    providers: Providers
    crds: PrometheusOperatorCrds
    # The metrics namespace resource: the Secret and the release go there.
    namespace: pulumi.Resource


def _objstore_yaml(config: dict[str, object]) -> str:
    return yaml.safe_dump(config, sort_keys=False)


class LongTermStorage(pulumi.ComponentResource):
    """Outputs: `sidecar_inputs` (for MetricsStack), `grafana_inputs`, `query_url`."""

    def __init__(self, name: str, args: LongTermStorageArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("todo-observability:long_term_storage:LongTermStorage", name, None, opts)
        settings = args.settings
        namespace = settings.metrics.namespace
        accounts = bucket_service_accounts(settings)
        self.bucket = self._bucket_access(name, args, accounts)

        local_secret_key = getattr(self.bucket, "secret_key", None)
        objstore_text: pulumi.Output[str] = (
            local_secret_key.apply(lambda key: _objstore_yaml(objstore_config(settings, key)))
            if local_secret_key is not None
            else pulumi.Output.from_input(_objstore_yaml(objstore_config(settings)))
        )
        # A Secret even where it holds no credential: the sidecar and the chart read it as one, and a
        # later switch to key-based access must not put the key in a ConfigMap.
        self.objstore_secret = Secret(
            f"{name}-objstore",
            metadata=ObjectMetaArgs(
                name=OBJSTORE_SECRET_NAME, namespace=namespace, labels=common_labels("thanos", settings.stack)
            ),
            string_data={OBJSTORE_SECRET_KEY: pulumi.Output.secret(objstore_text)},
            opts=args.providers.k8s_opts(self, depends_on=[args.namespace]),
        )
        values = chart_values(
            settings,
            monitoring_labels("thanos", settings.stack, settings.metrics.release_name),
            self.bucket.service_account_annotations,
            self.bucket.pod_labels,
            self.bucket.automount_token,
        )
        self.release = chart_release(
            f"{name}-thanos",
            THANOS,
            namespace,
            values,
            args.providers.k8s_opts(
                self, depends_on=[self.objstore_secret, *args.crds.depends_on(), *self.bucket.ready]
            ),
        )
        self.query_url = query_url(settings)
        self.sidecar_inputs = ThanosSidecarInputs(
            objstore_secret_name=OBJSTORE_SECRET_NAME,
            objstore_secret_key=OBJSTORE_SECRET_KEY,
            service_account_annotations=dict(self.bucket.service_account_annotations),
            pod_labels=dict(self.bucket.pod_labels),
            query_url=self.query_url,
            depends_on=[self.objstore_secret, *self.bucket.ready],
        )
        self.grafana_inputs = GrafanaInputs(datasources=[grafana_datasource(settings)])
        self.register_outputs({"queryUrl": self.query_url, "release": self.release.name})

    def _bucket_access(self, name: str, args: LongTermStorageArgs, accounts: list[ServiceAccountRef]) -> BucketAccess:
        """The cloud's storage component; imported lazily so a stack loads only its own cloud's SDK."""
        settings, providers = args.settings, args.providers
        child = pulumi.ResourceOptions(parent=self)
        if settings.cloud == "azure":
            from components.azure.thanos_storage import AzureThanosStorage, AzureThanosStorageArgs

            return AzureThanosStorage(f"{name}-azure", AzureThanosStorageArgs(settings, providers, accounts), child)
        if settings.cloud == "gcp":
            from components.gcp.thanos_storage import GcpThanosStorage, GcpThanosStorageArgs

            return GcpThanosStorage(f"{name}-gcp", GcpThanosStorageArgs(settings, providers, accounts), child)
        if settings.cloud == "oci":
            from components.oci.thanos_storage import OciThanosStorage, OciThanosStorageArgs

            return OciThanosStorage(f"{name}-oci", OciThanosStorageArgs(settings, providers, accounts), child)
        from components.local.thanos_storage import LocalObjectStore, LocalObjectStoreArgs

        return LocalObjectStore(f"{name}-local", LocalObjectStoreArgs(settings, providers, args.namespace), child)


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
    if not args.settings.metrics.long_term.enabled:
        return LongTermStorageOff()
    return LongTermStorage(name, args, opts)
