"""Each guardrail with a resource that passes and one that violates it, and the pack's wiring."""

from __future__ import annotations

from typing import Any

import pytest

from guardrails import (
    DEFAULT_ALLOWED_HELM_REPOSITORIES,
    GUARDRAILS,
    alert_metadata,
    helm_release_pinned,
    log_retention,
    no_plain_secrets,
    object_storage_private,
    workload_probes_and_requests,
)

ALERT_OK = {"alert": "X", "labels": {"severity": "warning"}, "annotations": {"summary": "s", "runbook_url": "u"}}
CONTAINER_OK = {
    "name": "app",
    "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8000}},
    "readinessProbe": {"httpGet": {"path": "/readyz", "port": 8000}},
    "resources": {"requests": {"cpu": "10m"}},
}
RELEASE_OK = {
    "chart": "fluent-bit",
    "version": "0.58.1",
    "repositoryOpts": {"repo": "https://fluent.github.io/helm-charts"},
}


def deployment(container: dict[str, Any]) -> dict[str, Any]:
    return {"spec": {"template": {"spec": {"containers": [container]}}}}


# (check, resource type, passing props, violating props, text of the violation)
CASES = [
    (
        log_retention,
        "azure-native:operationalinsights:Workspace",
        {"retentionInDays": 30},
        {"retentionInDays": 7},
        "retentionInDays must be at least 30",
    ),
    (
        log_retention,
        "azure-native:operationalinsights:Table",
        {"retentionInDays": 90},
        {"retentionInDays": 4},
        "at least 30",
    ),
    (
        log_retention,
        "gcp:logging/projectBucketConfig:ProjectBucketConfig",
        {"retentionDays": 365},
        {"retentionDays": 1},
        "retentionDays",
    ),
    (log_retention, "oci:Logging/log:Log", {"retentionDuration": 30}, {}, "retentionDuration"),
    (
        object_storage_private,
        "azure-native:storage:StorageAccount",
        {"allowBlobPublicAccess": False, "minimumTlsVersion": "TLS1_2"},
        {"allowBlobPublicAccess": True, "minimumTlsVersion": "TLS1_2"},
        "allowBlobPublicAccess",
    ),
    (
        object_storage_private,
        "azure-native:storage:BlobContainer",
        {"publicAccess": "None"},
        {"publicAccess": "Blob"},
        "publicAccess",
    ),
    (
        object_storage_private,
        "azure-native:storage:BlobServiceProperties",
        {"isVersioningEnabled": True},
        {"isVersioningEnabled": False},
        "isVersioningEnabled",
    ),
    (
        object_storage_private,
        "gcp:storage/bucket:Bucket",
        {"publicAccessPrevention": "enforced", "uniformBucketLevelAccess": True, "versioning": {"enabled": True}},
        {"publicAccessPrevention": "inherited", "uniformBucketLevelAccess": True, "versioning": {"enabled": True}},
        "publicAccessPrevention",
    ),
    (
        object_storage_private,
        "oci:ObjectStorage/bucket:Bucket",
        {"accessType": "NoPublicAccess", "versioning": "Enabled"},
        {"accessType": "ObjectRead", "versioning": "Enabled"},
        "accessType",
    ),
    (
        helm_release_pinned,
        "kubernetes:helm.sh/v3:Release",
        RELEASE_OK,
        {**RELEASE_OK, "version": "0.58.x"},
        "exact version",
    ),
    (
        helm_release_pinned,
        "kubernetes:helm.sh/v3:Release",
        RELEASE_OK,
        {**RELEASE_OK, "repositoryOpts": {"repo": "https://charts.example.com"}},
        "allowed repository",
    ),
    (
        alert_metadata,
        "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
        {"spec": {"groups": [{"rules": [ALERT_OK]}]}},
        {"spec": {"groups": [{"rules": [{**ALERT_OK, "labels": {"severity": "page"}}]}]}},
        "severity must be one of",
    ),
    (
        alert_metadata,
        "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
        {"spec": {"groups": [{"rules": [{"record": "r", "expr": "up"}]}]}},
        {"spec": {"groups": [{"rules": [{**ALERT_OK, "annotations": {"summary": "s"}}]}]}},
        "runbook_url is required",
    ),
    (
        no_plain_secrets,
        "kubernetes:core/v1:ConfigMap",
        {"data": {"app.yaml": "level: info"}},
        {"data": {"slack": "https://hooks.slack.com/services/T0/B0/abc"}},
        "looks like a credential",
    ),
    (
        no_plain_secrets,
        "kubernetes:helm.sh/v3:Release",
        {"values": {"admin": {"existingSecret": "grafana-admin", "passwordKey": "password"}}},
        {"values": {"adminPassword": "hunter2"}},
        "values.adminPassword",
    ),
    (
        no_plain_secrets,
        "kubernetes:helm.sh/v3:Release",
        {"values": {"env": {"PASSWORD": "$__env{PW}"}}},
        {"values": {"config": {"routing_key": "0123456789abcdef"}}},
        "values.config.routing_key",
    ),
    (
        workload_probes_and_requests,
        "kubernetes:apps/v1:Deployment",
        deployment(CONTAINER_OK),
        deployment({**CONTAINER_OK, "readinessProbe": None}),
        "readinessProbe is required",
    ),
    (
        workload_probes_and_requests,
        "kubernetes:apps/v1:DaemonSet",
        deployment(CONTAINER_OK),
        deployment({**CONTAINER_OK, "resources": {}}),
        "resources.requests is required",
    ),
]


@pytest.mark.parametrize(
    ("check", "resource_type", "good", "bad", "message"),
    CASES,
    ids=[f"{c[0].__name__}-{c[1].split(':')[-1]}-{i}" for i, c in enumerate(CASES)],
)
def test_guardrail_passes_good_and_reports_bad(
    check: Any, resource_type: str, good: dict[str, Any], bad: dict[str, Any], message: str
) -> None:
    assert check(resource_type, good, {}) == []
    problems = check(resource_type, bad, {})
    assert problems and any(message in p for p in problems), problems


def test_every_guardrail_has_a_case() -> None:
    assert {g.check for g in GUARDRAILS} == {case[0] for case in CASES}


def test_other_resource_types_are_ignored() -> None:
    for guardrail in GUARDRAILS:
        assert guardrail.check("random:index/randomPassword:RandomPassword", {"result": "x"}, {}) == []


def test_policy_config_changes_the_limits() -> None:
    assert log_retention("oci:Logging/log:Log", {"retentionDuration": 60}, {"minimumLogRetentionDays": 90})
    extra = {"allowedHelmRepositories": [*DEFAULT_ALLOWED_HELM_REPOSITORIES, "https://charts.example.com"]}
    release = {**RELEASE_OK, "repositoryOpts": {"repo": "https://charts.example.com"}}
    assert helm_release_pinned("kubernetes:helm.sh/v3:Release", release, extra) == []


def test_pack_reports_through_the_policy_sdk() -> None:
    from pulumi_policy import PolicyResourceOptions, ResourceValidationArgs

    from pack import POLICIES

    by_name = {p.name: p for p in POLICIES}
    assert set(by_name) == {g.name for g in GUARDRAILS}
    options = PolicyResourceOptions(False, [], None, [], None, [])  # type: ignore[arg-type]
    args = ResourceValidationArgs(
        "azure-native:operationalinsights:Workspace", {"retentionInDays": 7}, "urn", "logs", options, None
    )
    violations: list[str] = []
    by_name["log-retention-at-least-30-days"].validate(args, lambda message, urn: violations.append(message))
    assert violations == ["logs: retentionInDays must be at least 30 days (got 7)"]


TABLE = "azure-native:operationalinsights:Table"


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        # -1 on both means "inherit the workspace's retention", which the workspace check covers.
        ({"retentionInDays": -1, "totalRetentionInDays": -1}, None),
        ({"retentionInDays": -1}, None),
        ({}, None),
        # Interactive retention is only part of it: records kept archived count towards the total.
        ({"retentionInDays": 4, "totalRetentionInDays": 365}, None),
        ({"retentionInDays": 30, "totalRetentionInDays": -1}, None),
        ({"retentionInDays": 90}, None),
        ({"retentionInDays": 7, "totalRetentionInDays": -1}, "retentionInDays must be at least 30 days (got 7)"),
        ({"retentionInDays": 7}, "retentionInDays must be at least 30 days (got 7)"),
        ({"retentionInDays": -1, "totalRetentionInDays": 14}, "totalRetentionInDays must be at least 30 days (got 14)"),
        ({"retentionInDays": 60, "totalRetentionInDays": 20}, "totalRetentionInDays must be at least 30 days (got 20)"),
        ({"retentionInDays": "thirty"}, "retentionInDays must be at least 30 days (got 'thirty')"),
    ],
)
def test_table_retention_counts_total_retention_and_inheritance(props: dict[str, Any], expected: str | None) -> None:
    assert log_retention(TABLE, props, {}) == ([] if expected is None else [expected])


def test_table_retention_honours_the_configured_minimum() -> None:
    table = {"retentionInDays": 30, "totalRetentionInDays": 60}
    assert log_retention(TABLE, table, {}) == []
    assert log_retention(TABLE, table, {"minimumLogRetentionDays": 90}) == [
        "totalRetentionInDays must be at least 90 days (got 60)"
    ]
