"""The checks of the policy pack, as pure functions of a resource's type and inputs, so each is
unit-tested without the engine. `__main__.py` wraps them as CrossGuard policies.

Each check returns the violations it finds (empty when the resource complies or is of another type).
Properties arrive as the engine sees them: camelCase inputs, secrets already unwrapped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

MIN_LOG_RETENTION_DAYS = 30

# Chart repositories this project installs from (kept here too: the pack also serves app stacks,
# which don't import this program's code). Extend with the policy config `allowedHelmRepositories`.
DEFAULT_ALLOWED_HELM_REPOSITORIES = (
    "https://prometheus-community.github.io/helm-charts",
    "https://stevehipwell.github.io/helm-charts/",
    "https://fluent.github.io/helm-charts",
    "https://open-telemetry.github.io/opentelemetry-helm-charts",
    "https://jaegertracing.github.io/helm-charts",
    "https://kafbat.github.io/helm-charts",
    "https://grafana-community.github.io/helm-charts",
)

ALERT_SEVERITIES = ("critical", "warning", "info")
EXACT_VERSION = re.compile(r"^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$")

# Keys whose non-empty literal value is a credential (compared lowercased, without '_' and '-').
SENSITIVE_KEYS = {
    "password",
    "adminpassword",
    "authpassword",
    "token",
    "apitoken",
    "bearertoken",
    "apikey",
    "clientsecret",
    "routingkey",
    "servicekey",
    "webhookurl",
    "secretkey",
    "accesskey",
    "secretaccesskey",
    "connectionstring",
    "sharedkey",
    "instrumentationkey",
    "privatekey",
}
# Values that are credentials whatever their key.
SECRET_VALUE_PATTERNS = (
    re.compile(r"https://hooks\.slack\.com/services/\S+"),
    re.compile(r"https://[\w.-]+\.webhook\.office\.com/\S+"),
    re.compile(r"https://[\w.-]+\.logic\.azure\.com\S*sig=\S+"),
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"AccountKey=[A-Za-z0-9+/=]{20,}"),
    re.compile(r"InstrumentationKey=[0-9a-fA-F-]{36}"),
    re.compile(r"PLACEHOLDER-set-secrets\.\w+"),
)

# A check takes the resource type, its inputs and the policy's config (`--policy-pack-config`).
Check = Callable[[str, Mapping[str, Any], Mapping[str, Any]], list[str]]
NO_CONFIG: Mapping[str, Any] = {}


def _get(props: Mapping[str, Any], *path: str) -> Any:
    current: Any = props
    for key in path:
        if not isinstance(current, Mapping):
            return None
        current = current.get(key)
    return current


# Azure's "not set on this table" marker for retentionInDays and totalRetentionInDays.
AZURE_TABLE_DEFAULT_RETENTION = -1


def _table_retention(props: Mapping[str, Any], minimum: int) -> list[str]:
    """A Log Analytics table keeps records for `totalRetentionInDays` (interactive plus long-term);
    unset or -1 means "as long as the interactive retention", and an unset or -1 interactive
    retention inherits the workspace's, which is checked on the workspace."""

    def own(field: str) -> float | None:
        value = props.get(field)
        if value is None or value == AZURE_TABLE_DEFAULT_RETENTION:
            return None
        return value if isinstance(value, int | float) else float("nan")

    total, interactive = own("totalRetentionInDays"), own("retentionInDays")
    if total is not None:
        field, days = "totalRetentionInDays", total
    elif interactive is not None:
        field, days = "retentionInDays", interactive
    else:
        return []
    # NaN (a non-number) fails the comparison too.
    if not days >= minimum:
        return [f"{field} must be at least {minimum} days (got {props.get(field)!r})"]
    return []


def log_retention(resource_type: str, props: Mapping[str, Any], config: Mapping[str, Any] = NO_CONFIG) -> list[str]:
    """Logs are kept at least `minimumLogRetentionDays` wherever this stack (or an app stack) stores them."""
    minimum = int(config.get("minimumLogRetentionDays", MIN_LOG_RETENTION_DAYS))
    fields = {
        "azure-native:operationalinsights:Workspace": "retentionInDays",
        "azure-native:operationalinsights:Table": "retentionInDays",
        "gcp:logging/projectBucketConfig:ProjectBucketConfig": "retentionDays",
        "oci:Logging/log:Log": "retentionDuration",
    }
    field = fields.get(resource_type)
    if field is None:
        return []
    if resource_type == "azure-native:operationalinsights:Table":
        return _table_retention(props, minimum)
    days = props.get(field)
    if not isinstance(days, int | float) or days < minimum:
        return [f"{field} must be at least {minimum} days (got {days!r})"]
    return []


def object_storage_private(
    resource_type: str, props: Mapping[str, Any], config: Mapping[str, Any] = NO_CONFIG
) -> list[str]:
    """Buckets and storage accounts are private and keep deleted or overwritten objects."""
    problems: list[str] = []
    if resource_type == "azure-native:storage:StorageAccount":
        if props.get("allowBlobPublicAccess") is not False:
            problems.append("allowBlobPublicAccess must be false")
        if props.get("minimumTlsVersion") not in ("TLS1_2", "TLS1_3"):
            problems.append("minimumTlsVersion must be TLS1_2 or newer")
    elif resource_type == "azure-native:storage:BlobContainer":
        if props.get("publicAccess") not in (None, "None"):
            problems.append("publicAccess must be None")
    elif resource_type == "azure-native:storage:BlobServiceProperties":
        versioned = props.get("isVersioningEnabled") is True
        soft_delete = _get(props, "deleteRetentionPolicy", "enabled") is True
        if not (versioned or soft_delete):
            problems.append("enable isVersioningEnabled or deleteRetentionPolicy")
    elif resource_type == "gcp:storage/bucket:Bucket":
        if props.get("publicAccessPrevention") != "enforced":
            problems.append("publicAccessPrevention must be enforced")
        if props.get("uniformBucketLevelAccess") is not True:
            problems.append("uniformBucketLevelAccess must be true")
        versioned = _get(props, "versioning", "enabled") is True
        soft_delete = (_get(props, "softDeletePolicy", "retentionDurationSeconds") or 0) > 0
        if not (versioned or soft_delete):
            problems.append("enable versioning or a softDeletePolicy")
    elif resource_type == "oci:ObjectStorage/bucket:Bucket":
        if props.get("accessType", "NoPublicAccess") != "NoPublicAccess":
            problems.append("accessType must be NoPublicAccess")
        if props.get("versioning") != "Enabled":
            problems.append("versioning must be Enabled")
    return problems


def helm_release_pinned(
    resource_type: str, props: Mapping[str, Any], config: Mapping[str, Any] = NO_CONFIG
) -> list[str]:
    """Charts are installed at an exact version from a repository on the allow list."""
    allowed_repositories = config.get("allowedHelmRepositories", DEFAULT_ALLOWED_HELM_REPOSITORIES)
    if resource_type not in ("kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart"):
        return []
    problems = []
    version = props.get("version")
    if not isinstance(version, str) or not EXACT_VERSION.match(version):
        problems.append(f"chart {props.get('chart')!r} must be pinned to an exact version (got {version!r})")
    repo = _get(props, "repositoryOpts", "repo")
    allowed = {r.rstrip("/") for r in allowed_repositories}
    if not isinstance(repo, str) or repo.rstrip("/") not in allowed:
        problems.append(f"chart {props.get('chart')!r} must come from an allowed repository (got {repo!r})")
    return problems


def alert_metadata(resource_type: str, props: Mapping[str, Any], config: Mapping[str, Any] = NO_CONFIG) -> list[str]:
    """Every alert says how bad it is, what happened and where the runbook is."""
    if resource_type != "kubernetes:monitoring.coreos.com/v1:PrometheusRule":
        return []
    problems = []
    for group in _get(props, "spec", "groups") or []:
        for rule in group.get("rules") or []:
            if "alert" not in rule:
                continue
            name = rule["alert"]
            severity = (rule.get("labels") or {}).get("severity")
            if severity not in ALERT_SEVERITIES:
                problems.append(
                    f"alert {name}: severity must be one of {', '.join(ALERT_SEVERITIES)} (got {severity!r})"
                )
            annotations = rule.get("annotations") or {}
            for key in ("summary", "runbook_url"):
                if not annotations.get(key):
                    problems.append(f"alert {name}: annotation {key} is required")
    return problems


def _normalise(key: str) -> str:
    return key.lower().replace("_", "").replace("-", "")


def _walk(value: Any, path: str = "") -> Iterator[tuple[str, str, Any]]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _walk(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk(item, f"{path}[{i}]")
    else:
        yield path, path.rsplit(".", 1)[-1].split("[")[0], value


def secret_looking_values(value: Any) -> list[str]:
    """Paths in `value` that hold a credential: a sensitive key with a literal, or a credential pattern."""
    found = []
    for path, key, leaf in _walk(value):
        if not isinstance(leaf, str) or not leaf:
            continue
        # A sensitive key may still hold a reference: an env var, a mounted file, or a masked secret.
        literal_credential = _normalise(key) in SENSITIVE_KEYS and not leaf.startswith(("$", "/", "[secret]"))
        if literal_credential or any(pattern.search(leaf) for pattern in SECRET_VALUE_PATTERNS):
            found.append(path)
    return found


def no_plain_secrets(resource_type: str, props: Mapping[str, Any], config: Mapping[str, Any] = NO_CONFIG) -> list[str]:
    """No credential in a ConfigMap or in a Helm release's values (they are stored in plain text)."""
    if resource_type == "kubernetes:core/v1:ConfigMap":
        where, value = "data", props.get("data") or {}
    elif resource_type in ("kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart"):
        where, value = "values", props.get("values") or {}
    else:
        return []
    return [f"{where}.{path} looks like a credential: use a Kubernetes Secret" for path in secret_looking_values(value)]


WORKLOAD_TYPES = ("kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:DaemonSet")


def workload_probes_and_requests(
    resource_type: str, props: Mapping[str, Any], config: Mapping[str, Any] = NO_CONFIG
) -> list[str]:
    """Workloads created directly restart when stuck, get no traffic before ready, and are schedulable."""
    if resource_type not in WORKLOAD_TYPES:
        return []
    problems = []
    for container in _get(props, "spec", "template", "spec", "containers") or []:
        name = container.get("name", "?")
        for probe in ("livenessProbe", "readinessProbe"):
            if not container.get(probe):
                problems.append(f"container {name}: {probe} is required")
        if not _get(container, "resources", "requests"):
            problems.append(f"container {name}: resources.requests is required")
    return problems


@dataclass(frozen=True)
class Guardrail:
    name: str
    description: str
    check: Check
    # JSON schema properties of the policy's config, when it has any.
    config_properties: Mapping[str, Any] | None = None


GUARDRAILS: tuple[Guardrail, ...] = (
    Guardrail(
        "log-retention-at-least-30-days",
        "Log workspaces, tables, log buckets and logs keep 30 days or more.",
        log_retention,
        {"minimumLogRetentionDays": {"type": "integer", "minimum": 1}},
    ),
    Guardrail(
        "object-storage-private-and-recoverable",
        "Buckets and storage accounts are private and versioned or soft-deleted.",
        object_storage_private,
    ),
    Guardrail(
        "helm-release-pinned",
        "Helm charts are pinned to an exact version from an allowed repository.",
        helm_release_pinned,
        {"allowedHelmRepositories": {"type": "array", "items": {"type": "string"}}},
    ),
    Guardrail(
        "alerts-have-severity-summary-runbook",
        "Every PrometheusRule alert has a severity, a summary and a runbook_url.",
        alert_metadata,
    ),
    Guardrail(
        "no-plain-text-secrets",
        "No secret-looking value in a ConfigMap or in plain Helm values.",
        no_plain_secrets,
    ),
    Guardrail(
        "workloads-have-probes-and-requests",
        "Deployments, StatefulSets and DaemonSets have liveness and readiness probes and resource requests.",
        workload_probes_and_requests,
    ),
)
