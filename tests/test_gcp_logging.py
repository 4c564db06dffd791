"""Google Cloud Logging (issue #14 items 5, 10, 11): Grafana reads the custom buckets through their
`_AllLogs` views, the locked audit bucket changes retention only by a new bucket generation, and the
`_Default` exclusion is created only after the sinks that route the same entries."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from components.gcp.log_sink import (
    ALL_LOGS_VIEW,
    VIEW_ACCESSOR_ROLE,
    LogBucket,
    audit_bucket_id,
    bucket_resource_options,
    log_buckets,
    log_scope_name,
    view_name,
)
from components.platforms import parse_settings
from render.log_datasources import cloud_logging_datasource
from settings import StackSettings
from tests.harness import Rendered, render_stack
from tools.stackfile import stack_file, stack_sections

VIEW_IAM = "gcp:logging/logViewIamMember:LogViewIamMember"
BUCKET = "gcp:logging/projectBucketConfig:ProjectBucketConfig"
SINK = "gcp:logging/projectSink:ProjectSink"


def gcp_settings(stack: str = "prod-gcp", **logging: Any) -> StackSettings:
    sections = stack_sections(stack)
    sections["logging"] = {**(sections.get("logging") or {}), **logging}
    return parse_settings(sections, stack)


def buckets_of(settings: StackSettings) -> dict[str, LogBucket]:
    return log_buckets(settings.logging, settings.cluster.name, settings.is_production)


def grafana_reader(rendered: Rendered) -> str:
    reader = rendered.named("logging-gcp-sink-grafana-reader")
    return f"serviceAccount:{reader['name']}@mock-project.iam.gserviceaccount.com"


def test_grafana_reads_each_custom_bucket_through_its_all_logs_view(renders: dict[str, Rendered]) -> None:
    rendered = renders["prod-gcp"]
    member = grafana_reader(rendered)
    buckets = {b["inputs"]["bucketId"]: b["inputs"] for b in rendered.of_type(BUCKET)}
    grants = [g["inputs"] for g in rendered.of_type(VIEW_IAM) if g["inputs"]["member"] == member]
    assert sorted(g["bucket"] for g in grants) == sorted(buckets)
    for grant in grants:
        assert grant["role"] == VIEW_ACCESSOR_ROLE == "roles/logging.viewAccessor"
        assert grant["name"] == ALL_LOGS_VIEW == "_AllLogs"
        assert grant["parent"] == "projects/todo-prod"
        assert grant["location"] == buckets[grant["bucket"]]["location"]


def test_grafana_has_no_project_wide_logs_role(renders: dict[str, Rendered]) -> None:
    rendered = renders["prod-gcp"]
    member = grafana_reader(rendered)
    project_roles = {
        m["inputs"]["role"]
        for m in rendered.of_type("gcp:projects/iAMMember:IAMMember")
        if m["inputs"]["member"] == member
    }
    assert not {role for role in project_roles if role.startswith("roles/logging.")}


def test_the_datasource_offers_only_this_clusters_buckets(renders: dict[str, Rendered]) -> None:
    rendered = renders["prod-gcp"]
    grafana = rendered.helm_values("kube-prometheus-stack")["grafana"]
    logs = next(d for d in grafana["additionalDataSources"] if d["uid"] == "logs")
    patterns = logs["jsonData"]["logBucketFilter"].split("\n")
    buckets = {f"{b['inputs']['location']}/buckets/{b['inputs']['bucketId']}" for b in rendered.of_type(BUCKET)}
    # The plugin anchors each line as a regular expression; ours are literal names.
    assert all(re.fullmatch(r"[a-z0-9_/-]+", p) for p in patterns)
    assert set(patterns) == buckets
    assert not any(re.fullmatch(p, "global/buckets/_Default") for p in patterns)


def test_a_log_scope_of_the_two_views_serves_the_saved_queries(renders: dict[str, Rendered]) -> None:
    rendered = renders["prod-gcp"]
    scopes = rendered.of_type("gcp:logging/logScope:LogScope")
    assert len(scopes) == 1
    scope = scopes[0]["inputs"]
    buckets = [b["inputs"] for b in rendered.of_type(BUCKET)]
    assert sorted(scope["resourceNames"]) == sorted(
        view_name("todo-prod", b["location"], b["bucketId"]) for b in buckets
    )
    assert scope["name"] == log_scope_name("todo-prod", "todo-prod-gke")
    assert scope["location"] == "global"
    for query in rendered.of_type("gcp:logging/savedQuery:SavedQuery"):
        assert scope["name"].rsplit("/", 1)[1] in query["inputs"]["description"]


def test_default_exclusion_waits_for_the_sinks(renders: dict[str, Rendered]) -> None:
    rendered = renders["prod-gcp"]
    exclusion = rendered.of_type("gcp:logging/projectExclusion:ProjectExclusion")[0]
    sinks = {f"{SINK}::{s['name']}" for s in rendered.of_type(SINK)}
    assert len(sinks) == 2
    assert sinks <= set(exclusion["dependsOn"])


def test_bucket_descriptions_hold_no_retention(renders: dict[str, Rendered]) -> None:
    for bucket in renders["prod-gcp"].of_type(BUCKET):
        assert not re.search(r"\d+\s*days?", bucket["inputs"]["description"]), bucket["inputs"]["description"]


def test_first_audit_generation_keeps_the_original_bucket_id() -> None:
    buckets = buckets_of(gcp_settings())
    assert buckets["audit"].bucket_id == "todo-prod-gke-audit" == audit_bucket_id("todo-prod-gke", 1)
    assert buckets["audit"].resource_name("logging-gcp-sink") == "logging-gcp-sink-audit-bucket"
    assert buckets["logs"].bucket_id == "todo-prod-gke-logs"


def test_a_new_audit_generation_is_a_new_bucket_and_resource() -> None:
    first = buckets_of(gcp_settings())["audit"]
    second = buckets_of(gcp_settings(auditBucketGeneration=2, auditRetentionDays=730))["audit"]
    assert second.bucket_id == "todo-prod-gke-audit-g2" != first.bucket_id
    assert second.resource_name("x") != first.resource_name("x")
    assert second.retention_days == 730 and second.locked


def test_a_new_audit_generation_reroutes_the_audit_sink(tmp_path: Path) -> None:
    document = yaml.safe_load(stack_file("prod-gcp").read_text())
    document["config"]["todo-observability:logging"]["auditBucketGeneration"] = 2
    config_file = tmp_path / "Pulumi.prod-gcp.yaml"
    config_file.write_text(yaml.safe_dump(document))
    done = render_stack("prod-gcp", tmp_path / "out", config_file)
    assert done.returncode == 0, done.stdout + done.stderr
    rendered = Rendered("prod-gcp", tmp_path / "out", done.stdout)
    sink = next(s["inputs"] for s in rendered.of_type(SINK) if s["inputs"]["name"] == "todo-prod-gke-audit")
    assert sink["destination"].endswith("/buckets/todo-prod-gke-audit-g2")
    buckets = {b["inputs"]["bucketId"]: b for b in rendered.of_type(BUCKET)}
    assert set(buckets) == {"todo-prod-gke-logs", "todo-prod-gke-audit-g2"}
    assert buckets["todo-prod-gke-audit-g2"]["inputs"]["locked"] is True
    assert sink["destination"].endswith(buckets["todo-prod-gke-audit-g2"]["inputs"]["bucketId"])


def test_a_locked_bucket_is_kept_when_it_leaves_the_program() -> None:
    buckets = buckets_of(gcp_settings())
    audit, logs = buckets["audit"], buckets["logs"]
    assert audit.locked and not logs.locked
    opts = bucket_resource_options(audit, production=True)
    assert opts.retain_on_delete is True and opts.protect is True
    # A locked bucket's retention cannot be updated in place: as a replacement of a protected
    # resource, a changed retention makes `pulumi preview` fail instead of `pulumi up`.
    assert opts.replace_on_changes == ["retentionDays"]
    assert not bucket_resource_options(logs, production=True).retain_on_delete
    assert not bucket_resource_options(logs, production=True).replace_on_changes


def test_datasource_helper_filters_the_given_buckets() -> None:
    ds = cloud_logging_datasource("p", ["europe-west1/buckets/a-logs", "europe-west1/buckets/a-audit"])
    assert ds["jsonData"]["logBucketFilter"] == "europe-west1/buckets/a-logs\neurope-west1/buckets/a-audit"
    assert ds["jsonData"]["defaultProject"] == "p"
