"""The Kubernetes and cloud providers, built once from config and passed down to components."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_kubernetes.provider import Provider as KubernetesProvider

from settings import StackSecrets, StackSettings


@dataclass(frozen=True)
class Providers:
    kubernetes: KubernetesProvider
    azure: pulumi.ProviderResource | None = None
    azuread: pulumi.ProviderResource | None = None
    gcp: pulumi.ProviderResource | None = None
    oci: pulumi.ProviderResource | None = None
    # OCI accepts IAM writes (policies) only in the tenancy's home region.
    oci_identity: pulumi.ProviderResource | None = None

    def k8s_opts(self, parent: pulumi.Resource, **kwargs: object) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=parent, provider=self.kubernetes, **kwargs)  # type: ignore[arg-type]


def build_providers(settings: StackSettings, secrets: StackSecrets) -> Providers:
    kubernetes = KubernetesProvider(
        "kubernetes",
        kubeconfig=secrets.get("kubeconfig"),
        context=settings.cluster.context or None,
        # Dashboards are ConfigMaps: update them in place so Grafana's sidecar sees a change,
        # not a delete followed by a create.
        enable_config_map_mutable=True,
    )
    providers = Providers(kubernetes=kubernetes)
    if settings.cloud == "azure" and settings.azure is not None:
        from pulumi_azure_native.provider import Provider as AzureProvider
        from pulumi_azuread.provider import Provider as AzureAdProvider

        providers = Providers(
            kubernetes=kubernetes,
            azure=AzureProvider(
                "azure-native",
                subscription_id=settings.azure.subscription_id,
                tenant_id=settings.azure.tenant_id,
                location=settings.azure.location,
            ),
            azuread=AzureAdProvider("azuread", tenant_id=settings.azure.tenant_id),
        )
    elif settings.cloud == "gcp" and settings.gcp is not None:
        from pulumi_gcp.provider import Provider as GcpProvider

        providers = Providers(
            kubernetes=kubernetes,
            gcp=GcpProvider("gcp", project=settings.gcp.project, region=settings.gcp.region),
        )
    elif settings.cloud == "oci" and settings.oci is not None:
        from pulumi_oci.provider import Provider as OciProvider

        oci = OciProvider("oci", region=settings.oci.region)
        home = settings.oci.home_region
        identity = OciProvider("oci-home", region=home) if home and home != settings.oci.region else oci
        providers = Providers(kubernetes=kubernetes, oci=oci, oci_identity=identity)
    return providers
