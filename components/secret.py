"""The one way this program writes a Kubernetes Secret: Opaque, labelled, `stringData`, created after
its namespace. Credentials reach the cluster only through here (and the charts' own Secrets)."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
from pulumi_kubernetes.core.v1 import Secret
from pulumi_kubernetes.meta.v1 import ObjectMetaArgs

from components.namespaces import NamespaceRef
from contracts.labels import common_labels


def opaque_secret(
    resource_name: str,
    secret_name: str,
    namespace: NamespaceRef,
    component: str,
    stack: str,
    string_data: Mapping[str, pulumi.Input[str]],
    opts: pulumi.ResourceOptions,
) -> Secret:
    """`opts` carries the parent (and any alias); the dependency on the namespace is added here."""
    return Secret(
        resource_name,
        metadata=ObjectMetaArgs(name=secret_name, namespace=namespace.name, labels=common_labels(component, stack)),
        type="Opaque",
        string_data=dict(string_data),
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[namespace.resource])),
    )
