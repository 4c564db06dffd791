"""OCI Logging Analytics as Fluent Bit's sink (`oracle_log_analytics`). Fluent Bit has no output for
OCI Logging's custom logs; Logging Analytics keeps Fluent Bit the only agent, with its filesystem
buffer, instead of adding a Fluentd aggregator (see docs/logging.md). Two log groups (container logs;
audit records) each get a daily purge task that enforces their retention, an IAM policy lets the
upload user's group write into the compartment, a log source with a JSON parser reads the uploaded
records (components/oci/log_source.py), and the three saved searches are Management Dashboard saved
searches over the fields it fills. Fluent Bit signs uploads with an API key: the OCI config file is generated
from non-secret settings, and only the private key comes from stack secrets; both are mounted from
one Secret."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_oci.loganalytics as loganalytics
from pulumi_oci.identity import Policy
from pulumi_oci.managementdashboard import ManagementSavedSearch

from components.log_sink import LogSinkArgs, SinkBinding
from components.oci.log_source import LogAnalyticsJsonSource
from components.platform import own_section
from components.secret import opaque_secret
from contracts.labels import cloud_tags
from render.fluent_bit import (
    OCI_CONFIG_FILE_NAME,
    OCI_KEY_DIR,
    OCI_PRIVATE_KEY_FILE_NAME,
    oci_config_file,
    oracle_outputs,
)
from render.log_queries import (
    OCI_PARSED_PATHS,
    OCI_SAVED_SEARCH_METADATA_VERSION,
    OCI_SAVED_SEARCH_PROVIDER,
    OCI_SAVED_SEARCH_PROVIDER_VERSION,
    OCI_SAVED_SEARCH_WIDGET_TEMPLATE,
    OCI_SAVED_SEARCH_WIDGET_VM,
    oci_field,
    oci_queries,
    oci_saved_search_ui_config,
)
from settings.model import OciSettings

API_KEY_SECRET_NAME = "fluent-bit-oci-api-key"
API_KEY_VOLUME = "oci-api-key"


def purge_duration(days: int) -> str:
    """Logging Analytics keeps data newer than this (ISO 8601, negative, days as the largest unit)."""
    return f"-P{days}D"


def group_subject(group: str) -> str:
    """`<domain>/<group>` or a group of the default domain, as a policy statement names it."""
    if "/" in group:
        domain, name = group.split("/", 1)
        return f"group '{domain}'/'{name}'"
    return f"group {group}"


def log_source_name(configured: str, cluster: str) -> str:
    return configured or f"{cluster} JSON records"


def example_record() -> str:
    """One record as the Lua filter ships it, with every parsed path: the parser's example content."""
    record: dict[str, Any] = {}
    for key, path in OCI_PARSED_PATHS:
        *parents, leaf = path.removeprefix("$.").split(".")
        node = record
        for parent in parents:
            node = node.setdefault(parent, {})
        node[leaf] = f"example-{key}"
    return json.dumps(record, sort_keys=True, separators=(",", ":"))


def parsed_fields() -> list[dict[str, str]]:
    return [{"display_name": oci_field(key), "path": path} for key, path in OCI_PARSED_PATHS]


def upload_policy_statements(group: str, compartment_id: str) -> list[str]:
    return [
        f"Allow {group_subject(group)} to {{LOG_ANALYTICS_LOG_GROUP_UPLOAD_LOGS}} in compartment id {compartment_id}"
    ]


class OciLogSink(pulumi.ComponentResource):
    def __init__(self, name: str, args: LogSinkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("todo-observability:logging:OciLogSink", name, None, opts)
        oci, logging, context = own_section(args.cloud, OciSettings), args.logging, args.context
        cluster = args.cluster.name
        # The Logging Analytics namespace is the tenancy's object storage namespace.
        namespace = oci.object_storage_namespace
        oci_opts = pulumi.ResourceOptions(parent=self)
        stateful = pulumi.ResourceOptions(parent=self, protect=context.production)
        tags = cloud_tags(context.stack)

        groups = {"logs": logging.retention_days, "audit": logging.audit_retention_days}
        group_names = {key: f"{cluster}-{key}" for key in groups}
        self.log_groups: dict[str, loganalytics.LogAnalyticsLogGroup] = {}
        self.purge_tasks: dict[str, loganalytics.NamespaceScheduledTask] = {}
        for key, days in groups.items():
            display_name = group_names[key]
            self.log_groups[key] = loganalytics.LogAnalyticsLogGroup(
                f"{name}-{key}-group",
                compartment_id=oci.compartment_id,
                namespace=namespace,
                display_name=display_name,
                description=f"{cluster}: {key} records, kept {days} days",
                freeform_tags=tags,
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
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.log_groups[key]]),
            )

        self.upload_policy = Policy(
            f"{name}-upload-policy",
            compartment_id=oci.compartment_id,
            name=f"{cluster}-fluent-bit-log-upload",
            description=f"Fluent Bit of {cluster} uploads logs to Logging Analytics",
            statements=upload_policy_statements(oci.log_upload_group, oci.compartment_id),
            freeform_tags=tags,
            # IAM writes go to the tenancy's home region, which may not be the stack's.
            opts=pulumi.ResourceOptions(parent=self, provider=args.identity_provider),
        )

        self.saved_searches = [
            ManagementSavedSearch(
                f"{name}-search-{query.key}",
                compartment_id=oci.compartment_id,
                display_name=f"{query.title} ({cluster})",
                description=f"todo-observability ({cluster})",
                **OCI_SAVED_SEARCH_PROVIDER,
                provider_version=OCI_SAVED_SEARCH_PROVIDER_VERSION,
                metadata_version=OCI_SAVED_SEARCH_METADATA_VERSION,
                is_oob_saved_search=False,
                type="SEARCH_SHOW_IN_DASHBOARD",
                ui_config=json.dumps(oci_saved_search_ui_config(query, oci.compartment_id)),
                data_config="[]",
                drilldown_config="[]",
                parameters_config="[]",
                nls="{}",
                screen_image=" ",
                widget_template=OCI_SAVED_SEARCH_WIDGET_TEMPLATE,
                widget_vm=OCI_SAVED_SEARCH_WIDGET_VM,
                freeform_tags=tags,
                opts=oci_opts,
            )
            for query in oci_queries(group_names["logs"], group_names["audit"])
        ]

        self.api_key_secret = opaque_secret(
            f"{name}-api-key",
            API_KEY_SECRET_NAME,
            args.namespace,
            "logging",
            context.stack,
            {
                OCI_CONFIG_FILE_NAME: oci_config_file(
                    oci.log_upload_user_id, oci.log_upload_key_fingerprint, oci.tenancy_id, oci.region
                ),
                OCI_PRIVATE_KEY_FILE_NAME: args.platform_secrets["ociLogAnalyticsPrivateKey"],
            },
            pulumi.ResourceOptions(parent=self),
        )

        # The log source Fluent Bit names in every upload, and the JSON parser behind it.
        source_name = log_source_name(logging.oci_log_source_name, cluster)
        self.log_source = LogAnalyticsJsonSource(
            f"{name}-log-source",
            region=oci.region,
            namespace=namespace,
            parser_name=f"{cluster}-json-records",
            source_name=source_name,
            description=f"{cluster}: Fluent Bit records, one JSON object each (todo-observability)",
            example=example_record(),
            fields=parsed_fields(),
            opts=pulumi.ResourceOptions(parent=self),
        )

        outputs = pulumi.Output.all(self.log_groups["logs"].id, self.log_groups["audit"].id).apply(
            lambda ids: oracle_outputs(
                namespace=namespace,
                logs_group_id=ids[0],
                audit_group_id=ids[1],
                log_source_name=source_name,
                cluster_name=cluster,
            )
        )
        self.binding = SinkBinding(
            outputs=outputs,
            volumes=[{"name": API_KEY_VOLUME, "secret": {"secretName": API_KEY_SECRET_NAME, "defaultMode": 0o400}}],
            volume_mounts=[{"name": API_KEY_VOLUME, "mountPath": OCI_KEY_DIR, "readOnly": True}],
            depends_on=[self.api_key_secret, self.upload_policy, self.log_source, *self.purge_tasks.values()],
        )
        self.register_outputs({"log_groups": {k: g.id for k, g in self.log_groups.items()}})
