"""The namespaces this program owns; application namespaces (todo, kafka, dapr-system) belong to the app.

Deleting a namespace deletes everything in it, Prometheus', Alertmanager's and Grafana's volumes
included: production namespaces are protected."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_kubernetes.core.v1 import Namespace
from pulumi_kubernetes.meta.v1 import ObjectMetaArgs

from components.labels import common_labels
from components.providers import Providers
from settings import StackSettings


@dataclass
class ObservabilityNamespacesArgs:
    settings: StackSettings
    providers: Providers


class ObservabilityNamespaces(pulumi.ComponentResource):
    """Creates monitoring, logging and tracing namespaces; `get(name)` returns one by its name, and
    `metrics`, `logging`, `tracing` the one each capability deploys to."""

    def __init__(
        self, name: str, args: ObservabilityNamespacesArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("todo-observability:platform:Namespaces", name, None, opts)
        settings = args.settings
        wanted = sorted({settings.metrics.namespace, settings.logging.namespace, settings.tracing.namespace})
        self.namespaces: dict[str, Namespace] = {
            ns: Namespace(
                f"{name}-{ns}",
                metadata=ObjectMetaArgs(
                    name=ns,
                    labels={**common_labels("namespace", settings.stack), "kubernetes.io/metadata.name": ns},
                ),
                opts=args.providers.k8s_opts(self, protect=settings.is_production),
            )
            for ns in wanted
        }
        self.metrics = self.namespaces[settings.metrics.namespace]
        self.logging = self.namespaces[settings.logging.namespace]
        self.tracing = self.namespaces[settings.tracing.namespace]
        self.register_outputs({"names": wanted})

    def get(self, namespace: str) -> Namespace:
        return self.namespaces[namespace]
