"""Long-term metrics (issue #4): per-cloud buckets and identities, objstore fields Thanos accepts, the
identity binding of every service account that touches the bucket, compactor retention from config."""

from __future__ import annotations

import ast
import dataclasses
import re
import typing
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from components.azure.thanos_storage import account_name
from components.long_term_storage import BucketAccessArgs, BucketConfig, LongTermStorageArgs
from components.platforms import PLATFORMS, parse_settings, platform_for
from components.versions import THANOS
from render.kube_prometheus_stack import fullname
from render.thanos import (
    OBJSTORE_FIELDS,
    OBJSTORE_PLAIN_FIELDS,
    OBJSTORE_SECRET_KEY,
    OBJSTORE_SECRET_NAME,
    OCI_PROVIDERS,
    bucket_service_accounts,
    chart_values,
    compactor_retention_args,
    prometheus_service_account,
    sidecar_discovery_endpoint,
)
from settings import ConfigError, StackSettings
from tests.harness import PRODUCTION_STACKS, Rendered, render_stack
from tools.extract.thanos import mask_objstore
from tools.stackfile import stack_file

THANOS_RELEASE = "long-term-storage-thanos"
KPS_RELEASE = "kube-prometheus-stack"
CLOUD_OF_STACK = {"prod": "azure", "prod-gcp": "gcp", "prod-oci": "oci"}
BASE: dict[str, dict[str, Any]] = {
    "azure": {
        "environment": "production",
        "cloud": "azure",
        "cluster": {"name": "todo-prod-aks", "oidcIssuerUrl": "https://issuer.example/"},
        "azure": {
            "subscriptionId": "00000000-0000-0000-0000-000000000001",
            "tenantId": "00000000-0000-0000-0000-000000000002",
            "resourceGroup": "rg",
            "location": "westeurope",
        },
        "tracing": {"backend": "jaeger", "jaegerStorage": "badger"},
    },
    "gcp": {
        "environment": "production",
        "cloud": "gcp",
        "cluster": {"name": "todo-prod-gke", "location": "europe-west1"},
        "gcp": {"project": "todo-prod", "region": "europe-west1"},
        "tracing": {"backend": "jaeger", "jaegerStorage": "badger"},
    },
    "oci": {
        "environment": "production",
        "cloud": "oci",
        "cluster": {"name": "todo-prod-oke"},
        "oci": {
            "compartmentId": "ocid1.compartment.oc1..x",
            "region": "eu-frankfurt-1",
            "objectStorageNamespace": "ns",
            "tenancyId": "ocid1.tenancy.oc1..x",
            "logUploadUserId": "ocid1.user.oc1..x",
            "logUploadKeyFingerprint": ":".join(["ab"] * 16),
            "logUploadGroup": "log-uploaders",
        },
        "metrics": {"longTerm": {"okeClusterId": "ocid1.cluster.oc1.eu-frankfurt-1.x"}},
        "tracing": {"backend": "jaeger", "jaegerStorage": "badger"},
    },
    "local": {"environment": "development", "cloud": "local"},
}


# Production stacks must page through a dead man's switch; irrelevant here, but required to parse.
PRODUCTION_ALERTING = {"receivers": {"deadMansSwitch": {"enabled": True}, "pagerduty": {"enabled": True}}}


def settings_for(cloud: str, long_term: dict[str, Any] | None = None) -> Any:
    raw = yaml.safe_load(yaml.safe_dump(BASE[cloud]))
    if raw["environment"] == "production":
        raw.setdefault("alerting", PRODUCTION_ALERTING)
    raw.setdefault("metrics", {}).setdefault("longTerm", {}).update(long_term or {})
    return parse_settings(raw, f"test-{cloud}")


def bucket_config(settings: StackSettings) -> BucketConfig:
    """What __main__.py hands the stack's platform for its bucket."""
    platform = platform_for(settings.cloud)
    return BucketConfig(settings.metrics.long_term, settings.cluster, platform.section(settings), settings.context())


def release_values(rendered: Rendered) -> dict[str, Any]:
    return rendered.helm_values(THANOS_RELEASE)


def unmasked_objstore(rendered: Rendered) -> dict[str, Any]:
    return rendered.yaml("thanos/objstore.yaml")


# --- objstore config: only field names thanos-io/objstore accepts for the type ------------------------


@pytest.mark.parametrize("cloud", ["azure", "gcp", "oci", "local"])
def test_objstore_uses_only_fields_the_type_accepts(cloud: str) -> None:
    long_term = {"inClusterObjectStore": True, "enabled": True} if cloud == "local" else {}
    config = platform_for(cloud).objstore_config(bucket_config(settings_for(cloud, long_term)), "k")
    assert set(config) == {"type", "config"}
    unknown = set(config["config"]) - OBJSTORE_FIELDS[config["type"]]
    assert unknown == set(), f"{cloud}: objstore {config['type']} does not accept {sorted(unknown)}"


@pytest.mark.parametrize("stack", PRODUCTION_STACKS)
def test_rendered_objstore_has_no_credential_and_allowed_fields(renders: dict[str, Rendered], stack: str) -> None:
    objstore = unmasked_objstore(renders[stack])
    expected_type = {"azure": "AZURE", "gcp": "GCS", "oci": "OCI"}[CLOUD_OF_STACK[stack]]
    assert objstore["type"] == expected_type
    fields = set(objstore["config"])
    assert fields <= OBJSTORE_FIELDS[expected_type]
    # Workload identity everywhere: no key, secret, connection string or key file in the config.
    credentials = {"storage_account_key", "storage_connection_string", "client_secret", "service_account"}
    credentials |= {"access_key", "secret_key", "privatekey", "fingerprint", "user_ocid", "passphrase"}
    assert fields & credentials == set()


def test_objstore_per_cloud_names_the_bucket_and_identity_mode(renders: dict[str, Rendered]) -> None:
    azure = unmasked_objstore(renders["prod"])["config"]
    assert azure["container"] == "thanos" and set(azure) == {"storage_account", "container"}
    assert re.fullmatch(r"todoprodakthanos[0-9a-f]{8}", azure["storage_account"])
    assert unmasked_objstore(renders["prod-gcp"])["config"] == {"bucket": "todo-prod-todo-prod-gke-thanos"}
    oci = unmasked_objstore(renders["prod-oci"])["config"]
    assert oci["provider"] in OCI_PROVIDERS and oci["provider"] == "oke-workload-identity"
    assert oci["region"] == "eu-frankfurt-1"


def test_objstore_lives_only_in_a_secret_and_is_masked(renders: dict[str, Rendered]) -> None:
    for stack in PRODUCTION_STACKS:
        rendered = renders[stack]
        secret = rendered.named("long-term-storage-objstore", "kubernetes:core/v1:Secret")
        assert secret["inputs"]["metadata"]["name"] == OBJSTORE_SECRET_NAME
        assert secret["inputs"]["stringData"] == "[secret]"
        objstore_text = yaml.safe_dump(unmasked_objstore(rendered))
        for config_map in rendered.of_type("kubernetes:core/v1:ConfigMap"):
            data = str(config_map["inputs"].get("data", {}))
            assert objstore_text not in data and "oke-workload-identity" not in data, config_map["name"]
            account = unmasked_objstore(rendered)["config"].get("storage_account")
            assert account is None or account not in data, config_map["name"]
            assert "todo-prod-oke-thanos" not in data, config_map["name"]


def test_objstore_render_masks_every_field_not_known_to_be_plain() -> None:
    objstore = {
        "type": "S3",
        "prefix": "metrics",
        "config": {"bucket": "b", "access_key": "AKIA", "secret_key": "s", "a_field_added_later": "x"},
        "unknown_top_level": "y",
    }
    assert mask_objstore(objstore) == {
        "type": "S3",
        "prefix": "metrics",
        "config": {
            "bucket": "b",
            "access_key": "[secret]",
            "secret_key": "[secret]",
            "a_field_added_later": "[secret]",
        },
        "unknown_top_level": "[secret]",
    }
    unknown_type = mask_objstore({"type": "SWIFT", "config": {"container": "c", "password": "p"}})
    assert unknown_type["config"] == {"container": "[secret]", "password": "[secret]"}


def test_plain_objstore_fields_are_accepted_fields_and_never_credentials() -> None:
    credentials = {"client_secret", "storage_account_key", "storage_connection_string", "service_account"}
    credentials |= {"access_key", "secret_key", "session_token", "sse_config", "privatekey", "passphrase"}
    credentials |= {"fingerprint", "user_ocid"}
    assert set(OBJSTORE_PLAIN_FIELDS) == set(OBJSTORE_FIELDS)
    for objstore_type, plain in OBJSTORE_PLAIN_FIELDS.items():
        assert plain <= OBJSTORE_FIELDS[objstore_type], objstore_type
        assert plain & credentials == set(), objstore_type
    # What a reviewer needs to see stays visible: the bucket and how it is reached.
    assert {"storage_account", "container"} <= OBJSTORE_PLAIN_FIELDS["AZURE"]
    assert {"provider", "bucket", "region"} <= OBJSTORE_PLAIN_FIELDS["OCI"]


# --- chart values ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", PRODUCTION_STACKS)
def test_compactor_retention_flags_match_config(renders: dict[str, Rendered], stack: str) -> None:
    compact = release_values(renders[stack])["compact"]
    assert compact["enabled"] is True
    assert compact["extraArgs"] == [
        "--retention.resolution-raw=30d",
        "--retention.resolution-5m=180d",
        "--retention.resolution-1h=2y",
    ]
    assert not any(arg.startswith("--downsampling.disable") for arg in compact["extraArgs"])
    assert compact["persistence"]["enabled"] is True


def test_retention_flags_follow_a_changed_config() -> None:
    settings = settings_for("gcp", {"rawRetention": "14d", "fiveMinuteRetention": "90d", "oneHourRetention": "1y"})
    long_term = settings.metrics.long_term
    assert compactor_retention_args(long_term) == [
        "--retention.resolution-raw=14d",
        "--retention.resolution-5m=90d",
        "--retention.resolution-1h=1y",
    ]
    values = chart_values(long_term, settings.context(), {}, {}, {})
    assert values["compact"]["extraArgs"] == compactor_retention_args(long_term)


def test_query_deduplicates_replicas_and_finds_the_sidecars(renders: dict[str, Rendered]) -> None:
    values = release_values(renders["prod"])
    prometheus = renders["prod"].helm_values("kube-prometheus-stack")["prometheus"]["prometheusSpec"]
    assert values["additionalReplicaLabels"] == [prometheus["replicaExternalLabelName"]]
    assert values["additionalEndpoints"] == [
        "dnssrv+_grpc._tcp.kube-prometheus-stack-thanos-discovery.monitoring.svc.cluster.local"
    ]
    assert values["objstoreConfig"] == {"create": False, "name": OBJSTORE_SECRET_NAME, "key": OBJSTORE_SECRET_KEY}
    assert values["query"]["replicas"] == 2 and values["query"]["podDisruptionBudget"]["enabled"] is True
    assert values["serviceMonitor"]["additionalLabels"]["release"] == KPS_RELEASE
    assert values["compact"]["deduplication"] == {"enabled": False}


def test_thanos_release_uses_the_pin_and_waits_for_crds_secret_and_identity(renders: dict[str, Rendered]) -> None:
    release = renders["prod"].releases()[THANOS_RELEASE]
    assert (release["inputs"]["chart"], release["inputs"]["version"]) == (THANOS.chart, THANOS.version)
    depends = set(release["dependsOn"])
    assert "kubernetes:core/v1:Secret::long-term-storage-objstore" in depends
    assert any(d.endswith("::prometheus-operator-crds") for d in depends)
    assert "azure-native:authorization:RoleAssignment::long-term-storage-azure-blob-contributor" in depends


def test_prometheus_names_come_from_the_kube_prometheus_stack_fullname() -> None:
    context = settings_for("gcp").context()
    renamed = dataclasses.replace(context, release_label="monitoring")
    assert fullname("monitoring") == "monitoring-kube-prometheus"
    assert prometheus_service_account(renamed).name == "monitoring-kube-prometheus-prometheus"
    assert sidecar_discovery_endpoint(renamed).startswith(
        "dnssrv+_grpc._tcp.monitoring-kube-prometheus-thanos-discovery."
    )
    assert prometheus_service_account(context).name == "kube-prometheus-stack-prometheus"


@pytest.mark.parametrize("stack", PRODUCTION_STACKS)
def test_bucket_readers_mount_their_token_only_where_the_identity_reads_it(
    renders: dict[str, Rendered], stack: str
) -> None:
    """OKE workload identity exchanges the pod's own service account token; the chart does not mount it
    by default (`automountToken: false` at the pinned version, components/versions.py). Azure's webhook
    projects its own token and GKE answers from the metadata server, so the default token stays unmounted
    there."""
    values = release_values(renders[stack])
    wanted = CLOUD_OF_STACK[stack] == "oci"
    for component in ("storeGateway", "compact"):
        assert values[component]["serviceAccount"]["automountToken"] is wanted, component
        # The pod-level override stays unset, so the pods follow their service account.
        assert "automountServiceAccountToken" not in values[component]
    assert "automountToken" not in values["query"]["serviceAccount"], "Query never touches the bucket"


# --- identity bindings: every service account that touches the bucket -----------------------------------


def bucket_accounts(stack: str) -> list[tuple[str, str]]:
    settings = parse_settings_from_stack(stack)
    return [(a.namespace, a.name) for a in bucket_service_accounts(settings.context())]


def parse_settings_from_stack(stack: str) -> Any:
    document = yaml.safe_load(stack_file(stack).read_text())
    raw = {k.split(":", 1)[1]: v for k, v in document["config"].items()}
    return parse_settings(raw, stack)


def test_bucket_accounts_are_prometheus_store_gateway_and_compactor() -> None:
    names = [name for _, name in bucket_accounts("prod")]
    assert names == ["kube-prometheus-stack-prometheus", "thanos-store-gateway", "thanos-compact"]


def test_azure_every_bucket_account_is_federated_and_annotated(renders: dict[str, Rendered]) -> None:
    rendered = renders["prod"]
    credentials = rendered.of_type("azure-native:managedidentity:FederatedIdentityCredential")
    subjects = {c["inputs"]["subject"] for c in credentials}
    assert subjects == {f"system:serviceaccount:{ns}:{name}" for ns, name in bucket_accounts("prod")}
    for credential in credentials:
        assert credential["inputs"]["issuer"].startswith("https://westeurope.oic.prod-aks.azure.com/")
        assert credential["inputs"]["audiences"] == ["api://AzureADTokenExchange"]
    identity = rendered.of_type("azure-native:managedidentity:UserAssignedIdentity")
    assert len(identity) == 1
    client_id = "11111111-0000-0000-0000-"  # the mock's computed clientId prefix
    values = release_values(rendered)
    for component in ("storeGateway", "compact"):
        annotations = values[component]["serviceAccount"]["annotations"]
        assert annotations["azure.workload.identity/client-id"].startswith(client_id)
        assert values[component]["podLabels"] == {"azure.workload.identity/use": "true"}
    assert "annotations" not in values["query"]["serviceAccount"], "Query never touches the bucket"
    prometheus = rendered.helm_values(KPS_RELEASE)["prometheus"]
    assert prometheus["serviceAccount"]["annotations"]["azure.workload.identity/client-id"].startswith(client_id)
    assert "name" not in prometheus["serviceAccount"], "the federated subject assumes the chart's default name"
    assert prometheus["prometheusSpec"]["podMetadata"]["labels"]["azure.workload.identity/use"] == "true"
    assert prometheus["prometheusSpec"]["thanos"]["objectStorageConfig"]["existingSecret"] == {
        "name": OBJSTORE_SECRET_NAME,
        "key": OBJSTORE_SECRET_KEY,
    }


def test_azure_children_reference_the_account_and_identity_they_belong_to(renders: dict[str, Rendered]) -> None:
    """`.name` of the account and identity flows into their children, with the dependency that implies."""
    rendered = renders["prod"]
    account = rendered.named("long-term-storage-azure-account")
    identity = rendered.named("long-term-storage-azure-identity")
    account_ref = f"{account['type']}::{account['name']}"
    identity_ref = f"{identity['type']}::{identity['name']}"
    for child_type in (
        "azure-native:storage:BlobContainer",
        "azure-native:storage:BlobServiceProperties",
        "azure-native:storage:ManagementPolicy",
    ):
        for child in rendered.of_type(child_type):
            assert child["inputs"]["accountName"] == account["inputs"]["accountName"], child["name"]
            assert account_ref in child["dependsOn"], child["name"]
    for credential in rendered.of_type("azure-native:managedidentity:FederatedIdentityCredential"):
        assert credential["inputs"]["resourceName"] == identity["inputs"]["resourceName"]
        assert identity_ref in credential["dependsOn"]


def test_azure_storage_is_private_tls12_keyless_with_soft_delete_and_versioning(renders: dict[str, Rendered]) -> None:
    rendered = renders["prod"]
    account = rendered.of_type("azure-native:storage:StorageAccount")
    account = next(a for a in account if a["name"] == "long-term-storage-azure-account")
    args = account["inputs"]
    assert args["allowBlobPublicAccess"] is False
    assert args["allowSharedKeyAccess"] is False
    assert args["minimumTlsVersion"] == "TLS1_2"
    assert args["enableHttpsTrafficOnly"] is True
    assert account["protect"] is True
    container = rendered.named("long-term-storage-azure-container")
    assert container["inputs"]["publicAccess"] == "None" and container["protect"] is True
    service = rendered.named("long-term-storage-azure-blob-service")["inputs"]
    assert service["deleteRetentionPolicy"] == {"enabled": True, "days": 7}
    assert service["isVersioningEnabled"] is True
    role = rendered.named("long-term-storage-azure-blob-contributor")["inputs"]
    assert role["roleDefinitionId"].endswith("/roleDefinitions/ba92f5b4-2d11-453d-a403-e96b0029c9fe")
    assert role["scope"] == "long-term-storage-azure-container-id", "scoped to the container, not the account"


def test_gcp_bucket_is_private_versioned_and_only_its_accounts_impersonate(renders: dict[str, Rendered]) -> None:
    rendered = renders["prod-gcp"]
    bucket = rendered.named("long-term-storage-gcp-bucket")
    args = bucket["inputs"]
    assert bucket["protect"] is True
    assert args["uniformBucketLevelAccess"] is True
    assert args["publicAccessPrevention"] == "enforced"
    assert args["versioning"] == {"enabled": True}
    assert args["softDeletePolicy"]["retentionDurationSeconds"] == 7 * 86400
    assert {"action": {"type": "Delete"}, "condition": {"daysSinceNoncurrentTime": 7}} in args["lifecycleRules"]
    ours = [
        m
        for m in rendered.of_type("gcp:serviceaccount/iAMMember:IAMMember")
        if m["name"].startswith("long-term-storage-gcp-")
    ]
    members = {m["inputs"]["member"] for m in ours}
    expected = {f"serviceAccount:todo-prod.svc.id.goog[{ns}/{name}]" for ns, name in bucket_accounts("prod-gcp")}
    assert members == expected
    assert {m["inputs"]["role"] for m in ours} == {"roles/iam.workloadIdentityUser"}
    assert {m["inputs"]["serviceAccountId"] for m in ours} == {
        "projects/todo-prod/serviceAccounts/long-term-storage-gcp-account@mock-project.iam.gserviceaccount.com"
    }
    bucket_members = [
        m
        for m in rendered.of_type("gcp:storage/bucketIAMMember:BucketIAMMember")
        if m["name"].startswith("long-term-storage-gcp-")
    ]
    assert [(m["inputs"]["bucket"], m["inputs"]["role"]) for m in bucket_members] == [
        ("todo-prod-todo-prod-gke-thanos", "roles/storage.objectAdmin")
    ]
    email = "long-term-storage-gcp-account@mock-project.iam.gserviceaccount.com"
    values = release_values(rendered)
    for component in ("storeGateway", "compact"):
        assert values[component]["serviceAccount"]["annotations"] == {"iam.gke.io/gcp-service-account": email}
    prometheus = rendered.helm_values(KPS_RELEASE)["prometheus"]
    assert prometheus["serviceAccount"]["annotations"] == {"iam.gke.io/gcp-service-account": email}


def test_oci_bucket_is_private_versioned_and_policy_admits_each_account(renders: dict[str, Rendered]) -> None:
    rendered = renders["prod-oci"]
    bucket = rendered.named("long-term-storage-oci-bucket")
    assert bucket["protect"] is True
    assert bucket["inputs"]["accessType"] == "NoPublicAccess"
    assert bucket["inputs"]["versioning"] == "Enabled"
    statements = rendered.named("long-term-storage-oci-workload-identity")["inputs"]["statements"]
    for namespace, name in bucket_accounts("prod-oci"):
        matching = [s for s in statements if f"request.principal.service_account = '{name}'" in s]
        assert len(matching) == 1, name
        statement = matching[0]
        assert f"request.principal.namespace = '{namespace}'" in statement
        assert "request.principal.cluster_id = 'ocid1.cluster.oc1.eu-frankfurt-1.aaaaaaaatodoprodoke'" in statement
        assert "target.bucket.name = 'todo-prod-oke-thanos'" in statement
        assert statement.startswith("Allow any-user to manage objects in compartment id ")
    assert not any("thanos-query" in s for s in statements)
    rules = rendered.named("long-term-storage-oci-lifecycle")["inputs"]["rules"]
    assert {"previous-object-versions", "multipart-uploads"} == {r["target"] for r in rules}


def test_production_stateful_resources_are_protected_and_named_explicitly(renders: dict[str, Rendered]) -> None:
    stateful = {
        "prod": ["long-term-storage-azure-account", "long-term-storage-azure-container"],
        "prod-gcp": ["long-term-storage-gcp-bucket"],
        "prod-oci": ["long-term-storage-oci-bucket"],
    }
    for stack, names in stateful.items():
        for name in names:
            row = renders[stack].named(name)
            assert row["protect"] is True, (stack, name)
            # A physical name from config, not an auto-name: a rename is a replacement, which protect blocks.
            assert any(k in row["inputs"] for k in ("accountName", "name", "containerName")), (stack, name)


# --- local: off by default; the optional in-cluster store ------------------------------------------------


def test_local_has_no_long_term_storage_by_default(renders: dict[str, Rendered]) -> None:
    rendered = renders["local"]
    assert THANOS_RELEASE not in rendered.releases()
    assert not (rendered.dir / "thanos" / "objstore.yaml").exists()
    assert "thanos" not in (rendered.helm_values(KPS_RELEASE)["prometheus"]["prometheusSpec"])


@pytest.fixture(scope="module")
def local_thanos(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """The local stack with long-term storage on the in-cluster object store, rendered once."""
    tmp_path = tmp_path_factory.mktemp("local-thanos")
    document = yaml.safe_load(stack_file("local").read_text())
    document["config"]["todo-observability:metrics"] = {"longTerm": {"enabled": True, "inClusterObjectStore": True}}
    config_file = tmp_path / "Pulumi.local-thanos.yaml"
    config_file.write_text(yaml.safe_dump(document))
    out = tmp_path / "out"
    done = render_stack("local-thanos", out, config_file)
    assert done.returncode == 0, done.stderr
    return Rendered("local-thanos", out, done.stdout)


def test_local_in_cluster_store_keeps_its_key_secret(local_thanos: Rendered) -> None:
    rendered, out = local_thanos, local_thanos.dir
    objstore = rendered.yaml("thanos/objstore.yaml")
    assert objstore["type"] == "S3" and set(objstore["config"]) <= OBJSTORE_FIELDS["S3"]
    assert objstore["config"]["secret_key"] == "[secret]"
    assert objstore["config"]["endpoint"] == "thanos-object-store.monitoring.svc:7070"
    everything = "\n".join(p.read_text() for p in out.rglob("*") if p.is_file())
    assert "mock-long-term-storage-local-secret-key" not in everything, "the generated key leaks into the render"
    credentials = rendered.named("long-term-storage-local-credentials")
    assert credentials["inputs"]["stringData"] == "[secret]"
    assert THANOS_RELEASE in rendered.releases()


def test_local_in_cluster_store_passes_the_policy_pack(local_thanos: Rendered) -> None:
    """`pulumi up --policy-pack policy` on this stack: every guardrail (all mandatory) over its resources."""
    from guardrails import GUARDRAILS

    violations = [
        f"{row['type']} {row['name']}: {problem}"
        for row in local_thanos.resources
        for guardrail in GUARDRAILS
        for problem in guardrail.check(row["type"], row["inputs"], {})
    ]
    assert violations == []


def test_local_object_store_gateway_is_probed_on_its_s3_port(local_thanos: Rendered) -> None:
    gateway = local_thanos.named("long-term-storage-local-gateway")
    (container,) = gateway["inputs"]["spec"]["template"]["spec"]["containers"]
    # TCP, not HTTP: an unauthenticated S3 request is answered 403, which a probe counts as a failure.
    for probe in ("livenessProbe", "readinessProbe"):
        assert container[probe]["tcpSocket"]["port"] == "s3"
    assert container["livenessProbe"]["failureThreshold"] * container["livenessProbe"]["periodSeconds"] >= 30


# --- bad input names the key and what is allowed ---------------------------------------------------------

BAD_INPUT = [
    ("gcp", {"rawRetention": "1d"}, "todo-observability:metrics.longTerm.rawRetention must be at least 40h"),
    (
        "gcp",
        {"fiveMinuteRetention": "10d"},
        "todo-observability:metrics.longTerm.fiveMinuteRetention must lie between rawRetention",
    ),
    ("azure", {"bucketName": "Not_Valid"}, "todo-observability:metrics.longTerm.bucketName must be 3-24 lowercase"),
    ("oci", {"okeClusterId": ""}, "todo-observability:metrics.longTerm.okeClusterId is required on OCI"),
    ("local", {"enabled": True}, "todo-observability:metrics.longTerm.enabled needs metrics.longTerm.inClusterObject"),
    ("gcp", {"queryReplicas": 0}, "todo-observability:metrics.longTerm.queryReplicas"),
]


@pytest.mark.parametrize(("cloud", "long_term", "message"), BAD_INPUT)
def test_bad_long_term_config_is_rejected_with_the_key(cloud: str, long_term: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        settings_for(cloud, long_term)
    assert any(problem.startswith(message) for problem in error.value.problems), error.value.problems


def test_defaults_are_30d_180d_2y_and_valid_everywhere() -> None:
    for cloud in ("azure", "gcp", "oci"):
        long_term = settings_for(cloud).metrics.long_term
        assert (long_term.raw_retention, long_term.five_minute_retention, long_term.one_hour_retention) == (
            "30d",
            "180d",
            "2y",
        )
        assert long_term.enabled is True
    assert settings_for("local").metrics.long_term.model_dump()["enabled"] is False


# --- Azure: storage account names are unique across all of Azure --------------------------------------


def azure_with(**azure: str) -> Any:
    raw = yaml.safe_load(yaml.safe_dump(BASE["azure"]))
    raw["azure"].update(azure)
    raw["alerting"] = PRODUCTION_ALERTING
    return parse_settings(raw, "test-azure")


def test_azure_account_name_carries_a_suffix_of_subscription_and_resource_group() -> None:
    def account(**azure: str) -> str:
        return account_name(bucket_config(azure_with(**azure)))

    one = account(subscriptionId="00000000-0000-0000-0000-000000000001", resourceGroup="rg-a")
    other_subscription = account(subscriptionId="00000000-0000-0000-0000-000000000002", resourceGroup="rg-a")
    other_group = account(subscriptionId="00000000-0000-0000-0000-000000000001", resourceGroup="rg-b")
    # Same cluster name, different subscription or resource group: different accounts.
    assert len({one, other_subscription, other_group}) == 3
    for name in (one, other_subscription, other_group):
        assert re.fullmatch(r"[a-z0-9]{3,24}", name), name
        assert name.startswith("todoprodak")
    # Deterministic and insensitive to the case Azure ignores.
    again = account(subscriptionId="00000000-0000-0000-0000-000000000001".upper(), resourceGroup="RG-A")
    assert again == one


def test_azure_account_name_fits_for_any_cluster_name() -> None:
    for cluster in ("a", "x" * 63, "Todo-Prod-AKS-westeurope-01", "---"):
        raw = yaml.safe_load(yaml.safe_dump(BASE["azure"]))
        raw["cluster"]["name"] = cluster
        raw["alerting"] = PRODUCTION_ALERTING
        try:
            name = account_name(bucket_config(parse_settings(raw, "test-azure")))
        except ConfigError:
            continue  # a cluster name the config refuses anyway
        assert re.fullmatch(r"[a-z0-9]{3,24}", name), (cluster, name)


def test_azure_bucket_name_override_is_kept() -> None:
    assert account_name(bucket_config(settings_for("azure", {"bucketName": "mythanosstore"}))) == "mythanosstore"


# --- what differs per cloud comes from the platform ------------------------------------------------------

CLOUD_NEUTRAL = ("render/thanos.py", "components/long_term_storage.py")


@pytest.mark.parametrize("path", CLOUD_NEUTRAL)
def test_cloud_neutral_thanos_code_names_no_cloud(path: str) -> None:
    """Bucket names, objstore configs and identities are each platform's (components/<cloud>/): these
    modules neither compare with a cloud's name nor look up attributes a protocol does not declare."""
    tree = ast.parse((Path(__file__).parent.parent / path).read_text())
    clouds = set(PLATFORMS)
    named = sorted(
        {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)} & clouds
    )
    assert named == [], f"{path} names {named}"
    getattrs = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in {"getattr", "hasattr"}]
    assert getattrs == [], f"{path} reaches past a protocol at lines {getattrs}"


@pytest.mark.parametrize("args_type", [LongTermStorageArgs, BucketAccessArgs, BucketConfig])
def test_long_term_storage_takes_sections_not_the_whole_config(args_type: type) -> None:
    """The config sections it reads and the StackContext; providers come through `providers=`, and the
    one provider a child names itself is a provider, not the platform's bundle of them (nor `Any`)."""
    from tests.arg_types import wide_fields

    assert wide_fields(args_type) == {}, args_type.__name__


@pytest.mark.parametrize("args_type", [LongTermStorageArgs, BucketAccessArgs])
def test_iam_writes_get_one_provider_or_inherit(args_type: type) -> None:
    hints = typing.get_type_hints(args_type)
    assert hints["identity_provider"] == pulumi.ProviderResource | None
    assert [name for name, hint in hints.items() if "Provider" in str(hint)] == ["identity_provider"]


def test_only_oci_names_a_provider_for_iam_writes() -> None:
    """OCI writes IAM in the tenancy's home region; every other platform's IAM writes inherit."""
    from components.azure.platform import AzureProviders
    from components.gcp.platform import GcpProviders
    from components.oci.platform import OciProviders

    stack_region, home_region = object(), object()
    bundles = {
        "azure": AzureProviders(azure=stack_region, azuread=home_region),  # type: ignore[arg-type]
        "gcp": GcpProviders(gcp=stack_region),  # type: ignore[arg-type]
        "oci": OciProviders(oci=stack_region, identity=home_region),  # type: ignore[arg-type]
        "local": None,
    }
    chosen = {cloud: PLATFORMS[cloud].identity_provider(bundles[cloud]) for cloud in PLATFORMS}
    assert chosen == {"azure": None, "gcp": None, "oci": home_region, "local": None}


@pytest.mark.parametrize("stack", PRODUCTION_STACKS)
def test_objstore_names_the_bucket_the_platform_creates(renders: dict[str, Rendered], stack: str) -> None:
    """The platform's objstore config and its storage component derive the name from one function."""
    rendered = renders[stack]
    objstore = unmasked_objstore(rendered)["config"]
    created = {
        "prod": lambda: rendered.named("long-term-storage-azure-account")["inputs"]["accountName"],
        "prod-gcp": lambda: rendered.named("long-term-storage-gcp-bucket")["inputs"]["name"],
        "prod-oci": lambda: rendered.named("long-term-storage-oci-bucket")["inputs"]["name"],
    }[stack]()
    assert objstore.get("storage_account", objstore.get("bucket")) == created


def test_local_objstore_carries_the_key_its_store_generates() -> None:
    """Only the in-cluster store hands Thanos a key (BucketAccess.objstore_secret_key)."""
    settings = settings_for("local", {"inClusterObjectStore": True, "enabled": True})
    config = platform_for("local").objstore_config(bucket_config(settings), "generated")["config"]
    assert (config["access_key"], config["secret_key"]) == ("thanos", "generated")
    assert config["bucket"] == "todo-thanos"
