"""The namespaces this program owns; application namespaces (todo, kafka, dapr-system) belong to the app."""

from __future__ import annotations

import pulumi
from pulumi_kubernetes.core.v1 import Namespace
from pulumi_kubernetes.meta.v1 import ObjectMetaArgs

from components.labels import common_labels
from components.providers import Providers
from settings import StackSettings


class ObservabilityNamespaces(pulumi.ComponentResource):
    """Creates monitoring, logging and tracing namespaces; `get(name)` returns one by its name."""

    def __init__(
        self, name: str, settings: StackSettings, providers: Providers, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("todo-observability:platform:Namespaces", name, None, opts)
        wanted = sorted({settings.metrics.namespace, settings.logging.namespace, settings.tracing.namespace})
        self.namespaces: dict[str, Namespace] = {
            ns: Namespace(
                f"{name}-{ns}",
                metadata=ObjectMetaArgs(
                    name=ns,
                    labels={**common_labels("namespace", settings.stack), "kubernetes.io/metadata.name": ns},
                ),
                opts=providers.k8s_opts(self),
            )
            for ns in wanted
        }
        self.register_outputs({"names": wanted})

    def get(self, namespace: str) -> Namespace:
        return self.namespaces[namespace]
