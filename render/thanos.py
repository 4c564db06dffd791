"""Thanos long-term storage as data: objstore config per cloud, compactor retention flags, chart values.

Pure functions from settings; components/long_term_storage.py and the per-cloud modules apply them.
Names that must agree across releases (service accounts, the sidecars' discovery service, the objstore
Secret) are computed here once, so the identity bindings and the charts cannot drift apart.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from render.kube_prometheus_stack import fullname
from settings.model import StackSettings

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

OBJSTORE_TYPE_BY_CLOUD = {"azure": "AZURE", "gcp": "GCS", "oci": "OCI", "local": "S3"}

OBJSTORE_SECRET_NAME = "thanos-objstore"
OBJSTORE_SECRET_KEY = "objstore.yaml"
# The chart's `fullnameOverride`: object and service account names stay `thanos-<component>`.
THANOS_FULLNAME = "thanos"
AZURE_CONTAINER = "thanos"

# Prometheus Operator's default `replicaExternalLabelName`: every replica's samples carry it, so Query
# merges the replicas by dropping it.
PROMETHEUS_REPLICA_LABEL = "prometheus_replica"
GRPC_PORT = 10901
HTTP_PORT = 10902
CLUSTER_DOMAIN = "cluster.local"

LOCAL_STORE_NAME = "thanos-object-store"
LOCAL_STORE_PORT = 7070
LOCAL_STORE_ACCESS_KEY = "thanos"

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


def prometheus_service_account(settings: StackSettings) -> ServiceAccountRef:
    """The service account kube-prometheus-stack gives Prometheus (and so its Thanos sidecar)."""
    name = f"{fullname(settings.metrics.release_name)}-prometheus"
    return ServiceAccountRef("prometheus", settings.metrics.namespace, name)


def thanos_service_account(settings: StackSettings, component: str) -> ServiceAccountRef:
    return ServiceAccountRef(component, settings.metrics.namespace, f"{THANOS_FULLNAME}-{component}")


def bucket_service_accounts(settings: StackSettings) -> list[ServiceAccountRef]:
    """Every service account whose pods touch the bucket. Query is not one: it reads through the
    store gateway and the sidecars over gRPC."""
    return [
        prometheus_service_account(settings),
        thanos_service_account(settings, "store-gateway"),
        thanos_service_account(settings, "compact"),
    ]


def sidecar_discovery_endpoint(settings: StackSettings) -> str:
    """The sidecars behind kube-prometheus-stack's headless `thanos-discovery` service, one gRPC
    endpoint per Prometheus replica (SRV lookup of the `grpc` port)."""
    service = f"{fullname(settings.metrics.release_name)}-thanos-discovery"
    return f"dnssrv+_grpc._tcp.{service}.{settings.metrics.namespace}.svc.{CLUSTER_DOMAIN}"


def query_url(settings: StackSettings) -> str:
    return f"http://{THANOS_FULLNAME}-query.{settings.metrics.namespace}.svc:{HTTP_PORT}"


def bucket_name(settings: StackSettings) -> str:
    """The storage account (Azure) or bucket name: globally unique names on Azure and GCP, so the
    default carries the cluster name (and the project on GCP)."""
    configured = settings.metrics.long_term.bucket_name
    if configured:
        return configured
    cluster = settings.cluster.name
    if settings.cloud == "azure":
        return azure_account_name(settings)
    if settings.cloud == "gcp" and settings.gcp is not None:
        return f"{settings.gcp.project}-{cluster}-thanos"[:63].rstrip("-")
    return f"{cluster}-thanos"


def azure_account_name(settings: StackSettings) -> str:
    """Storage account names are unique across all of Azure (3-24 lowercase letters and digits), so the
    cluster name alone can already be taken: up to 10 characters of the cluster, `thanos`, and 8 hex
    digits of SHA-256 over subscription and resource group. Deterministic (the same stack always gets
    the same name) and lowercased first, as Azure compares subscription ids and group names."""
    azure = settings.azure
    scope = f"{azure.subscription_id}/{azure.resource_group}".lower() if azure is not None else ""
    suffix = hashlib.sha256(scope.encode()).hexdigest()[:8]
    cluster = re.sub(r"[^a-z0-9]", "", settings.cluster.name.lower())[:10]
    return f"{cluster}thanos{suffix}"


def local_store_endpoint(settings: StackSettings) -> str:
    return f"{LOCAL_STORE_NAME}.{settings.metrics.namespace}.svc:{LOCAL_STORE_PORT}"


def objstore_config(settings: StackSettings, local_secret_key: str = "") -> dict[str, Any]:
    """Thanos' objstore configuration. On the clouds it carries no credential: Azure and GCP pick up
    workload identity through their default credential chains, OCI through `oke-workload-identity`."""
    cloud = settings.cloud
    name = bucket_name(settings)
    config: dict[str, Any]
    if cloud == "azure":
        config = {"storage_account": name, "container": AZURE_CONTAINER}
    elif cloud == "gcp":
        config = {"bucket": name}
    elif cloud == "oci":
        region = settings.oci.region if settings.oci is not None else ""
        config = {"provider": "oke-workload-identity", "bucket": name, "region": region}
    else:
        config = {
            "bucket": name,
            "endpoint": local_store_endpoint(settings),
            "insecure": True,
            "bucket_lookup_type": "path",
            "access_key": LOCAL_STORE_ACCESS_KEY,
            "secret_key": local_secret_key,
        }
    return {"type": OBJSTORE_TYPE_BY_CLOUD[cloud], "config": config}


def compactor_retention_args(settings: StackSettings) -> list[str]:
    long_term = settings.metrics.long_term
    return [
        f"--retention.resolution-raw={long_term.raw_retention}",
        f"--retention.resolution-5m={long_term.five_minute_retention}",
        f"--retention.resolution-1h={long_term.one_hour_retention}",
    ]


def _persistence(settings: StackSettings, size: str) -> dict[str, Any]:
    persistence: dict[str, Any] = {"enabled": True, "size": size}
    # Without a class the chart falls back to its literal default "standard" (minikube's name).
    if settings.cluster.storage_class:
        persistence["storageClass"] = settings.cluster.storage_class
    return persistence


def chart_values(
    settings: StackSettings,
    monitoring_labels: dict[str, str],
    service_account_annotations: dict[str, Any],
    pod_labels: dict[str, str],
    automount_token: bool = False,
) -> dict[str, Any]:
    """Values of the stevehipwell `thanos` chart (keys from its values.yaml at 1.24.1).

    `automount_token`: the chart creates its service accounts with `automountToken: false`; an
    identity that reads the pod's own service account token file (OKE workload identity) needs it."""
    long_term = settings.metrics.long_term

    def bucket_reader(component: str) -> dict[str, Any]:
        return {
            "serviceAccount": {
                "create": True,
                "name": thanos_service_account(settings, component).name,
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
        "additionalReplicaLabels": [PROMETHEUS_REPLICA_LABEL],
        "additionalEndpoints": [sidecar_discovery_endpoint(settings)],
        "query": {
            "enabled": True,
            "replicas": query_replicas,
            "serviceAccount": {"create": True, "name": thanos_service_account(settings, "query").name},
            "podDisruptionBudget": {"enabled": query_replicas > 1, "maxUnavailable": 1},
        },
        "storeGateway": {
            "enabled": True,
            **bucket_reader("store-gateway"),
            "persistence": _persistence(settings, long_term.store_gateway_storage_size),
        },
        "compact": {
            "enabled": True,
            **bucket_reader("compact"),
            # Offline deduplication of the Prometheus replicas is irreversible and experimental in
            # Thanos; both replicas' blocks are kept and Query deduplicates at read time instead.
            "deduplication": {"enabled": False},
            "persistence": _persistence(settings, long_term.compactor_storage_size),
            # Downsampling (5m after 40h, 1h after 10d) is on unless --downsampling.disable is given.
            "extraArgs": compactor_retention_args(settings),
        },
    }


def grafana_datasource(settings: StackSettings) -> dict[str, Any]:
    """An explicit Thanos Query datasource (Grafana provisioning format). It is not the default: the
    default `Prometheus` datasource itself points at Thanos Query (ThanosSidecarInputs.query_url),
    so dashboards keep their datasource uid."""
    return {
        "name": "Thanos",
        "type": "prometheus",
        "uid": GRAFANA_DATASOURCE_UID,
        "access": "proxy",
        "url": query_url(settings),
        "isDefault": False,
        "jsonData": {
            "prometheusType": "Thanos",
            "httpMethod": "POST",
            "timeInterval": settings.metrics.prometheus.scrape_interval,
        },
    }
