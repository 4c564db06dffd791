"""kube-prometheus-stack values from the `metrics` and `grafana` sections, the stack context and the
other capabilities' fragments.

Keys checked against kube-prometheus-stack's values.yaml at the pinned version (components/versions.py)
and its grafana-community grafana subchart. Nothing here may hold a secret value: credentials are
referenced by Secret name (`admin.existingSecret`, `alertmanagerSpec.secrets`,
`objectStorageConfig.existingSecret`, `envFromSecrets`).
"""

from __future__ import annotations

import copy
from typing import Any

from contracts.context import StackContext
from contracts.inputs import AlertmanagerInputs, GrafanaInputs, ThanosSidecarInputs
from contracts.labels import PROMETHEUS_SELECTOR_LABEL
from render.resources import resource_requirements
from settings.model import GrafanaSettings, MetricsSettings

CHART_NAME = "kube-prometheus-stack"

# Prometheus Operator's default `replicaExternalLabelName`, set explicitly: Thanos Query deduplicates the
# HA pair on it (render/thanos.py, `additionalReplicaLabels`).
REPLICA_LABEL = "prometheus_replica"

# What the dashboards capability puts on its ConfigMaps so Grafana's sidecar loads them.
DASHBOARD_LABEL = "grafana_dashboard"
DASHBOARD_LABEL_VALUE = "1"
DASHBOARD_FOLDER_ANNOTATION = "grafana_folder"
DATASOURCE_LABEL = "grafana_datasource"
DATASOURCE_LABEL_VALUE = "1"
# Folder of the dashboards the chart itself ships (Kubernetes, node, Prometheus, ...).
CHART_DASHBOARDS_FOLDER = "Kubernetes"

GRAFANA_ADMIN_USER_KEY = "admin-user"
GRAFANA_ADMIN_PASSWORD_KEY = "admin-password"

# The kinds whose Prometheus selectors this module sets; the selector test walks the same list.
SELECTED_KINDS: dict[str, str] = {
    "ServiceMonitor": "serviceMonitor",
    "PodMonitor": "podMonitor",
    "Probe": "probe",
    "ScrapeConfig": "scrapeConfig",
    "PrometheusRule": "rule",
}

# Managed control planes (AKS, GKE, OKE) do not expose these, and minikube binds them to loopback:
# scraping them would only keep TargetDown firing. Their rule groups go with them.
UNREACHABLE_CONTROL_PLANE = ("kubeControllerManager", "kubeScheduler", "kubeEtcd", "kubeProxy")
RULE_GROUPS_OF_UNREACHABLE = (
    "etcd",
    "kubeControllerManager",
    "kubeSchedulerAlerting",
    "kubeSchedulerRecording",
    "kubeProxy",
    "windows",
)

ALERTMANAGER_STORAGE = "2Gi"

# Alertmanager's own defaults, written out so the chart's example route (its `null` receiver,
# its Watchdog route, its inhibit rules) cannot survive Helm's merge of maps under ours.
ALERTMANAGER_ROUTE_DEFAULTS: dict[str, Any] = {
    "group_by": [],
    "group_wait": "30s",
    "group_interval": "5m",
    "repeat_interval": "4h",
    "routes": [],
}
ALERTMANAGER_TOP_LEVEL_DEFAULTS: dict[str, Any] = {"inhibit_rules": [], "templates": []}
NULL_RECEIVER = "null"


def fullname(release_name: str) -> str:
    """The chart's `kube-prometheus-stack.fullname`: the release name when it contains the chart name."""
    name = release_name if CHART_NAME in release_name else f"{release_name}-{CHART_NAME}"
    return name[:26].rstrip("-")


def prometheus_service_name(release_name: str) -> str:
    return f"{fullname(release_name)}-prometheus"


def alertmanager_service_name(release_name: str) -> str:
    return f"{fullname(release_name)}-alertmanager"


def grafana_service_name(release_name: str) -> str:
    """The grafana subchart's fullname (release name, plus `-grafana` unless it contains it)."""
    name = release_name if "grafana" in release_name else f"{release_name}-grafana"
    return name[:63].rstrip("-")


def grafana_admin_secret_name(release_name: str) -> str:
    return f"{release_name}-grafana-admin"


def selectors(release_name: str) -> dict[str, Any]:
    """Every monitor/probe/scrape-config/rule selector made explicit: objects must carry
    `release: <release name>` (contracts.labels.monitoring_labels) and may live in any namespace.
    Explicit selectors do not depend on `*SelectorNilUsesHelmValues`, so the values say what is selected."""
    spec: dict[str, Any] = {}
    for prefix in SELECTED_KINDS.values():
        spec[f"{prefix}Selector"] = {"matchLabels": {PROMETHEUS_SELECTOR_LABEL: release_name}}
        spec[f"{prefix}SelectorNilUsesHelmValues"] = False
        # An empty selector is all namespaces: Strimzi's monitors sit in the Kafka namespace.
        spec[f"{prefix}NamespaceSelector"] = {}
    return spec


def _volume_claim(storage_class: str, size: str) -> dict[str, Any]:
    spec: dict[str, Any] = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}}
    if storage_class:
        spec["storageClassName"] = storage_class
    return {"volumeClaimTemplate": {"spec": spec}}


def _disruption_budget(replicas: int) -> dict[str, Any]:
    # minAvailable only: the chart copies every key but `enabled`, so adding maxUnavailable would set both.
    return {"enabled": True, "minAvailable": max(1, replicas - 1)}


# Port "http" (10902) is the sidecar's own; /-/ready waits until it has reached Prometheus.
THANOS_SIDECAR_PROBES: dict[str, Any] = {
    "name": "thanos-sidecar",
    "livenessProbe": {"httpGet": {"path": "/-/healthy", "port": "http"}, "periodSeconds": 30, "failureThreshold": 4},
    "readinessProbe": {"httpGet": {"path": "/-/ready", "port": "http"}, "periodSeconds": 10, "failureThreshold": 6},
}


def prometheus_values(
    metrics: MetricsSettings,
    cluster_name: str,
    environment: str,
    context: StackContext,
    thanos: ThanosSidecarInputs | None,
) -> dict[str, Any]:
    prom = metrics.prometheus
    spec: dict[str, Any] = {
        "replicas": prom.replicas,
        "replicaExternalLabelName": REPLICA_LABEL,
        # On every series Prometheus sends out (Thanos, remote readers): which cluster and environment.
        "externalLabels": {"cluster": cluster_name, "environment": environment},
        "retention": prom.retention,
        "retentionSize": prom.retention_size,
        "scrapeInterval": prom.scrape_interval,
        "storageSpec": _volume_claim(context.storage_class, prom.storage_size),
        "resources": resource_requirements(prom.resources),
        # Two replicas on one node would fail together; "soft" still schedules on a one-node cluster.
        "podAntiAffinity": "hard" if context.production else "soft",
        "podAntiAffinityTopologyKey": "kubernetes.io/hostname",
        **selectors(metrics.release_name),
    }
    values: dict[str, Any] = {"prometheusSpec": spec}
    if context.production:
        values["podDisruptionBudget"] = _disruption_budget(prom.replicas)
    if thanos is not None:
        spec["thanos"] = {
            "objectStorageConfig": {
                "existingSecret": {"name": thanos.objstore_secret_name, "key": thanos.objstore_secret_key}
            }
        }
        if thanos.pod_labels:
            spec["podMetadata"] = {"labels": dict(thanos.pod_labels)}
        if thanos.service_account_annotations:
            values["serviceAccount"] = {"annotations": dict(thanos.service_account_annotations)}
        # The operator gives the thanos-sidecar container no probes; this patch (merged by name) adds them.
        spec["containers"] = [THANOS_SIDECAR_PROBES]
        # Thanos Query finds the sidecars through this headless service; the monitor scrapes them.
        values["thanosService"] = {"enabled": True}
        values["thanosServiceMonitor"] = {"enabled": True}
    return values


def null_alertmanager_config() -> dict[str, Any]:
    """Without the alerting capability, alerts are kept (visible in the UI) and sent nowhere."""
    return {"route": {"receiver": NULL_RECEIVER, "group_by": ["namespace"]}, "receivers": [{"name": NULL_RECEIVER}]}


def complete_alertmanager_config(config: dict[str, Any]) -> dict[str, Any]:
    """The configuration with every key the chart's default also sets, so that Helm's map merge
    leaves exactly this configuration (the one the alerting tests run amtool against)."""
    completed = copy.deepcopy(config)
    for key, default in ALERTMANAGER_TOP_LEVEL_DEFAULTS.items():
        completed.setdefault(key, copy.deepcopy(default))
    route = completed.setdefault("route", {})
    for key, default in ALERTMANAGER_ROUTE_DEFAULTS.items():
        route.setdefault(key, copy.deepcopy(default))
    return completed


def alertmanager_values(
    metrics: MetricsSettings, context: StackContext, alertmanager: AlertmanagerInputs | None
) -> dict[str, Any]:
    replicas = metrics.alertmanager_replicas
    config = alertmanager.config if alertmanager is not None else null_alertmanager_config()
    spec: dict[str, Any] = {
        "replicas": replicas,
        # Silences and the notification log survive restarts; without them a restart re-pages.
        "storage": _volume_claim(context.storage_class, ALERTMANAGER_STORAGE),
        "podAntiAffinity": "hard" if context.production else "soft",
        "podAntiAffinityTopologyKey": "kubernetes.io/hostname",
        "secrets": list(alertmanager.secret_names) if alertmanager is not None else [],
    }
    values: dict[str, Any] = {"config": complete_alertmanager_config(config), "alertmanagerSpec": spec}
    if context.production:
        values["podDisruptionBudget"] = _disruption_budget(replicas)
    return values


def grafana_values(
    g: GrafanaSettings,
    metrics: MetricsSettings,
    context: StackContext,
    grafana: GrafanaInputs | None,
    thanos: ThanosSidecarInputs | None,
) -> dict[str, Any]:
    namespace = metrics.namespace
    extra_datasources = list(grafana.datasources) if grafana is not None else []
    another_default = any(ds.get("isDefault") for ds in extra_datasources)
    datasources: dict[str, Any] = {
        "enabled": True,
        "label": DATASOURCE_LABEL,
        "labelValue": DATASOURCE_LABEL_VALUE,
        "searchNamespace": namespace,
        "defaultDatasourceEnabled": True,
        "isDefaultDatasource": not another_default,
    }
    if thanos is not None and thanos.query_url:
        # Dashboards then see both replicas deduplicated and the long-term history.
        datasources["url"] = thanos.query_url
    ini: dict[str, Any] = {
        "auth.anonymous": {"enabled": False},
        "users": {"allow_sign_up": False},
        "analytics": {"reporting_enabled": False},
    }
    values: dict[str, Any] = {
        "enabled": True,
        "admin": {
            "existingSecret": grafana_admin_secret_name(metrics.release_name),
            "userKey": GRAFANA_ADMIN_USER_KEY,
            "passwordKey": GRAFANA_ADMIN_PASSWORD_KEY,
        },
        "persistence": {
            "enabled": True,
            "type": "pvc",
            "size": g.persistence_size,
            "accessModes": ["ReadWriteOnce"],
            **({"storageClassName": context.storage_class} if context.storage_class else {}),
        },
        # A ReadWriteOnce volume cannot be attached to the old and the new pod at once.
        "deploymentStrategy": {"type": "Recreate"},
        "sidecar": {
            "dashboards": {
                "enabled": True,
                "label": DASHBOARD_LABEL,
                "labelValue": DASHBOARD_LABEL_VALUE,
                "searchNamespace": namespace,
                "folderAnnotation": DASHBOARD_FOLDER_ANNOTATION,
                "annotations": {DASHBOARD_FOLDER_ANNOTATION: CHART_DASHBOARDS_FOLDER},
                "provider": {"foldersFromFilesStructure": True, "allowUiUpdates": False},
            },
            "datasources": datasources,
        },
        "additionalDataSources": extra_datasources,
        "envFromSecrets": [{"name": name} for name in (grafana.env_from_secrets if grafana else [])],
        "plugins": list(grafana.plugins) if grafana is not None else [],
        "grafana.ini": ini,
        "ingress": {"enabled": False},
    }
    if grafana is not None and grafana.service_account_annotations:
        values["serviceAccount"] = {"annotations": dict(grafana.service_account_annotations)}
    if grafana is not None and grafana.pod_annotations:
        values["podAnnotations"] = dict(grafana.pod_annotations)
    if g.ingress_host:
        ini["server"] = {"root_url": f"https://{g.ingress_host}"}
        ini["security"] = {"cookie_secure": True}
        ingress: dict[str, Any] = {
            "enabled": True,
            "hosts": [g.ingress_host],
            "path": "/",
            "tls": [{"secretName": g.ingress_tls_secret, "hosts": [g.ingress_host]}],
        }
        if g.ingress_class:
            ingress["ingressClassName"] = g.ingress_class
        values["ingress"] = ingress
    return values


def render_kube_prometheus_stack_values(
    metrics: MetricsSettings,
    grafana_settings: GrafanaSettings,
    cluster_name: str,
    environment: str,
    context: StackContext,
    alertmanager: AlertmanagerInputs | None = None,
    thanos: ThanosSidecarInputs | None = None,
    grafana: GrafanaInputs | None = None,
) -> dict[str, Any]:
    """The release's values. `thanos.service_account_annotations` may hold Outputs (cloud identities)."""
    values: dict[str, Any] = {
        # The CRDs come from the prometheus-operator-crds release (components/crds.py).
        "crds": {"enabled": False},
        # The config-reloader sidecars of Prometheus and Alertmanager get probes only when asked.
        "prometheusOperator": {"prometheusConfigReloader": {"enableProbe": True}},
        "defaultRules": {"create": True, "rules": dict.fromkeys(RULE_GROUPS_OF_UNREACHABLE, False)},
        "prometheus": prometheus_values(metrics, cluster_name, environment, context, thanos),
        "alertmanager": alertmanager_values(metrics, context, alertmanager),
        "grafana": grafana_values(grafana_settings, metrics, context, grafana, thanos),
        "kubeApiServer": {"enabled": True},
        "kubelet": {"enabled": True},
        "kubeStateMetrics": {"enabled": True},
        "nodeExporter": {"enabled": True},
    }
    for component in UNREACHABLE_CONTROL_PLANE:
        values[component] = {"enabled": False}
    return values
