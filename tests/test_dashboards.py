"""Dashboards as code: every rendered dashboard's queries parse as PromQL and use only known metric
names, layouts are sound, the ConfigMaps match Grafana's sidecar, and links land on real dashboards."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import promql_parser
import pytest
import yaml

from catalog.metrics import EXPORTED, STRIMZI_KAFKA
from dashboards import uids
from render.dashboards import DASHBOARD_LABEL, DASHBOARD_LABEL_VALUE, FOLDER_ANNOTATION, render_dashboards
from settings.loader import parse_settings
from tests.harness import Rendered
from tests.test_config import stack_raw

ALL_UIDS = {uids.OVERVIEW, uids.DAPR, uids.KAFKA, uids.KUBERNETES, uids.PIPELINE}
APP_DASHBOARDS = ALL_UIDS - {uids.PIPELINE}
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
    ]
    for variable in model.get("templating", {}).get("list", []):
        if variable.get("type") == "query":
            query = variable["query"]["query"] if isinstance(variable["query"], dict) else variable["query"]
            match = LABEL_VALUES.match(query)
            assert match, f"variable {variable['name']} is not a label_values() query: {query}"
            found.append((f"variable {variable['name']}", match["selector"]))
    return found


def settings_of(stack: str) -> Any:
    return parse_settings(stack_raw(stack), stack)


# ---- what the render contains ------------------------------------------------------------------


def test_every_stack_renders_the_five_dashboards(rendered: Rendered) -> None:
    assert set(dashboards_of(rendered)) == ALL_UIDS
    assert {p.name for p in rendered.files("dashboards/*.json")} == {f"{uid}.json" for uid in ALL_UIDS}


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
    assert len(ours) == len(ALL_UIDS)
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
    by_uid = {d.uid: d.folder for d in render_dashboards(settings_of("local"))}
    assert {by_uid[uid] for uid in APP_DASHBOARDS} == {"Todo"}
    assert by_uid[uids.PIPELINE] == "Observability"
    assert (DASHBOARD_LABEL, DASHBOARD_LABEL_VALUE, FOLDER_ANNOTATION) == ("grafana_dashboard", "1", "grafana_folder")


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
        models = {d.uid: d.model for d in render_dashboards(current)}
        assert _critical_threshold(_panel(models[uids.OVERVIEW], "5xx error ratio")) == pytest.approx(rate)
        assert _critical_threshold(_panel(models[uids.KAFKA], "Lag in messages")) == lag


def test_slo_panels_read_the_slo_recording_rules_over_the_configured_window() -> None:
    settings = settings_of("prod")
    services = [replace(s, slo=replace(s.slo, window="28d")) for s in settings.services]
    for current, window in ((settings, "30d"), (replace(settings, services=services), "28d")):
        overview = next(d.model for d in render_dashboards(current) if d.uid == uids.OVERVIEW)
        budget = _panel(overview, f"Error budget left ({window})")["targets"][0]["expr"]
        assert "sum_over_time(slo:sli_errors:rate5m{" in budget and f"[{window}]" in budget
        assert "slo:error_budget:ratio" in budget
        burn = _panel(overview, "Burn rate (1h)")
        assert _critical_threshold(burn) == 14.4
        assert "slo:sli_error:ratio_rate1h" in burn["targets"][0]["expr"]


def test_kafka_broker_panels_only_where_kafka_runs_on_strimzi(rendered: Rendered) -> None:
    settings = settings_of(rendered.stack)
    kafka = dashboards_of(rendered)[uids.KAFKA]
    used = set().union(*(metric_names(expr) for _, expr in queries(kafka)))
    assert bool(used & STRIMZI_KAFKA) == (settings.kafka.mode == "strimzi")
    assert {"kafka:consumergroup_lag:sum", "kafka:consumergroup_lag_seconds:estimate"} <= used


def test_thanos_panels_only_with_long_term_storage(rendered: Rendered) -> None:
    settings = settings_of(rendered.stack)
    pipeline = dashboards_of(rendered)[uids.PIPELINE]
    titles = {p["title"] for p in pipeline["panels"] if p["type"] == "row"}
    assert ("Thanos (long-term storage)" in titles) == settings.metrics.long_term.enabled


def test_renders_are_identical_for_the_same_config() -> None:
    first = [d.json() for d in render_dashboards(settings_of("prod"))]
    second = [d.json() for d in render_dashboards(settings_of("prod"))]
    assert first == second


# ---- the checks themselves can fail --------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "unknown"),
    [
        ("sum(rate(http_requests_totl[$__rate_interval]))", {"http_requests_totl"}),
        ('dapr_http_server_request_count_total{app_id=~"$service"}', {"dapr_http_server_request_count_total"}),
        ("kafka:consumergroup_lag:max", {"kafka:consumergroup_lag:max"}),
        ('sum by (pod) (rate(container_cpu_usage_seconds_total{pod=~"($service)-.*"}[$__rate_interval]))', set()),
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
