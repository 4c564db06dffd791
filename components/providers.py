"""The Kubernetes provider and the platform's cloud providers, built once from config.

Components get them through the `providers=` resource option (`Providers.options()`), which every
child inherits; only a child that needs another provider of the same package names one itself: IAM
writes take `Providers.identity` (OCI's home region), handed to the capabilities that write IAM.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_kubernetes.provider import Provider as KubernetesProvider

from components.platform import Platform
from settings import StackSecrets, StackSettings


@dataclass(frozen=True)
class Providers:
    kubernetes: KubernetesProvider
    # The platform's providers (`Platform.cloud_providers`), as the list the `providers=` option takes.
    cloud_list: tuple[pulumi.ProviderResource, ...] = ()
    # The provider IAM writes must use (`Platform.identity_provider`); None: they inherit theirs.
    identity: pulumi.ProviderResource | None = None

    def options(self) -> pulumi.ResourceOptions:
        """Options for a top-level component: its children inherit these providers."""
        return pulumi.ResourceOptions(providers=[self.kubernetes, *self.cloud_list])


def build_providers(settings: StackSettings, secrets: StackSecrets, platform: Platform) -> Providers:
    kubernetes = KubernetesProvider(
        "kubernetes",
        kubeconfig=secrets.get("kubeconfig"),
        context=settings.cluster.context or None,
        # Dashboards are ConfigMaps: update them in place so Grafana's sidecar sees a change,
        # not a delete followed by a create.
        enable_config_map_mutable=True,
    )
    cloud = platform.cloud_providers(settings)
    return Providers(
        kubernetes=kubernetes,
        cloud_list=tuple(platform.provider_list(cloud)),
        identity=platform.identity_provider(cloud),
    )
