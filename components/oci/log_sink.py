"""OCI Logging Analytics as Fluent Bit's sink (`oracle_log_analytics`). Fluent Bit has no output for
OCI Logging's custom logs; Logging Analytics keeps Fluent Bit the only agent, with its filesystem
buffer, instead of adding a Fluentd aggregator (see docs/logging.md). Two log groups (container logs;
audit records) each get a daily purge task that enforces their retention. Fluent Bit signs uploads with
an API key: the OCI config file and private key come from stack secrets, mounted from a Secret."""

from __future__ import annotations

import pulumi
import pulumi_oci.loganalytics as loganalytics
from pulumi_kubernetes.core.v1 import Secret
from pulumi_kubernetes.meta.v1 import ObjectMetaArgs

from components.labels import common_labels
from components.log_sink import LogSinkArgs, SinkBinding
from render.fluent_bit import oracle_outputs

API_KEY_SECRET_NAME = "fluent-bit-oci-api-key"
API_KEY_DIR = "/fluent-bit/oci"
CONFIG_KEY = "config"
# The stack secret `ociLogAnalyticsConfig` must point its `key_file` here.
PRIVATE_KEY_KEY = "oci_api_key.pem"


def purge_duration(days: int) -> str:
    """Logging Analytics keeps data newer than this (ISO 8601, negative, days as the largest unit)."""
    return f"-P{days}D"


class OciLogSink(pulumi.ComponentResource):
    def __init__(self, name: str, args: LogSinkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("todo-observability:logging:OciLogSink", name, None, opts)
        settings, providers = args.settings, args.providers
        oci = settings.oci
        assert oci is not None, "cloud_problems requires the oci section on OCI"
        logging = settings.logging
        cluster = settings.cluster.name
        # The Logging Analytics namespace is the tenancy's object storage namespace.
        namespace = oci.object_storage_namespace
        stateful = pulumi.ResourceOptions(parent=self, provider=providers.oci, protect=settings.is_production)

        groups = {"logs": logging.retention_days, "audit": logging.audit_retention_days}
        self.log_groups: dict[str, loganalytics.LogAnalyticsLogGroup] = {}
        self.purge_tasks: dict[str, loganalytics.NamespaceScheduledTask] = {}
        for key, days in groups.items():
            display_name = f"{cluster}-{key}"
            self.log_groups[key] = loganalytics.LogAnalyticsLogGroup(
                f"{name}-{key}-group",
                compartment_id=oci.compartment_id,
                namespace=namespace,
                display_name=display_name,
                description=f"{cluster}: {key} records, kept {days} days",
                opts=stateful,
            )
            self.purge_tasks[key] = loganalytics.NamespaceScheduledTask(
                f"{name}-{key}-retention",
                compartment_id=oci.compartment_id,
                namespace=namespace,
                kind="STANDARD",
                task_type="PURGE",
                display_name=f"{display_name}-retention-{days}d",
                action={
                    "type": "PURGE",
                    "data_type": "LOG",
                    "purge_compartment_id": oci.compartment_id,
                    "compartment_id_in_subtree": False,
                    "purge_duration": purge_duration(days),
                    "query_string": f"'Log Group' = '{display_name}'",
                },
                schedules={
                    "schedules": [
                        {
                            "type": "FIXED_FREQUENCY",
                            "recurring_interval": "P1D",
                            "repeat_count": -1,
                            "misfire_policy": "RETRY_INDEFINITELY",
                        }
                    ]
                },
                opts=pulumi.ResourceOptions(parent=self, provider=providers.oci, depends_on=[self.log_groups[key]]),
            )

        self.api_key_secret = Secret(
            f"{name}-api-key",
            metadata=ObjectMetaArgs(
                name=API_KEY_SECRET_NAME,
                namespace=logging.namespace,
                labels=common_labels("logging", settings.stack),
            ),
            type="Opaque",
            string_data={
                CONFIG_KEY: args.secrets.require("ociLogAnalyticsConfig"),
                PRIVATE_KEY_KEY: args.secrets.require("ociLogAnalyticsPrivateKey"),
            },
            opts=providers.k8s_opts(self, depends_on=[args.logging_namespace]),
        )

        outputs = pulumi.Output.all(self.log_groups["logs"].id, self.log_groups["audit"].id).apply(
            lambda ids: oracle_outputs(
                namespace=namespace,
                logs_group_id=ids[0],
                audit_group_id=ids[1],
                log_source_name=logging.oci_log_source_name,
                config_file=f"{API_KEY_DIR}/{CONFIG_KEY}",
                cluster_name=cluster,
            )
        )
        self.binding = SinkBinding(
            outputs=outputs,
            volumes=[
                {
                    "name": "oci-api-key",
                    "secret": {"secretName": API_KEY_SECRET_NAME, "defaultMode": 0o400},
                }
            ],
            volume_mounts=[{"name": "oci-api-key", "mountPath": API_KEY_DIR, "readOnly": True}],
            depends_on=[self.api_key_secret, *self.purge_tasks.values()],
        )
        self.register_outputs({"log_groups": {k: g.id for k, g in self.log_groups.items()}})
