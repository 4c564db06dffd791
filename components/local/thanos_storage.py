"""An in-cluster S3-compatible store (Versity S3 Gateway on a volume) to try Thanos on minikube/kind.

For trying out only: one replica, one volume, no redundancy. Off by default; on local stacks
Prometheus keeps its own retention. The gateway's root key is generated and lives in a Secret."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi_kubernetes.apps.v1 import Deployment, DeploymentSpecArgs
from pulumi_kubernetes.core.v1 import (
    ContainerArgs,
    ContainerPortArgs,
    EnvVarArgs,
    EnvVarSourceArgs,
    PersistentVolumeClaim,
    PersistentVolumeClaimSpecArgs,
    PersistentVolumeClaimVolumeSourceArgs,
    PodSpecArgs,
    PodTemplateSpecArgs,
    ProbeArgs,
    ResourceRequirementsArgs,
    Secret,
    SecretKeySelectorArgs,
    SecurityContextArgs,
    Service,
    ServicePortArgs,
    ServiceSpecArgs,
    TCPSocketActionArgs,
    VolumeArgs,
    VolumeMountArgs,
    VolumeResourceRequirementsArgs,
)
from pulumi_kubernetes.meta.v1 import LabelSelectorArgs, ObjectMetaArgs
from pulumi_random.random_password import RandomPassword

from components.long_term_storage import BucketAccessArgs, BucketConfig
from contracts.context import StackContext
from contracts.labels import common_labels

# Versity S3 Gateway (image pinned below): `posix` backend, every top-level directory is a bucket.
IMAGE = "versity/versitygw:v1.7.0"
BUSYBOX = "busybox:1.37"
DATA_DIR = "/data"
STORE_NAME = "thanos-object-store"
STORE_PORT = 7070
ACCESS_KEY = "thanos"
STORAGE_SIZE = "10Gi"


def bucket_name(config: BucketConfig) -> str:
    """`metrics.longTerm.bucketName`, or `<cluster>-thanos`: a directory under the gateway's root."""
    return config.long_term.bucket_name or f"{config.cluster.name}-thanos"


def store_endpoint(context: StackContext) -> str:
    return f"{STORE_NAME}.{context.metrics_namespace}.svc:{STORE_PORT}"


def objstore_config(config: BucketConfig, secret_key: str) -> dict[str, Any]:
    """Thanos' objstore config: plain S3 with the gateway's generated root key, so it is rendered into
    the objstore Secret only."""
    return {
        "type": "S3",
        "config": {
            "bucket": bucket_name(config),
            "endpoint": store_endpoint(config.context),
            "insecure": True,
            "bucket_lookup_type": "path",
            "access_key": ACCESS_KEY,
            "secret_key": secret_key,
        },
    }


class LocalObjectStore(pulumi.ComponentResource):
    """Its Kubernetes provider is inherited from the long-term storage component."""

    def __init__(self, name: str, args: BucketAccessArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("todo-observability:long_term_storage:LocalObjectStore", name, None, opts)
        config = args.config
        context = config.context
        namespace = args.namespace.name
        labels = {**common_labels("thanos-object-store", context.stack), "app.kubernetes.io/name": STORE_NAME}
        selector = {"app.kubernetes.io/name": STORE_NAME}
        k8s = pulumi.ResourceOptions(parent=self, depends_on=[args.namespace.resource])

        self.password = RandomPassword(
            f"{name}-secret-key", length=40, special=False, opts=pulumi.ResourceOptions(parent=self)
        )
        self.objstore_secret_key: pulumi.Output[str] | None = pulumi.Output.secret(self.password.result)
        self.credentials = Secret(
            f"{name}-credentials",
            metadata=ObjectMetaArgs(name=f"{STORE_NAME}-credentials", namespace=namespace, labels=labels),
            string_data={"access-key": ACCESS_KEY, "secret-key": self.objstore_secret_key},
            opts=k8s,
        )
        self.volume = PersistentVolumeClaim(
            f"{name}-data",
            metadata=ObjectMetaArgs(
                name=f"{STORE_NAME}-data",
                namespace=namespace,
                labels=labels,
                # Classes that bind on first consumer leave the claim Pending until the gateway starts.
                annotations={"pulumi.com/skipAwait": "true"},
            ),
            spec=PersistentVolumeClaimSpecArgs(
                access_modes=["ReadWriteOnce"],
                storage_class_name=context.storage_class or None,
                resources=VolumeResourceRequirementsArgs(requests={"storage": STORAGE_SIZE}),
            ),
            opts=k8s,
        )

        def from_secret(variable: str, key: str) -> EnvVarArgs:
            return EnvVarArgs(
                name=variable,
                value_from=EnvVarSourceArgs(
                    secret_key_ref=SecretKeySelectorArgs(name=self.credentials.metadata.name, key=key)
                ),
            )

        data_mount = VolumeMountArgs(name="data", mount_path=DATA_DIR)
        self.deployment = Deployment(
            f"{name}-gateway",
            metadata=ObjectMetaArgs(name=STORE_NAME, namespace=namespace, labels=labels),
            spec=DeploymentSpecArgs(
                replicas=1,
                # One writer on a ReadWriteOnce volume: never two pods at once.
                strategy={"type": "Recreate"},
                selector=LabelSelectorArgs(match_labels=selector),
                template=PodTemplateSpecArgs(
                    metadata=ObjectMetaArgs(labels=labels),
                    spec=PodSpecArgs(
                        automount_service_account_token=False,
                        # The bucket is a directory under the gateway's root.
                        init_containers=[
                            ContainerArgs(
                                name="create-bucket",
                                image=BUSYBOX,
                                command=["mkdir", "-p", f"{DATA_DIR}/{bucket_name(config)}"],
                                volume_mounts=[data_mount],
                            )
                        ],
                        containers=[
                            ContainerArgs(
                                name="gateway",
                                image=IMAGE,
                                command=["versitygw"],
                                args=["--port", f":{STORE_PORT}", "posix", DATA_DIR],
                                env=[
                                    from_secret("ROOT_ACCESS_KEY_ID", "access-key"),
                                    from_secret("ROOT_SECRET_ACCESS_KEY", "secret-key"),
                                ],
                                ports=[ContainerPortArgs(name="s3", container_port=STORE_PORT)],
                                # TCP on the S3 port: any HTTP request without a signature is answered
                                # 403, which an httpGet probe would count as a failure.
                                readiness_probe=ProbeArgs(
                                    tcp_socket=TCPSocketActionArgs(port="s3"), period_seconds=10, failure_threshold=3
                                ),
                                liveness_probe=ProbeArgs(
                                    tcp_socket=TCPSocketActionArgs(port="s3"),
                                    initial_delay_seconds=10,
                                    period_seconds=20,
                                    failure_threshold=3,
                                ),
                                volume_mounts=[data_mount],
                                security_context=SecurityContextArgs(allow_privilege_escalation=False),
                                resources=ResourceRequirementsArgs(
                                    requests={"cpu": "50m", "memory": "64Mi"}, limits={"memory": "256Mi"}
                                ),
                            )
                        ],
                        volumes=[
                            VolumeArgs(
                                name="data",
                                persistent_volume_claim=PersistentVolumeClaimVolumeSourceArgs(
                                    claim_name=self.volume.metadata.name
                                ),
                            )
                        ],
                    ),
                ),
            ),
            opts=k8s,
        )
        self.service = Service(
            f"{name}-service",
            metadata=ObjectMetaArgs(name=STORE_NAME, namespace=namespace, labels=labels),
            spec=ServiceSpecArgs(
                selector=selector,
                ports=[ServicePortArgs(name="s3", port=STORE_PORT, target_port="s3")],
            ),
            opts=k8s,
        )
        # Plain S3 keys, no cloud identity: service accounts need no annotation, pods no label.
        self.service_account_annotations: dict[str, pulumi.Input[str]] = {}
        self.pod_labels: dict[str, str] = {}
        self.automount_token = False
        self.ready: list[pulumi.Resource] = [self.service, self.deployment]
        self.register_outputs({"service": self.service.metadata.name})
