"""Logs: the Fluent Bit configuration every stack deploys (parsed from build/<stack>/fluent-bit/), and
each cloud's sink resources (retention, identities, routing), from the offline render."""

from __future__ import annotations

import copy
import fnmatch
import re
import typing
from typing import Any

import pytest

from components.platforms import parse_settings
from components.versions import FLUENT_BIT
from settings import ConfigError
from settings.secrets import PLACEHOLDER_PREFIX
from tests.harness import AZURE, PRODUCTION_STACKS, Rendered
from tools.mocks import COMPUTED_OUTPUTS
from tools.stackfile import ROOT, stack_sections

Section = tuple[str, list[tuple[str, str]]]

AUDIT_TAG = "audit.kube.todo.audit-service-7d9f.audit-service"
CONTAINER_TAG = "kube.todo.chat-api-5c6b.chat-api"
CLOUD_OF_STACK = {"local": "local", "prod": "azure", "prod-gcp": "gcp", "prod-oci": "oci"}
MONITORING_METRICS_PUBLISHER = "3913510d-42f4-4e42-8a64-420c390055eb"


def parse_classic(text: str) -> list[Section]:
    """Fluent Bit's classic format: `[SECTION]` headers, then indented `key value` lines."""
    sections: list[Section] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        header = re.fullmatch(r"\[([A-Z_]+)\]", line.strip())
        if header:
            sections.append((header.group(1), []))
            continue
        assert line.startswith("    "), f"option outside a section: {line!r}"
        key, _, value = line.strip().partition(" ")
        sections[-1][1].append((key, value.strip()))
    return sections


def options(section: Section) -> dict[str, str]:
    return {k.lower(): v for k, v in section[1]}


def all_values(section: Section, key: str) -> list[str]:
    return [v for k, v in section[1] if k.lower() == key.lower()]


def config(rendered: Rendered) -> list[Section]:
    return parse_classic(rendered.read("fluent-bit/fluent-bit.conf"))


def of(sections: list[Section], header: str, name: str | None = None) -> list[Section]:
    return [s for s in sections if s[0] == header and (name is None or options(s)["name"] == name)]


def secret_masked(string_data: Any) -> bool:
    """The render masks secret values, or the whole map once a secret is inside it."""
    if isinstance(string_data, dict):
        return bool(string_data) and set(string_data.values()) == {"[secret]"}
    return string_data == "[secret]"


def cloud(rendered: Rendered) -> str:
    return CLOUD_OF_STACK[rendered.stack]


def logging_settings(rendered: Rendered) -> dict[str, Any]:
    import yaml

    from tools.stackfile import stack_file

    document = yaml.safe_load(stack_file(rendered.stack).read_text())["config"]
    return document.get("todo-observability:logging") or {}


# --- the pipeline, every stack ---------------------------------------------------------------------


def test_every_output_buffers_on_disk_with_a_bound_and_retries_without_limit(rendered: Rendered) -> None:
    sections = config(rendered)
    outputs = of(sections, "OUTPUT")
    assert len(outputs) == 2
    for output in outputs:
        opts = options(output)
        assert opts["storage.total_limit_size"] == "2G", output
        assert opts["retry_limit"] in {"no_limits", "False"}, output
    service = options(of(sections, "SERVICE")[0])
    assert service["storage.path"].startswith("/var/fluent-bit/state/")
    for tail in of(sections, "INPUT", "tail"):
        assert options(tail)["storage.type"] == "filesystem"
    for emitter in of(sections, "FILTER", "rewrite_tag") + of(sections, "FILTER", "multiline"):
        assert options(emitter)["emitter_storage.type"] == "filesystem"


def test_storage_path_is_a_mounted_host_path(rendered: Rendered) -> None:
    values = rendered.helm_values("fluent-bit")
    path = options(of(config(rendered), "SERVICE")[0])["storage.path"]
    host_paths = {v["name"]: v["hostPath"]["path"] for v in values["extraVolumes"] if "hostPath" in v}
    mounts = {m["name"]: m["mountPath"] for m in values["extraVolumeMounts"]}
    assert any(path.startswith(mounts[name]) and host_paths[name] == mounts[name] for name in host_paths)


def test_pipeline_order_and_parsing(rendered: Rendered) -> None:
    filters = of(config(rendered), "FILTER")
    names = [options(f)["name"] for f in filters]
    assert names[:3] == ["kubernetes", "grep", "rewrite_tag"]
    kubernetes = options(filters[0])
    assert kubernetes["merge_log"] == "On" and kubernetes["keep_log"] == "Off"
    tail = options(of(config(rendered), "INPUT", "tail")[0])
    assert "cri" in tail["multiline.parser"]
    parsers = parse_classic(rendered.read("fluent-bit/custom_parsers.conf"))
    tag_parser = options(of(parsers, "PARSER", kubernetes["regex_parser"])[0])
    # The tag parser must split the tags that tail builds.
    regex = re.compile(tag_parser["regex"].replace("(?<", "(?P<"))
    match = regex.match(CONTAINER_TAG.removeprefix(kubernetes["kube_tag_prefix"]))
    assert match and match.group("namespace_name") == "todo" and match.group("container_name") == "chat-api"


def test_probe_access_logs_are_dropped_but_not_dapr_or_app_logs(rendered: Rendered) -> None:
    grep = of(config(rendered), "FILTER", "grep")[0]
    assert options(grep)["logical_op"] == "or"
    patterns = [re.compile(v.split(" ", 1)[1]) for v in all_values(grep, "Exclude")]
    assert {v.split(" ", 1)[0] for v in all_values(grep, "Exclude")} == {"log", "message"}
    noise = [
        '10.0.0.7:51234 - "GET /healthz HTTP/1.1" 200',
        '10.0.0.7:51234 - "GET /readyz HTTP/1.1" 503',
        '10.0.0.9:40000 - "GET /metrics HTTP/1.1" 200',
    ]
    kept = [
        '10.0.0.7:51234 - "POST /api/chat HTTP/1.1" 200',
        "HTTP API Called: GET /v1.0/healthz/outbound",
        "task 42 created; see /healthzone docs",
    ]
    assert all(any(p.search(line) for p in patterns) for line in noise)
    assert not any(p.search(line) for p in patterns for line in kept)


def test_audit_records_reach_only_the_audit_destination(rendered: Rendered) -> None:
    sections = config(rendered)
    rewrite = options(of(sections, "FILTER", "rewrite_tag")[0])
    key, regex, new_tag, keep = rewrite["rule"].split(" ")
    assert key == "$log_type" and re.search(regex, "audit") and not re.search(regex, "app")
    assert keep == "false", "the original record must not stay in the container stream"
    assert fnmatch.fnmatchcase(new_tag.replace("$TAG", CONTAINER_TAG), "audit.*")
    outputs = of(sections, "OUTPUT")
    audit_tag = new_tag.replace("$TAG", CONTAINER_TAG)
    receiving_audit = [o for o in outputs if fnmatch.fnmatchcase(audit_tag, options(o)["match"])]
    receiving_app = [o for o in outputs if fnmatch.fnmatchcase(CONTAINER_TAG, options(o)["match"])]
    assert len(receiving_audit) == 1 and len(receiving_app) == 1
    assert receiving_audit[0] is not receiving_app[0]
    audit, app = options(receiving_audit[0]), options(receiving_app[0])
    destination_keys = ("table_name", "oci_la_log_group_id", "labels")
    assert any(audit.get(k) != app.get(k) for k in destination_keys) or cloud(rendered) == "gcp"
    if cloud(rendered) == "gcp":
        names = {
            options(f)["match"]: options(f)["set"]
            for f in of(sections, "FILTER", "modify")
            if options(f).get("set", "").startswith("logging.googleapis.com/logName")
        }
        assert names["audit.*"] != names["kube.*"]


def test_credentials_come_only_from_env_or_secret_files(rendered: Rendered) -> None:
    values = rendered.helm_values("fluent-bit")
    env = {e["name"]: e for e in values.get("env", [])}
    secret_volumes = {v["name"] for v in values["extraVolumes"] if "secret" in v}
    secret_dirs = [m["mountPath"] for m in values["extraVolumeMounts"] if m["name"] in secret_volumes]
    for output in of(config(rendered), "OUTPUT"):
        for key, value in output[1]:
            if re.search(r"secret|password|passwd|token|key_file|credentials", key, re.IGNORECASE):
                variable = re.fullmatch(r"\$\{(\w+)\}", value)
                assert variable, f"{key} must be an env reference, got {value!r}"
                assert "secretKeyRef" in env[variable.group(1)]["valueFrom"]
            if key.lower() == "config_file_location":
                assert any(value.startswith(d + "/") for d in secret_dirs)
    texts = [rendered.read("fluent-bit/fluent-bit.conf"), rendered.read("helm/fluent-bit.values.yaml")]
    for text in texts:
        assert PLACEHOLDER_PREFIX not in text and "mock-client-secret" not in text


def test_fluent_bit_is_scraped_and_probed(rendered: Rendered) -> None:
    monitor = next(
        m for m in rendered.custom_resources("ServiceMonitor") if m["inputs"]["metadata"]["name"] == "fluent-bit"
    )
    assert monitor["inputs"]["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    assert monitor["inputs"]["spec"]["endpoints"][0]["path"] == "/api/v2/metrics/prometheus"
    assert any("prometheus-operator-crds" in d for d in monitor["dependsOn"])
    service = options(of(config(rendered), "SERVICE")[0])
    assert service["http_server"] == "On" and service["http_port"] == "2020"
    values = rendered.helm_values("fluent-bit")
    assert values["kind"] == "DaemonSet" and values["resources"]["limits"]["memory"]
    release = rendered.releases()["fluent-bit"]["inputs"]
    assert (release["chart"], release["version"]) == (FLUENT_BIT.chart, FLUENT_BIT.version)


def test_grafana_gets_a_logs_datasource(rendered: Rendered) -> None:
    text = rendered.read("helm/kube-prometheus-stack.values.yaml")
    # Grafana has no datasource for OCI Logging Analytics (docs/logging.md).
    assert ("uid: logs" in text) == (cloud(rendered) != "oci")
    if cloud(rendered) == "local":
        assert "datasourceUid: traces" in text and "$${__value.raw}" in text


# --- per cloud ----------------------------------------------------------------------------------------


def test_azure_uses_logs_ingestion_with_the_rule_and_its_streams(renders: dict[str, Rendered]) -> None:
    rendered = renders["prod"]
    outputs = of(config(rendered), "OUTPUT", "azure_logs_ingestion")
    assert len(outputs) == 2
    rule = rendered.of_type("azure-native:monitor:DataCollectionRule")[0]["inputs"]
    declared = set(rule["streamDeclarations"])
    flows = {s for flow in rule["dataFlows"] for s in flow["streams"]}
    tables = {t["inputs"]["tableName"] for t in rendered.of_type("azure-native:operationalinsights:Table")}
    for output in outputs:
        opts = options(output)
        assert opts["dcr_id"] == COMPUTED_OUTPUTS["azure-native:monitor:DataCollectionRule"]["immutableId"]
        assert opts["dce_url"].startswith("https://") and opts["dce_url"].endswith(".ingest.monitor.azure.com")
        assert f"Custom-{opts['table_name']}" in declared & flows
        assert opts["table_name"] in tables
    for stream, declaration in rule["streamDeclarations"].items():
        types = {c["type"] for c in declaration["columns"]}
        assert types <= {"string", "datetime", "dynamic"} and "datetime" in types, stream
    for table in rendered.of_type("azure-native:operationalinsights:Table"):
        assert {"name": "TimeGenerated", "type": "dateTime"} in table["inputs"]["schema"]["columns"]


def test_azure_retention_identity_and_scope(renders: dict[str, Rendered]) -> None:
    rendered = renders["prod"]
    settings = logging_settings(rendered)
    workspace = rendered.of_type("azure-native:operationalinsights:Workspace")[0]
    assert workspace["inputs"]["retentionInDays"] == settings["retentionDays"] and workspace["protect"]
    tables = {t["inputs"]["tableName"]: t for t in rendered.of_type("azure-native:operationalinsights:Table")}
    assert tables["TodoContainerLogs_CL"]["inputs"]["totalRetentionInDays"] == settings["retentionDays"]
    assert tables["TodoAuditLogs_CL"]["inputs"]["totalRetentionInDays"] == settings["auditRetentionDays"]
    assert all(t["protect"] for t in tables.values())
    rule = rendered.of_type("azure-native:monitor:DataCollectionRule")[0]
    publishers = [
        r
        for r in rendered.of_type("azure-native:authorization:RoleAssignment")
        if r["inputs"]["roleDefinitionId"].endswith(MONITORING_METRICS_PUBLISHER)
    ]
    assert len(publishers) == 1
    assert publishers[0]["inputs"]["scope"] == f"{rule['name']}-id", "scoped to the rule only"
    secret = rendered.named("logging-azure-sink-ingestion-secret")
    assert secret_masked(secret["inputs"]["stringData"])
    searches = rendered.of_type("azure-native:operationalinsights:SavedSearch")
    assert {s["inputs"]["displayName"] for s in searches} == {
        "Errors by service",
        "All logs of one trace_id",
        "Audit trail of one task",
    }


def test_gcp_output_buckets_sinks_and_identity(renders: dict[str, Rendered]) -> None:
    rendered = renders["prod-gcp"]
    outputs = [options(o) for o in of(config(rendered), "OUTPUT", "stackdriver")]
    assert len(outputs) == 2
    for opts in outputs:
        assert opts["resource"] == "k8s_container"
        assert (opts["k8s_cluster_name"], opts["k8s_cluster_location"]) == ("todo-prod-gke", "europe-west1")
    settings = logging_settings(rendered)
    buckets = {
        b["inputs"]["bucketId"]: b for b in rendered.of_type("gcp:logging/projectBucketConfig:ProjectBucketConfig")
    }
    assert buckets["todo-prod-gke-logs"]["inputs"]["retentionDays"] == settings["retentionDays"]
    assert buckets["todo-prod-gke-audit"]["inputs"]["retentionDays"] == settings["auditRetentionDays"]
    assert all(b["protect"] for b in buckets.values())
    sinks = {s["inputs"]["name"]: s["inputs"] for s in rendered.of_type("gcp:logging/projectSink:ProjectSink")}
    for key, log_name in (("logs", "todo-containers"), ("audit", "todo-audit")):
        sink = sinks[f"todo-prod-gke-{key}"]
        assert sink["destination"].endswith(f"/buckets/todo-prod-gke-{key}")
        assert matches(sink["filter"], gke_entry(log_name))
    exclusion = rendered.of_type("gcp:logging/projectExclusion:ProjectExclusion")[0]["inputs"]
    assert matches(exclusion["filter"], gke_entry("todo-containers"))
    assert matches(exclusion["filter"], gke_entry("todo-audit"))
    members = {m["inputs"]["member"] for m in rendered.of_type("gcp:serviceaccount/iAMMember:IAMMember")}
    assert "serviceAccount:todo-prod.svc.id.goog[logging/fluent-bit]" in members
    roles = {m["inputs"]["role"] for m in rendered.of_type("gcp:projects/iAMMember:IAMMember")}
    assert "roles/logging.logWriter" in roles
    annotations = rendered.helm_values("fluent-bit")["serviceAccount"]["annotations"]
    assert annotations["iam.gke.io/gcp-service-account"].endswith(".iam.gserviceaccount.com")
    assert len(rendered.of_type("gcp:logging/savedQuery:SavedQuery")) == 3


def test_oci_log_groups_and_retention_tasks(renders: dict[str, Rendered]) -> None:
    rendered = renders["prod-oci"]
    settings = logging_settings(rendered)
    groups = rendered.of_type("oci:LogAnalytics/logAnalyticsLogGroup:LogAnalyticsLogGroup")
    assert len(groups) == 2 and all(g["protect"] for g in groups)
    tasks = {
        t["inputs"]["displayName"]: t["inputs"]
        for t in rendered.of_type("oci:LogAnalytics/namespaceScheduledTask:NamespaceScheduledTask")
    }
    durations = {name.split("-retention")[0]: task["action"]["purgeDuration"] for name, task in tasks.items()}
    assert durations == {
        "todo-prod-oke-logs": f"-P{settings['retentionDays']}D",
        "todo-prod-oke-audit": f"-P{settings['auditRetentionDays']}D",
    }
    ids = {options(o)["oci_la_log_group_id"] for o in of(config(rendered), "OUTPUT", "oracle_log_analytics")}
    assert ids == {f"{g['name']}-id" for g in groups}
    assert secret_masked(rendered.named("logging-oci-sink-api-key")["inputs"]["stringData"])


def test_local_loki_keeps_audit_longer(renders: dict[str, Rendered]) -> None:
    values = renders["local"].helm_values("loki")
    limits = values["loki"]["limits_config"]
    assert limits["retention_period"] == "168h"  # development default: 7 days
    assert limits["retention_stream"] == [{"selector": '{log_type="audit"}', "priority": 1, "period": "720h"}]
    assert values["loki"]["compactor"]["retention_enabled"] is True
    assert values["deploymentMode"] == "Monolithic" and values["singleBinary"]["replicas"] == 1


def test_stateful_log_stores_are_protected_in_production(renders: dict[str, Rendered]) -> None:
    stateful = (
        "azure-native:operationalinsights:Workspace",
        "azure-native:operationalinsights:Table",
        "gcp:logging/projectBucketConfig:ProjectBucketConfig",
        "oci:LogAnalytics/logAnalyticsLogGroup:LogAnalyticsLogGroup",
    )
    found = 0
    for stack in PRODUCTION_STACKS:
        for type_token in stateful:
            for resource in renders[stack].of_type(type_token):
                found += 1
                assert resource["protect"], (stack, resource["name"])
    assert found >= 7


# --- config --------------------------------------------------------------------------------------------

GCP: dict[str, Any] = {
    "environment": "production",
    "cloud": "gcp",
    "cluster": {"name": "gke", "location": "europe-west1"},
    "gcp": {"project": "todo-test", "region": "europe-west1"},
    "alerting": {"receivers": {"pagerduty": {"enabled": True}}},
}
OCI: dict[str, Any] = {
    "environment": "production",
    "cloud": "oci",
    "oci": {"compartmentId": "ocid1.compartment.oc1..test", "region": "eu-frankfurt-1", "objectStorageNamespace": "ns"},
}


def with_logging(base: dict[str, Any], **logging: Any) -> dict[str, Any]:
    raw = copy.deepcopy(base)
    raw["logging"] = logging
    return raw


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (with_logging(AZURE, retentionDays=20), "todo-observability:logging.retentionDays must be >= 30"),
        (
            with_logging(AZURE, retentionDays=60, auditRetentionDays=30),
            "todo-observability:logging.auditRetentionDays must be >= logging.retentionDays (60)",
        ),
        (with_logging(AZURE, retentionDays=800, auditRetentionDays=900), "must be between 4 and 730 on Azure"),
        (with_logging(GCP, auditRetentionDays=4000), "todo-observability:logging.auditRetentionDays must be <= 3650"),
        (with_logging(OCI, bufferLimit="2GB"), "todo-observability:logging.bufferLimit"),
    ],
)
def test_bad_logging_config_is_rejected(raw: dict[str, Any], expected: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_settings(raw, "bad")
    assert expected in str(error.value)


def test_oci_retention_is_not_limited_to_30_day_steps() -> None:
    settings = parse_settings(with_logging(stack_sections("prod-oci"), retentionDays=45, auditRetentionDays=400), "oci")
    assert (settings.logging.retention_days, settings.logging.audit_retention_days) == (45, 400)


# --- review fixes: long lines, parsers, probes -----------------------------------------------------------

UNIT = {"k": 1024, "m": 1024**2, "g": 1024**3}


def size_bytes(text: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", text).groups()  # type: ignore[union-attr]
    return int(number) * UNIT.get(unit.lower(), 1)


def test_long_json_lines_are_read_not_skipped(rendered: Rendered) -> None:
    tail = options(of(config(rendered), "INPUT", "tail")[0])
    assert tail["skip_long_lines"] == "On"
    # Without Buffer_Max_Size the tail input keeps its 32k default and skips any longer line, e.g. a
    # JSON record whose exc_info holds a long traceback.
    assert "buffer_max_size" in tail, "Skip_Long_Lines drops every line longer than the 32k default"
    record = '{"level":"ERROR","exc_info":"' + "Traceback line\\n" * 6000 + '"}'
    assert len(record) > 32 * 1024
    assert size_bytes(tail["buffer_max_size"]) >= len(record) + 200  # + the CRI/docker prefix
    assert size_bytes(tail["buffer_chunk_size"]) <= size_bytes(tail["buffer_max_size"])


def test_parsers_pods_may_request_are_loaded(rendered: Rendered) -> None:
    kubernetes = options(of(config(rendered), "FILTER", "kubernetes")[0])
    service = of(config(rendered), "SERVICE")[0]
    parser_files = all_values(service, "Parsers_File")
    if kubernetes["k8s-logging.parser"] == "On":
        # `fluentbit.io/parser: nginx` only works if the image's standard parsers are registered.
        assert "/fluent-bit/etc/parsers.conf" in parser_files
    assert "/fluent-bit/etc/conf/custom_parsers.conf" in parser_files


def test_probes_do_not_fail_while_fluent_bit_buffers_a_sink_outage(rendered: Rendered) -> None:
    values = rendered.helm_values("fluent-bit")
    health_endpoints = {"/api/v1/health", "/api/v2/health"}
    # The chart's readiness probe reads /api/v2/health, which fails after a few failed flushes: our
    # values must override it, or every pod goes NotReady during an outage that buffering absorbs.
    readiness, liveness = values["readinessProbe"]["httpGet"], values["livenessProbe"]["httpGet"]
    assert readiness["path"] not in health_endpoints and readiness["port"] == "http"
    assert liveness["path"] not in health_endpoints and liveness["port"] == "http"


# --- review fixes: GCP stacks sharing a project ------------------------------------------------------------

OTHER_CLUSTER = "todo-staging-gke"


def gke_entry(log_name: str, cluster: str = "todo-prod-gke", location: str = "europe-west1") -> dict[str, str]:
    return {
        "logName": f"projects/todo-prod/logs/{log_name}",
        "resource.type": "k8s_container",
        "resource.labels.cluster_name": cluster,
        "resource.labels.location": location,
    }


def matches(log_filter: str, entry: dict[str, str]) -> bool:
    """Cloud Logging filters of the form `(a="x" AND b="y") OR (...)`, the only form the sinks use."""
    for alternative in re.split(r"\)\s+OR\s+\(|\s+OR\s+", log_filter.strip()):
        terms = re.split(r"\s+AND\s+", alternative.strip().strip("()"))
        pairs = [re.fullmatch(r'([\w.]+)="([^"]*)"', term.strip()) for term in terms]
        assert all(pairs), f"unexpected filter syntax: {alternative!r}"
        if all(entry.get(p.group(1)) == p.group(2) for p in pairs if p):
            return True
    return False


def test_gcp_filters_and_names_are_scoped_to_the_cluster(renders: dict[str, Rendered]) -> None:
    rendered = renders["prod-gcp"]
    sinks = [s["inputs"] for s in rendered.of_type("gcp:logging/projectSink:ProjectSink")]
    exclusion = rendered.of_type("gcp:logging/projectExclusion:ProjectExclusion")[0]["inputs"]
    for log_name in ("todo-containers", "todo-audit"):
        other = gke_entry(log_name, cluster=OTHER_CLUSTER)
        same_name_elsewhere = gke_entry(log_name, location="us-central1")
        for log_filter in [s["filter"] for s in sinks] + [exclusion["filter"]]:
            assert not matches(log_filter, other), "another stack's logs would be routed or excluded here"
            assert not matches(log_filter, same_name_elsewhere)
        assert sum(matches(s["filter"], gke_entry(log_name)) for s in sinks) == 1
    queries = rendered.of_type("gcp:logging/savedQuery:SavedQuery")
    assert all(q["inputs"]["name"].startswith("todo-prod-gke-") for q in queries)
    for query in queries:
        assert 'resource.labels.cluster_name="todo-prod-gke"' in query["inputs"]["loggingQuery"]["filter"]
    names = [s["name"] for s in sinks] + [exclusion["name"]] + [q["inputs"]["name"] for q in queries]
    assert all("todo-prod-gke" in name for name in names)


def test_gcp_audit_bucket_is_locked_in_production_only(renders: dict[str, Rendered]) -> None:
    buckets = {
        b["inputs"]["bucketId"]: b["inputs"]
        for b in renders["prod-gcp"].of_type("gcp:logging/projectBucketConfig:ProjectBucketConfig")
    }
    assert buckets["todo-prod-gke-audit"]["locked"] is True
    assert not buckets["todo-prod-gke-logs"].get("locked")
    from components.gcp.log_sink import audit_bucket_locked

    assert not audit_bucket_locked("audit", production=False)


def test_grafana_reader_can_read_cloud_trace_and_grafana_runs_as_it(renders: dict[str, Rendered]) -> None:
    rendered = renders["prod-gcp"]
    reader = rendered.named("logging-gcp-sink-grafana-reader")
    email = f"{reader['name']}@mock-project.iam.gserviceaccount.com"
    roles = {
        m["inputs"]["role"]
        for m in rendered.of_type("gcp:projects/iAMMember:IAMMember")
        if m["inputs"]["member"] == f"serviceAccount:{email}"
    }
    # Logs are read through the buckets' views (tests/test_gcp_logging.py), not a project-wide role.
    assert roles == {"roles/cloudtrace.user"}
    grafana = rendered.helm_values("kube-prometheus-stack")["grafana"]
    assert grafana["serviceAccount"]["annotations"] == {"iam.gke.io/gcp-service-account": email}
    datasources = {d["uid"]: d for d in grafana["additionalDataSources"]}
    # Both Google datasources authenticate as the pod (metadata server = the reader above).
    assert {datasources[uid]["jsonData"]["authenticationType"] for uid in ("logs", "traces")} == {"gce"}


def test_gcp_identity_helpers_are_the_only_place_of_the_member_format(renders: dict[str, Rendered]) -> None:
    from pathlib import Path

    from components.gcp.identity import account_id

    for cluster in ("todo", "a-very-long-cluster-name-for-production-use"):
        for suffix in ("logs", "grafana", "otel", "thanos"):
            generated = account_id(cluster, suffix)
            assert re.fullmatch(r"[a-z][-a-z0-9]{4,28}[a-z0-9]", generated) and generated.endswith("-" + suffix)
    accounts = [a["inputs"]["accountId"] for a in renders["prod-gcp"].of_type("gcp:serviceaccount/account:Account")]
    assert len(accounts) == len(set(accounts)) >= 3
    root = Path(__file__).resolve().parents[1] / "components"
    writers = {p.relative_to(root).as_posix() for p in root.rglob("*.py") if "svc.id.goog" in p.read_text()}
    assert writers == {"gcp/identity.py"}
    role_ids = {
        p.relative_to(root).as_posix() for p in root.rglob("*.py") if "Authorization/roleDefinitions" in p.read_text()
    }
    assert role_ids == {"azure/roles.py"}


# --- review fixes: Azure credentials, Grafana's one reader, audit retention ---------------------------------


def test_azure_client_secrets_expire_and_rotate_with_restarts(renders: dict[str, Rendered]) -> None:
    rendered = renders["prod"]
    passwords = rendered.of_type("azuread:index/applicationPassword:ApplicationPassword")
    assert len(passwords) == 2
    for password in passwords:
        inputs = password["inputs"]
        assert inputs.get("endDate") or inputs.get("endDateRelative"), "a secret without an end date expires silently"
        # A fixed end date: 365 days (azure.clientSecretValidityDays) after the prod stack's rotation date
        # (tests/test_azure_identity.py); the deprecated end_date_relative is not used.
        assert inputs["endDate"] == "2027-12-01T00:00:00Z" and "endDateRelative" not in inputs
        assert inputs["rotateWhenChanged"] == {"rotation": "2026-12"}
    from tools.mocks import _fill

    key_ids = {_fill("66666666-0000-0000-0000-{hash}", p["name"]) for p in passwords}
    fluent_bit = rendered.helm_values("fluent-bit")["podAnnotations"]
    grafana = rendered.helm_values("kube-prometheus-stack")["grafana"]["podAnnotations"]
    # A rotated secret changes its key id, so each reader's pods restart and read the new value.
    assert set(fluent_bit.values()) | set(grafana.values()) == key_ids
    assert set(fluent_bit.values()) != set(grafana.values())


def test_azure_grafana_reads_logs_and_traces_as_one_reader(renders: dict[str, Rendered]) -> None:
    rendered = renders["prod"]
    grafana = rendered.helm_values("kube-prometheus-stack")["grafana"]
    datasources = {d["uid"]: d for d in grafana["additionalDataSources"]}
    env_secrets = {e["name"] for e in grafana["envFromSecrets"]}
    reader_secret = next(
        s
        for s in rendered.of_type("kubernetes:core/v1:Secret")
        if s["inputs"]["metadata"]["name"] in env_secrets and "grafana" in s["name"]
    )
    assert secret_masked(reader_secret["inputs"]["stringData"])
    for uid in ("logs", "traces"):
        json_data, secure = datasources[uid]["jsonData"], datasources[uid]["secureJsonData"]
        assert json_data["azureAuthType"] == "clientsecret", "Grafana has no workload identity configured"
        assert json_data["clientId"] == "$__env{AZURE_GRAFANA_READER_CLIENT_ID}"
        assert secure["clientSecret"] == "$__env{AZURE_GRAFANA_READER_CLIENT_SECRET}"
    reader = rendered.named("logging-azure-sink-grafana-reader-sp")
    from tools.mocks import _fill

    reader_id = _fill("55555555-0000-0000-0000-{hash}", reader["name"])
    (insights,) = rendered.of_type("azure-native:applicationinsights:Component")
    grants = {
        (r["inputs"]["scope"], r["inputs"]["roleDefinitionId"].rsplit("/", 1)[1])
        for r in rendered.of_type("azure-native:authorization:RoleAssignment")
        if r["inputs"]["principalId"] == reader_id
    }
    workspace = rendered.of_type("azure-native:operationalinsights:Workspace")[0]
    assert grants == {
        (f"{workspace['name']}-id", "73c42c96-874c-492b-b04d-ab87d138a893"),  # Log Analytics Reader
        (f"{insights['name']}-id", "acdd72a7-3385-48ef-bd42-f606fba81ae7"),  # Reader, App Insights only
    }


def test_azure_audit_table_is_interactive_for_90_days_then_archived(renders: dict[str, Rendered]) -> None:
    rendered = renders["prod"]
    settings = logging_settings(rendered)
    tables = {t["inputs"]["tableName"]: t["inputs"] for t in rendered.of_type("azure-native:operationalinsights:Table")}
    audit = tables["TodoAuditLogs_CL"]
    assert (audit["retentionInDays"], audit["totalRetentionInDays"]) == (90, settings["auditRetentionDays"])
    from components.azure.log_sink import audit_retention

    assert audit_retention(90, 30) == (30, 30), "never more interactive days than kept in all"
    assert audit_retention(90, 4000) == (90, 4000)


# --- Grafana's one cloud identity (issue #19): built once by the platform, granted read by the log sink ------

IDENTITY_TYPES = {
    "prod": "todo-observability:grafana:AzureGrafanaIdentity",
    "prod-gcp": "todo-observability:grafana:GcpGrafanaIdentity",
}
# What each identity holds: the resources the log sink created before issue #19, under the same names.
IDENTITY_RESOURCES = {
    "prod": {
        "logging-azure-sink-grafana-reader-app",
        "logging-azure-sink-grafana-reader-sp",
        "logging-azure-sink-grafana-reader-password",
        "logging-azure-sink-grafana-reader-secret",
    },
    "prod-gcp": {"logging-gcp-sink-grafana-reader", "logging-gcp-sink-grafana-reader-workload-identity"},
}


@pytest.mark.parametrize("stack", sorted(IDENTITY_TYPES))
def test_grafana_identity_is_its_own_component_and_the_sink_only_grants_it(
    renders: dict[str, Rendered], stack: str
) -> None:
    rendered = renders[stack]
    (identity,) = rendered.of_type(IDENTITY_TYPES[stack])
    assert identity["parent"] is None, "a top-level component, given to logging and tracing"
    owner = f"{identity['type']}::{identity['name']}"
    assert {r["name"] for r in rendered.resources if r["parent"] == owner} == IDENTITY_RESOURCES[stack]
    sink = next(
        r for r in rendered.resources if r["type"].startswith("todo-observability:logging:") and "Sink" in r["type"]
    )
    grants = {r["name"] for r in rendered.resources if r["parent"] == f"{sink['type']}::{sink['name']}"}
    assert any("grafana-reader" in name for name in grants), "the sink grants Grafana read on the logs"
    assert not grants & IDENTITY_RESOURCES[stack]


def test_platforms_without_a_cloud_reader_build_no_grafana_identity(renders: dict[str, Rendered]) -> None:
    for stack in ("local", "prod-oci"):
        assert not [r for r in renders[stack].resources if r["type"].startswith("todo-observability:grafana:")]


# The URNs that stacks created before issue #19 hold for what moved from the log sink to Grafana's identity,
# as the engine builds them: every parent's type, '$'-joined, then the resource's own.
FORMER_URNS = {
    "prod": {
        "logging-azure-sink-grafana-reader-app": "urn:pulumi:prod::todo-observability::"
        "todo-observability:logging:LoggingPipeline$todo-observability:logging:AzureLogSink$"
        "azuread:index/application:Application::logging-azure-sink-grafana-reader-app",
        "logging-azure-sink-grafana-reader-sp": "urn:pulumi:prod::todo-observability::"
        "todo-observability:logging:LoggingPipeline$todo-observability:logging:AzureLogSink$"
        "azuread:index/servicePrincipal:ServicePrincipal::logging-azure-sink-grafana-reader-sp",
        "logging-azure-sink-grafana-reader-password": "urn:pulumi:prod::todo-observability::"
        "todo-observability:logging:LoggingPipeline$todo-observability:logging:AzureLogSink$"
        "azuread:index/applicationPassword:ApplicationPassword::logging-azure-sink-grafana-reader-password",
        "logging-azure-sink-grafana-reader-secret": "urn:pulumi:prod::todo-observability::"
        "todo-observability:logging:LoggingPipeline$todo-observability:logging:AzureLogSink$"
        "kubernetes:core/v1:Secret::logging-azure-sink-grafana-reader-secret",
    },
    "prod-gcp": {
        "logging-gcp-sink-grafana-reader": "urn:pulumi:prod-gcp::todo-observability::"
        "todo-observability:logging:LoggingPipeline$todo-observability:logging:GcpLogSink$"
        "gcp:serviceaccount/account:Account::logging-gcp-sink-grafana-reader",
        "logging-gcp-sink-grafana-reader-workload-identity": "urn:pulumi:prod-gcp::todo-observability::"
        "todo-observability:logging:LoggingPipeline$todo-observability:logging:GcpLogSink$"
        "gcp:serviceaccount/iAMMember:IAMMember::logging-gcp-sink-grafana-reader-workload-identity",
    },
}
# Moved out of the GCP sink too, to the tracing capability (tests/test_tracing.py checks its alias).
CLOUD_TRACE_GRANT = "logging-gcp-sink-grafana-reader-traces"


@pytest.mark.parametrize("stack", sorted(FORMER_URNS))
def test_moved_identity_resources_alias_the_urns_existing_stacks_hold(stack: str) -> None:
    """`pulumi up` moves them instead of replacing them (a new app registration or service account
    would mean a new client id or email): the alias each one sends resolves, as the engine resolves
    it, to the URN it has in a stack created under the log sink."""
    from tests.engine_aliases import registrations

    sent = registrations(stack)
    assert set(FORMER_URNS[stack]) == IDENTITY_RESOURCES[stack]
    for name, former in FORMER_URNS[stack].items():
        assert sent.former_urns_elsewhere(name) == [former], name
        assert sent.engine_urn(sent.named(name)) != former, f"{name} has not moved"
        assert not sent.parent_has_aliases(name), name
    # Nothing else changed parents: every other alias (the providers' own) names a former type only.
    assert sent.moved() == set(FORMER_URNS[stack]) | ({CLOUD_TRACE_GRANT} if stack == "prod-gcp" else set())


def test_logging_args_carry_sections_not_the_whole_config() -> None:
    """Sections, not the whole config; the platform's own secrets, not all of them; the one provider
    the sink's IAM writes need, not the platform's bundle of providers."""
    import pulumi

    from components.azure.grafana_identity import AzureGrafanaIdentityArgs
    from components.gcp.grafana_identity import GcpGrafanaIdentityArgs
    from components.grafana_identity import GrafanaIdentity, GrafanaIdentityArgs
    from components.log_sink import LogSinkArgs
    from components.logging import LoggingPipelineArgs
    from tests.arg_types import wide_fields

    for args in (
        LoggingPipelineArgs,
        LogSinkArgs,
        GrafanaIdentityArgs,
        AzureGrafanaIdentityArgs,
        GcpGrafanaIdentityArgs,
    ):
        assert wide_fields(args, GrafanaIdentity=GrafanaIdentity) == {}, args.__name__
    for args in (LoggingPipelineArgs, LogSinkArgs):
        hints = typing.get_type_hints(args, localns={"GrafanaIdentity": GrafanaIdentity})
        assert hints["identity_provider"] == pulumi.ProviderResource | None, args.__name__
        assert hints["platform_secrets"] == dict[str, pulumi.Output[str]], args.__name__


def test_the_oci_sink_reads_only_the_secrets_its_platform_declares() -> None:
    """The sink's secrets are its platform's `required_secrets` (the config's rules check them), and it
    reads no other."""
    from components.oci.platform import OCI

    text = (ROOT / "components/oci/log_sink.py").read_text()
    assert set(re.findall(r'platform_secrets\["(\w+)"\]', text)) == set(OCI.rules.required_secrets)


def test_logging_components_inherit_providers_and_build_monitors_one_way() -> None:
    """Children get the cloud's provider from the component's `providers=` option (one named exception:
    OCI's home region for IAM), and Fluent Bit's ServiceMonitor comes from the shared monitor builder."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "components"
    modules = [root / "logging.py", root / "log_sink.py", root / "grafana_identity.py"]
    modules += [*root.glob("*/log_sink.py"), *root.glob("*/grafana_identity.py"), root / "azure/app_registration.py"]
    for module in modules:
        text = module.read_text()
        assert "k8s_opts" not in text and "CustomResource(" not in text, module.name
        explicit = re.findall(r"provider=([\w.]+)", text)
        assert explicit in ([], ["args.identity_provider"]), (module, explicit)


def test_the_pipeline_says_which_outputs_it_registers() -> None:
    import ast
    import inspect

    from components.logging import LoggingPipeline

    source = inspect.getsource(LoggingPipeline)
    registered = next(
        node.args[0]
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "register_outputs"
    )
    assert isinstance(registered, ast.Dict)
    keys = {k.value for k in registered.keys if isinstance(k, ast.Constant)}
    doc = " ".join((inspect.getdoc(LoggingPipeline) or "").split())
    claimed = set(re.findall(r"`(\w+)`", doc.split("Registered output", 1)[1])) if "Registered output" in doc else set()
    assert claimed == keys == {"release"}


def test_merging_grafana_inputs_refuses_two_identities() -> None:
    import pulumi

    from contracts.inputs import GrafanaInputs, merge_grafana_inputs

    key = "iam.gke.io/gcp-service-account"
    email = pulumi.Output.from_input("reader@p.iam.gserviceaccount.com")
    logs = GrafanaInputs(service_account_annotations={key: email})
    traces = GrafanaInputs(service_account_annotations={key: email})
    assert merge_grafana_inputs(logs, traces).service_account_annotations == {key: email}
    other = GrafanaInputs(service_account_annotations={key: "writer@p.iam.gserviceaccount.com"})
    with pytest.raises(ValueError, match="contributed twice with different values"):
        merge_grafana_inputs(GrafanaInputs(service_account_annotations={key: "reader@p"}), other)


# --- review fixes: OCI ----------------------------------------------------------------------------------------


def test_oci_saved_searches_upload_policy_and_generated_config(renders: dict[str, Rendered]) -> None:
    import json

    from render.fluent_bit import oci_config_file

    rendered = renders["prod-oci"]
    searches = rendered.of_type("oci:ManagementDashboard/managementSavedSearch:ManagementSavedSearch")
    assert {s["inputs"]["displayName"].split(" (")[0] for s in searches} == {
        "Errors by service",
        "All logs of one trace_id",
        "Audit trail of one task",
    }
    for search in searches:
        ui = json.loads(search["inputs"]["uiConfig"])
        assert search["inputs"]["providerId"] == "log-analytics"
        # Every search is scoped to this cluster's log groups, not the whole tenancy's logs.
        assert "'todo-prod-oke-" in ui["queryString"]
    (policy,) = [p for p in rendered.of_type("oci:Identity/policy:Policy") if "log-upload" in p["inputs"]["name"]]
    compartment = "ocid1.compartment.oc1..aaaaaaaatodoobservabilityprod"
    assert policy["inputs"]["statements"] == [
        f"Allow group 'Default'/'todo-log-uploaders' to {{LOG_ANALYTICS_LOG_GROUP_UPLOAD_LOGS}} "
        f"in compartment id {compartment}"
    ]
    config_text = oci_config_file("ocid1.user.oc1..u", "ab:cd", "ocid1.tenancy.oc1..t", "eu-frankfurt-1")
    key_file = re.search(r"^key_file=(.+)$", config_text, re.MULTILINE).group(1)  # type: ignore[union-attr]
    config_location = options(of(config(rendered), "OUTPUT", "oracle_log_analytics")[0])["config_file_location"]
    values = rendered.helm_values("fluent-bit")
    secret_volumes = {v["name"]: v["secret"]["secretName"] for v in values["extraVolumes"] if "secret" in v}
    mounts = {m["mountPath"]: m["name"] for m in values["extraVolumeMounts"] if m["name"] in secret_volumes}
    # The config file and the key it names are both in the one mounted Secret.
    mount_dir = key_file.rsplit("/", 1)[0]
    assert mount_dir == config_location.rsplit("/", 1)[0] and mount_dir in mounts
    secret = next(
        s
        for s in rendered.of_type("kubernetes:core/v1:Secret")
        if s["inputs"]["metadata"]["name"] == secret_volumes[mounts[mount_dir]]
    )
    assert secret_masked(secret["inputs"]["stringData"])
    assert "ociLogAnalyticsConfig" not in rendered.read("secrets-to-set.txt")
    assert "ociLogAnalyticsPrivateKey" in rendered.read("secrets-to-set.txt")


def test_logging_imports_only_the_current_clouds_sdk() -> None:
    import subprocess
    import sys

    probe = (
        "import sys, components.logging; "
        "clouds = ('pulumi_azure', 'pulumi_gcp', 'pulumi_oci'); "
        "print(sorted({m.split('.')[0] for m in sys.modules if m.startswith(clouds)}))"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


OCI_UPLOAD = {
    "tenancyId": "ocid1.tenancy.oc1..t",
    "logUploadUserId": "ocid1.user.oc1..u",
    "logUploadKeyFingerprint": ":".join(["ab"] * 16),
    "logUploadGroup": "log-uploaders",
}


def with_oci(**oci: Any) -> dict[str, Any]:
    raw = copy.deepcopy(OCI)
    raw["oci"] = {**raw["oci"], **OCI_UPLOAD, **oci}
    return raw


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (with_oci(tenancyId=""), "todo-observability:oci.tenancyId is required when cloud is oci"),
        (with_oci(logUploadUserId="ocid1.group.oc1..g"), "todo-observability:oci.logUploadUserId must be a user OCID"),
        (with_oci(logUploadKeyFingerprint="abcd"), "todo-observability:oci.logUploadKeyFingerprint must be"),
        (with_oci(logUploadGroup="a b"), "todo-observability:oci.logUploadGroup must be an IAM group name"),
        (
            with_logging(AZURE, interactiveAuditRetentionDays=1000),
            "todo-observability:logging.interactiveAuditRetentionDays",
        ),
    ],
)
def test_bad_review_fix_config_is_rejected(raw: dict[str, Any], expected: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_settings(raw, "bad")
    assert expected in str(error.value)


def test_complete_oci_upload_config_is_accepted() -> None:
    raw = stack_sections("prod-oci")
    raw["oci"] = {**raw["oci"], "logUploadGroup": "Default/log-uploaders"}
    settings = parse_settings(raw, "oci")
    assert settings.oci is not None and settings.oci.log_upload_group == "Default/log-uploaders"


# --- review of the first deploy (issue 14): OCI record shape, duplicates, placement ----------------


def test_no_filter_emits_a_record_twice(rendered: Rendered) -> None:
    """The `python` multiline filter re-emitted the line after a traceback a second time (with only
    `log` and the previous timestamp). Tracebacks arrive inside the app's JSON line (`exc_info`), so
    no multiline filter runs; the only emitter left, rewrite_tag, moves records (KEEP false), and the
    tail input joins only the runtime's own partial lines (docker, cri)."""
    sections = config(rendered)
    assert of(sections, "FILTER", "multiline") == []
    assert not any("python" in v for f in of(sections, "FILTER") for v in all_values(f, "multiline.parser"))
    for rewrite in of(sections, "FILTER", "rewrite_tag"):
        assert all(rule.split(" ")[-1] == "false" for rule in all_values(rewrite, "rule"))
    tail = options(of(sections, "INPUT", "tail")[0])
    assert {p.strip() for p in tail["multiline.parser"].split(",")} == {"docker", "cri"}


def tolerates(tolerations: list[dict[str, str]], taint: dict[str, str]) -> bool:
    """Kubernetes' toleration matching (core/v1 Toleration.ToleratesTaint)."""
    for t in tolerations:
        if t.get("effect") and t["effect"] != taint["effect"]:
            continue
        if t.get("operator", "Equal") == "Exists":
            if not t.get("key") or t["key"] == taint["key"]:
                return True
        elif t.get("key") == taint["key"] and t.get("value", "") == taint.get("value", ""):
            return True
    return False


def test_fluent_bit_runs_on_linux_nodes_only_and_never_on_virtual_nodes(rendered: Rendered) -> None:
    values = rendered.helm_values("fluent-bit")
    assert values["nodeSelector"] == {"kubernetes.io/os": "linux"}
    terms = values["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    # One term (terms are ORed): every node must pass the exclusion.
    assert len(terms) == 1
    assert {"key": "type", "operator": "NotIn", "values": ["virtual-kubelet"]} in terms[0]["matchExpressions"]
    tolerations = values["tolerations"]
    # AKS virtual nodes (virtual-kubelet/ACI) and Windows pools are tainted; neither may be tolerated.
    assert not tolerates(tolerations, {"key": "virtual-kubelet.io/provider", "value": "azure", "effect": "NoSchedule"})
    assert not tolerates(tolerations, {"key": "os", "value": "windows", "effect": "NoSchedule"})
    # Ordinary pools that run workloads with taints keep their log shipper.
    for taint in (
        {"key": "CriticalAddonsOnly", "value": "true", "effect": "NoSchedule"},
        {"key": "node-role.kubernetes.io/control-plane", "value": "", "effect": "NoSchedule"},
        {"key": "kubernetes.azure.com/scalesetpriority", "value": "spot", "effect": "NoSchedule"},
        {"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"},
    ):
        assert tolerates(tolerations, taint), taint


def lua_filter(rendered: Rendered) -> Any:
    """The rendered Lua filter's function, in LuaJIT (the Lua Fluent Bit embeds)."""
    # lupa is in requirements-dev.txt: a missing one fails here instead of skipping.
    try:
        from lupa import luajit21 as lua_runtime
    except ImportError:  # pragma: no cover - a lupa build without LuaJIT
        from lupa import lua51 as lua_runtime
    section = options(of(config(rendered), "FILTER", "lua")[0])
    script = rendered.read(f"fluent-bit/{section['script'].rsplit('/', 1)[1]}")
    runtime = lua_runtime.LuaRuntime(unpack_returned_tuples=True)
    runtime.execute(script)
    function = runtime.globals()[section["call"]]

    def call(tag: str, timestamp: float, record: dict[str, Any]) -> tuple[int, float, dict[str, Any]]:
        # Fluent Bit pushes a msgpack map or array as a Lua table (flb_lua_pushmsgpack).
        def to_lua(value: Any) -> Any:
            if isinstance(value, dict):
                return runtime.table_from({k: to_lua(v) for k, v in value.items()})
            if isinstance(value, list):
                return runtime.table_from([to_lua(v) for v in value])
            return value

        code, new_timestamp, new_record = function(tag, timestamp, to_lua(record))
        return code, new_timestamp, dict(new_record.items())

    return call


KUBERNETES_METADATA: dict[str, Any] = {
    "pod_name": "chat-api-5c6b-x2x7k",
    "namespace_name": "todo",
    "container_name": "chat-api",
    "host": "oke-node-1",
    "labels": {"app.kubernetes.io/name": "chat-api", "app.kubernetes.io/part-of": "todo"},
    "annotations": {},
}

OCI_RECORDS: dict[str, dict[str, Any]] = {
    # Merge_Log On + Keep_Log Off: the app's JSON fields at the top, no `log`.
    "merged app line": {
        "stream": "stdout",
        "timestamp": "2026-12-01T10:00:00.123Z",
        "level": "ERROR",
        "logger": "chat_api.agent",
        "message": 'tool "add_task" failed: ünïcode ✓',
        "service": "chat-api",
        "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
        "span_id": "00f067aa0ba902b7",
        "request_id": "r-1",
        "exc_info": 'Traceback (most recent call last):\n  File "a.py", line 1\n\tValueError: bad \\ path',
        "kubernetes": KUBERNETES_METADATA,
    },
    # Dapr sidecar JSON: `msg`, not `message`.
    "dapr sidecar line": {
        "stream": "stdout",
        "time": "2026-12-01T10:00:00.5Z",
        "level": "info",
        "msg": "HTTP API Called",
        "app_id": "chat-api",
        "scope": "dapr.runtime.http-info",
        "type": "log",
        "ver": "1.14.4",
        "kubernetes": {**KUBERNETES_METADATA, "container_name": "daprd"},
    },
    "plain text line": {"stream": "stderr", "log": "Killed\x07 (exit 137)", "kubernetes": KUBERNETES_METADATA},
    "audit record": {
        "log_type": "audit",
        "action": "task.completed",
        "task_id": 42,
        "user_id": "u-7",
        "done": True,
        "archived": False,
        "score": -0.25,
        "big": 9007199254740991,
        "tags": ["work", "urgent"],
        "kubernetes": KUBERNETES_METADATA,
    },
    "empty": {},
}


@pytest.mark.parametrize("kind", sorted(OCI_RECORDS))
def test_oci_records_carry_the_whole_record_as_json_in_log(renders: dict[str, Rendered], kind: str) -> None:
    """oracle_log_analytics packs each record's `log` as a string without checking its type, and sizes
    its array by the record count: every record must reach it with a string `log`, and that string is
    all Logging Analytics receives, so it is the whole record as JSON."""
    call = lua_filter(renders["prod-oci"])
    record = OCI_RECORDS[kind]
    timestamp = 1796119200.25  # 2026-12-01T10:00:00.250Z
    code, new_timestamp, new_record = call(AUDIT_TAG if "audit" in kind else CONTAINER_TAG, timestamp, record)
    assert code == 2, "2 = record replaced, timestamp kept (filter_lua)"
    assert new_timestamp == timestamp
    assert set(new_record) == {"log"} and isinstance(new_record["log"], str)
    import json

    shipped = json.loads(new_record["log"])
    event_time = shipped.pop("event_time")
    assert event_time == "2026-12-01T10:00:00.250Z"
    # An empty table is an empty object: Lua cannot tell an empty map from an empty list.
    assert shipped == record


def test_oci_output_gets_only_records_with_a_string_log(renders: dict[str, Rendered]) -> None:
    sections = config(renders["prod-oci"])
    filters = of(sections, "FILTER")
    names = [options(f)["name"] for f in filters]
    lua_at, rewrite_at = names.index("lua"), names.index("rewrite_tag")
    # After rewrite_tag, so audit records (re-emitted under audit.*) pass it once, under their new tag.
    assert lua_at > rewrite_at
    guard = filters[lua_at + 1]
    assert options(guard)["name"] == "grep" and all_values(guard, "regex") == ["log ^"]
    assert lua_at == len(filters) - 2, "nothing may change the record after the guard"
    for output in of(sections, "OUTPUT", "oracle_log_analytics"):
        tag = AUDIT_TAG if options(output)["match"].startswith("audit") else CONTAINER_TAG
        assert fnmatch.fnmatchcase(tag, options(output)["match"])
        for f in (filters[lua_at], guard):
            assert fnmatch.fnmatchcase(tag, options(f)["match"])
    values = renders["prod-oci"].helm_values("fluent-bit")
    script = options(filters[lua_at])["script"]
    assert script == "/fluent-bit/etc/conf/" + next(iter(values["config"]["extraFiles"]))


def test_only_oci_rewrites_records(renders: dict[str, Rendered]) -> None:
    for stack in ("local", "prod", "prod-gcp"):
        assert of(config(renders[stack]), "FILTER", "lua") == [], stack


# --- OCI: the Logging Analytics source that parses the shipped JSON --------------------------------------------

LOG_SOURCE_TYPE = "pulumi-python:dynamic/oci:LogAnalyticsJsonSource"


def json_path(document: dict[str, Any], path: str) -> Any:
    node: Any = document
    for part in path.removeprefix("$.").split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def test_oci_output_names_the_json_source_this_program_creates(renders: dict[str, Rendered]) -> None:
    rendered = renders["prod-oci"]
    (source,) = rendered.of_type(LOG_SOURCE_TYPE)
    inputs = source["inputs"]
    outputs = of(config(rendered), "OUTPUT", "oracle_log_analytics")
    assert len(outputs) == 2
    # Not the Oracle-defined "Kubernetes Container Generic Logs", which parses container lines, not JSON.
    assert {options(o)["oci_la_log_source_name"] for o in outputs} == {inputs["source_name"]}
    assert inputs["source_name"] == "todo-prod-oke JSON records"
    assert inputs["namespace"] == options(outputs[0])["namespace"]
    assert inputs["region"] == "eu-frankfurt-1"
    # Fluent Bit waits for the source: uploads before it exists would be rejected or left unparsed.
    (release,) = [r for r in rendered.of_type("kubernetes:helm.sh/v3:Release") if r["name"] == "fluent-bit"]
    assert any(d.endswith(f"{LOG_SOURCE_TYPE}::{source['name']}") for d in release["dependsOn"])


def test_oci_saved_searches_query_fields_the_parser_fills(renders: dict[str, Rendered]) -> None:
    """Every field a saved search names is a parsed field, and its JSON path holds the value in what
    the Lua filter ships for the record the search is after."""
    import json

    rendered = renders["prod-oci"]
    (source,) = rendered.of_type(LOG_SOURCE_TYPE)
    paths = {f["display_name"]: f["path"] for f in source["inputs"]["fields"]}
    call = lua_filter(rendered)
    app = json.loads(call(CONTAINER_TAG, 1796119200.0, OCI_RECORDS["merged app line"])[2]["log"])
    audit = json.loads(call(AUDIT_TAG, 1796119200.0, OCI_RECORDS["audit record"])[2]["log"])
    expected = {
        "errors-by-service": {"todo_level": (app, "ERROR"), "todo_service": (app, "chat-api")},
        "logs-of-trace": {"todo_trace_id": (app, "4bf92f3577b34da6a3ce929d0e0e4736")},
        "audit-trail-of-task": {"todo_task_id": (audit, 42)},
    }
    searches = {
        s["name"].removeprefix("logging-oci-sink-search-"): json.loads(s["inputs"]["uiConfig"])["queryString"]
        for s in rendered.of_type("oci:ManagementDashboard/managementSavedSearch:ManagementSavedSearch")
    }
    assert set(searches) == set(expected)
    for key, query in searches.items():
        named = set(re.findall(r"'(todo_[a-z_]+)'", query))
        assert named >= set(expected[key]), (key, query)
        assert named <= set(paths), f"{key} queries a field no parser fills: {named - set(paths)}"
        for display_name, (shipped, value) in expected[key].items():
            assert json_path(shipped, paths[display_name]) == value, display_name
    assert "'todo_level' in ('ERROR', 'CRITICAL', 'error', 'fatal')" in searches["errors-by-service"]
    # The Kubernetes metadata is parsed too (nested paths), and the example content holds every path.
    example = json.loads(source["inputs"]["example"])
    assert json_path(app, paths["todo_namespace"]) == KUBERNETES_METADATA["namespace_name"]
    assert all(json_path(example, p) is not None for p in paths.values())


class FakeLogAnalytics:
    """Records the Logging Analytics calls; upsert_field answers with a generated name."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def __getattr__(self, method: str) -> Any:
        from types import SimpleNamespace

        def record(*args: Any) -> Any:
            self.calls.append((method, args))
            if method == "upsert_field":
                request = args[1]
                name = request.get("name") or f"gen_{request['displayName']}"
                return SimpleNamespace(data=SimpleNamespace(name=name))
            return SimpleNamespace(data=None)

        return record


def fake_provider() -> tuple[Any, FakeLogAnalytics]:
    from components.oci.log_source import LogAnalyticsJsonSourceProvider

    provider, fake = LogAnalyticsJsonSourceProvider(), FakeLogAnalytics()
    regions: list[str] = []
    provider.client = lambda region: regions.append(region) or fake  # type: ignore[method-assign]
    fake.regions = regions  # type: ignore[attr-defined]
    return provider, fake


SOURCE_PROPS = {
    "region": "eu-frankfurt-1",
    "namespace": "ns",
    "parser_name": "c-json-records",
    "source_name": "c JSON records",
    "description": "d",
    "example": '{"level":"x","kubernetes":{"pod_name":"p"}}',
    "fields": [
        {"display_name": "todo_level", "path": "$.level"},
        {"display_name": "todo_pod", "path": "$.kubernetes.pod_name"},
    ],
    "field_names": None,
}


def test_oci_log_source_provider_creates_fields_json_parser_and_source() -> None:
    provider, fake = fake_provider()
    result = provider.create(dict(SOURCE_PROPS))
    assert [m for m, _ in fake.calls] == ["upsert_field", "upsert_field", "upsert_parser", "upsert_source"]
    assert fake.calls[0][1] == (
        "ns",
        {"displayName": "todo_level", "description": "$.level", "dataType": "STRING", "isMultiValued": False},
    )
    namespace, parser = fake.calls[2][1]
    assert namespace == "ns"
    assert parser["type"] == "JSON" and parser["name"] == "c-json-records"
    assert parser["exampleContent"] == SOURCE_PROPS["example"]
    assert parser["fieldMaps"] == [
        {"field": {"name": "gen_todo_level"}, "parserFieldExpression": "$.level", "parserFieldSequence": 1},
        {"field": {"name": "gen_todo_pod"}, "parserFieldExpression": "$.kubernetes.pod_name", "parserFieldSequence": 2},
    ]
    _, source = fake.calls[3][1]
    assert source["name"] == "c JSON records" and source["typeName"] == "os_file"
    assert source["parsers"] == [{"name": "c-json-records", "isDefault": True}]
    assert result.id == "ns/c JSON records"
    assert result.outs["field_names"] == {"todo_level": "gen_todo_level", "todo_pod": "gen_todo_pod"}
    assert fake.regions == ["eu-frankfurt-1"]  # type: ignore[attr-defined]


def test_oci_log_source_provider_updates_in_place_and_deletes_in_reverse_order() -> None:
    provider, fake = fake_provider()
    olds = {**SOURCE_PROPS, "field_names": {"todo_level": "f1", "todo_pod": "f2"}}
    news = {**SOURCE_PROPS, "fields": [{"display_name": "todo_level", "path": "$.severity"}]}
    diff = provider.diff("id", olds, news)
    assert diff.changes and not diff.replaces
    renamed = provider.diff("id", olds, {**news, "source_name": "other"})
    assert renamed.replaces == ["source_name"]
    assert not provider.diff("id", olds, dict(olds)).changes
    result = provider.update("id", olds, news)
    methods = [m for m, _ in fake.calls]
    assert methods == ["upsert_field", "upsert_parser", "upsert_source", "delete_field"]
    # The existing field is updated by its name, not created again; the dropped one is deleted.
    assert fake.calls[0][1][1]["name"] == "f1"
    assert fake.calls[1][1][1]["fieldMaps"][0]["parserFieldExpression"] == "$.severity"
    assert fake.calls[3][1] == ("ns", "f2")
    assert result.outs["field_names"] == {"todo_level": "f1"}

    provider, fake = fake_provider()
    provider.delete("id", olds)
    assert fake.calls == [
        ("delete_source", ("ns", "c JSON records")),
        ("delete_parser", ("ns", "c-json-records")),
        ("delete_field", ("ns", "f1")),
        ("delete_field", ("ns", "f2")),
    ]


class LogAnalyticsStore:
    """What Logging Analytics holds, per region: fields, parsers and sources by name."""

    def __init__(self) -> None:
        self.objects: set[tuple[str, str, str]] = set()
        self.region = ""

    def __getattr__(self, method: str) -> Any:
        from types import SimpleNamespace

        verb, kind = method.split("_", 1)

        def call(namespace: str, request: Any) -> Any:
            if verb == "delete":
                self.objects.discard((self.region, kind, request))
                return SimpleNamespace(data=None)
            name = request.get("name") or f"gen_{request['displayName']}"
            self.objects.add((self.region, kind, name))
            return SimpleNamespace(data=SimpleNamespace(name=name))

        return call


@pytest.mark.parametrize(
    "change",
    [{"source_name": "todo-prod JSON records"}, {"region": "eu-amsterdam-1"}, {"parser_name": "other-parser"}],
)
def test_oci_log_source_replaced_leaves_the_new_source_whole(change: dict[str, str]) -> None:
    """The engine creates the replacement first unless told to delete first; either way the new
    source, its parser and its fields must exist afterwards, in the new region."""
    from components.oci.log_source import LogAnalyticsJsonSourceProvider

    provider, store = LogAnalyticsJsonSourceProvider(), LogAnalyticsStore()

    def client(region: str) -> LogAnalyticsStore:
        store.region = region
        return store

    provider.client = client  # type: ignore[method-assign]
    olds = provider.create(dict(SOURCE_PROPS)).outs
    news = {**SOURCE_PROPS, **change}
    diff = provider.diff("id", olds, news)
    assert diff.replaces == list(change)
    if diff.delete_before_replace:
        provider.delete("id", olds)
        outs = provider.create(news).outs
    else:
        outs = provider.create(news).outs
        provider.delete("id", olds)
    region = news["region"]
    assert (region, "source", news["source_name"]) in store.objects
    assert (region, "parser", news["parser_name"]) in store.objects
    assert {(region, "field", name) for name in outs["field_names"].values()} <= store.objects


def test_oci_log_source_provider_uses_the_pulumi_oci_api_key_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import types

    from components.oci import log_source

    validated: list[dict[str, Any]] = []
    fake_config = types.ModuleType("oci.config")
    fake_config.DEFAULT_LOCATION = "~/.oci/config"  # type: ignore[attr-defined]
    fake_config.DEFAULT_PROFILE = "DEFAULT"  # type: ignore[attr-defined]
    fake_config.from_file = lambda location, profile: {"user": f"file:{location}:{profile}"}  # type: ignore[attr-defined]
    fake_config.validate_config = validated.append  # type: ignore[attr-defined]
    fake_oci = types.ModuleType("oci")
    fake_oci.config = fake_config  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "oci", fake_oci)
    monkeypatch.setitem(sys.modules, "oci.config", fake_config)
    keys = {"OCI_USER_OCID": "u", "OCI_TENANCY_OCID": "t", "OCI_FINGERPRINT": "f", "OCI_PRIVATE_KEY_PATH": "/k"}
    for name, value in keys.items():
        monkeypatch.setenv(name, value)
    assert log_source.sdk_config("r") == {
        "user": "u",
        "tenancy": "t",
        "fingerprint": "f",
        "key_file": "/k",
        "region": "r",
    }
    monkeypatch.delenv("OCI_FINGERPRINT")
    monkeypatch.setenv("OCI_CONFIG_FILE", "/cfg")
    monkeypatch.setenv("OCI_CONFIG_FILE_PROFILE", "deploy")
    assert log_source.sdk_config("r") == {"user": "file:/cfg:deploy", "region": "r"}
    assert len(validated) == 2


def test_oci_log_source_provider_survives_pickling_without_importing_the_sdk() -> None:
    """Pulumi stores the provider pickled (dill) and unpickles it in its own process: that must work
    from the project directory, and neither the program nor the unpickling may import the 38 MB SDK."""
    import base64
    import subprocess
    import sys

    probe = (
        "import sys, base64, dill, components.oci.log_sink as s; "
        "from pulumi.dynamic.dynamic import serialize_provider; "
        "from components.oci.log_source import LogAnalyticsJsonSourceProvider as P; "
        "blob = serialize_provider(P()); "
        "assert 'oci' not in sys.modules; "
        "print(blob)"
    )
    blob = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    load = (
        "import sys, base64, dill; "
        f"p = dill.loads(base64.b64decode('{blob}')); "
        "print(type(p).__name__, hasattr(p, 'create'), 'oci' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", load], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["LogAnalyticsJsonSourceProvider", "True", "False"]
    assert base64.b64decode(blob)


def test_oci_log_source_name_is_checked() -> None:
    raw = with_logging(stack_sections("prod-oci"), ociLogSourceName="bad/name")
    with pytest.raises(ConfigError, match=r"todo-observability:logging\.ociLogSourceName"):
        parse_settings(raw, "oci")
    custom = parse_settings(with_logging(stack_sections("prod-oci"), ociLogSourceName="Todo JSON"), "oci")
    assert custom.logging.oci_log_source_name == "Todo JSON"
