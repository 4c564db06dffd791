"""The namespaces this program owns; application namespaces (todo, kafka, dapr-system) belong to the app.

Deleting a namespace deletes everything in it, Prometheus', Alertmanager's and Grafana's volumes
included: production namespaces are protected."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_kubernetes.core.v1 import Namespace
from pulumi_kubernetes.meta.v1 import ObjectMetaArgs

from contracts.context import StackContext
from contracts.labels import common_labels


@dataclass(frozen=True)
class NamespaceRef:
    """A namespace this program owns: its name for manifests, its resource for `depends_on`."""

    name: str
    resource: Namespace


@dataclass(frozen=True)
class ObservabilityNamespacesArgs:
    # The metrics namespace is `context.metrics_namespace`.
    context: StackContext
    logging_namespace: str
    tracing_namespace: str


class ObservabilityNamespaces(pulumi.ComponentResource):
    """Creates monitoring, logging and tracing namespaces; `metrics`, `logging`, `tracing` are the one
    each capability deploys to."""

    def __init__(
        self, name: str, args: ObservabilityNamespacesArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("todo-observability:platform:Namespaces", name, None, opts)
        context = args.context
        wanted = sorted({context.metrics_namespace, args.logging_namespace, args.tracing_namespace})
        self.namespaces: dict[str, Namespace] = {
            ns: Namespace(
                f"{name}-{ns}",
                metadata=ObjectMetaArgs(
                    name=ns,
                    labels={**common_labels("namespace", context.stack), "kubernetes.io/metadata.name": ns},
                ),
                opts=pulumi.ResourceOptions(parent=self, protect=context.production),
            )
            for ns in wanted
        }
        self.metrics = self._ref(context.metrics_namespace)
        self.logging = self._ref(args.logging_namespace)
        self.tracing = self._ref(args.tracing_namespace)
        self.register_outputs({"names": wanted})

    def _ref(self, namespace: str) -> NamespaceRef:
        return NamespaceRef(namespace, self.namespaces[namespace])
