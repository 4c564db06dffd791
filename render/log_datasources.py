"""Grafana datasources (provisioning format) for each cloud's log store, all with uid `logs`.
Loki's links a log line's trace_id to the tracing capability's datasource (uid `traces`); Azure Monitor
and Cloud Logging datasources have no derived fields, so their trace links go the other way (the
saved search "All logs of one trace_id")."""

from __future__ import annotations

from typing import Any

LOGS_UID = "logs"
TRACES_UID = "traces"
CLOUD_LOGGING_PLUGIN = "googlecloud-logging-datasource"


def loki_datasource(url: str) -> dict[str, Any]:
    return {
        "name": "Logs",
        "type": "loki",
        "uid": LOGS_UID,
        "access": "proxy",
        "url": url,
        "jsonData": {
            "maxLines": 1000,
            "derivedFields": [
                {
                    "name": "trace_id",
                    "matcherRegex": r'"trace_id":"(\w+)"',
                    "datasourceUid": TRACES_UID,
                    # `$$` keeps Grafana's provisioning from reading `${__value.raw}` as an env variable.
                    "url": "$${__value.raw}",
                    "urlDisplayLabel": "Open trace",
                }
            ],
        },
    }


def azure_monitor_datasource(
    tenant_id: Any, client_id: Any, subscription_id: str, client_secret_env: str
) -> dict[str, Any]:
    return {
        "name": "Logs",
        "type": "grafana-azure-monitor-datasource",
        "uid": LOGS_UID,
        "access": "proxy",
        "jsonData": {
            "azureAuthType": "clientsecret",
            "cloudName": "azuremonitor",
            "tenantId": tenant_id,
            "clientId": client_id,
            "subscriptionId": subscription_id,
        },
        "secureJsonData": {"clientSecret": "$__env{" + client_secret_env + "}"},
    }


def cloud_logging_datasource(project: str) -> dict[str, Any]:
    # `gce` auth: the metadata server, i.e. Grafana's Workload Identity; no key file exists.
    return {
        "name": "Logs",
        "type": CLOUD_LOGGING_PLUGIN,
        "uid": LOGS_UID,
        "access": "proxy",
        "jsonData": {"authenticationType": "gce", "defaultProject": project},
    }
