"""Alerting and recording rules: promtool on every stack's render, promtool unit tests for every alert,
runbooks, metric names, shipped-alert duplicates, bucket-boundary thresholds, and config plumbing."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import promql_parser
import pytest
import yaml

from catalog.metrics import EXPORTED
from components.platforms import parse_settings
from components.versions import KUBE_PROMETHEUS_STACK
from contracts import uids
from rules import RuleSections, build_rule_groups
from rules.application import probe_and_scrape_paths
from rules.model import Recording, RuleGroup, any_of
from rules.shipped import COVERED_BY_CHART, KUBE_PROMETHEUS_STACK_ALERTS, KUBE_PROMETHEUS_STACK_VERSION
from settings import ConfigError, StackSettings
from settings.defaults import APP_LATENCY_BUCKETS_SECONDS, DAPR_LATENCY_BUCKETS_MS
from tests.harness import STACKS, Rendered
from tools.stackfile import ROOT, stack_settings


def rule_sections(settings: StackSettings) -> RuleSections:
    """What __main__.py gives the alert-rules capability of this stack."""
    return RuleSections.of(settings)


RULE_TESTS = sorted((ROOT / "tests" / "rules").glob("*.test.yaml"))
RUNBOOKS = ROOT / "runbooks"
PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
SEVERITIES = {"critical", "warning", "info"}
PASCAL_CASE = re.compile(r"^[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)*$")
RECORDING_NAME = re.compile(r"^[a-z_]+:[a-z0-9_]+:[a-z0-9_]+$")
LOCAL: dict[str, Any] = {"environment": "development", "cloud": "local"}


def rule_files(rendered: Rendered) -> list[Path]:
    return rendered.files("rules/*.yaml")


def groups_of(rendered: Rendered) -> list[dict[str, Any]]:
    return [group for path in rule_files(rendered) for group in yaml.safe_load(path.read_text())["groups"]]


def alerts_of(rendered: Rendered) -> list[dict[str, Any]]:
    return [rule for group in groups_of(rendered) for rule in group["rules"] if "alert" in rule]


def all_alert_names(renders: dict[str, Rendered]) -> set[str]:
    return {alert["alert"] for rendered in renders.values() for alert in alerts_of(rendered)}


def selectors(node: Any) -> list[Any]:
    """Every vector selector in a parsed PromQL expression."""
    if isinstance(node, promql_parser.VectorSelector):
        return [node]
    if isinstance(node, promql_parser.MatrixSelector):
        return [node.vector_selector]
    if isinstance(node, promql_parser.BinaryExpr):
        return selectors(node.lhs) + selectors(node.rhs)
    if isinstance(node, promql_parser.AggregateExpr):
        return selectors(node.expr) + (selectors(node.param) if node.param is not None else [])
    if isinstance(node, promql_parser.Call):
        return [s for arg in node.args for s in selectors(arg)]
    if isinstance(node, promql_parser.ParenExpr | promql_parser.UnaryExpr | promql_parser.SubqueryExpr):
        return selectors(node.expr)
    return []


def metric_name(selector: Any) -> str:
    if selector.name:
        return selector.name
    return next(m.value for m in selector.matchers.matchers if m.name == "__name__")


def bucket_value(matcher: Any) -> float:
    """The boundary of an `le` matcher; rules/model.py writes integral ones as `N(\\.0)?`."""
    return float(matcher.value.removesuffix("(\\.0)?").replace("\\.", "."))


# --- promtool ---------------------------------------------------------------------------------------


def test_promtool_check_rules_on_every_stack(rendered: Rendered) -> None:
    files = rule_files(rendered)
    assert {f.name for f in files} >= {"todo-application.yaml", "todo-kafka.yaml", "todo-slo.yaml"}
    done = subprocess.run(["promtool", "check", "rules", *map(str, files)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def rule_file_names(stack: str) -> set[str]:
    """The rule files a stack renders (components/alert_rules.py writes one per group)."""
    return {f"todo-{group.name}.yaml" for group in build_rule_groups(rule_sections(stack_settings(stack)))}


def rule_test_document(test_file: Path) -> dict[str, Any]:
    return yaml.safe_load(test_file.read_text())


def stacks_of(test_file: Path) -> list[str]:
    """The stacks a promtool test file runs against: its `stacks:` key (this harness's, removed before
    promtool reads the file), or else every stack that renders all of its rule files."""
    document = rule_test_document(test_file)
    if "stacks" in document:
        return list(document["stacks"])
    return [s for s in STACKS if set(document["rule_files"]) <= rule_file_names(s)]


RULE_TEST_RUNS = [(test_file, stack) for test_file in RULE_TESTS for stack in stacks_of(test_file)]


def for_stack(test_file: Path, stack: str) -> str:
    """The test file as promtool reads it for `stack`: without `stacks:`, and with the links that stack's
    alerts carry (test files write them as the `local` stack renders them)."""
    document = rule_test_document(test_file)
    document.pop("stacks", None)
    text = yaml.safe_dump(document, sort_keys=False, width=10_000)
    local, target = stack_settings("local").alerting, stack_settings(stack).alerting
    text = text.replace(f"{local.grafana_url}/d/", f"{target.grafana_url}/d/")
    return text.replace(f"{local.runbook_base_url}/", f"{target.runbook_base_url}/")


@pytest.mark.parametrize(("test_file", "stack"), RULE_TEST_RUNS, ids=[f"{f.name}-{s}" for f, s in RULE_TEST_RUNS])
def test_promtool_unit_tests(test_file: Path, stack: str, renders: dict[str, Rendered], tmp_path: Path) -> None:
    """Every test file runs against every stack that renders its rule files (or the stacks it names):
    thresholds, links and stack-specific rules are proven on the stack that deploys them."""
    for name in rule_test_document(test_file)["rule_files"]:
        source = renders[stack].dir / "rules" / name
        assert source.exists(), f"{test_file.name} needs {name}, which stack {stack} does not render"
        shutil.copy(source, tmp_path / name)
    (tmp_path / test_file.name).write_text(for_stack(test_file, stack))
    done = subprocess.run(
        ["promtool", "test", "rules", test_file.name], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr


def cases_by_stack() -> dict[str, tuple[set[str], set[str]]]:
    """stack -> (alerts with a firing case, alerts with a silent case) among the tests run on it."""
    out: dict[str, tuple[set[str], set[str]]] = {s: (set(), set()) for s in STACKS}
    for test_file, stack in RULE_TEST_RUNS:
        firing, silent = out[stack]
        for case in rule_test_document(test_file)["tests"]:
            for check in case.get("alert_rule_test", []):
                (firing if check.get("exp_alerts") else silent).add(check["alertname"])
    return out


def test_every_alert_of_every_stack_has_a_firing_and_a_silent_case(renders: dict[str, Rendered]) -> None:
    covered = cases_by_stack()
    for stack, rendered in renders.items():
        names = {alert["alert"] for alert in alerts_of(rendered)}
        firing, silent = covered[stack]
        assert names - firing == set(), f"{stack}: alerts without a promtool case where they fire"
        assert names - silent == set(), f"{stack}: alerts without a promtool case where they stay silent"
        # A silent case for an alert the stack does not define would pass without proving anything.
        assert (firing | silent) - names == set(), f"{stack}: promtool cases for alerts it does not render"


def test_stack_specific_test_files_run_where_they_apply() -> None:
    runs = {(f.name, s) for f, s in RULE_TEST_RUNS}
    assert ("kafka.test.yaml", "prod-oci") in runs and ("kafka-strimzi.test.yaml", "prod-oci") not in runs
    assert ("kafka-redpanda.test.yaml", "prod-oci") in runs and ("kafka-redpanda.test.yaml", "local") not in runs
    assert ("long-term-storage.test.yaml", "local") not in runs
    assert {("slo.test.yaml", s) for s in STACKS} <= runs


def test_firing_cases_expect_labels_and_every_annotation(renders: dict[str, Rendered]) -> None:
    for test_file in RULE_TESTS:
        for case in yaml.safe_load(test_file.read_text())["tests"]:
            for check in case.get("alert_rule_test", []):
                for expected in check.get("exp_alerts") or []:
                    assert expected["exp_labels"]["severity"] in SEVERITIES, check["alertname"]
                    assert set(expected["exp_annotations"]) == {
                        "summary",
                        "description",
                        "runbook_url",
                        "dashboard_url",
                    }, check["alertname"]


# --- runbooks ---------------------------------------------------------------------------------------


def test_every_alert_has_a_runbook_and_every_runbook_an_alert(renders: dict[str, Rendered]) -> None:
    runbooks = {p.stem for p in RUNBOOKS.glob("*.md")}
    names = all_alert_names(renders)
    assert names - runbooks == set(), "alerts without runbooks/<AlertName>.md"
    assert runbooks - names == set(), "runbooks for alerts no stack defines"


@pytest.mark.parametrize("section", ["## Meaning", "## Impact", "## Diagnosis", "## Mitigation", "## Escalation"])
def test_runbooks_have_every_section_and_each_clouds_log_query(section: str) -> None:
    books = sorted(RUNBOOKS.glob("*.md"))
    assert books
    for book in books:
        text = book.read_text()
        assert section in text, f"{book.name} lacks {section}"
        for needle in ("kubectl ", "```promql", "Azure Log Analytics", "Google Cloud Logging", "OCI Logging Analytics"):
            assert needle in text, f"{book.name} lacks {needle}"


# --- every alert's shape ----------------------------------------------------------------------------


def test_alerts_carry_severity_summary_description_and_links(rendered: Rendered) -> None:
    alerts = alerts_of(rendered)
    assert len(alerts) >= 30
    stack_doc = yaml.safe_load((ROOT / f"Pulumi.{rendered.stack}.yaml").read_text())["config"]
    grafana = stack_doc["todo-observability:alerting"]["grafanaUrl"]
    dashboards = {getattr(uids, name) for name in dir(uids) if name.isupper()}
    for alert in alerts:
        name, labels, notes = alert["alert"], alert["labels"], alert["annotations"]
        assert PASCAL_CASE.match(name), name
        assert labels["severity"] in SEVERITIES, name
        assert notes["summary"] and "{{ $value" in notes["description"], name
        assert notes["runbook_url"].endswith(f"/runbooks/{name}.md"), name
        assert notes["runbook_url"].startswith("https://"), name
        dashboard = notes["dashboard_url"].removeprefix(f"{grafana}/d/")
        assert dashboard in dashboards, f"{name}: {notes['dashboard_url']}"


def service_selections(expr: str, names: list[str]) -> list[set[str]]:
    """The services among `names` that each `service` matcher of `expr` selects, in order."""
    selections = []
    for operator, operand in re.findall(r'\bservice(=~?)"([^"]*)"', expr):
        if operator == "=":
            selections.append({operand} & set(names))
        else:
            pattern = operand.replace("\\\\", "\\")  # the PromQL string's escapes, then RE2's
            selections.append({name for name in names if re.fullmatch(pattern, name)})
    assert selections, expr
    return selections


def selected_services(expr: str, names: list[str]) -> set[str]:
    """The services among `names` that the `service` matchers of `expr` select."""
    return set().union(*service_selections(expr, names))


# Services that alert differently: other namespaces, probe and scrape paths, critical routes (one with regex
# syntax), a frontend without request metrics, a worker.
VARIED_SERVICES: list[dict[str, Any]] = [
    {"name": "chat-api", "kind": "api", "critical": True, "criticalRoutes": ["/api/chat"]},
    {"name": "todo-api", "kind": "api", "critical": True, "criticalRoutes": ["/api/todos/{id}"], "namespace": "apps"},
    {"name": "search", "kind": "api", "criticalRoutes": ["/search"], "healthPath": "/health/ready"},
    {"name": "admin", "kind": "api", "metricsPath": "/internal/metrics", "livenessPath": "/live"},
    {"name": "frontend", "kind": "frontend", "critical": True, "exposesMetrics": False},
    {"name": "mailer", "subscribes": ["reminders"]},
]

# Who each service-level alert judges, and at what severity.
SERVICE_LEVEL_ALERTS = {
    "ServiceHealthProbeFailing": lambda s: "critical" if s.critical else "warning",
    "ServiceHighErrorRate": lambda s: s.exposes_metrics and ("critical" if s.critical else "warning"),
    "ServiceHighLatency": lambda s: (
        s.exposes_metrics and bool(s.critical_routes) and ("critical" if s.critical else "warning")
    ),
    "ServiceTrafficDrop": lambda s: s.exposes_metrics and s.critical and "critical",
}


def service_level_cases() -> list[tuple[str, StackSettings]]:
    varied = parse_settings({**LOCAL, "services": VARIED_SERVICES}, "test")
    return [*((stack, stack_settings(stack)) for stack in STACKS), ("varied", varied)]


SERVICE_LEVEL_CASES = service_level_cases()


@pytest.mark.parametrize(("case", "settings"), SERVICE_LEVEL_CASES, ids=[case for case, _ in SERVICE_LEVEL_CASES])
def test_each_service_level_alert_judges_each_service_once_at_its_severity(case: str, settings: StackSettings) -> None:
    """A rule may serve several services (alike: `service=~"a|b"`, `{{ $labels.service }}` in its text), but
    each service that an alert judges is selected by exactly one of its rules, at the service's severity, and
    a service it does not judge by none."""
    alerts = [r for g in build_rule_groups(rule_sections(settings)) for r in g.rules if not isinstance(r, Recording)]
    names = [s.name for s in settings.services]
    by_name = {s.name: s for s in settings.services}
    for alert_name, severity_of in SERVICE_LEVEL_ALERTS.items():
        judged: dict[str, list[str]] = {name: [] for name in names}
        for alert in (a for a in alerts if a.name == alert_name):
            selected = selected_services(alert.expr, names)
            assert selected, f"{case}: a {alert_name} rule selects no service"
            # Every selector of the rule (ratio, evidence, rates) is about its own services only.
            for selection in service_selections(alert.expr, names):
                assert selection <= selected and all(severity_of(by_name[n]) == alert.severity for n in selection)
            assert {"service" in alert.labels, "{{ $labels.service }}" in alert.summary} != {False}, alert_name
            for name in selected:
                judged[name].append(alert.severity)
        wanted = {s.name: [severity_of(s)] if severity_of(s) else [] for s in settings.services}
        assert judged == wanted, f"{case}: {alert_name}"


@pytest.mark.parametrize(("case", "settings"), SERVICE_LEVEL_CASES, ids=[case for case, _ in SERVICE_LEVEL_CASES])
def test_no_two_alert_rules_of_a_group_share_name_and_static_labels(case: str, settings: StackSettings) -> None:
    """Prometheus hands a rule's alert state on across a reload by alert name and static labels, pairing rules
    that share both by their position: two such rules would trade firing alerts when a service is added or
    removed (a spurious resolve, and the real alert waits out its `for` again)."""
    for group in build_rule_groups(rule_sections(settings)):
        identities = [(r.name, r.severity, tuple(sorted(r.labels.items()))) for r in group.rules if hasattr(r, "name")]
        assert len(identities) == len(set(identities)), f"{case}: {group.name}"


def application_group(settings: StackSettings) -> RuleGroup:
    return next(g for g in build_rule_groups(rule_sections(settings)) if g.name == "application")


@pytest.mark.parametrize(("case", "settings"), SERVICE_LEVEL_CASES, ids=[case for case, _ in SERVICE_LEVEL_CASES])
def test_each_request_selector_leaves_out_its_own_services_probe_and_scrape_paths(
    case: str, settings: StackSettings
) -> None:
    """User traffic is each service's requests but its own probes and scrape, in the recordings and the alerts
    alike: a path another service probes or scrapes may be a user route here."""
    by_name = {s.name: s for s in settings.services}
    checked = 0
    for rule in application_group(settings).rules:
        for matchers in re.findall(r"http_requests_total\{([^}]*)\}", rule.expr):
            excluded = re.search(r'handler!~"([^"]*)"', matchers)
            if excluded is None:  # the critical routes' selectors
                continue
            for name in selected_services(matchers, list(by_name)):
                assert excluded.group(1) == any_of(probe_and_scrape_paths(by_name[name])), f"{case}: {name}"
                checked += 1
    assert checked, case


# A critical API whose user API is /metrics (it is scraped on /internal/metrics) beside one scraped on /metrics.
METRICS_ROUTE_SERVICES: list[dict[str, Any]] = [
    {"name": "chat-api", "kind": "api", "critical": True},
    {"name": "ingest-api", "kind": "api", "critical": True, "metricsPath": "/internal/metrics"},
]


def metrics_route_case(
    settings: StackSettings, series: str, values: str, eval_time: str, alert: str, summary: str, description: str
) -> Any:
    return {
        "interval": "1m",
        "input_series": [{"series": series, "values": values}],
        "alert_rule_test": [
            {
                "eval_time": eval_time,
                "alertname": alert,
                "exp_alerts": [
                    {
                        "exp_labels": {"severity": "critical", "namespace": "todo", "service": "ingest-api"},
                        "exp_annotations": {
                            "summary": summary,
                            "description": description,
                            "runbook_url": f"{settings.alerting.runbook_base_url}/{alert}.md",
                            "dashboard_url": f"{settings.alerting.grafana_url}/d/{uids.OVERVIEW}",
                        },
                    }
                ],
            }
        ],
    }


def metrics_route_test(settings: StackSettings) -> dict[str, Any]:
    return {
        "rule_files": ["todo-application.yaml"],
        "evaluation_interval": "5m",
        "tests": [
            # ingest-api's /metrics: 10 requests/s for a day, then 1% of it (a broken ingress).
            metrics_route_case(
                settings,
                'http_requests_total{namespace="todo", service="ingest-api", handler="/metrics", status="2xx"}',
                "0+600x1500 900006+6x30",
                "1520m",
                "ServiceTrafficDrop",
                "ingest-api receives almost no requests",
                "ingest-api in namespace todo receives 0.10 requests/s, less than 10% of the same time a day and a "
                "week earlier (where that was at least 0.5 requests/s): users cannot reach it (ingress, DNS, frontend) "
                "although its pods are up.",
            ),
            # ingest-api answers every /metrics request with 5xx.
            metrics_route_case(
                settings,
                'http_requests_total{namespace="todo", service="ingest-api", handler="/metrics", status="5xx"}',
                "0+600x30",
                "20m",
                "ServiceHighErrorRate",
                "ingest-api answers more than 5% of requests with 5xx",
                "100.00% of ingest-api requests in namespace todo failed with a 5xx over the last 5m (threshold 5%, "
                "and at least 3 failed requests).",
            ),
        ],
    }


def test_a_user_route_another_service_scrapes_is_still_judged(tmp_path: Path) -> None:
    """ingest-api's user API is /metrics, chat-api's scrape path: its traffic drop and its 5xx still alert."""
    settings = parse_settings({**LOCAL, "services": METRICS_ROUTE_SERVICES}, "test")
    (tmp_path / "todo-application.yaml").write_text(yaml.safe_dump({"groups": [application_group(settings).to_dict()]}))
    (tmp_path / "metrics-route.test.yaml").write_text(yaml.safe_dump(metrics_route_test(settings), width=10_000))
    done = subprocess.run(
        ["promtool", "test", "rules", "metrics-route.test.yaml"], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_recording_rules_follow_level_metric_operations(rendered: Rendered) -> None:
    records = [r["record"] for g in groups_of(rendered) for r in g["rules"] if "record" in r]
    assert {"kafka:consumergroup_lag:sum", "kafka:consumergroup_lag_seconds:estimate"} <= set(records)
    for record in records:
        assert RECORDING_NAME.match(record), record


# --- metric names, shipped alerts, buckets ----------------------------------------------------------


def test_every_expression_parses_and_uses_only_known_metrics(rendered: Rendered) -> None:
    groups = groups_of(rendered)
    recorded = {r["record"] for g in groups for r in g["rules"] if "record" in r}
    seen: set[str] = set()
    for group in groups:
        for rule in group["rules"]:
            for selector in selectors(promql_parser.parse(rule["expr"])):
                name = metric_name(selector)
                seen.add(name)
                assert name in EXPORTED or name in recorded, f"{rule.get('alert') or rule['record']}: {name}"
    assert {"dapr_component_pubsub_ingress_count", "kafka_consumergroup_lag", "http_requests_total"} <= seen


def test_dapr_counters_have_no_total_suffix(rendered: Rendered) -> None:
    for group in groups_of(rendered):
        for rule in group["rules"]:
            for selector in selectors(promql_parser.parse(rule["expr"])):
                name = metric_name(selector)
                if name.startswith("dapr_") and name.endswith("_total"):
                    assert name == "dapr_runtime_component_init_fail_total", name


def test_the_shipped_alert_list_was_read_at_the_pinned_chart_version() -> None:
    """A chart bump must re-read the shipped alert names (rules/shipped.py) before this passes again."""
    assert KUBE_PROMETHEUS_STACK.version == KUBE_PROMETHEUS_STACK_VERSION


def test_no_alert_duplicates_one_shipped_by_kube_prometheus_stack(renders: dict[str, Rendered]) -> None:
    assert {"Watchdog", "KubePodCrashLooping", "KubeNodeNotReady", "TargetDown"} <= KUBE_PROMETHEUS_STACK_ALERTS
    assert all_alert_names(renders) & KUBE_PROMETHEUS_STACK_ALERTS == set()


def test_what_the_chart_covers_stays_switched_on(rendered: Rendered) -> None:
    values = rendered.helm_values("kube-prometheus-stack")
    default_rules = values["defaultRules"]
    assert default_rules["create"] is True
    for need, (switch, alerts) in COVERED_BY_CHART.items():
        assert set(alerts) <= KUBE_PROMETHEUS_STACK_ALERTS, need
        assert default_rules.get("rules", {}).get(switch, True) is not False, f"{need}: defaultRules.rules.{switch}"
        for alert in alerts:
            assert (default_rules.get("disabled") or {}).get(alert) is not True, alert


def test_latency_thresholds_sit_on_histogram_buckets(rendered: Rendered) -> None:
    app = set(APP_LATENCY_BUCKETS_SECONDS)
    dapr = {float(b) for b in DAPR_LATENCY_BUCKETS_MS}
    le_values: list[tuple[str, float]] = []
    for group in groups_of(rendered):
        for rule in group["rules"]:
            for selector in selectors(promql_parser.parse(rule["expr"])):
                for matcher in selector.matchers.matchers:
                    if matcher.name == "le":
                        le_values.append((metric_name(selector), bucket_value(matcher)))
    assert le_values, "the latency SLOs select their objective's bucket"
    for metric, boundary in le_values:
        assert boundary in (dapr if metric.startswith("dapr_") else app), f"{metric} le={boundary}"
    p95 = {
        a["alert"]: a["expr"]
        for a in alerts_of(rendered)
        if a["alert"] in ("ServiceHighLatency", "KafkaMessageProcessingSlow")
    }
    assert set(p95) == {"ServiceHighLatency", "KafkaMessageProcessingSlow"}
    for name, expr in p95.items():
        node = promql_parser.parse(expr)
        assert isinstance(node, promql_parser.BinaryExpr) and isinstance(node.rhs, promql_parser.NumberLiteral)
        assert node.rhs.val in (app if name == "ServiceHighLatency" else dapr), f"{name} > {node.rhs.val}"


# --- the component ----------------------------------------------------------------------------------


def test_one_prometheus_rule_per_group_selected_by_prometheus(rendered: Rendered) -> None:
    rules = rendered.of_type(PROMETHEUS_RULE)
    assert len(rules) == len(rule_files(rendered)) >= 6
    for rule in rules:
        metadata = rule["inputs"]["metadata"]
        assert metadata["namespace"] == "monitoring"
        assert metadata["labels"]["release"] == "kube-prometheus-stack"
        assert metadata["labels"]["app.kubernetes.io/component"] == "alert-rules"
        assert "kubernetes:helm.sh/v3:Release::prometheus-operator-crds" in rule["dependsOn"]
        assert rule["parent"] == "todo-observability:alert_rules:AlertRules::alert-rules"
        assert len(rule["inputs"]["spec"]["groups"]) == 1


def test_rules_follow_the_stack(renders: dict[str, Rendered]) -> None:
    def names(stack: str) -> set[str]:
        return {a["alert"] for a in alerts_of(renders[stack])}

    # Strimzi's controller metrics exist only in-cluster; a managed vendor gets its own endpoint's alerts.
    assert {"KafkaNoActiveController", "KafkaOfflinePartitions"} <= names("local")
    assert "KafkaBrokerMetricsAbsent" not in names("local")
    assert "KafkaNoActiveController" not in names("prod-oci")
    assert {"KafkaOfflinePartitions", "KafkaBrokerMetricsAbsent", "KafkaUnderReplicatedPartitions"} <= names("prod-oci")
    oci_offline = next(a for a in alerts_of(renders["prod-oci"]) if a["alert"] == "KafkaOfflinePartitions")
    assert "redpanda_cluster_unavailable_partitions" in oci_offline["expr"]
    # The loadbalancing tier (and its alert) exists only with more than one collector replica.
    assert "OtelCollectorNoLoadBalancerBackends" not in names("local")
    assert "OtelCollectorNoLoadBalancerBackends" in names("prod")
    assert "OtelCollectorTracesDroppedTooEarly" in names("local")
    # Thanos alerts only with long-term storage.
    assert "ThanosCompactorHalted" not in names("local")
    assert "ThanosCompactorHalted" in names("prod")


# --- thresholds come from config --------------------------------------------------------------------


def rendered_text(raw: dict[str, Any]) -> str:
    return yaml.safe_dump([g.to_dict() for g in build_rule_groups(rule_sections(parse_settings(raw, "test")))])


def test_thresholds_come_from_config() -> None:
    custom = {
        **LOCAL,
        "alerting": {
            "thresholds": {
                "errorRatePercent": 2.5,
                "errorRateWindow": "10m",
                "latencyP95Seconds": 2.5,
                "latencyFor": "20m",
                "kafkaProcessingP95Seconds": 5,
                "resourceUsagePercent": 90,
                "consumerLagMessages": 1234,
                "consumerLagSeconds": 600,
            }
        },
    }
    default, changed = rendered_text(LOCAL), rendered_text(custom)
    for expected in (
        "* 100 > 2.5",
        "ratio_rate10m",
        "> 2.5\n",
        "for: 20m",
        "> 5000\n",
        "* 100 > 90",
        "> 1234",
        "> 600",
    ):
        assert expected in changed, expected
    for gone in ("> 1234", "ratio_rate10m", "for: 20m"):
        assert gone not in default, gone


def test_evidence_and_traffic_drop_thresholds_come_from_config() -> None:
    custom = {
        **LOCAL,
        "alerting": {
            "thresholds": {
                "errorRateMinFailedRequests": 7,
                "errorRateMinRequestsPerSecond": 0.25,
                "trafficDropPercent": 80,
                "trafficDropMinRequestsPerSecond": 2,
            }
        },
    }
    default, changed = rendered_text(LOCAL), rendered_text(custom)
    for expected in (") >= 7", ") >= 0.25", "0.2 * (sum by (namespace, service)", "offset 1d)) >= 2)"):
        assert expected in changed, expected
    # Defaults: 3 failed events, no request-rate minimum, 90% drop, a 0.5 req/s floor.
    for expected in (") >= 3", "0.1 * (sum by (namespace, service)", "offset 1w)) >= 0.5)"):
        assert expected in default, expected
    assert ") >= 0.25" not in default and ") >= 7" not in default


@pytest.mark.parametrize(
    ("key", "value"),
    [("trafficDropPercent", 100), ("errorRateMinFailedRequests", 0), ("trafficDropMinRequestsPerSecond", 0)],
)
def test_bad_evidence_and_traffic_thresholds_are_rejected(key: str, value: float) -> None:
    with pytest.raises(ConfigError) as error:
        parse_settings({**LOCAL, "alerting": {"thresholds": {key: value}}}, "test")
    assert f"todo-observability:alerting.thresholds.{key}" in str(error.value)


def test_slo_objectives_come_from_the_services_config() -> None:
    services = [
        {
            "name": "chat-api",
            "kind": "api",
            "criticalRoutes": ["/api/chat"],
            "slo": {"availability": 0.99, "latency": 0.95, "latencyThresholdSeconds": 0.5},
        },
        {"name": "audit-service", "subscribes": ["task-events"], "slo": {"availability": 0.98}},
        {"name": "notification-service", "subscribes": ["reminders"], "slo": {"availability": 0.9876543}},
    ]
    groups = build_rule_groups(rule_sections(parse_settings({**LOCAL, "services": services}, "test")))
    recordings = [r for r in next(g for g in groups if g.name == "slo").rules if isinstance(r, Recording)]
    objectives = {r.labels["slo"]: r.expr for r in recordings if r.record == "slo:objective:ratio"}
    assert objectives == {
        "chat-api-availability": "vector(0.99)",
        "chat-api-latency": "vector(0.95)",
        "audit-service-availability": "vector(0.98)",
        # As configured, not cut to six significant digits (the budget is derived from it).
        "notification-service-availability": "vector(0.9876543)",
    }
    # One budget rule for all of them, after the objectives it reads (tests/rules/slo.test.yaml: its values).
    budgets = [i for i, r in enumerate(recordings) if r.record == "slo:error_budget:ratio"]
    objective_rules = [i for i, r in enumerate(recordings) if r.record == "slo:objective:ratio"]
    assert len(budgets) == 1 and budgets[0] > max(objective_rules) and not recordings[budgets[0]].labels
    latency = next(r for r in recordings if r.record == "slo:sli_errors:rate5m" and r.labels["sli"] == "latency")
    assert 'le=~"0\\\\.5"' in latency.expr and 'handler=~"/api/chat.*"' in latency.expr


BAD_SLO_INPUTS: list[tuple[str, list[dict[str, Any]], str]] = [
    (
        "latency SLO without a histogram",
        [{"name": "frontend", "kind": "frontend", "exposesMetrics": False, "slo": {"latency": 0.99}}],
        "todo-observability:services[0].slo.latency needs a latency histogram",
    ),
    (
        "worker threshold off Dapr's buckets",
        [
            {
                "name": "audit-service",
                "subscribes": ["task-events"],
                "slo": {"latency": 0.99, "latencyThresholdSeconds": 0.75},
            }
        ],
        "todo-observability:services[0].slo.latencyThresholdSeconds of worker audit-service is measured by Dapr",
    ),
    (
        "api threshold off the app's buckets",
        [{"name": "chat-api", "kind": "api", "slo": {"latency": 0.99, "latencyThresholdSeconds": 2}}],
        "todo-observability:services[0].slo.latencyThresholdSeconds of chat-api must be one of the app's buckets",
    ),
]


@pytest.mark.parametrize(("case", "services", "message"), BAD_SLO_INPUTS, ids=[c[0] for c in BAD_SLO_INPUTS])
def test_bad_slo_config_is_rejected(case: str, services: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_settings({**LOCAL, "services": services}, "test")
    assert message in str(error.value), case


# --- time to page, measured (docs/alerting-rules.md "Detection times") ------------------------------

INCIDENTS = ROOT / "tests" / "rules" / "incidents.yaml"
ALERTING_DOC = ROOT / "docs" / "alerting-rules.md"
TABLE_BEGIN = "<!-- detection-table: begin (generated by tests/test_rules.py; python -m tests.test_rules) -->"
TABLE_END = "<!-- detection-table: end -->"
# Scan this long after an incident's start before calling it undetected.
SCAN_STEPS = 200
FAILED_ALERT = re.compile(r"alertname: (\S+), time: (\S+),")
TABLE_HEADER = (
    "| incident class | what happens | alert | severity | receivers (stack prod) | time to page |",
    "|---|---|---|---|---|---|",
)


def incidents() -> list[dict[str, Any]]:
    return list(yaml.safe_load(INCIDENTS.read_text())["incidents"])


def as_duration(total_seconds: int) -> str:
    """Seconds as a Prometheus-style duration (`90` -> `1m30s`, `29700` -> `8h15m`)."""
    parts, left = [], total_seconds
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if left >= size:
            parts.append(f"{left // size}{unit}")
            left %= size
    return "".join(parts) or "0s"


def first_firing(incident: dict[str, Any], rules_dir: Path, work: Path) -> int | None:
    """Seconds from the incident's start to the first evaluation where promtool sees its alert firing:
    one promtool run asserting silence at every step from the start on; the earliest failing step is it."""
    from rules.model import seconds

    step = seconds(incident.get("step", "1m"))
    start = seconds(incident["start"])
    work.mkdir(parents=True, exist_ok=True)
    if "shipped" in incident:
        # A local copy of the chart's rule, only for this measurement (never rendered or deployed).
        shipped = incident["shipped"]
        rule = {"alert": incident["alert"], "expr": shipped["expr"], "for": shipped["for"]}
        rule["labels"] = {"severity": shipped["severity"]}
        (work / "shipped.yaml").write_text(yaml.safe_dump({"groups": [{"name": "shipped-copy", "rules": [rule]}]}))
        rule_file = "shipped.yaml"
    else:
        rule_file = incident["rule_file"]
        shutil.copy(rules_dir / rule_file, work / rule_file)
    times = [start + i * step for i in range(SCAN_STEPS)]
    test = {
        "rule_files": [rule_file],
        "evaluation_interval": as_duration(step),
        "tests": [
            {
                "interval": as_duration(step),
                "input_series": incident["input_series"],
                "alert_rule_test": [
                    {"eval_time": as_duration(t), "alertname": incident["alert"], "exp_alerts": []} for t in times
                ],
            }
        ],
    }
    (work / "incident.test.yaml").write_text(yaml.safe_dump(test, sort_keys=False, width=10_000))
    done = subprocess.run(
        ["promtool", "test", "rules", "incident.test.yaml"], cwd=work, capture_output=True, text=True, timeout=600
    )
    if done.returncode == 0:
        return None
    fired = [seconds(t) for name, t in FAILED_ALERT.findall(done.stdout + done.stderr) if name == incident["alert"]]
    assert fired, f"{incident['class']}: promtool failed without a firing alert:\n{done.stdout}{done.stderr}"
    return min(fired) - start


def alert_severity(incident: dict[str, Any], rules_dir: Path) -> str:
    if "shipped" in incident:
        return str(incident["shipped"]["severity"])
    groups = yaml.safe_load((rules_dir / incident["rule_file"]).read_text())["groups"]
    wanted = incident.get("labels", {})
    found = {
        r["labels"]["severity"]
        for g in groups
        for r in g["rules"]
        if r.get("alert") == incident["alert"] and all(labelled(r, key, value) for key, value in wanted.items())
    }
    assert len(found) == 1, f"{incident['alert']} {wanted}: severities {found} (name the rule's labels)"
    return found.pop()


def labelled(rule: dict[str, Any], key: str, value: str) -> bool:
    """Whether the rule's alerts carry `key: value`: a static label, or the service its expression selects."""
    if key == "service" and key not in rule["labels"]:
        return selected_services(rule["expr"], [value]) == {value}
    return bool(rule["labels"].get(key) == value)


def receivers_for(alertmanager_config: Path, alert: str, severity: str) -> str:
    done = subprocess.run(
        [
            *("amtool", "config", "routes", "test", f"--config.file={alertmanager_config}"),
            *(f"alertname={alert}", f"severity={severity}", "namespace=todo"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().replace(",", ", ")


def detection_table(rules_dir: Path, alertmanager_config: Path, work: Path) -> list[str]:
    """The docs table, every figure measured now: promtool for the time, the rules for the severity,
    amtool on the rendered routing tree for the receivers."""
    lines = list(TABLE_HEADER)
    for index, incident in enumerate(incidents()):
        took = first_firing(incident, rules_dir, work / str(index))
        severity = alert_severity(incident, rules_dir)
        alert = f"`{incident['alert']}`" + (" (kube-prometheus-stack)" if "shipped" in incident else "")
        time_to_page = "not within the scan" if took is None else as_duration(took)
        receivers = receivers_for(alertmanager_config, incident["alert"], severity)
        lines.append(
            f"| {incident['class']} | {incident['what']} | {alert} | {severity} | {receivers} | {time_to_page} |"
        )
    return lines


def documented_table() -> list[str]:
    text = ALERTING_DOC.read_text()
    assert TABLE_BEGIN in text and TABLE_END in text, "docs/alerting-rules.md lost its detection-table markers"
    body = text.split(TABLE_BEGIN, 1)[1].split(TABLE_END, 1)[0]
    return [line for line in body.strip().splitlines() if line.startswith("|")]


def test_every_incident_class_is_measured() -> None:
    classes = [i["class"] for i in incidents()]
    assert classes == [
        "hard outage",
        "error spike",
        "slow burn",
        "latency regression",
        "traffic drop",
        "stuck consumer",
        "lag build-up",
        "slow processing",
        "pub/sub drops",
        "sidecar down",
        "crash loop",
        "eviction",
        "OOM",
        "saturation",
        "node not ready",
        "log-pipeline failure",
        "trace export failure",
    ]
    for incident in incidents():
        if "shipped" in incident:
            assert incident["alert"] in KUBE_PROMETHEUS_STACK_ALERTS, incident["alert"]


def test_detection_table_is_measured_and_meets_the_goals(renders: dict[str, Rendered], tmp_path: Path) -> None:
    """docs/alerting-rules.md's table equals what promtool measures now, and the incidents' goals hold:
    a hard outage pages in <= 2 minutes, a stuck consumer and a traffic drop in <= 10 minutes."""
    from rules.model import seconds

    rules_dir = renders["local"].dir / "rules"
    measured = detection_table(rules_dir, renders["prod"].dir / "alertmanager" / "alertmanager.yaml", tmp_path)
    for incident, line in zip(incidents(), measured[len(TABLE_HEADER) :], strict=True):
        took = line.rsplit("|", 2)[1].strip()
        assert took != "not within the scan", incident["class"]
        if "goal" in incident:
            assert seconds(took) <= seconds(incident["goal"]), f"{incident['class']}: {took} > {incident['goal']}"
    assert documented_table() == measured, "regenerate with: .venv/bin/python -m tests.test_rules"


def write_detection_table() -> None:
    """`python -m tests.test_rules`: renders local and prod and rewrites the docs table from measurements."""
    import tempfile

    from tests.harness import render_stack

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        for stack in ("local", "prod"):
            done = render_stack(stack, base / stack)
            assert done.returncode == 0, done.stderr
        lines = detection_table(base / "local" / "rules", base / "prod" / "alertmanager" / "alertmanager.yaml", base)
    text = ALERTING_DOC.read_text()
    head, rest = text.split(TABLE_BEGIN, 1)
    tail = rest.split(TABLE_END, 1)[1]
    ALERTING_DOC.write_text(f"{head}{TABLE_BEGIN}\n" + "\n".join(lines) + f"\n{TABLE_END}{tail}")


if __name__ == "__main__":
    write_detection_table()
