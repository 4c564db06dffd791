"""Fluent Bit's complete classic configuration (service, inputs, filters, parsers, outputs), exactly as
the chart's ConfigMap carries it to /fluent-bit/etc/conf/. Pure: settings and the sink's plain values
(ids, endpoints) in, text out. Credentials never appear here: outputs name `${ENV}` variables that the
pod reads from a Kubernetes Secret, or files mounted from one. Also Fluent Bit's ServiceMonitor."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from render.monitors import MonitorManifest, monitor
from settings.model import LoggingSettings

Options = list[tuple[str, str]]

# The chart's fullname with `fullnameOverride`: DaemonSet, ServiceAccount and Service carry it.
FLUENT_BIT_NAME = "fluent-bit"
# Where Fluent Bit's HTTP server serves its metrics in Prometheus' format.
METRICS_PATH = "/api/v2/metrics/prometheus"

CONFIG_DIR = "/fluent-bit/etc/conf"
# The image's standard parsers (the chart's default config loads them too): pods may ask for one by
# annotation (`fluentbit.io/parser`, K8S-Logging.Parser), so they must be registered.
STANDARD_PARSERS_FILE = "/fluent-bit/etc/parsers.conf"
# A hostPath, so tail offsets and buffered chunks survive a pod restart or a sink outage.
STATE_DIR = "/var/fluent-bit/state"
STORAGE_PATH = f"{STATE_DIR}/flb-storage/"
# The chart's `metricsPort` default: the Service port `http` that the ServiceMonitor scrapes.
METRICS_PORT = 2020

# Tags carry namespace, pod and container (`kube.<ns>.<pod>.<container>`): Stackdriver's k8s_container
# resource reads them from the tag, and the kubernetes filter parses them with TAG_PARSER.
CONTAINER_TAG_PREFIX = "kube."
CONTAINER_MATCH = "kube.*"
AUDIT_TAG_PREFIX = "audit."
AUDIT_MATCH = "audit.*"
TAG_PARSER = "kube_tag"
CONTAINER_LOG_PATH = "/var/log/containers/*.log"
CONTAINER_FILE_REGEX = (
    r"var.log.containers.(?<pod_name>[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)"
    r"_(?<namespace_name>[^_]+)_(?<container_name>.+)-(?<docker_id>[a-z0-9]{64})\.log$"
)

# Probe and scrape access logs are noise (app contract); Dapr's own /v1.0/healthz calls do not match.
NOISE_ACCESS_LOG = r"(GET|HEAD) /(healthz|readyz|metrics)([?/][^ ]*)? HTTP/"

# A line longer than TAIL_BUFFER_MAX is skipped (Skip_Long_Lines). The runtimes split lines at 16 KiB
# (CRI partial lines, joined again by the cri multiline parser), but docker's JSON escaping can more
# than double that; 256 KiB is also Cloud Logging's largest entry. The buffer grows only for long lines.
TAIL_BUFFER_CHUNK = "32k"
TAIL_BUFFER_MAX = "256k"

# In-memory bounds, sized to stay well under the container's memory limit: chunks are ~2 MB each.
MAX_CHUNKS_UP = 64
BACKLOG_MEM_LIMIT = "32M"
EMITTER_MEM_BUF_LIMIT = "16M"

# An output's `storage.total_limit_size` (logging.bufferLimit) must hold every chunk that eviction
# cannot touch: the one being written, and those being flushed (a flush brings its chunk up under
# `storage.max_chunks_up`, so at most MAX_CHUNKS_UP). Below that, new data finds no room and is dropped
# before any filter ran, counted by no output (docs/logging.md, "Buffer size"). The floor is
# settings/model.py MIN_LOG_BUFFER; tests/test_config_table.py derives it from the chunk size, TAIL_BUFFER_MAX
# and MAX_CHUNKS_UP.

# Nodes Fluent Bit may run on: Linux, never a virtual node (virtual-kubelet: AKS virtual nodes, and
# any ACI/serverless bridge) where a DaemonSet pod never becomes Ready and Helm's wait times out.
LINUX_NODE_SELECTOR = {"kubernetes.io/os": "linux"}
VIRTUAL_NODE_LABEL = ("type", "virtual-kubelet")
# Taints of ordinary nodes that still run workloads whose logs we want: control-plane, the system
# pool of AKS (CriticalAddonsOnly), AKS spot pools, GPU pools (GKE and AKS taint them). Not
# `operator: Exists` for everything: that also tolerates `virtual-kubelet.io/provider`.
NODE_TOLERATIONS: list[dict[str, str]] = [
    {"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "CriticalAddonsOnly", "operator": "Exists"},
    {"key": "kubernetes.azure.com/scalesetpriority", "operator": "Equal", "value": "spot", "effect": "NoSchedule"},
    {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"},
]

# oracle_log_analytics sends only each record's string `log`; this script makes it the whole record.
LUA_DIR = Path(__file__).resolve().parent / "lua"
RECORD_AS_LOG_SCRIPT = "record_as_log.lua"
RECORD_AS_LOG_FUNCTION = "record_as_log"


@dataclass(frozen=True)
class SinkOutputs:
    """What a cloud's sink contributes: the plugin options of its two destinations, without `Match`
    and delivery settings (added here so that every output gets them), plus filters only it needs."""

    logs: Options
    audit: Options
    filters: list[tuple[str, Options]] = field(default_factory=list)
    # Files next to fluent-bit.conf (the chart's `config.extraFiles`), e.g. Lua scripts of `filters`.
    files: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FluentBitConfig:
    service: str
    inputs: str
    filters: str
    outputs: str
    parsers: str
    extra_files: dict[str, str] = field(default_factory=dict)

    def files(self) -> dict[str, str]:
        """The files of /fluent-bit/etc/conf/ as the chart's ConfigMap template assembles them."""
        return {
            "fluent-bit.conf": "".join((self.service, self.inputs, self.filters, self.outputs)),
            "custom_parsers.conf": self.parsers,
            **self.extra_files,
        }

    def chart_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            "service": self.service,
            "inputs": self.inputs,
            "filters": self.filters,
            "outputs": self.outputs,
            "customParsers": self.parsers,
        }
        if self.extra_files:
            values["extraFiles"] = dict(self.extra_files)
        return values


def format_section(header: str, options: Options) -> str:
    width = max(len(key) for key, _ in options)
    lines = [f"[{header}]"] + [f"    {key.ljust(width)} {value}" for key, value in options]
    return "\n".join(lines) + "\n\n"


def service_section() -> str:
    return format_section(
        "SERVICE",
        [
            ("Daemon", "Off"),
            ("Flush", "1"),
            ("Log_Level", "info"),
            ("Parsers_File", STANDARD_PARSERS_FILE),
            ("Parsers_File", f"{CONFIG_DIR}/custom_parsers.conf"),
            ("HTTP_Server", "On"),
            ("HTTP_Listen", "0.0.0.0"),
            ("HTTP_Port", str(METRICS_PORT)),
            # /api/v2/health for people and scripts; no probe uses it (see probe_values).
            ("Health_Check", "On"),
            ("storage.path", STORAGE_PATH),
            ("storage.sync", "normal"),
            ("storage.checksum", "off"),
            ("storage.max_chunks_up", str(MAX_CHUNKS_UP)),
            ("storage.backlog.mem_limit", BACKLOG_MEM_LIMIT),
            ("storage.metrics", "on"),
            # Back off up to 5 minutes between retries, so a long outage costs little CPU.
            ("scheduler.base", "5"),
            ("scheduler.cap", "300"),
        ],
    )


def chart_selector_labels() -> dict[str, str]:
    """The chart's `fluent-bit.selectorLabels` for a release named FLUENT_BIT_NAME."""
    return {"app.kubernetes.io/name": "fluent-bit", "app.kubernetes.io/instance": FLUENT_BIT_NAME}


def service_monitor(namespace: str, scrape_interval: str) -> MonitorManifest:
    """Fluent Bit's metrics, from the chart's Service port `http` in the logging namespace (the chart's
    own ServiceMonitor stays off: ours is created after the CRDs)."""
    return monitor(
        "ServiceMonitor",
        FLUENT_BIT_NAME,
        namespace,
        "logging",
        chart_selector_labels(),
        [namespace],
        [{"port": "http", "path": METRICS_PATH, "interval": scrape_interval}],
    )


def probe_values() -> dict[str, Any]:
    """The chart's probes. Its readiness probe reads /api/v2/health, which turns 500 after
    HC_Errors_Count failed flushes in HC_Period: during a sink outage, when buffering on disk is
    exactly what should happen, every pod would go NotReady, stall DaemonSet rollouts and fire
    KubePodNotReady on every node. Ready and alive both mean "the HTTP server of a running engine
    answers"; delivery failures are alerted on from Fluent Bit's metrics instead."""
    http_root = {"httpGet": {"path": "/", "port": "http"}}
    return {
        "livenessProbe": {**http_root, "periodSeconds": 10, "failureThreshold": 6},
        "readinessProbe": {**http_root, "periodSeconds": 10, "failureThreshold": 3},
    }


def placement_values() -> dict[str, Any]:
    """The chart's scheduling values: Linux nodes only, no virtual nodes, the usual pool taints."""
    key, value = VIRTUAL_NODE_LABEL
    return {
        "nodeSelector": dict(LINUX_NODE_SELECTOR),
        "affinity": {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [{"matchExpressions": [{"key": key, "operator": "NotIn", "values": [value]}]}]
                }
            }
        },
        "tolerations": [dict(t) for t in NODE_TOLERATIONS],
    }


def inputs_section() -> str:
    return format_section(
        "INPUT",
        [
            ("Name", "tail"),
            ("Alias", "containers"),
            ("Path", CONTAINER_LOG_PATH),
            # cri on AKS/GKE/OKE (containerd); docker for minikube's default runtime.
            ("multiline.parser", "docker, cri"),
            ("Tag_Regex", CONTAINER_FILE_REGEX),
            ("Tag", f"{CONTAINER_TAG_PREFIX}<namespace_name>.<pod_name>.<container_name>"),
            ("DB", f"{STATE_DIR}/tail-containers.db"),
            ("DB.locking", "true"),
            ("Buffer_Chunk_Size", TAIL_BUFFER_CHUNK),
            ("Buffer_Max_Size", TAIL_BUFFER_MAX),
            ("Skip_Long_Lines", "On"),
            ("Refresh_Interval", "10"),
            ("storage.type", "filesystem"),
        ],
    )


def common_filters() -> list[tuple[str, Options]]:
    # No multiline filter: the app logs tracebacks inside its JSON line (`exc_info`), and the built-in
    # `python` parser re-emitted the line after a traceback a second time (docs/logging.md).
    return [
        (
            "FILTER",
            [
                ("Name", "kubernetes"),
                ("Alias", "kubernetes-metadata"),
                ("Match", CONTAINER_MATCH),
                ("Kube_Tag_Prefix", CONTAINER_TAG_PREFIX),
                ("Regex_Parser", TAG_PARSER),
                ("Merge_Log", "On"),
                ("Keep_Log", "Off"),
                ("K8S-Logging.Parser", "On"),
                ("K8S-Logging.Exclude", "On"),
                ("Labels", "On"),
                ("Annotations", "Off"),
                ("Buffer_Size", "256k"),
            ],
        ),
        (
            "FILTER",
            [
                ("Name", "grep"),
                ("Alias", "drop-probe-access-logs"),
                ("Match", CONTAINER_MATCH),
                ("Logical_Op", "or"),
                ("Exclude", f"message {NOISE_ACCESS_LOG}"),
                ("Exclude", f"log {NOISE_ACCESS_LOG}"),
            ],
        ),
        # Audit records leave the container stream (KEEP false) and only reach the audit destination.
        (
            "FILTER",
            [
                ("Name", "rewrite_tag"),
                ("Alias", "route-audit-records"),
                ("Match", CONTAINER_MATCH),
                ("Rule", f"$log_type ^audit$ {AUDIT_TAG_PREFIX}$TAG false"),
                ("Emitter_Name", "audit_emitter"),
                ("Emitter_Storage.type", "filesystem"),
                ("Emitter_Mem_Buf_Limit", EMITTER_MEM_BUF_LIMIT),
            ],
        ),
    ]


def parsers_section() -> str:
    # Splits `<ns>.<pod>.<container>` (after Kube_Tag_Prefix); pod names may contain dots, the others not.
    return format_section(
        "PARSER",
        [
            ("Name", TAG_PARSER),
            ("Format", "regex"),
            ("Regex", r"^(?<namespace_name>[^.]+)\.(?<pod_name>.+)\.(?<container_name>[^.]+)$"),
        ],
    )


def delivery_options(logging: LoggingSettings) -> Options:
    """Every output: a bounded on-disk queue, and retries until the sink is back."""
    return [
        ("storage.total_limit_size", logging.buffer_limit),
        ("Retry_Limit", "no_limits"),
    ]


def output_section(match: str, options: Options, logging: LoggingSettings) -> str:
    name, *rest = options
    return format_section("OUTPUT", [name, ("Match", match), *rest, *delivery_options(logging)])


def render_fluent_bit(logging: LoggingSettings, sink: SinkOutputs) -> FluentBitConfig:
    filters = common_filters() + list(sink.filters)
    return FluentBitConfig(
        service=service_section(),
        inputs=inputs_section(),
        filters="".join(format_section(header, options) for header, options in filters),
        outputs=output_section(CONTAINER_MATCH, sink.logs, logging) + output_section(AUDIT_MATCH, sink.audit, logging),
        parsers=parsers_section(),
        extra_files=dict(sink.files),
    )


# Per-cloud destinations. Each returns the plugin options only; `render_fluent_bit` adds the rest.


def azure_outputs(
    tenant_id: str,
    client_id: str,
    client_secret_env: str,
    dce_url: str,
    dcr_immutable_id: str,
    logs_table: str,
    audit_table: str,
) -> SinkOutputs:
    def one(alias: str, table: str) -> Options:
        return [
            ("Name", "azure_logs_ingestion"),
            ("Alias", alias),
            ("Tenant_Id", tenant_id),
            ("Client_Id", client_id),
            ("Client_Secret", "${" + client_secret_env + "}"),
            ("Dce_Url", dce_url),
            ("Dcr_Id", dcr_immutable_id),
            # The plugin posts to stream `Custom-<Table_Name>`, which the rule declares.
            ("Table_Name", table),
            ("Time_Generated", "true"),
            ("Time_Key", "TimeGenerated"),
            ("Compress", "true"),
        ]

    return SinkOutputs(logs=one("azure-container-logs", logs_table), audit=one("azure-audit-logs", audit_table))


def stackdriver_outputs(
    cluster_name: str, cluster_location: str, logs_log_name: str, audit_log_name: str
) -> SinkOutputs:
    def one(alias: str, tag_prefix: str) -> Options:
        return [
            ("Name", "stackdriver"),
            ("Alias", alias),
            ("Resource", "k8s_container"),
            ("K8s_Cluster_Name", cluster_name),
            ("K8s_Cluster_Location", cluster_location),
            ("Tag_Prefix", tag_prefix),
            ("Severity_Key", "level"),
            ("Trace_Key", "trace_id"),
            ("Span_Id_Key", "span_id"),
            ("Autoformat_Stackdriver_Trace", "true"),
        ]

    # Fixed log names let the log router send each stream to its bucket (default: one name per tag).
    log_name_key = "logging.googleapis.com/logName"
    return SinkOutputs(
        logs=one("gcp-container-logs", CONTAINER_TAG_PREFIX),
        audit=one("gcp-audit-logs", AUDIT_TAG_PREFIX + CONTAINER_TAG_PREFIX),
        filters=[
            (
                "FILTER",
                [
                    ("Name", "modify"),
                    ("Alias", "gcp-log-name"),
                    ("Match", CONTAINER_MATCH),
                    ("Set", f"{log_name_key} {logs_log_name}"),
                ],
            ),
            (
                "FILTER",
                [
                    ("Name", "modify"),
                    ("Alias", "gcp-audit-log-name"),
                    ("Match", AUDIT_MATCH),
                    ("Set", f"{log_name_key} {audit_log_name}"),
                ],
            ),
        ],
    )


# Fluent Bit's OCI API key: the config file and the private key it names, mounted from one Secret.
OCI_KEY_DIR = "/fluent-bit/oci"
OCI_CONFIG_FILE_NAME = "config"
OCI_PRIVATE_KEY_FILE_NAME = "oci_api_key.pem"
OCI_PROFILE = "DEFAULT"


def oci_config_file(user_id: str, fingerprint: str, tenancy_id: str, region: str) -> str:
    """The OCI SDK config file Fluent Bit signs uploads with. Nothing in it is secret; its `key_file`
    points at the private key mounted next to it."""
    lines = [
        f"[{OCI_PROFILE}]",
        f"user={user_id}",
        f"fingerprint={fingerprint}",
        f"tenancy={tenancy_id}",
        f"region={region}",
        f"key_file={OCI_KEY_DIR}/{OCI_PRIVATE_KEY_FILE_NAME}",
    ]
    return "\n".join(lines) + "\n"


def oracle_outputs(
    namespace: str,
    logs_group_id: str,
    audit_group_id: str,
    log_source_name: str,
    cluster_name: str,
) -> SinkOutputs:
    def one(alias: str, group_id: str) -> Options:
        return [
            ("Name", "oracle_log_analytics"),
            ("Alias", alias),
            ("Namespace", namespace),
            ("Config_File_Location", f"{OCI_KEY_DIR}/{OCI_CONFIG_FILE_NAME}"),
            ("Profile_Name", OCI_PROFILE),
            ("Oci_La_Log_Group_Id", group_id),
            ("Oci_La_Log_Source_Name", log_source_name),
            ("Oci_La_Global_Metadata", f"cluster {cluster_name}"),
            ("tls", "On"),
            ("tls.verify", "On"),
        ]

    return SinkOutputs(
        logs=one("oci-container-logs", logs_group_id),
        audit=one("oci-audit-logs", audit_group_id),
        filters=record_as_log_filters("*"),
        files={RECORD_AS_LOG_SCRIPT: record_as_log_script()},
    )


def record_as_log_filters(match: str) -> list[tuple[str, Options]]:
    """For outputs that send only `log` (oracle_log_analytics): `log` becomes the whole record as
    JSON, then a guard keeps only records whose `log` is a string, the one shape the plugin can
    serialize; a record of any other shape would crash every flush of its chunk."""
    return [
        (
            "FILTER",
            [
                ("Name", "lua"),
                ("Alias", "record-as-log"),
                ("Match", match),
                ("script", f"{CONFIG_DIR}/{RECORD_AS_LOG_SCRIPT}"),
                ("call", RECORD_AS_LOG_FUNCTION),
            ],
        ),
        (
            "FILTER",
            [
                ("Name", "grep"),
                ("Alias", "require-string-log"),
                ("Match", match),
                # grep's Regex fails on a missing key or a non-string value: those records are dropped.
                ("Regex", "log ^"),
            ],
        ),
    ]


def record_as_log_script() -> str:
    return (LUA_DIR / RECORD_AS_LOG_SCRIPT).read_text()


def loki_outputs(host: str, port: int, cluster_name: str) -> SinkOutputs:
    # Few, bounded labels (Loki indexes them); everything else stays in the JSON line.
    base_labels = (
        f"job=fluent-bit, cluster={cluster_name}, namespace=$kubernetes['namespace_name'], "
        "container=$kubernetes['container_name']"
    )

    def one(alias: str, labels: str) -> Options:
        return [
            ("Name", "loki"),
            ("Alias", alias),
            ("Host", host),
            ("Port", str(port)),
            ("Labels", labels),
            ("Line_Format", "json"),
        ]

    return SinkOutputs(
        logs=one("loki-container-logs", base_labels + ", log_type=app"),
        audit=one("loki-audit-logs", base_labels + ", log_type=audit"),
    )
