"""Traces: the collector's rendered configuration, Dapr's Configuration, the backends per cloud, the
collector's ServiceMonitor, Grafana's `traces` datasource and the connection string's secrecy."""

from __future__ import annotations

import ast
import dataclasses
from typing import Any

import pytest
import yaml

from components.platforms import parse_settings
from render import dapr_configuration, jaeger, otel_collector
from settings import ConfigError, StackSettings
from settings.defaults import DAPR_LATENCY_BUCKETS_MS
from settings.model import replace
from tests.harness import Rendered
from tools.stackfile import ROOT, stack_file

EXPECTED_EXPORTER = {"local": "otlp_grpc/jaeger", "prod": "azuremonitor", "prod-gcp": "googlecloud"}
DAPR_CONFIGURATION = "kubernetes:dapr.io/v1alpha1:Configuration"


def stack_settings(stack: str, **overrides: dict[str, Any]) -> StackSettings:
    document = yaml.safe_load(stack_file(stack).read_text())
    raw = {key.split(":", 1)[1]: value for key, value in document["config"].items()}
    for section, values in overrides.items():
        raw[section] = {**(raw.get(section) or {}), **values}
    return parse_settings(raw, stack)


def collector_config(rendered: Rendered) -> dict[str, Any]:
    return rendered.yaml("otel-collector/config.yaml")


def config_problems(config: dict[str, Any]) -> list[str]:
    """What the collector would refuse at start-up or silently ignore: an undefined component in a
    pipeline, or a defined component no pipeline uses."""
    defined = {kind: set(config.get(kind) or {}) for kind in ("receivers", "processors", "exporters", "extensions")}
    service = config.get("service") or {}
    used: dict[str, set[str]] = {kind: set() for kind in ("receivers", "processors", "exporters")}
    problems = []
    for pipeline_name, pipeline in (service.get("pipelines") or {}).items():
        for kind in used:
            for component in pipeline.get(kind) or []:
                used[kind].add(component)
                if component not in defined[kind]:
                    problems.append(f"pipeline {pipeline_name} uses undefined {kind[:-1]} {component}")
        if not pipeline.get("receivers") or not pipeline.get("exporters"):
            problems.append(f"pipeline {pipeline_name} needs at least one receiver and one exporter")
    for kind, names in used.items():
        for unused in sorted(defined[kind] - names):
            problems.append(f"{kind[:-1]} {unused} is defined but no pipeline uses it")
    for extension in service.get("extensions") or []:
        if extension not in defined["extensions"]:
            problems.append(f"service uses undefined extension {extension}")
    for unused in sorted(defined["extensions"] - set(service.get("extensions") or [])):
        problems.append(f"extension {unused} is defined but not enabled")
    return problems


def test_every_pipeline_component_is_defined_and_every_defined_component_is_used(rendered: Rendered) -> None:
    config = collector_config(rendered)
    assert config["service"]["pipelines"], rendered.stack
    assert config_problems(config) == []


def jaeger_collector_config(settings: StackSettings) -> dict[str, Any]:
    return otel_collector.collector_config(settings.tracing, jaeger.collector_exporter(settings.tracing))


def test_the_consistency_check_catches_unused_and_undefined_components() -> None:
    config = jaeger_collector_config(stack_settings("local"))
    config["receivers"]["zipkin"] = {"endpoint": "0.0.0.0:9411"}
    config["service"]["pipelines"]["traces"]["processors"].append("attributes/missing")
    assert config_problems(config) == [
        "pipeline traces uses undefined processor attributes/missing",
        "receiver zipkin is defined but no pipeline uses it",
    ]


def test_config_file_is_the_deployed_alternate_config(rendered: Rendered) -> None:
    values = rendered.helm_values(otel_collector.RELEASE_NAME)
    assert values["mode"] == "deployment"
    assert values["image"]["repository"] == "otel/opentelemetry-collector-contrib"
    assert "config" not in values, "alternateConfig is not merged with `config`; setting both misleads"
    deployed = values["alternateConfig"]
    written = collector_config(rendered)
    assert deployed["service"]["pipelines"] == written["service"]["pipelines"]
    assert set(deployed["exporters"]) == set(written["exporters"])


def test_exporter_matches_the_stack_backend(rendered: Rendered) -> None:
    config = collector_config(rendered)
    expected = EXPECTED_EXPORTER.get(rendered.stack, "otlp_grpc/jaeger")
    exporting = {e for p in config["service"]["pipelines"].values() for e in p["exporters"]} - {"loadbalancing"}
    assert exporting == {expected}
    if expected == "otlp_grpc/jaeger":
        assert config["exporters"][expected]["endpoint"] == "jaeger.tracing.svc.cluster.local:4317"
        assert "jaeger" in rendered.releases()
    else:
        assert "jaeger" not in rendered.releases()
    if expected == "azuremonitor":
        assert config["exporters"]["azuremonitor"] == {
            "connection_string": "${env:APPLICATIONINSIGHTS_CONNECTION_STRING}"
        }
    if expected == "googlecloud":
        assert config["exporters"]["googlecloud"] == {"project": "todo-prod"}


def test_processors_run_memory_limiter_first_then_k8s_attributes_tail_sampling_and_batch_last(
    rendered: Rendered,
) -> None:
    pipelines = collector_config(rendered)["service"]["pipelines"]
    # Following the spans through the pipelines (ingest, then sample when sharded) gives the order.
    if "traces" in pipelines:
        chain = pipelines["traces"]["processors"]
    else:
        assert pipelines["traces/ingest"]["exporters"] == ["loadbalancing"]
        assert pipelines["traces/sample"]["receivers"] == ["otlp/loadbalanced"]
        chain = pipelines["traces/ingest"]["processors"] + pipelines["traces/sample"]["processors"][1:]
    assert chain == ["memory_limiter", "k8s_attributes", "tail_sampling", "batch"]
    for pipeline in pipelines.values():
        assert pipeline["processors"][0] == "memory_limiter"


def test_tail_sampling_keeps_errors_and_slow_traces_and_samples_the_rest(rendered: Rendered) -> None:
    settings = stack_settings(rendered.stack)
    policies = {p["type"]: p for p in collector_config(rendered)["processors"]["tail_sampling"]["policies"]}
    assert policies["status_code"]["status_code"]["status_codes"] == ["ERROR"]
    assert policies["latency"]["latency"]["threshold_ms"] == settings.tracing.slow_trace_threshold_ms
    assert policies["probabilistic"]["probabilistic"]["sampling_percentage"] == pytest.approx(
        settings.tracing.sampling_rate * 100
    )


def test_two_replicas_route_by_trace_id_to_a_headless_service(rendered: Rendered) -> None:
    settings = stack_settings(rendered.stack)
    config = collector_config(rendered)
    values = rendered.helm_values(otel_collector.RELEASE_NAME)
    assert values["replicaCount"] == settings.tracing.collector_replicas
    headless = [r for r in rendered.of_type("kubernetes:core/v1:Service") if r["name"].endswith("-sampling")]
    if settings.tracing.collector_replicas == 1:
        assert "loadbalancing" not in config["exporters"] and headless == []
        return
    exporter = config["exporters"]["loadbalancing"]
    assert exporter.get("routing_key", "traceID") == "traceID"
    assert exporter["resolver"]["dns"]["hostname"] == "otel-collector-sampling.tracing.svc.cluster.local"
    (service,) = headless
    spec = service["inputs"]["spec"]
    assert spec["clusterIP"] == "None"
    assert spec["selector"] == otel_collector.SELECTOR_LABELS
    assert [p["port"] for p in spec["ports"]] == [int(exporter["resolver"]["dns"]["port"])]
    assert values["podDisruptionBudget"] == {"enabled": True, "minAvailable": 1}


def test_production_runs_two_collector_replicas(renders: dict[str, Rendered]) -> None:
    for stack in ("prod", "prod-gcp", "prod-oci"):
        assert renders[stack].helm_values(otel_collector.RELEASE_NAME)["replicaCount"] == 2


@pytest.mark.parametrize("protocol", ["grpc", "http", "zipkin"])
def test_dapr_protocol_is_received_by_the_collector(protocol: str) -> None:
    settings = stack_settings("local", tracing={"daprProtocol": protocol})
    config = jaeger_collector_config(settings)
    tracing = dapr_configuration.tracing_spec(settings.tracing)
    ports = otel_collector.chart_ports(settings.tracing)
    received = {r for p in config["service"]["pipelines"].values() for r in p["receivers"]}
    if protocol == "zipkin":
        assert tracing["zipkin"]["endpointAddress"].endswith(":9411/api/v2/spans")
        assert "zipkin" in received and config["receivers"]["zipkin"]["endpoint"].endswith(":9411")
        assert ports["zipkin"]["enabled"] is True
    else:
        port = tracing["otel"]["endpointAddress"].rsplit(":", 1)[1]
        assert "otlp" in received
        assert config["receivers"]["otlp"]["protocols"][protocol]["endpoint"].endswith(f":{port}")
        assert ports["zipkin"]["enabled"] is False and "zipkin" not in config["receivers"]
    assert config_problems(config) == []


def test_rendered_dapr_protocol_is_received(rendered: Rendered) -> None:
    config = collector_config(rendered)
    for configuration in rendered.of_type(DAPR_CONFIGURATION):
        otel = configuration["inputs"]["spec"]["tracing"]["otel"]
        assert otel["endpointAddress"] == "otel-collector.tracing.svc.cluster.local:4317"
        assert config["receivers"]["otlp"]["protocols"][otel["protocol"]]["endpoint"].endswith(":4317")


def test_dapr_configuration_in_every_application_namespace(rendered: Rendered) -> None:
    settings = stack_settings(rendered.stack)
    configurations = rendered.of_type(DAPR_CONFIGURATION)
    namespaces = sorted(c["inputs"]["metadata"]["namespace"] for c in configurations)
    assert namespaces == sorted(settings.application_namespaces) and namespaces
    for configuration in configurations:
        inputs = configuration["inputs"]
        assert inputs["apiVersion"] == "dapr.io/v1alpha1" and inputs["kind"] == "Configuration"
        assert inputs["metadata"]["name"] == "todo-observability"
        assert rendered.read(f"dapr/{inputs['metadata']['namespace']}.configuration.yaml")


def test_dapr_configuration_has_the_fields_the_crd_requires(rendered: Rendered) -> None:
    for configuration in rendered.of_type(DAPR_CONFIGURATION):
        spec = configuration["inputs"]["spec"]
        assert isinstance(spec["tracing"]["samplingRate"], str)
        assert 0 <= float(spec["tracing"]["samplingRate"]) <= 1
        otel = spec["tracing"]["otel"]
        assert isinstance(otel["endpointAddress"], str) and "://" not in otel["endpointAddress"]
        assert otel["isSecure"] is False
        assert otel["protocol"] in {"grpc", "http"}
        metrics = spec["metrics"]
        assert metrics["enabled"] is True
        assert metrics["http"]["increasedCardinality"] is False


def test_path_patterns_cover_every_route_of_the_services_config(rendered: Rendered) -> None:
    settings = stack_settings(rendered.stack)
    routes = {route for s in settings.services for route in [*s.routes, *s.critical_routes]}
    for configuration in rendered.of_type(DAPR_CONFIGURATION):
        patterns = configuration["inputs"]["spec"]["metrics"]["http"]["pathMatching"]
        assert set(patterns) == routes
        assert len(patterns) == len(set(patterns)), "Dapr refuses duplicate patterns"


def test_path_patterns_follow_a_changed_services_config() -> None:
    settings = stack_settings("local")
    extra = replace(settings.services[1], name="billing", routes=["/invoices/{invoice_id}"])
    changed = replace(settings, services=[*settings.services, extra])
    assert "/invoices/{invoice_id}" in dapr_configuration.path_patterns(changed.services)
    assert "/invoices/{invoice_id}" not in dapr_configuration.path_patterns(settings.services)


def test_latency_buckets_contain_the_alert_thresholds(rendered: Rendered) -> None:
    settings = stack_settings(rendered.stack)
    thresholds_ms = {
        settings.alerting.thresholds.kafka_processing_p95_seconds * 1000,
        settings.alerting.thresholds.latency_p95_seconds * 1000,
    }
    for configuration in rendered.of_type(DAPR_CONFIGURATION):
        buckets = configuration["inputs"]["spec"]["metrics"]["latencyDistributionBuckets"]
        assert buckets == list(DAPR_LATENCY_BUCKETS_MS)
        assert thresholds_ms <= set(buckets)


def test_collector_metrics_are_scraped(rendered: Rendered) -> None:
    settings = stack_settings(rendered.stack)
    (monitor,) = [m for m in rendered.custom_resources("ServiceMonitor") if m["name"] == "tracing-collector-monitor"]
    labels = monitor["inputs"]["metadata"]["labels"]
    assert labels["release"] == settings.metrics.release_name
    assert "kubernetes:helm.sh/v3:Release::prometheus-operator-crds" in monitor["dependsOn"]
    assert monitor["inputs"]["spec"]["endpoints"][0]["port"] == "metrics"
    values = rendered.helm_values(otel_collector.RELEASE_NAME)
    assert values["ports"]["metrics"]["enabled"] is True
    reader = collector_config(rendered)["service"]["telemetry"]["metrics"]["readers"][0]
    assert reader["pull"]["exporter"]["prometheus"]["port"] == values["ports"]["metrics"]["containerPort"]


def test_grafana_gets_a_traces_datasource(rendered: Rendered) -> None:
    datasources = rendered.yaml("helm/kube-prometheus-stack.values.yaml")
    text = yaml.safe_dump(datasources)
    assert "uid: traces" in text, rendered.stack


def test_jaeger_is_persistent_in_production_and_in_memory_locally(renders: dict[str, Rendered]) -> None:
    local = renders["local"].helm_values("jaeger")["userconfig"]["extensions"]["jaeger_storage"]["backends"]
    assert local[jaeger.STORE].keys() == {"memory"}
    oci = renders["prod-oci"]
    backend = oci.helm_values("jaeger")["userconfig"]["extensions"]["jaeger_storage"]["backends"][jaeger.STORE]
    assert backend["badger"]["ephemeral"] is False
    mounts = oci.helm_values("jaeger")["jaeger"]["extraVolumes"]
    (claim,) = oci.of_type("kubernetes:core/v1:PersistentVolumeClaim")
    assert mounts[0]["persistentVolumeClaim"]["claimName"] == claim["inputs"]["metadata"]["name"]
    assert claim["protect"] is True


def test_azure_app_insights_is_workspace_based_and_its_connection_string_secret(renders: dict[str, Rendered]) -> None:
    prod = renders["prod"]
    (insights,) = prod.of_type("azure-native:applicationinsights:Component")
    assert insights["inputs"]["ingestionMode"] == "LogAnalytics"
    assert insights["inputs"]["workspaceResourceId"]
    assert insights["protect"] is True
    (secret,) = [s for s in prod.of_type("kubernetes:core/v1:Secret") if s["name"] == "tracing-azure-connection-string"]
    assert secret["inputs"]["stringData"] == "[secret]"
    env = prod.helm_values(otel_collector.RELEASE_NAME)["extraEnvs"][0]
    assert env["valueFrom"]["secretKeyRef"]["name"] == secret["inputs"]["metadata"]["name"]
    for text in (prod.read("otel-collector/config.yaml"), prod.read("helm/otel-collector.values.yaml")):
        assert "InstrumentationKey" not in text and "PLACEHOLDER-set-secrets" not in text


def test_gcp_collector_writes_traces_through_workload_identity(renders: dict[str, Rendered]) -> None:
    gcp = renders["prod-gcp"]
    mine = "todo-observability:tracing:GcpTraceIdentity::tracing-gcp"
    members = {m["inputs"]["role"]: m for m in gcp.resources if m["type"].endswith("IAMMember") and m["parent"] == mine}
    assert set(members) == {"roles/cloudtrace.agent", "roles/iam.workloadIdentityUser", "roles/cloudtrace.user"}
    assert members["roles/iam.workloadIdentityUser"]["inputs"]["member"] == (
        "serviceAccount:todo-prod.svc.id.goog[tracing/otel-collector]"
    )
    (account,) = [a for a in gcp.of_type("gcp:serviceaccount/account:Account") if a["parent"] == mine]
    email = f"{account['name']}@mock-project.iam.gserviceaccount.com"
    assert members["roles/cloudtrace.agent"]["inputs"]["member"] == f"serviceAccount:{email}"
    annotations = gcp.helm_values(otel_collector.RELEASE_NAME)["serviceAccount"]["annotations"]
    assert annotations == {"iam.gke.io/gcp-service-account": email}
    assert "credentials" not in gcp.read("otel-collector/config.yaml")


@pytest.mark.parametrize(
    ("stack", "overrides", "message"),
    [
        (
            "prod-oci",
            {"tracing": {"jaegerStorage": "memory"}},
            "todo-observability:tracing.jaegerStorage must be badger",
        ),
        (
            "prod-oci",
            {"tracing": {"backend": "oci-apm"}},
            # Once accepted and then refused, now named by no cloud: still told what OCI runs.
            "todo-observability:tracing.backend must be one of jaeger when cloud is oci (got oci-apm)",
        ),
        (
            "prod-oci",
            {"tracing": {"backend": "azure-monitor"}},
            "todo-observability:tracing.backend must be one of jaeger when cloud is oci (got azure-monitor)",
        ),
        ("local", {"tracing": {"daprProtocol": "thrift"}}, "todo-observability:tracing.daprProtocol"),
        ("local", {"tracing": {"decisionWaitSeconds": 0}}, "todo-observability:tracing.decisionWaitSeconds"),
        ("local", {"tracing": {"backend": "cloud-trace"}}, "todo-observability:tracing.backend must be one of jaeger"),
    ],
)
def test_bad_tracing_config_is_refused(stack: str, overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        stack_settings(stack, **overrides)
    assert message in str(error.value)


def traces_datasource_of(rendered: Rendered) -> dict[str, Any]:
    grafana = rendered.helm_values("kube-prometheus-stack")["grafana"]
    (datasource,) = [d for d in grafana["additionalDataSources"] if d["uid"] == "traces"]
    return datasource


def test_cloud_trace_datasources_authenticate_as_grafanas_reader(renders: dict[str, Rendered]) -> None:
    from render.log_datasources import AZURE_READER_CLIENT_ID_ENV, AZURE_READER_CLIENT_SECRET_ENV

    azure = traces_datasource_of(renders["prod"])
    # Grafana's Azure Monitor datasource has no workload identity here: the reader's client secret.
    assert azure["jsonData"]["azureAuthType"] == "clientsecret"
    assert AZURE_READER_CLIENT_ID_ENV in azure["jsonData"]["clientId"]
    assert AZURE_READER_CLIENT_SECRET_ENV in azure["secureJsonData"]["clientSecret"]
    assert azure["editable"] is False
    gcp = traces_datasource_of(renders["prod-gcp"])
    assert gcp["jsonData"] == {"authenticationType": "gce", "defaultProject": "todo-prod"}
    assert gcp["type"] in renders["prod-gcp"].helm_values("kube-prometheus-stack")["grafana"]["plugins"]
    jaeger_datasource = traces_datasource_of(renders["prod-oci"])
    assert jaeger_datasource["type"] == "jaeger"
    assert jaeger_datasource["url"] == "http://jaeger.tracing.svc.cluster.local:16686"


def test_grafana_reads_cloud_trace_as_its_one_google_identity(renders: dict[str, Rendered]) -> None:
    """The grant belongs to the tracing capability's GCP backend; it keeps the name it had under the
    logging sink (an alias to that parent, so `pulumi up` moves it instead of replacing it)."""
    gcp = renders["prod-gcp"]
    (grant,) = [
        m for m in gcp.of_type("gcp:projects/iAMMember:IAMMember") if m["inputs"]["role"] == "roles/cloudtrace.user"
    ]
    assert grant["name"] == "logging-gcp-sink-grafana-reader-traces"
    assert grant["parent"] == "todo-observability:tracing:GcpTraceIdentity::tracing-gcp"
    annotations = gcp.helm_values("kube-prometheus-stack")["grafana"]["serviceAccount"]["annotations"]
    assert grant["inputs"]["member"] == f"serviceAccount:{annotations['iam.gke.io/gcp-service-account']}"
    (grafana,) = [r for r in gcp.releases().values() if r["name"] == "kube-prometheus-stack"]
    assert f"gcp:projects/iAMMember:IAMMember::{grant['name']}" in grafana["dependsOn"]
    # The former parent is still the logging capability's sink, where the alias points.
    from components.gcp.identity import FORMER_SINK

    (sink,) = [r for r in gcp.resources if (r["name"], r["type"]) == FORMER_SINK]
    assert sink["parent"] == "todo-observability:logging:LoggingPipeline::logging"


# Its URN in stacks created before issue #19, as the engine builds it (every parent's type, '$'-joined).
FORMER_CLOUD_TRACE_GRANT_URN = (
    "urn:pulumi:prod-gcp::todo-observability::"
    "todo-observability:logging:LoggingPipeline$todo-observability:logging:GcpLogSink$"
    "gcp:projects/iAMMember:IAMMember::logging-gcp-sink-grafana-reader-traces"
)


def test_the_moved_cloud_trace_grant_aliases_the_urn_existing_stacks_hold() -> None:
    """The alias it sends resolves, as the engine resolves it, to its URN under the log sink; the
    backend's own resources were created where they are and name no other parent."""
    from tests.engine_aliases import registrations

    sent = registrations("prod-gcp")
    grant = "logging-gcp-sink-grafana-reader-traces"
    assert sent.former_urns_elsewhere(grant) == [FORMER_CLOUD_TRACE_GRANT_URN]
    assert sent.engine_urn(sent.named(grant)) != FORMER_CLOUD_TRACE_GRANT_URN
    assert not sent.parent_has_aliases(grant)
    for name in ("tracing-gcp-gsa", "tracing-gcp-trace-writer", "tracing-gcp-workload-identity"):
        assert sent.former_urns_elsewhere(name) == [], name


# What names a cloud's trace backend: its exporter, datasource type, and config values.
CLOUD_TRACE_NAMES = ("azure-monitor", "cloud-trace", "azuremonitor", "googlecloud", "gcp", "azure")


@pytest.mark.parametrize(
    "module",
    ["components/tracing.py", "render/otel_collector.py", "render/traces_datasource.py", "render/jaeger.py"],
)
def test_only_the_clouds_name_their_trace_backends(module: str) -> None:
    """The collector, Jaeger and the capability are the same on every cloud; what a cloud's own backend
    changes lives in components/<cloud>/tracing.py, reached through the platform's `trace_backend`."""
    strings = {
        node.value
        for node in ast.walk(ast.parse((ROOT / module).read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    named = {name for name in CLOUD_TRACE_NAMES for text in strings if name in text}
    assert not named, f"{module} names {sorted(named)}"


def test_tracing_args_carry_the_sections_the_capability_reads() -> None:
    from components.grafana_identity import GrafanaIdentity
    from components.trace_backend import TraceBackendArgs
    from components.tracing import TracingPipelineArgs
    from tests.arg_types import wide_fields

    names = {f.name for f in dataclasses.fields(TracingPipelineArgs)}
    assert names == {
        "tracing",
        "services",
        "application_namespaces",
        "context",
        "namespace",
        "crds",
        "platform",
        "cluster",
        "cloud",
        "grafana_identity",
        "log_store_id",
    }
    assert wide_fields(TracingPipelineArgs) == {}
    assert wide_fields(TraceBackendArgs, GrafanaIdentity=GrafanaIdentity) == {}


def test_a_trace_backend_reaches_the_logs_through_the_log_sink_contract(renders: dict[str, Rendered]) -> None:
    """Application Insights keeps traces in the workspace the log sink names in its binding
    (`SinkBinding.log_store_id`): a trace backend gets that id, not the sink, and imports no sink."""
    from components.trace_backend import TraceBackendArgs

    hints = {f.name: str(f.type) for f in dataclasses.fields(TraceBackendArgs)}
    assert "log_sink" not in hints and not [h for h in hints.values() if "LogSink" in h]
    for module in sorted((ROOT / "components").glob("*/tracing.py")):
        imported = {
            node.module
            for node in ast.walk(ast.parse(module.read_text()))
            if isinstance(node, ast.ImportFrom) and node.module
        }
        # The contract (components/log_sink.py) is theirs to read; a cloud's sink module is not.
        assert not [name for name in imported if name.count(".") == 2 and name.endswith(".log_sink")], module
    prod = renders["prod"]
    (insights,) = prod.of_type("azure-native:applicationinsights:Component")
    workspace = prod.named("logging-azure-sink-workspace", "azure-native:operationalinsights:Workspace")
    assert insights["inputs"]["workspaceResourceId"] == f"{workspace['name']}-id", "the mocks' id of the workspace"


def test_late_spans_follow_the_recorded_decision(rendered: Rendered) -> None:
    """tail_sampling's `decision_cache` (the pinned collector: `sampled_cache_size`, `non_sampled_cache_size`)
    remembers decided trace IDs, so a span that arrives after `decision_wait` joins its trace's decision
    instead of being decided alone. The caches hold more traces than are ever pending (`num_traces`)."""
    sampling = collector_config(rendered)["processors"]["tail_sampling"]
    cache = sampling["decision_cache"]
    assert set(cache) == {"sampled_cache_size", "non_sampled_cache_size"}
    assert cache["sampled_cache_size"] >= sampling["num_traces"]
    assert cache["non_sampled_cache_size"] >= sampling["num_traces"]


def test_routing_tier_never_targets_a_replica_that_is_not_ready(rendered: Rendered) -> None:
    headless = [r for r in rendered.of_type("kubernetes:core/v1:Service") if r["name"].endswith("-sampling")]
    for service in headless:
        assert service["inputs"]["spec"].get("publishNotReadyAddresses", False) is False


def test_loadbalancing_queues_and_retries_at_the_top_level(rendered: Rendered) -> None:
    """Since collector-contrib 0.112 the loadbalancing exporter takes `sending_queue`, `retry_on_failure`
    and `timeout` at its top level, where a retried batch is routed again over the current endpoints.
    A queue or retry inside `protocol.otlp` belongs to one endpoint's sub-exporter and is dropped with it
    when that replica goes away, so those stay off."""
    exporter = collector_config(rendered)["exporters"].get("loadbalancing")
    if exporter is None:
        assert stack_settings(rendered.stack).tracing.collector_replicas == 1
        return
    assert exporter["sending_queue"]["enabled"] is True and exporter["sending_queue"]["queue_size"] >= 1000
    assert exporter["retry_on_failure"]["enabled"] is True
    assert exporter["timeout"]
    otlp = exporter["protocol"]["otlp"]
    assert otlp["sending_queue"] == {"enabled": False}
    assert otlp["retry_on_failure"] == {"enabled": False}
