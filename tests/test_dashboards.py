"""Dashboards as code: every rendered dashboard's queries parse as PromQL and use only known metric
names, layouts are sound, the ConfigMaps match Grafana's sidecar, and links land on real dashboards."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import promql_parser
import pytest
import yaml

from catalog.metrics import CONFLUENT_CLOUD, EXPORTED, KUBELET, REDPANDA_CLOUD, STRIMZI_KAFKA
from components.platforms import parse_settings, platform_for
from contracts import uids
from dashboards import kafka as kafka_dashboard
from dashboards.common import SERVICE_PODS, DashboardSections
from dashboards.registry import DASHBOARD_LABEL, DASHBOARD_LABEL_VALUE, FOLDER_ANNOTATION, render_dashboards
from render.log_datasources import LOGS_UID, LOKI_PLUGIN
from render.log_queries import logql_queries
from rules import RuleSections, build_rule_groups, slo
from rules.model import Recording, any_of, pods_of
from settings import StackSettings
from settings.model import replace
from tests.harness import Rendered
from tools.stackfile import stack_sections

ALL_UIDS = {uids.OVERVIEW, uids.DAPR, uids.KAFKA, uids.KUBERNETES, uids.PIPELINE}
APP_DASHBOARDS = ALL_UIDS - {uids.PIPELINE}
# Loki's LogQL is not PromQL: targets on it are checked by the logs dashboard's own tests.
LOKI_LOGS = {"type": LOKI_PLUGIN, "uid": LOGS_UID}
GRID_COLUMNS = 24
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
KPS_CHART = "kube-prometheus-stack"

# What Grafana substitutes before a query reaches Prometheus: its time macros become durations,
# template variables become regex values (they only ever appear inside `=~"..."`).
TIME_MACROS = re.compile(r"\$(__rate_interval|__interval|__range)\b|\$\{(__rate_interval|__interval|__range)\}")
VARIABLE = re.compile(r"\$\{[^}]+\}|\$[A-Za-z_]\w*")
LABEL_VALUES = re.compile(r"^label_values\((?P<selector>.+),\s*(?P<label>\w+)\)$")


def substitute(expr: str) -> str:
    return VARIABLE.sub(".*", TIME_MACROS.sub("5m", expr))


def metric_names(expr: str) -> set[str]:
    names: set[str] = set()

    def visit(node: Any) -> bool:
        if isinstance(node, promql_parser.VectorSelector):
            name = node.name or next((m.value for m in node.matchers.matchers if m.name == "__name__"), None)
            assert name, f"selector without a metric name in {expr!r}"
            names.add(name)
        return True

    promql_parser.walk(promql_parser.parse(substitute(expr)), visit)
    return names


def unknown_metrics(expr: str, recorded: set[str]) -> set[str]:
    return metric_names(expr) - EXPORTED - recorded


def grafana_logs_datasource(rendered: Rendered) -> dict[str, Any] | None:
    """The `logs` datasource the render provisions in Grafana, if any."""
    release = next(r for r in rendered.releases().values() if r["inputs"]["chart"] == KPS_CHART)
    grafana = rendered.helm_values(release["inputs"]["name"])["grafana"]
    return next((d for d in grafana.get("additionalDataSources") or [] if d.get("uid") == LOGS_UID), None)


def runs_loki(rendered: Rendered) -> bool:
    datasource = grafana_logs_datasource(rendered)
    return datasource is not None and datasource["type"] == LOKI_PLUGIN


def expected_uids(rendered: Rendered) -> set[str]:
    return ALL_UIDS | {uids.LOGS} if runs_loki(rendered) else ALL_UIDS


def dashboards_of(rendered: Rendered) -> dict[str, dict[str, Any]]:
    models = [json.loads(path.read_text()) for path in rendered.files("dashboards/*.json")]
    return {model["uid"]: model for model in models}


def recorded_names(rendered: Rendered) -> set[str]:
    names: set[str] = set()
    for path in rendered.files("rules/*.yaml"):
        for group in (yaml.safe_load(path.read_text()) or {}).get("groups", []):
            names |= {rule["record"] for rule in group.get("rules", []) if "record" in rule}
    return names


def panels(model: dict[str, Any]) -> list[dict[str, Any]]:
    flat = []
    for panel in model.get("panels", []):
        flat.append(panel)
        flat.extend(panel.get("panels") or [])
    return flat


def queries(model: dict[str, Any]) -> list[tuple[str, str]]:
    """(where, expr) for every panel target and every query variable of a dashboard."""
    found = [
        (f"panel {panel['id']} {panel.get('title')!r}", target["expr"])
        for panel in panels(model)
        for target in panel.get("targets") or []
        if target.get("datasource") != LOKI_LOGS
    ]
    for variable in model.get("templating", {}).get("list", []):
        if variable.get("type") == "query":
            query = variable["query"]["query"] if isinstance(variable["query"], dict) else variable["query"]
            match = LABEL_VALUES.match(query)
            assert match, f"variable {variable['name']} is not a label_values() query: {query}"
            found.append((f"variable {variable['name']}", match["selector"]))
    return found


def settings_of(stack: str) -> Any:
    return parse_settings(stack_sections(stack), stack)


def dashboard_sections(settings: StackSettings) -> DashboardSections:
    return DashboardSections.of(settings, platform_for(settings.cloud).logs_datasource_type)


def rule_sections(settings: StackSettings) -> RuleSections:
    return RuleSections.of(settings)


# ---- what the render contains ------------------------------------------------------------------


def test_every_stack_renders_the_five_dashboards(rendered: Rendered) -> None:
    assert set(dashboards_of(rendered)) == expected_uids(rendered)
    assert {p.name for p in rendered.files("dashboards/*.json")} == {f"{uid}.json" for uid in expected_uids(rendered)}


def test_every_dashboard_has_uid_title_tags_refresh_and_time(rendered: Rendered) -> None:
    for uid, model in dashboards_of(rendered).items():
        assert model["title"].startswith("Todo / "), uid
        assert "todo-observability" in model["tags"] and len(model["tags"]) >= 2, uid
        assert re.fullmatch(r"\d+[smh]", model["refresh"]), uid
        assert model["time"] == {"from": "now-6h", "to": "now"}, uid
        assert model["schemaVersion"] >= 36, uid


def test_every_query_parses_and_uses_only_known_metric_names(rendered: Rendered) -> None:
    recorded = recorded_names(rendered)
    problems = []
    count = 0
    for uid, model in dashboards_of(rendered).items():
        for where, expr in queries(model):
            count += 1
            try:
                unknown = unknown_metrics(expr, recorded)
            except (ValueError, SyntaxError) as error:
                problems.append(f"{uid} {where}: does not parse ({error}): {expr}")
                continue
            if unknown:
                problems.append(f"{uid} {where}: unknown metric(s) {sorted(unknown)}: {expr}")
    assert count > 80, "every panel carries a query"
    assert problems == []


def test_every_panel_reads_the_datasource_variable(rendered: Rendered) -> None:
    for uid, model in dashboards_of(rendered).items():
        for panel in panels(model):
            if panel["type"] == "row":
                continue
            if panel["type"] == "text":
                # Notes say what a stack cannot show; they query nothing.
                assert len(panel["options"]["content"]) > 100 and "targets" not in panel, (uid, panel["title"])
                continue
            if panel["datasource"] == LOKI_LOGS:
                assert uid == uids.LOGS, f"{uid}: {panel['title']!r} reads Loki outside the logs dashboard"
                continue
            assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, (uid, panel["title"])
            assert panel["targets"], (uid, panel["title"])
            ref_ids = [t["refId"] for t in panel["targets"]]
            assert len(set(ref_ids)) == len(ref_ids) and all(ref_ids), (uid, panel["title"])


def test_panel_ids_are_unique_and_grid_positions_do_not_overlap(rendered: Rendered) -> None:
    for uid, model in dashboards_of(rendered).items():
        ids = [panel["id"] for panel in panels(model)]
        assert len(ids) == len(set(ids)), uid
        assert all(isinstance(i, int) and i > 0 for i in ids), uid
        occupied: dict[tuple[int, int], str] = {}
        for panel in model["panels"]:
            pos = panel["gridPos"]
            assert pos["w"] > 0 and pos["h"] > 0 and pos["x"] + pos["w"] <= GRID_COLUMNS, (uid, panel["title"])
            for x in range(pos["x"], pos["x"] + pos["w"]):
                for y in range(pos["y"], pos["y"] + pos["h"]):
                    assert (x, y) not in occupied, f"{uid}: {panel['title']!r} overlaps {occupied[(x, y)]!r}"
                    occupied[(x, y)] = panel["title"]


def test_template_variables(rendered: Rendered) -> None:
    settings = settings_of(rendered.stack)
    for uid, model in dashboards_of(rendered).items():
        variables = {v["name"]: v for v in model["templating"]["list"]}
        if uid == uids.LOGS:
            # Its queries read Loki, not Prometheus: only the variables they take.
            assert set(variables) == {"service", "trace_id", "task_id"}
            continue
        assert {"datasource", "cluster", "namespace"} <= set(variables), uid
        assert variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
        assert variables["cluster"]["allValue"] == ".*" and variables["namespace"]["multi"] is True
        if uid in APP_DASHBOARDS:
            assert variables["service"]["query"].split(",") == [s.name for s in settings.services], uid
            assert variables["namespace"]["current"]["value"] == settings.application_namespaces, uid
        else:
            assert "service" not in variables
            assert settings.metrics.namespace in variables["namespace"]["current"]["value"]


def test_links_land_on_rendered_dashboards_and_datasources(rendered: Rendered) -> None:
    models = dashboards_of(rendered)
    for uid, model in models.items():
        text = json.dumps(model)
        for target in re.findall(r"/d/([\w-]+)", text):
            assert target in models, f"{uid} links to unknown dashboard {target}"
        links = {link["title"]: link for link in model["links"]}
        assert links["Todo dashboards"]["tags"] == ["todo-observability"] and links["Todo dashboards"]["keepTime"]
        assert "%22traces%22" in links["Traces"]["url"]
        assert ("Logs" in links) == (rendered.stack != "prod-oci"), "a logs link only where a logs datasource exists"
    overview = json.dumps(models[uids.OVERVIEW])
    assert f"/d/{uids.DAPR}?" in overview and f"/d/{uids.KUBERNETES}?" in overview
    kubernetes_links = {link["title"]: link for link in models[uids.KUBERNETES]["links"]}
    assert kubernetes_links["Kubernetes (cluster dashboards)"]["tags"] == ["kubernetes-mixin"]


def test_alerts_dashboard_urls_land_on_rendered_dashboards(rendered: Rendered) -> None:
    models = dashboards_of(rendered)
    for path in rendered.files("rules/*.yaml"):
        for group in (yaml.safe_load(path.read_text()) or {}).get("groups", []):
            for rule in group.get("rules", []):
                url = (rule.get("annotations") or {}).get("dashboard_url")
                if "alert" in rule and url:
                    match = re.search(r"/d/([\w-]+)", url)
                    assert match and match[1] in models, f"{rule['alert']}: {url}"


# ---- loading into Grafana ----------------------------------------------------------------------


def test_config_maps_match_what_the_grafana_sidecar_watches(rendered: Rendered) -> None:
    settings = settings_of(rendered.stack)
    maps = [
        r for r in rendered.of_type(CONFIG_MAP) if (r["inputs"]["metadata"].get("labels") or {}).get(DASHBOARD_LABEL)
    ]
    ours = [r for r in maps if r["inputs"]["metadata"]["name"].startswith("dashboard-todo-")]
    assert len(ours) == len(expected_uids(rendered))
    releases = {r["inputs"]["chart"]: r for r in rendered.releases().values()}
    assert KPS_CHART in releases, "Grafana comes with kube-prometheus-stack"
    sidecar = rendered.helm_values(releases[KPS_CHART]["inputs"]["name"])["grafana"]["sidecar"]["dashboards"]
    assert sidecar["enabled"] is True
    assert sidecar["provider"]["foldersFromFilesStructure"] is True, "folder annotations need it"
    searched = sidecar.get("searchNamespace")
    for config_map in ours:
        metadata = config_map["inputs"]["metadata"]
        assert metadata["labels"][sidecar["label"]] == str(sidecar["labelValue"])
        assert metadata["annotations"][sidecar["folderAnnotation"]] in {"Todo", "Observability"}
        assert searched in ("ALL", metadata["namespace"]) or metadata["namespace"] in str(searched).split(",")
        assert metadata["namespace"] == settings.metrics.namespace
        assert config_map["parent"].startswith("todo-observability:dashboards:Dashboards::")
        (key, body), *rest = config_map["inputs"]["data"].items()
        assert not rest and json.loads(body)["uid"] == key.removesuffix(".json")


def test_config_maps_carry_no_secret(rendered: Rendered) -> None:
    for config_map in rendered.of_type(CONFIG_MAP):
        if (config_map["inputs"]["metadata"].get("labels") or {}).get(DASHBOARD_LABEL):
            text = json.dumps(config_map["inputs"])
            assert "PLACEHOLDER-set-secrets" not in text and "[secret]" not in text


def test_folders_split_app_and_platform() -> None:
    by_uid = {d.uid: d.folder for d in render_dashboards(dashboard_sections(settings_of("local")))}
    assert {by_uid[uid] for uid in APP_DASHBOARDS} == {"Todo"}
    assert by_uid[uids.PIPELINE] == "Observability"
    assert by_uid[uids.LOGS] == "Todo", "the local stack runs Loki"
    assert (DASHBOARD_LABEL, DASHBOARD_LABEL_VALUE, FOLDER_ANNOTATION) == ("grafana_dashboard", "1", "grafana_folder")


# ---- the saved log searches on Loki -------------------------------------------------------------


def test_logs_dashboard_exists_exactly_where_grafana_reads_loki(renders: dict[str, Rendered]) -> None:
    seen = {stack: runs_loki(rendered) for stack, rendered in renders.items()}
    assert True in seen.values() and False in seen.values(), "both kinds of stack are rendered"
    for stack, rendered in renders.items():
        datasource = grafana_logs_datasource(rendered)
        platform = platform_for(settings_of(stack).cloud)
        assert platform.logs_datasource_type == (datasource and datasource["type"]), stack
        assert (uids.LOGS in dashboards_of(rendered)) == seen[stack], stack


def test_logs_dashboard_panels_are_the_saved_logql_searches(renders: dict[str, Rendered]) -> None:
    loki_stacks = [rendered for rendered in renders.values() if runs_loki(rendered)]
    assert loki_stacks
    for rendered in loki_stacks:
        model = dashboards_of(rendered)[uids.LOGS]
        assert model["title"] == "Todo / Logs"
        query_panels = [p for p in panels(model) if p["type"] != "row"]
        assert [p["title"] for p in query_panels] == [q.title for q in logql_queries()]
        assert [[t["expr"] for t in p["targets"]] for p in query_panels] == [[q.query] for q in logql_queries()]
        for panel in query_panels:
            assert panel["datasource"] == LOKI_LOGS and all(t["datasource"] == LOKI_LOGS for t in panel["targets"])
        types = {p["title"]: p["type"] for p in query_panels}
        assert types == {
            "Errors by service": "timeseries",
            "All logs of one trace_id": "logs",
            "Audit trail of one task": "logs",
        }


def test_logs_dashboard_offers_every_variable_its_queries_use(renders: dict[str, Rendered]) -> None:
    rendered = renders["local"]
    settings = settings_of("local")
    model = dashboards_of(rendered)[uids.LOGS]
    variables = {v["name"]: v for v in model["templating"]["list"]}
    assert variables["service"]["type"] == "custom" and variables["service"]["allValue"] == ".*"
    assert variables["service"]["query"].split(",") == [s.name for s in settings.services]
    assert variables["trace_id"]["type"] == "textbox" and variables["task_id"]["type"] == "textbox"
    used = {name for q in logql_queries() for name in re.findall(r"\$(\w+)", q.query)}
    assert used == set(variables) == {"service", "trace_id", "task_id"}
    by_key = {q.key: q.query for q in logql_queries()}
    assert 'trace_id="$trace_id"' in by_key["logs-of-trace"] and 'task_id="$task_id"' in by_key["audit-trail-of-task"]
    assert 'service=~"$service"' in by_key["errors-by-service"]


# ---- the content follows the stack's config ----------------------------------------------------


def _panel(model: dict[str, Any], title: str) -> dict[str, Any]:
    return next(p for p in panels(model) if p.get("title") == title)


def _critical_threshold(panel: dict[str, Any]) -> float:
    return panel["fieldConfig"]["defaults"]["thresholds"]["steps"][-1]["value"]


def test_thresholds_come_from_the_alerting_config() -> None:
    settings = settings_of("local")
    thresholds = replace(settings.alerting.thresholds, error_rate_percent=2.0, consumer_lag_messages=1234)
    changed = replace(settings, alerting=replace(settings.alerting, thresholds=thresholds))
    for current, rate, lag in ((settings, 0.05, 5000), (changed, 0.02, 1234)):
        models = {d.uid: d.model for d in render_dashboards(dashboard_sections(current))}
        assert _critical_threshold(_panel(models[uids.OVERVIEW], "5xx error ratio")) == pytest.approx(rate)
        assert _critical_threshold(_panel(models[uids.KAFKA], "Lag in messages")) == lag


def test_slo_panels_read_the_slo_recording_rules_over_the_window_the_burn_rates_are_tuned_for() -> None:
    overview = next(
        d.model for d in render_dashboards(dashboard_sections(settings_of("prod"))) if d.uid == uids.OVERVIEW
    )
    budget = _panel(overview, "Error budget left (30d)")["targets"][0]["expr"]
    assert slo.SLO_WINDOW == "30d"
    assert "sum_over_time(slo:sli_errors:rate5m{" in budget and "[30d]" in budget
    assert "slo:error_budget:ratio" in budget
    burn = _panel(overview, "Burn rate (1h)")
    assert _critical_threshold(burn) == 14.4
    assert "slo:sli_error:ratio_rate1h" in burn["targets"][0]["expr"]


def test_kafka_broker_panels_only_where_kafka_runs_on_strimzi(rendered: Rendered) -> None:
    settings = settings_of(rendered.stack)
    kafka = dashboards_of(rendered)[uids.KAFKA]
    used = set().union(*(metric_names(expr) for _, expr in queries(kafka)))
    assert bool(used & STRIMZI_KAFKA) == (settings.kafka.mode == "strimzi")
    assert bool(used & REDPANDA_CLOUD) == (settings.kafka.vendor == "redpanda")
    assert {"kafka:consumergroup_lag:sum", "kafka:consumergroup_lag_seconds:estimate"} <= used


# ---- docs/kafka.md's broker metrics: each has a panel, or a note says the vendor does not expose it ----

# Broker metric (docs/kafka.md, "Broker metrics per mode") -> (word the "not exposed" note must contain,
# metrics of which a panel must read one, per view).
# None: the view has no such metric and its note must name the item.
BROKER_METRICS: dict[str, tuple[str, dict[str, set[str] | None]]] = {
    "broker CPU": (
        "cpu",
        {
            "strimzi": {"container_cpu_usage_seconds_total"},
            "redpanda": None,
            "confluent": {"confluent_kafka_server_cluster_load_percent"},
        },
    ),
    "broker memory": (
        "memory",
        {
            "strimzi": {"container_memory_working_set_bytes", "jvm_memory_used_bytes"},
            "redpanda": None,
            "confluent": None,
        },
    ),
    "broker disk": (
        "disk",
        {
            "strimzi": {"kubelet_volume_stats_used_bytes", "kafka_log_log_size"},
            "redpanda": None,
            "confluent": {"confluent_kafka_server_retained_bytes"},
        },
    ),
    "broker network": (
        "network",
        {
            "strimzi": {"container_network_receive_bytes_total", "container_network_transmit_bytes_total"},
            "redpanda": None,
            "confluent": {"confluent_kafka_server_received_bytes", "confluent_kafka_server_sent_bytes"},
        },
    ),
    "active controllers": (
        "controller",
        {"strimzi": {"kafka_controller_kafkacontroller_activecontrollercount"}, "redpanda": None, "confluent": None},
    ),
    "ISR": (
        "isr",
        {
            "strimzi": {"kafka_server_replicamanager_isrshrinks_total", "kafka_server_replicamanager_isrexpands_total"},
            "redpanda": None,
            "confluent": None,
        },
    ),
    "leaders": (
        "leader",
        {
            "strimzi": {"kafka_server_replicamanager_leadercount"},
            "redpanda": {"redpanda_raft_leadership_changes"},
            "confluent": None,
        },
    ),
    "topic in/out": (
        "topic",
        {
            "strimzi": {
                "kafka_server_brokertopicmetrics_bytesin_total",
                "kafka_server_brokertopicmetrics_bytesout_total",
            },
            "redpanda": {"redpanda_kafka_records_produced_total", "redpanda_kafka_records_fetched_total"},
            "confluent": {"confluent_kafka_server_received_records", "confluent_kafka_server_sent_records"},
        },
    ),
    "under-replicated partitions": (
        "replicated",
        {
            "strimzi": {"kafka_server_replicamanager_underreplicatedpartitions"},
            "redpanda": {"redpanda_kafka_under_replicated_replicas"},
            "confluent": {"kafka_topic_partition_under_replicated_partition"},
        },
    ),
    "producer requests": (
        "produce",
        {
            "strimzi": {"kafka_server_brokertopicmetrics_totalproducerequests_total"},
            "redpanda": {"redpanda_kafka_request_latency_seconds_bucket"},
            "confluent": {"confluent_kafka_server_request_count"},
        },
    ),
    "producer errors": (
        "error",
        {
            "strimzi": {"kafka_server_brokertopicmetrics_failedproducerequests_total"},
            "redpanda": {"redpanda_rpc_request_errors_total"},
            "confluent": None,
        },
    ),
}
VENDOR_METRICS = {"strimzi": STRIMZI_KAFKA, "redpanda": REDPANDA_CLOUD, "confluent": CONFLUENT_CLOUD}


def kafka_settings(stack: str, **changes: Any) -> Any:
    settings = settings_of(stack)
    return replace(settings, kafka=replace(settings.kafka, **changes))


CONFLUENT = {
    "mode": "managed",
    "vendor": "confluent",
    "tls": True,
    "metrics_endpoint": "https://api.telemetry.confluent.cloud/v2/metrics/cloud/export?resource.kafka.id=lkc-1",
    "metrics_username": "KEY",
}
# (view, settings): the rendered stacks' two kinds plus Confluent, which no stack file uses.
BROKER_VIEWS = [
    ("strimzi", lambda: settings_of("prod")),
    ("redpanda", lambda: settings_of("prod-oci")),
    ("confluent", lambda: kafka_settings("prod-oci", **CONFLUENT)),
]


def kafka_model(settings: Any) -> dict[str, Any]:
    return next(d.model for d in render_dashboards(dashboard_sections(settings)) if d.uid == uids.KAFKA)


def note_text(model: dict[str, Any]) -> str:
    return " ".join(p["options"]["content"] for p in panels(model) if p["type"] == "text").lower()


def recorded_by_rules(settings: Any) -> set[str]:
    return {
        r.record
        for group in build_rule_groups(rule_sections(settings))
        for r in group.rules
        if isinstance(r, Recording)
    }


@pytest.mark.parametrize(("view", "make_settings"), BROKER_VIEWS, ids=[v for v, _ in BROKER_VIEWS])
def test_every_broker_metric_has_a_panel_or_a_note(view: str, make_settings: Any) -> None:
    settings = make_settings()
    model = kafka_model(settings)
    used = set().union(*(metric_names(expr) for _, expr in queries(model)))
    notes = note_text(model)
    missing = []
    for item, (word, per_view) in BROKER_METRICS.items():
        wanted = per_view[view]
        if wanted is None:
            if word not in notes:
                missing.append(f"{item}: neither a panel nor named in the note")
        elif not wanted & used:
            missing.append(f"{item}: no panel reads any of {sorted(wanted)}")
    assert missing == []
    assert bool(notes) == (view != "strimzi"), "only managed vendors need a 'not exposed' note"


@pytest.mark.parametrize(("view", "make_settings"), BROKER_VIEWS, ids=[v for v, _ in BROKER_VIEWS])
def test_broker_panels_read_only_their_own_vendors_catalogued_metrics(view: str, make_settings: Any) -> None:
    settings = make_settings()
    model = kafka_model(settings)
    recorded = recorded_by_rules(settings)
    used: set[str] = set()
    for where, expr in queries(model):
        assert unknown_metrics(expr, recorded) == set(), where
        used |= metric_names(expr)
    for other, names in VENDOR_METRICS.items():
        assert bool(used & names) == (other == view), f"{view} dashboard reads {other} metrics"
    # Broker pods' kubelet series only where the brokers are pods of this cluster.
    assert bool(used & KUBELET) == (view == "strimzi")


def test_managed_kafka_without_a_metrics_endpoint_says_why_brokers_are_empty() -> None:
    model = kafka_model(kafka_settings("prod-oci", metrics_endpoint=""))
    used = set().union(*(metric_names(expr) for _, expr in queries(model)))
    assert not used & (REDPANDA_CLOUD | STRIMZI_KAFKA | CONFLUENT_CLOUD)
    text = note_text(model)
    assert "kafka.metricsendpoint" in text and "cpu" in text and "network" in text
    assert {"kafka_brokers", "kafka:consumergroup_lag:sum"} <= used, "the exporter rows stay"


def test_vendor_panels_select_the_label_the_scrape_config_sets(renders: dict[str, Rendered]) -> None:
    managed = [r for stack, r in renders.items() if settings_of(stack).kafka.mode == "managed"]
    assert managed, "prod-oci runs a managed Kafka"
    for rendered in managed:
        scrape = rendered.named(
            f"kafka-{settings_of(rendered.stack).kafka.vendor}-metrics",
            "kubernetes:monitoring.coreos.com/v1alpha1:ScrapeConfig",
        )
        static_labels = scrape["inputs"]["spec"]["staticConfigs"][0]["labels"]
        label = kafka_dashboard.VENDOR_CLUSTER_LABEL
        matcher = f'{label}="{static_labels[label]}"'
        vendor_queries = [
            expr for _, expr in queries(dashboards_of(rendered)[uids.KAFKA]) if metric_names(expr) & REDPANDA_CLOUD
        ]
        assert len(vendor_queries) >= 8, rendered.stack
        assert all(matcher in expr for expr in vendor_queries), rendered.stack


def test_strimzi_broker_selectors_match_strimzi_pod_and_volume_names() -> None:
    settings = settings_of("local")
    pods = re.compile(kafka_dashboard.strimzi_node_pods(settings.kafka))
    volumes = re.compile(kafka_dashboard.strimzi_data_volumes(settings.kafka))
    for name in ("todo-kafka-broker-0", "todo-kafka-controller-3", "todo-kafka-kafka-2", "todo-kafka-dual-role-10"):
        assert pods.fullmatch(name), name
    for name in ("todo-kafka-entity-operator-6d5f7c9b8-x7k2p", "todo-kafka-kafka-exporter-5c8d-abcde", "other-kafka-0"):
        assert not pods.fullmatch(name), name
    for name in ("data-todo-kafka-broker-0", "data-1-todo-kafka-kafka-2"):
        assert volumes.fullmatch(name), name
    assert not volumes.fullmatch("data-other-kafka-0") and not volumes.fullmatch("todo-kafka-broker-0")
    model = kafka_model(settings)
    cpu = _panel(model, "Broker CPU")["targets"][0]["expr"]
    disk = _panel(model, "Broker disk used")["targets"][0]["expr"]
    assert f'pod=~"{kafka_dashboard.strimzi_node_pods(settings.kafka)}"' in cpu and 'container="kafka"' in cpu
    assert 'namespace="kafka"' in cpu
    assert f'persistentvolumeclaim=~"{kafka_dashboard.strimzi_data_volumes(settings.kafka)}"' in disk


# ---- recording rules instead of raw series --------------------------------------------------------

# Raw series a project recording rule already aggregates: a panel reading them scans every series
# per evaluation instead of one per service.
RECORDED_SOURCES = {
    "http_requests_total": "service:http_requests:rate5m",
    "kafka_consumergroup_lag": "kafka:consumergroup_lag:sum",
    "kafka_consumergroup_current_offset": "kafka:consumergroup_consume_rate:rate5m",
    "kafka_topic_partition_current_offset": "kafka:topic_produce_rate:rate5m",
    "dapr_component_pubsub_egress_count": "dapr:pubsub_egress:rate5m",
    "dapr_component_pubsub_ingress_count": "dapr:pubsub_ingress:rate5m",
    "dapr_component_pubsub_ingress_latencies_bucket": "dapr:pubsub_ingress_latency_ms:p95_5m",
}


def test_panels_read_recording_rules_where_they_exist(rendered: Rendered) -> None:
    recorded = recorded_names(rendered)
    assert set(RECORDED_SOURCES.values()) <= recorded, "the recordings the dashboards rely on are rendered"
    raw = [
        f"{uid} {where}: {sorted(metric_names(expr) & set(RECORDED_SOURCES))}"
        for uid, model in dashboards_of(rendered).items()
        for where, expr in queries(model)
        if metric_names(expr) & set(RECORDED_SOURCES)
    ]
    assert raw == []


def test_overview_red_panels_read_the_application_recordings() -> None:
    settings = settings_of("prod")
    window = settings.alerting.thresholds.error_rate_window
    overview = next(d.model for d in render_dashboards(dashboard_sections(settings)) if d.uid == uids.OVERVIEW)
    requests = _panel(overview, "Requests per second")["targets"][0]["expr"]
    errors = _panel(overview, "5xx error ratio")["targets"][0]["expr"]
    assert metric_names(requests) == {"service:http_requests:rate5m"}
    assert metric_names(errors) == {f"service:http_requests_5xx:ratio_rate{window}"}


# ---- one pod pattern for rules and dashboards -----------------------------------------------------


@pytest.mark.parametrize(
    ("pod", "selected"),
    [
        ("chat-api-7d9f8b6c4-x2k9z", True),
        ("chat-api-worker-7d9f8b6c4-x2k9z", False),
        ("chat-api-0", False),
        ("notification-service-5f6b7c8d9-abcde", True),
        ("chat-apix-7d9f8b6c4-x2k9z", False),
    ],
)
def test_dashboard_and_rules_select_the_same_service_pods(pod: str, selected: bool) -> None:
    settings = settings_of("prod")
    services = [s for s in settings.services if s.name in ("chat-api", "notification-service")]
    assert len(services) == 2
    chosen = any_of([s.name for s in services])
    dashboard_pattern = re.fullmatch(r'pod=~"(.*)"', SERVICE_PODS)
    assert dashboard_pattern and "$service" in SERVICE_PODS
    as_grafana_sends_it = dashboard_pattern[1].replace("$service", chosen)
    assert bool(re.fullmatch(as_grafana_sends_it, pod)) == selected
    assert bool(re.fullmatch(pods_of(services), pod)) == selected


def test_kubernetes_dashboard_selects_pods_with_the_shared_pattern() -> None:
    kubernetes = next(
        d.model for d in render_dashboards(dashboard_sections(settings_of("local"))) if d.uid == uids.KUBERNETES
    )
    pod_queries = [expr for _, expr in queries(kubernetes) if "pod=~" in expr]
    assert len(pod_queries) >= 5
    assert all(SERVICE_PODS in expr for expr in pod_queries)


def test_thanos_panels_only_with_long_term_storage(rendered: Rendered) -> None:
    settings = settings_of(rendered.stack)
    pipeline = dashboards_of(rendered)[uids.PIPELINE]
    titles = {p["title"] for p in pipeline["panels"] if p["type"] == "row"}
    assert ("Thanos (long-term storage)" in titles) == settings.metrics.long_term.enabled


def test_renders_are_identical_for_the_same_config() -> None:
    first = [d.json() for d in render_dashboards(dashboard_sections(settings_of("prod")))]
    second = [d.json() for d in render_dashboards(dashboard_sections(settings_of("prod")))]
    assert first == second


# ---- the checks themselves can fail --------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "unknown"),
    [
        ("sum(rate(http_requests_totl[$__rate_interval]))", {"http_requests_totl"}),
        ('dapr_http_server_request_count_total{app_id=~"$service"}', {"dapr_http_server_request_count_total"}),
        ("kafka:consumergroup_lag:max", {"kafka:consumergroup_lag:max"}),
        (f"sum by (pod) (rate(container_cpu_usage_seconds_total{{{SERVICE_PODS}}}[$__rate_interval]))", set()),
    ],
)
def test_the_metric_check_names_unknown_metrics(expr: str, unknown: set[str]) -> None:
    assert unknown_metrics(expr, {"kafka:consumergroup_lag:sum"}) == unknown


@pytest.mark.parametrize("expr", ["sum(rate(up[$__rate_interval])", "rate(up[$service])", "up{job=~$service}"])
def test_the_parse_check_rejects_broken_queries(expr: str) -> None:
    with pytest.raises((ValueError, SyntaxError)):
        metric_names(expr)


def test_overlap_check_catches_overlapping_panels(tmp_path: Path) -> None:
    model = {
        "uid": "x",
        "panels": [{"id": 1, "title": "a", "type": "stat", "gridPos": {"x": 0, "y": 0, "w": 12, "h": 4}}],
    }
    model["panels"].append({"id": 2, "title": "b", "type": "stat", "gridPos": {"x": 6, "y": 2, "w": 12, "h": 4}})
    (tmp_path / "dashboards").mkdir()
    (tmp_path / "dashboards" / "x.json").write_text(json.dumps(model))
    with pytest.raises(AssertionError, match="overlaps"):
        test_panel_ids_are_unique_and_grid_positions_do_not_overlap(Rendered("fake", tmp_path, ""))
