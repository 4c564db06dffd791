"""Metrics (issue #3): kube-prometheus-stack after its CRDs, HA per environment, Grafana without
anonymous access or plain-text credentials, and the monitors for Dapr and every service."""

from __future__ import annotations

import copy
import re
import subprocess
import typing
from pathlib import Path
from typing import Any

import pytest
import yaml

from catalog.metrics import DAPR_SIDECAR
from components.platforms import parse_settings
from components.versions import KUBE_PROMETHEUS_STACK, PROMETHEUS_OPERATOR_CRDS
from contracts.inputs import AlertmanagerInputs, GrafanaInputs, ThanosSidecarInputs
from render.kube_prometheus_stack import (
    DASHBOARD_FOLDER_ANNOTATION,
    DASHBOARD_LABEL,
    REPLICA_LABEL,
    complete_alertmanager_config,
    grafana_admin_secret_name,
    grafana_service_name,
    prometheus_service_name,
    render_kube_prometheus_stack_values,
)
from render.monitors import MonitorManifest, monitor, scrape_targets
from render.resources import resource_requirements
from settings import ConfigError, StackSettings
from settings.model import ResourceSettings
from settings.secrets import PLACEHOLDER_PREFIX
from tests.harness import AZURE, PRODUCTION_STACKS, Rendered, render_stack
from tools.stackfile import stack_file

KPS = "kube-prometheus-stack"
CRDS_RELEASE = "kubernetes:helm.sh/v3:Release::prometheus-operator-crds"
MONITOR_TYPES = ("kubernetes:monitoring.coreos.com/v1:ServiceMonitor", "kubernetes:monitoring.coreos.com/v1:PodMonitor")
STORAGE_CLASS = {"local": "standard", "prod": "managed-csi-premium", "prod-gcp": "premium-rwo", "prod-oci": "oci-bv"}

LOCAL: dict[str, Any] = {"environment": "development", "cloud": "local"}


def kps_values(settings: StackSettings, **inputs: Any) -> dict[str, Any]:
    """kube-prometheus-stack's values as the metrics capability renders them for `settings`."""
    return render_kube_prometheus_stack_values(
        settings.metrics, settings.grafana, settings.cluster.name, settings.environment, settings.context(), **inputs
    )


def settings_of(base: dict[str, Any], **sections: Any) -> StackSettings:
    raw = copy.deepcopy(base)
    raw.update(sections)
    return parse_settings(raw, "teststack")


def stack_config(stack: str) -> dict[str, Any]:
    return yaml.safe_load(stack_file(stack).read_text())["config"]


def kps(rendered: Rendered) -> dict[str, Any]:
    return rendered.helm_values(KPS)


def monitors(rendered: Rendered) -> dict[str, dict[str, Any]]:
    return {r["inputs"]["metadata"]["name"]: r for t in MONITOR_TYPES for r in rendered.of_type(t)}


# --- the release ------------------------------------------------------------------------------


def test_crd_release_comes_before_kube_prometheus_stack(rendered: Rendered) -> None:
    releases = rendered.releases()
    assert CRDS_RELEASE in releases[KPS]["dependsOn"]
    assert kps(rendered)["crds"] == {"enabled": False}, "the CRDs come from their own release only"
    for row in monitors(rendered).values():
        assert CRDS_RELEASE in row["dependsOn"], row["name"]


def test_both_releases_are_pinned_with_an_explicit_name(rendered: Rendered) -> None:
    releases = rendered.releases()
    for pin in (KUBE_PROMETHEUS_STACK, PROMETHEUS_OPERATOR_CRDS):
        inputs = releases[pin.chart]["inputs"]
        assert (inputs["chart"], inputs["version"], inputs["repositoryOpts"]["repo"]) == (
            pin.chart,
            pin.version,
            pin.repo,
        )
        assert inputs["name"] == pin.chart
    assert releases[KPS]["inputs"]["namespace"] == "monitoring"


@pytest.mark.parametrize("stack", PRODUCTION_STACKS)
def test_production_is_highly_available(renders: dict[str, Rendered], stack: str) -> None:
    values = kps(renders[stack])
    prometheus, alertmanager = values["prometheus"], values["alertmanager"]
    assert prometheus["prometheusSpec"]["replicas"] == 2
    assert alertmanager["alertmanagerSpec"]["replicas"] == 3
    assert prometheus["prometheusSpec"]["podAntiAffinity"] == "hard"
    assert alertmanager["alertmanagerSpec"]["podAntiAffinity"] == "hard"
    assert prometheus["podDisruptionBudget"] == {"enabled": True, "minAvailable": 1}
    assert alertmanager["podDisruptionBudget"] == {"enabled": True, "minAvailable": 2}


def test_local_runs_single_replicas_without_budgets(renders: dict[str, Rendered]) -> None:
    values = kps(renders["local"])
    assert values["prometheus"]["prometheusSpec"]["replicas"] == 1
    assert values["alertmanager"]["alertmanagerSpec"]["replicas"] == 1
    assert values["prometheus"]["prometheusSpec"]["podAntiAffinity"] == "soft"
    assert "podDisruptionBudget" not in values["prometheus"]
    assert "podDisruptionBudget" not in values["alertmanager"]


def test_prometheus_labels_retention_storage_and_resources(rendered: Rendered) -> None:
    spec = kps(rendered)["prometheus"]["prometheusSpec"]
    production = rendered.stack in PRODUCTION_STACKS
    assert spec["replicaExternalLabelName"] == REPLICA_LABEL
    assert spec["externalLabels"] == {
        "cluster": stack_config(rendered.stack)["todo-observability:cluster"]["name"],
        "environment": "production" if production else "development",
    }
    assert (spec["retention"], spec["retentionSize"]) == (("15d", "80GB") if production else ("3d", "8GB"))
    claim = spec["storageSpec"]["volumeClaimTemplate"]["spec"]
    assert claim["storageClassName"] == STORAGE_CLASS[rendered.stack]
    assert claim["resources"]["requests"]["storage"] == ("100Gi" if production else "10Gi")
    assert spec["resources"]["requests"]["memory"] and spec["resources"]["limits"]["memory"]


def test_the_chart_scrapes_kubernetes_but_not_unreachable_control_plane(rendered: Rendered) -> None:
    values = kps(rendered)
    for component in ("kubeApiServer", "kubelet", "kubeStateMetrics", "nodeExporter"):
        assert values[component]["enabled"] is True, component
    for component in ("kubeControllerManager", "kubeScheduler", "kubeEtcd", "kubeProxy"):
        assert values[component]["enabled"] is False, component
    assert values["defaultRules"]["rules"]["etcd"] is False


# --- Grafana ----------------------------------------------------------------------------------


def test_grafana_admin_password_comes_from_a_kubernetes_secret(rendered: Rendered) -> None:
    grafana = kps(rendered)["grafana"]
    secret = rendered.named("metrics-grafana-admin", "kubernetes:core/v1:Secret")
    assert grafana["admin"]["existingSecret"] == secret["inputs"]["metadata"]["name"]
    assert secret["inputs"]["metadata"]["namespace"] == "monitoring"
    assert secret["inputs"]["stringData"] == "[secret]"
    assert "adminPassword" not in grafana
    assert "kubernetes:core/v1:Secret::metrics-grafana-admin" in rendered.releases()[KPS]["dependsOn"]
    # No stack secret is set in these stack files: a password is generated.
    assert rendered.named("metrics-grafana-admin-password", "random:index/randomPassword:RandomPassword")


def test_grafana_is_never_anonymous_and_persistent_with_sidecars(rendered: Rendered) -> None:
    grafana = kps(rendered)["grafana"]
    assert grafana["grafana.ini"]["auth.anonymous"] == {"enabled": False}
    assert grafana["persistence"]["enabled"] is True
    assert grafana["persistence"]["storageClassName"] == STORAGE_CLASS[rendered.stack]
    dashboards = grafana["sidecar"]["dashboards"]
    assert (dashboards["label"], dashboards["labelValue"]) == (DASHBOARD_LABEL, "1")
    assert dashboards["folderAnnotation"] == DASHBOARD_FOLDER_ANNOTATION
    assert dashboards["provider"]["foldersFromFilesStructure"] is True
    assert dashboards["searchNamespace"] == "monitoring"
    assert grafana["sidecar"]["datasources"]["enabled"] is True


def test_grafana_ingress_only_with_tls_when_a_host_is_set(rendered: Rendered) -> None:
    grafana = kps(rendered)["grafana"]
    host = (stack_config(rendered.stack).get("todo-observability:grafana") or {}).get("ingressHost")
    if host:
        assert grafana["ingress"]["enabled"] is True
        assert grafana["ingress"]["tls"] == [{"secretName": "grafana-tls", "hosts": [host]}]
        assert grafana["grafana.ini"]["server"]["root_url"] == f"https://{host}"
    else:
        assert grafana["ingress"] == {"enabled": False}


def test_helm_values_hold_no_secret_value(rendered: Rendered) -> None:
    files = rendered.files("helm/*.values.yaml")
    assert {p.name for p in files} >= {f"{KPS}.values.yaml"}
    # The mock engine's value of each generated password (tools/mocks.py).
    generated = [f"mock-{r['name']}" for r in rendered.of_type("random:index/randomPassword:RandomPassword")]
    assert generated
    for path in files:
        text = path.read_text()
        assert PLACEHOLDER_PREFIX not in text, path
        assert not [g for g in generated if g in text], f"{path}: a generated password leaked"
        assert "[secret]" not in text, f"{path}: a secret Output was put into plain values"


def test_a_stack_grafana_password_is_used_and_stays_secret(tmp_path: Path) -> None:
    document = yaml.safe_load(stack_file("local").read_text())
    password = "grafana-pw-9f3a1c"
    document["config"]["todo-observability:secrets"] = {"grafanaAdminPassword": {"secure": password}}
    config_file = tmp_path / "Pulumi.local.yaml"
    config_file.write_text(yaml.safe_dump(document))
    out = tmp_path / "out"
    done = render_stack("local", out, config_file)
    assert done.returncode == 0, done.stderr
    rendered = Rendered("local", out, done.stdout)
    generated = {r["name"] for r in rendered.of_type("random:index/randomPassword:RandomPassword")}
    assert "metrics-grafana-admin-password" not in generated
    assert rendered.named("metrics-grafana-admin")["inputs"]["stringData"] == "[secret]"
    for path in [*rendered.files("helm/*.yaml"), out / "resources.json"]:
        assert password not in path.read_text() and "[encrypted]" not in path.read_text(), path


# --- monitors ---------------------------------------------------------------------------------


def targets_of(settings: StackSettings) -> list[MonitorManifest]:
    return scrape_targets(settings.services, settings.application_namespaces, settings.metrics, settings.kafka)


def test_the_monitor_builder_names_endpoints_by_kind_and_limits_samples_only_when_asked() -> None:
    endpoints = [{"port": "http", "path": "/metrics"}]
    service = monitor("ServiceMonitor", "m", "monitoring", "c", {"app": "a"}, ["todo"], endpoints)
    assert service.spec == {
        "selector": {"matchLabels": {"app": "a"}},
        "namespaceSelector": {"matchNames": ["todo"]},
        "endpoints": endpoints,
    }
    pod = monitor("PodMonitor", "m", "monitoring", "c", {"app": "a"}, ["todo"], endpoints, sample_limit=10)
    assert pod.spec["podMetricsEndpoints"] == endpoints and "endpoints" not in pod.spec
    assert pod.spec["sampleLimit"] == 10
    assert (pod.kind, pod.name, pod.namespace, pod.component) == ("PodMonitor", "m", "monitoring", "c")


def test_monitor_specs_are_built_in_one_place() -> None:
    """ServiceMonitors and PodMonitors come from render.monitors.monitor (resources from
    components.monitors.monitor_resource): no other module spells a monitor's spec keys."""
    root = Path(__file__).resolve().parent.parent
    builder = root / "render" / "monitors.py"
    spelled = [
        path.relative_to(root).as_posix()
        for folder in ("components", "render", "contracts", "rules", "dashboards")
        for path in sorted((root / folder).rglob("*.py"))
        if path != builder and re.search(r'"(podMetricsEndpoints|namespaceSelector)"', path.read_text())
    ]
    assert spelled == []


def test_one_resource_requirements_builder_leaves_out_empty_values() -> None:
    resources = ResourceSettings(cpu_request="100m", memory_request="", cpu_limit="", memory_limit="512Mi")
    assert resource_requirements(resources) == {"requests": {"cpu": "100m"}, "limits": {"memory": "512Mi"}}
    # What each user of the builder sends, as written by hand: a development stack's defaults, then its own.
    default = settings_of(LOCAL)
    assert prometheus_resources(default) == {
        "requests": {"cpu": "200m", "memory": "512Mi"},
        "limits": {"memory": "2Gi"},
    }
    assert fluent_bit_resources(default) == {
        "requests": {"cpu": "100m", "memory": "128Mi"},
        "limits": {"memory": "512Mi"},
    }
    tuned = settings_of(
        LOCAL,
        metrics={"prometheus": {"resources": {"memoryRequest": "", "cpuLimit": "2"}}},
        logging={"resources": {"cpuRequest": "", "cpuLimit": "250m", "memoryLimit": ""}},
    )
    assert prometheus_resources(tuned) == {"requests": {"cpu": "200m"}, "limits": {"cpu": "2", "memory": "2Gi"}}
    assert fluent_bit_resources(tuned) == {"requests": {"memory": "128Mi"}, "limits": {"cpu": "250m"}}


def prometheus_resources(settings: StackSettings) -> dict[str, Any]:
    resources: dict[str, Any] = kps_values(settings)["prometheus"]["prometheusSpec"]["resources"]
    return resources


def fluent_bit_resources(settings: StackSettings) -> dict[str, Any]:
    """Fluent Bit's chart values as the logging capability builds them; the sink's part plays no role."""
    from components.log_sink import SinkBinding
    from components.logging import fluent_bit_values
    from render.fluent_bit import loki_outputs

    outputs = loki_outputs("loki", 3100, settings.cluster.name)
    values = fluent_bit_values(settings.logging, settings.context(), outputs, SinkBinding(outputs=None))  # type: ignore[arg-type]
    resources: dict[str, Any] = values["resources"]
    return resources


def test_metrics_stack_gets_the_grafana_admin_password_not_the_stack_secrets() -> None:
    import pulumi

    from components.metrics import MetricsStackArgs
    from tests.arg_types import wide_fields

    assert wide_fields(MetricsStackArgs) == {}
    assert typing.get_type_hints(MetricsStackArgs)["grafana_admin_password"] == pulumi.Output[str] | None


def test_a_service_monitor_for_each_service_that_exposes_metrics(rendered: Rendered) -> None:
    found = monitors(rendered)
    expected = ["chat-api", "notification-service", "recurring-task-service", "audit-service", "websocket-service"]
    for service in expected:
        row = found[f"app-{service}"]
        assert row["type"].endswith(":ServiceMonitor")
        spec = row["inputs"]["spec"]
        endpoint = spec["endpoints"][0]
        assert (endpoint["port"], endpoint["path"]) == ("http", "/metrics")
        assert spec["namespaceSelector"] == {"matchNames": ["todo"]}
        assert spec["selector"] == {"matchLabels": {"app.kubernetes.io/part-of": "todo"}}
        keep = endpoint["relabelings"][0]
        assert keep["action"] == "keep" and keep["sourceLabels"] == ["__meta_kubernetes_service_name"]
        assert re.fullmatch(keep["regex"], service) and not re.fullmatch(keep["regex"], f"{service}-dapr")
    assert "app-frontend" not in found, "the Next.js frontend exposes no /metrics"


def test_dapr_sidecars_and_control_plane_are_scraped(rendered: Rendered) -> None:
    found = monitors(rendered)
    sidecars = found["dapr-sidecars"]["inputs"]["spec"]
    assert found["dapr-sidecars"]["type"].endswith(":PodMonitor")
    assert sidecars["podMetricsEndpoints"][0]["port"] == "dapr-metrics"
    assert sidecars["namespaceSelector"] == {"matchNames": ["todo"]}
    assert sidecars["selector"] == {"matchLabels": {"dapr.io/metrics-enabled": "true"}}
    control_plane = found["dapr-control-plane"]["inputs"]["spec"]
    assert control_plane["podMetricsEndpoints"][0]["port"] == "metrics"
    assert control_plane["namespaceSelector"] == {"matchNames": ["dapr-system"]}


def test_sidecar_relabelling_keeps_exactly_the_catalogued_dapr_series(renders: dict[str, Rendered]) -> None:
    endpoint = monitors(renders["prod"])["dapr-sidecars"]["inputs"]["spec"]["podMetricsEndpoints"][0]
    keep, drop_duplicate = endpoint["metricRelabelings"]
    assert keep["action"] == "keep" and keep["sourceLabels"] == ["__name__"]
    # Prometheus anchors relabel regexes at both ends, like fullmatch.
    for name in DAPR_SIDECAR:
        assert re.fullmatch(keep["regex"], name), name
    for unused in ("dapr_http_server_response_size_bucket", "go_goroutines", "dapr_http_server_latency_bucketx"):
        assert not re.fullmatch(keep["regex"], unused), unused
    assert drop_duplicate == {"action": "labeldrop", "regex": "exported_namespace"}
    assert endpoint["honorLabels"] is False


def test_zookeeper_and_schema_registry_only_where_configured(rendered: Rendered) -> None:
    assert not {"kafka-zookeeper", "schema-registry"} & set(monitors(rendered)), "no stack file enables them"
    kraft = settings_of(LOCAL)
    assert not {m.name for m in targets_of(kraft)} & {"kafka-zookeeper", "schema-registry"}
    with_both = settings_of(LOCAL, kafka={"zookeeper": True, "schemaRegistry": True})
    by_name = {m.name: m for m in targets_of(with_both)}
    assert {m.namespace for m in by_name.values()} == {"monitoring"}
    zookeeper = by_name["kafka-zookeeper"].spec
    assert zookeeper["selector"]["matchLabels"]["strimzi.io/name"] == "todo-kafka-zookeeper"
    assert zookeeper["podMetricsEndpoints"][0]["port"] == "tcp-prometheus"
    assert zookeeper["namespaceSelector"] == {"matchNames": ["kafka"]}
    assert by_name["schema-registry"].spec["namespaceSelector"] == {"matchNames": ["kafka"]}


def test_every_monitor_carries_the_prometheus_selector_label(rendered: Rendered) -> None:
    found = monitors(rendered)
    assert len([n for n in found if n.startswith(("app-", "dapr-"))]) == 7
    for name, row in found.items():
        assert row["inputs"]["metadata"]["labels"]["release"] == KPS, name


# --- pure rendering: the other capabilities' fragments ----------------------------------------


def test_thanos_sidecar_fragment_is_wired_by_secret_name() -> None:
    thanos = ThanosSidecarInputs(
        objstore_secret_name="thanos-objstore",
        service_account_annotations={"azure.workload.identity/client-id": "abc"},
        pod_labels={"azure.workload.identity/use": "true"},
        query_url="http://thanos-query.monitoring.svc:9090",
    )
    values = kps_values(settings_of(AZURE), thanos=thanos)
    prometheus = values["prometheus"]
    assert prometheus["prometheusSpec"]["thanos"]["objectStorageConfig"] == {
        "existingSecret": {"name": "thanos-objstore", "key": "objstore.yaml"}
    }
    assert prometheus["prometheusSpec"]["podMetadata"] == {"labels": {"azure.workload.identity/use": "true"}}
    assert prometheus["serviceAccount"] == {"annotations": {"azure.workload.identity/client-id": "abc"}}
    assert prometheus["thanosService"] == {"enabled": True}
    assert values["grafana"]["sidecar"]["datasources"]["url"] == "http://thanos-query.monitoring.svc:9090"
    without = kps_values(settings_of(AZURE))
    assert "thanos" not in without["prometheus"]["prometheusSpec"]
    assert "url" not in without["grafana"]["sidecar"]["datasources"]


def test_grafana_fragment_adds_datasources_and_env_secrets() -> None:
    loki = {"name": "Loki", "type": "loki", "uid": "loki", "url": "http://loki:3100", "isDefault": False}
    contributed = GrafanaInputs(
        datasources=[loki],
        env_from_secrets=["grafana-datasource-creds"],
        plugins=["googlecloud-logging-datasource"],
        service_account_annotations={"iam.gke.io/gcp-service-account": "grafana@p.iam.gserviceaccount.com"},
    )
    values = kps_values(settings_of(LOCAL), grafana=contributed)
    grafana = values["grafana"]
    assert grafana["plugins"] == ["googlecloud-logging-datasource"]
    assert grafana["serviceAccount"] == {
        "annotations": {"iam.gke.io/gcp-service-account": "grafana@p.iam.gserviceaccount.com"}
    }
    assert grafana["additionalDataSources"] == [loki]
    assert grafana["envFromSecrets"] == [{"name": "grafana-datasource-creds"}]
    assert grafana["sidecar"]["datasources"]["isDefaultDatasource"] is True
    other_default = {**loki, "isDefault": True}
    values = kps_values(settings_of(LOCAL), grafana=GrafanaInputs(datasources=[other_default]))
    assert values["grafana"]["sidecar"]["datasources"]["isDefaultDatasource"] is False, "one default only"
    assert "serviceAccount" not in values["grafana"] and values["grafana"]["plugins"] == []


def test_alertmanager_without_alerting_sends_nowhere_and_mounts_nothing() -> None:
    values = kps_values(settings_of(LOCAL))["alertmanager"]
    assert values["config"]["route"]["receiver"] == "null"
    assert values["config"]["receivers"] == [{"name": "null"}]
    assert values["alertmanagerSpec"]["secrets"] == []


def test_alertmanager_fragment_is_completed_so_chart_defaults_cannot_leak_in() -> None:
    config = {"route": {"receiver": "pagerduty", "group_by": ["alertname"]}, "receivers": [{"name": "pagerduty"}]}
    inputs = AlertmanagerInputs(config=config, secret_names=["todo-alertmanager-receivers"])
    values = kps_values(settings_of(AZURE), alertmanager=inputs)["alertmanager"]
    assert values["alertmanagerSpec"]["secrets"] == ["todo-alertmanager-receivers"]
    route = values["config"]["route"]
    assert route["routes"] == [] and route["group_by"] == ["alertname"] and route["repeat_interval"] == "4h"
    assert values["config"]["inhibit_rules"] == [] and values["config"]["templates"] == []
    assert config == {
        "route": {"receiver": "pagerduty", "group_by": ["alertname"]},
        "receivers": [{"name": "pagerduty"}],
    }
    given = {"route": {"receiver": "x", "routes": [{"receiver": "y"}]}, "inhibit_rules": [{"equal": ["a"]}]}
    assert complete_alertmanager_config(given)["route"]["routes"] == [{"receiver": "y"}]
    assert complete_alertmanager_config(given)["inhibit_rules"] == [{"equal": ["a"]}]


def test_service_names_follow_the_charts_naming() -> None:
    assert prometheus_service_name("kube-prometheus-stack") == "kube-prometheus-stack-prometheus"
    assert grafana_service_name("kube-prometheus-stack") == "kube-prometheus-stack-grafana"
    # A release name without the chart name gets it appended, then the chart truncates to 26.
    assert prometheus_service_name("observability") == "observability-kube-prometh-prometheus"
    assert grafana_admin_secret_name("kube-prometheus-stack") == "kube-prometheus-stack-grafana-admin"


# --- config -----------------------------------------------------------------------------------

BAD_METRICS_INPUTS: list[tuple[str, dict[str, Any], str]] = [
    (
        "retention size fills the volume",
        {**LOCAL, "metrics": {"prometheus": {"retentionSize": "10GB", "storageSize": "10Gi"}}},
        "todo-observability:metrics.prometheus.retentionSize must be at most 85% of metrics.prometheus.storageSize",
    ),
    (
        "retention size without unit",
        {**LOCAL, "metrics": {"prometheus": {"retentionSize": "40"}}},
        "todo-observability:metrics.prometheus.retentionSize",
    ),
    (
        "storage size in decimal units",
        {**LOCAL, "metrics": {"prometheus": {"storageSize": "50GB"}}},
        "todo-observability:metrics.prometheus.storageSize",
    ),
    (
        "single Prometheus in production",
        {**AZURE, "metrics": {"prometheus": {"replicas": 1}}},
        "todo-observability:metrics.prometheus.replicas must be 2 or more in a production stack",
    ),
    (
        "single Alertmanager in production",
        {**AZURE, "metrics": {"alertmanagerReplicas": 1}},
        "todo-observability:metrics.alertmanagerReplicas must be 2 or more in a production stack",
    ),
]


@pytest.mark.parametrize(("case", "raw", "expected"), BAD_METRICS_INPUTS, ids=[c for c, _, _ in BAD_METRICS_INPUTS])
def test_bad_metrics_config_is_rejected_with_the_key_named(case: str, raw: dict[str, Any], expected: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_settings(copy.deepcopy(raw), "teststack")
    assert expected in str(error.value), case


def test_a_single_replica_is_fine_outside_production() -> None:
    settings = settings_of(
        LOCAL, metrics={"prometheus": {"replicas": 1, "retentionSize": "8GB", "storageSize": "10Gi"}}
    )
    assert settings.metrics.prometheus.replicas == 1


def test_prometheus_accepts_the_sidecar_relabelling(tmp_path: Path, renders: dict[str, Rendered]) -> None:
    """Go's RE2 and Prometheus' config loader, not Python's `re`, decide whether the regex works."""
    endpoint = monitors(renders["prod"])["dapr-sidecars"]["inputs"]["spec"]["podMetricsEndpoints"][0]
    snake = {"sourceLabels": "source_labels", "targetLabel": "target_label"}
    relabel = [{snake.get(k, k): v for k, v in rule.items()} for rule in endpoint["metricRelabelings"]]
    config = {"scrape_configs": [{"job_name": "dapr", "static_configs": [{"targets": ["localhost:9090"]}]}]}
    config["scrape_configs"][0]["metric_relabel_configs"] = relabel
    path = tmp_path / "prometheus.yml"
    path.write_text(yaml.safe_dump(config))
    done = subprocess.run(["promtool", "check", "config", str(path)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    relabel[0]["regex"] = "(unclosed"
    path.write_text(yaml.safe_dump(config))
    broken = subprocess.run(["promtool", "check", "config", str(path)], capture_output=True, text=True, check=False)
    assert broken.returncode != 0, "promtool must reject a bad regex, or the check above proves nothing"
