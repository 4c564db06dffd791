"""The contract of Grafana's one cloud identity (built once by the platform, components/<cloud>/platform.py).

Grafana reads logs and traces from the cloud with one identity; the capability that owns each store
grants it read access there, so no capability creates an identity for another.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import pulumi

from components.namespaces import NamespaceRef
from contracts.context import StackContext
from contracts.inputs import GrafanaInputs
from settings.model import ClusterSettings, Section


@dataclass
class GrafanaIdentityArgs:
    context: StackContext
    cluster: ClusterSettings
    # The platform's own config section (`Platform.section`: `todo-observability:<cloud>`, None where
    # the platform has none), read only by that platform's code.
    cloud: Section | None
    # Grafana's namespace: its pod and ServiceAccount, and the identity's Secret where it has one.
    metrics_namespace: NamespaceRef


class GrafanaIdentity(Protocol):
    # How Grafana's pod acts as the identity: env from Secrets, ServiceAccount and pod annotations, and
    # what Grafana waits for.
    grafana: GrafanaInputs
    # The principal the log and trace stores grant read access to, in the cloud's own form (Azure: the
    # service principal's object id; GCP: the IAM member `serviceAccount:<email>`).
    principal: pulumi.Output[str]
