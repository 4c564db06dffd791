"""GKE Workload Identity in one place: the Google service account ids this program creates, and the
member string and annotation that let a Kubernetes service account act as one."""

from __future__ import annotations

import pulumi

WORKLOAD_IDENTITY_ANNOTATION = "iam.gke.io/gcp-service-account"
WORKLOAD_IDENTITY_USER_ROLE = "roles/iam.workloadIdentityUser"
# Google service account ids are 6 to 30 characters.
ACCOUNT_ID_MAX = 30
# The GCP log sink (name, type) that created Grafana's reader and its grants before issue #19: what moved
# out of it aliases this parent, so `pulumi up` does not replace it.
FORMER_SINK = ("logging-gcp-sink", "todo-observability:logging:GcpLogSink")


def account_id(cluster: str, suffix: str) -> str:
    """`<cluster>-<suffix>`, the cluster name cut so the suffix always survives."""
    prefix = cluster[: ACCOUNT_ID_MAX - len(suffix) - 1].rstrip("-")
    return f"{prefix}-{suffix}"


def workload_identity_member(project: str, namespace: str, service_account: str) -> str:
    """The IAM member that stands for Kubernetes service account NAMESPACE/SERVICE_ACCOUNT."""
    return f"serviceAccount:{project}.svc.id.goog[{namespace}/{service_account}]"


def service_account_member(email: pulumi.Output[str]) -> pulumi.Output[str]:
    return email.apply(lambda address: f"serviceAccount:{address}")
