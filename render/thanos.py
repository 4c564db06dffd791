"""Thanos long-term storage as data: the objstore fields Thanos accepts, compactor retention flags,
chart values, Grafana's datasource.

Pure functions of `metrics.longTerm` and the StackContext; components/long_term_storage.py applies them.
What differs per cloud (bucket names, each objstore config) lives with that cloud in
components/<cloud>/thanos_storage.py. Names that must agree across releases (service accounts, the
sidecars' discovery service, the objstore Secret) are computed here once, so the identity bindings and
the charts cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from contracts.context import StackContext
from render.kube_prometheus_stack import REPLICA_LABEL, fullname
from settings.model import LongTermStorageSettings

# Field names thanos-io/objstore accepts per `type`, read from the `yaml:"..."` tags of each provider's
# Config struct at commit 71d60dfee488 (the objstore version in Thanos v0.42.4's go.mod):
# providers/azure/azure.go, providers/gcs/gcs.go, providers/s3/s3.go, providers/oci/oci.go. Each is
# reviewed into one of two sets. The plain fields never hold a credential: what a render may show.
# Keys, secrets, tokens, key files, key ids and encryption settings are credential fields, masked,
# and so is any field a newer objstore adds until it is reviewed here.
OBJSTORE_PLAIN_FIELDS: dict[str, frozenset[str]] = {
    "AZURE": frozenset(
        {
            "az_tenant_id",
            "client_id",
            "storage_account",
            "storage_create_container",
            "container",
            "endpoint",
            "user_assigned_id",
            "max_retries",
            "reader_config",
            "pipeline_config",
            "http_config",
            "msi_resource",
        }
    ),
    "GCS": frozenset({"bucket", "use_grpc", "grpc_conn_pool_size", "http_config", "chunk_size_bytes", "max_retries"}),
    "S3": frozenset(
        {
            "bucket",
            "endpoint",
            "region",
            "disable_dualstack",
            "aws_sdk_auth",
            "insecure",
            "signature_version2",
            "put_user_metadata",
            "http_config",
            "trace",
            "list_objects_version",
            "bucket_lookup_type",
            "send_content_md5",
            "disable_multipart",
            "part_size",
            "sts_endpoint",
            "max_retries",
        }
    ),
    "OCI": frozenset(
        {
            "provider",
            "bucket",
            "compartment_ocid",
            "tenancy_ocid",
            "region",
            "part_size",
            "max_request_retries",
            "request_retry_interval",
            "http_config",
        }
    ),
}
OBJSTORE_CREDENTIAL_FIELDS: dict[str, frozenset[str]] = {
    "AZURE": frozenset({"client_secret", "storage_account_key", "storage_connection_string"}),
    "GCS": frozenset({"service_account"}),
    "S3": frozenset({"access_key", "secret_key", "session_token", "sse_config"}),
    "OCI": frozenset({"user_ocid", "fingerprint", "privatekey", "passphrase"}),
}
OBJSTORE_FIELDS: dict[str, frozenset[str]] = {
    objstore_type: plain | OBJSTORE_CREDENTIAL_FIELDS[objstore_type]
    for objstore_type, plain in OBJSTORE_PLAIN_FIELDS.items()
}
# Top-level keys of an objstore config besides `config`.
OBJSTORE_PLAIN_TOP_LEVEL = frozenset({"type", "prefix"})
# objstore's OCI provider switch (providers/oci/oci.go): the values `provider` may take.
OCI_PROVIDERS = frozenset({"default", "instance-principal", "raw", "oke-workload-identity"})

OBJSTORE_SECRET_NAME = "thanos-objstore"
OBJSTORE_SECRET_KEY = "objstore.yaml"
# The chart's `fullnameOverride`: object and service account names stay `thanos-<component>`.
THANOS_FULLNAME = "thanos"

HTTP_PORT = 10902
CLUSTER_DOMAIN = "cluster.local"

GRAFANA_DATASOURCE_UID = "thanos"


@dataclass(frozen=True)
class ServiceAccountRef:
    """A Kubernetes service account that reads or writes the bucket."""

    component: str
    namespace: str
    name: str

    @property
    def subject(self) -> str:
        """The OIDC subject Kubernetes puts in its projected service account tokens."""
        return f"system:serviceaccount:{self.namespace}:{self.name}"


def prometheus_service_account(context: StackContext) -> ServiceAccountRef:
    """The service account kube-prometheus-stack gives Prometheus (and so its Thanos sidecar)."""
    name = f"{fullname(context.release_label)}-prometheus"
    return ServiceAccountRef("prometheus", context.metrics_namespace, name)


def thanos_service_account(context: StackContext, component: str) -> ServiceAccountRef:
    return ServiceAccountRef(component, context.metrics_namespace, f"{THANOS_FULLNAME}-{component}")


def bucket_service_accounts(context: StackContext) -> list[ServiceAccountRef]:
    """Every service account whose pods touch the bucket. Query is not one: it reads through the
    store gateway and the sidecars over gRPC."""
    return [
        prometheus_service_account(context),
        thanos_service_account(context, "store-gateway"),
        thanos_service_account(context, "compact"),
    ]


def sidecar_discovery_endpoint(context: StackContext) -> str:
    """The sidecars behind kube-prometheus-stack's headless `thanos-discovery` service, one gRPC
    endpoint per Prometheus replica (SRV lookup of the `grpc` port)."""
    service = f"{fullname(context.release_label)}-thanos-discovery"
    return f"dnssrv+_grpc._tcp.{service}.{context.metrics_namespace}.svc.{CLUSTER_DOMAIN}"


def query_url(context: StackContext) -> str:
    return f"http://{THANOS_FULLNAME}-query.{context.metrics_namespace}.svc:{HTTP_PORT}"


def compactor_retention_args(long_term: LongTermStorageSettings) -> list[str]:
    return [
        f"--retention.resolution-raw={long_term.raw_retention}",
        f"--retention.resolution-5m={long_term.five_minute_retention}",
        f"--retention.resolution-1h={long_term.one_hour_retention}",
    ]


def _persistence(context: StackContext, size: str) -> dict[str, Any]:
    persistence: dict[str, Any] = {"enabled": True, "size": size}
    # Without a class the chart falls back to its literal default "standard" (minikube's name).
    if context.storage_class:
        persistence["storageClass"] = context.storage_class
    return persistence


def chart_values(
    long_term: LongTermStorageSettings,
    context: StackContext,
    monitoring_labels: dict[str, str],
    service_account_annotations: dict[str, Any],
    pod_labels: dict[str, str],
    automount_token: bool = False,
) -> dict[str, Any]:
    """Values of the stevehipwell `thanos` chart (keys from its values.yaml at the pinned version,
    components/versions.py).

    `automount_token`: the chart creates its service accounts with `automountToken: false`; an
    identity that reads the pod's own service account token file (OKE workload identity) needs it."""

    def bucket_reader(component: str) -> dict[str, Any]:
        return {
            "serviceAccount": {
                "create": True,
                "name": thanos_service_account(context, component).name,
                "annotations": dict(service_account_annotations),
                "automountToken": automount_token,
            },
            "podLabels": dict(pod_labels),
        }

    query_replicas = long_term.query_replicas
    return {
        "fullnameOverride": THANOS_FULLNAME,
        # Prometheus' sidecars read the same Secret, so it lives outside the chart.
        "objstoreConfig": {"create": False, "name": OBJSTORE_SECRET_NAME, "key": OBJSTORE_SECRET_KEY},
        "serviceMonitor": {"enabled": True, "additionalLabels": dict(monitoring_labels)},
        "logFormat": "json",
        # Every Prometheus replica's samples carry this label: Query merges the replicas by dropping it.
        "additionalReplicaLabels": [REPLICA_LABEL],
        "additionalEndpoints": [sidecar_discovery_endpoint(context)],
        "query": {
            "enabled": True,
            "replicas": query_replicas,
            "serviceAccount": {"create": True, "name": thanos_service_account(context, "query").name},
            "podDisruptionBudget": {"enabled": query_replicas > 1, "maxUnavailable": 1},
        },
        "storeGateway": {
            "enabled": True,
            **bucket_reader("store-gateway"),
            "persistence": _persistence(context, long_term.store_gateway_storage_size),
        },
        "compact": {
            "enabled": True,
            **bucket_reader("compact"),
            # Offline deduplication of the Prometheus replicas is irreversible and experimental in
            # Thanos; both replicas' blocks are kept and Query deduplicates at read time instead.
            "deduplication": {"enabled": False},
            "persistence": _persistence(context, long_term.compactor_storage_size),
            # Downsampling (5m after 40h, 1h after 10d) is on unless --downsampling.disable is given.
            "extraArgs": compactor_retention_args(long_term),
        },
    }


def grafana_datasource(context: StackContext) -> dict[str, Any]:
    """An explicit Thanos Query datasource (Grafana provisioning format). It is not the default: the
    default `Prometheus` datasource itself points at Thanos Query (ThanosSidecarInputs.query_url),
    so dashboards keep their datasource uid."""
    return {
        "name": "Thanos",
        "type": "prometheus",
        "uid": GRAFANA_DATASOURCE_UID,
        "access": "proxy",
        "url": query_url(context),
        "isDefault": False,
        "jsonData": {
            "prometheusType": "Thanos",
            "httpMethod": "POST",
            "timeInterval": context.scrape_interval,
        },
    }
