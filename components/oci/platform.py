"""Oracle Cloud (OKE): everything the cloud changes, in one object (`OCI`).

Its part of the configuration model (defaults and rules), the oci providers (the stack's region, and the
tenancy's home region where IAM writes go), the Logging Analytics sink and the bucket Thanos uses.
Traces stay in Jaeger (OCI APM is not implemented). Cloud SDKs are imported inside the methods, so the
registry loads cheaply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pulumi

from settings.platform_rules import PlatformRules, Report

if TYPE_CHECKING:
    from components.grafana_identity import GrafanaIdentity, GrafanaIdentityArgs
    from components.log_sink import LogSink, LogSinkArgs
    from components.long_term_storage import BucketAccess, BucketAccessArgs, BucketConfig
    from components.trace_backend import TraceBackend, TraceBackendArgs
    from settings import StackSettings
    from settings.model import OciSettings

_OKE_CLUSTER = re.compile(r"^ocid1\.cluster\.[a-z0-9._-]+$")


def _oci_problems(s: StackSettings, report: Report) -> None:
    lt = s.metrics.long_term
    if lt.enabled and not _OKE_CLUSTER.match(lt.oke_cluster_id):
        report(
            "metrics.longTerm.okeClusterId",
            "is required on OCI: the OKE cluster OCID (ocid1.cluster....) that the workload identity policy admits",
            uses=("metrics.longTerm.enabled",),
        )


RULES = PlatformRules(
    cloud="oci",
    defaults={
        "cluster": {"storageClass": "oci-bv"},
        "tracing": {"backend": "jaeger", "jaegerStorage": "badger"},
        "metrics": {"longTerm": {"enabled": True}},
    },
    required_keys={
        "compartmentId": "a compartment OCID (ocid1.compartment.oc1..)",
        "region": "an OCI region such as eu-frankfurt-1",
        "objectStorageNamespace": "oci os ns get",
        # Fluent Bit's OCI config file and upload policy are built from these (their form is a field type).
        "tenancyId": "a tenancy OCID (ocid1.tenancy.oc1..)",
        "logUploadUserId": "a user OCID (ocid1.user.oc1..)",
        "logUploadKeyFingerprint": "an API key fingerprint (16 hex pairs joined by ':')",
        "logUploadGroup": "an IAM group name, or <identity domain>/<group>",
    },
    trace_backends=("jaeger",),
    bucket_name=(r"^[A-Za-z0-9._-]{1,256}$", "letters, digits, '-', '_' or '.'"),
    required_secrets=("ociLogAnalyticsPrivateKey",),
    validators=(_oci_problems,),
)


@dataclass(frozen=True)
class OciProviders:
    oci: pulumi.ProviderResource
    # OCI accepts IAM writes (policies) only in the tenancy's home region.
    identity: pulumi.ProviderResource


class OciPlatform:
    rules = RULES
    # Grafana has no datasource for Logging Analytics: dashboards link to logs in the OCI console.
    logs_datasource_type: str | None = None

    def cloud_providers(self, settings: StackSettings) -> OciProviders:
        from pulumi_oci.provider import Provider as OciProvider

        oci_settings = settings.oci
        assert oci_settings is not None, "the config model requires the oci section on OCI"
        oci = OciProvider("oci", region=oci_settings.region)
        home = oci_settings.home_region
        identity = OciProvider("oci-home", region=home) if home and home != oci_settings.region else oci
        return OciProviders(oci=oci, identity=identity)

    def provider_list(self, cloud: OciProviders) -> list[pulumi.ProviderResource]:
        return [cloud.oci]

    def identity_provider(self, cloud: OciProviders) -> pulumi.ProviderResource:
        """IAM policies are written in the tenancy's home region (the stack's own when it is that region)."""
        return cloud.identity

    def grafana_identity(
        self, name: str, args: GrafanaIdentityArgs, opts: pulumi.ResourceOptions
    ) -> GrafanaIdentity | None:
        return None

    def log_sink(self, name: str, args: LogSinkArgs, opts: pulumi.ResourceOptions) -> LogSink:
        from components.oci.log_sink import OciLogSink

        return OciLogSink(name, args, opts)

    def section(self, settings: StackSettings) -> OciSettings | None:
        """Its own config section (`todo-observability:oci`), for the capabilities' OCI code."""
        return settings.oci

    def bucket_access(self, name: str, args: BucketAccessArgs, opts: pulumi.ResourceOptions) -> BucketAccess:
        from components.oci.thanos_storage import OciThanosStorage

        return OciThanosStorage(name, args, opts)

    def objstore_config(self, config: BucketConfig, secret_key: str | None) -> dict[str, Any]:
        from components.oci.thanos_storage import objstore_config

        return objstore_config(config)

    def trace_backend(self, name: str, args: TraceBackendArgs, opts: pulumi.ResourceOptions) -> TraceBackend | None:
        return None


OCI = OciPlatform()
