"""Grafana datasources (provisioning format) for each cloud's log store, all with uid `logs`.
Loki's links a log line's trace_id to the tracing capability's datasource (uid `traces`); Azure Monitor
and Cloud Logging datasources have no derived fields, so their trace links go the other way (the
saved search "All logs of one trace_id")."""

from __future__ import annotations

from typing import Any

from contracts import uids

LOGS_UID = uids.LOGS_DATASOURCE
TRACES_UID = uids.TRACES_DATASOURCE
# The plugin types below are what each platform's `logs_datasource_type` names
# (components/<cloud>/platform.py); Grafana has no datasource for OCI Logging Analytics.
LOKI_PLUGIN = "loki"
CLOUD_LOGGING_PLUGIN = "googlecloud-logging-datasource"
AZURE_MONITOR_PLUGIN = "grafana-azure-monitor-datasource"
# Grafana's Azure identity (components/azure/grafana_identity.py): a Secret whose keys become Grafana's env.
AZURE_READER_SECRET_NAME = "grafana-azure-reader"
AZURE_READER_CLIENT_ID_ENV = "AZURE_GRAFANA_READER_CLIENT_ID"
AZURE_READER_CLIENT_SECRET_ENV = "AZURE_GRAFANA_READER_CLIENT_SECRET"


def loki_datasource(url: str) -> dict[str, Any]:
    return {
        "name": "Logs",
        "type": LOKI_PLUGIN,
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


def azure_monitor_datasource(name: str, uid: str, tenant_id: str, subscription_id: str) -> dict[str, Any]:
    """Grafana's one Azure identity (an app registration's client secret: Grafana's Azure Monitor
    datasource has no workload identity unless grafana.ini enables it, and one reader for logs and
    traces keeps one credential to rotate). Client id and secret come from the environment, filled
    from the Secret AZURE_READER_SECRET_NAME, so the same values serve the logs and traces datasources."""
    return {
        "name": name,
        "type": AZURE_MONITOR_PLUGIN,
        "uid": uid,
        "access": "proxy",
        "jsonData": {
            "azureAuthType": "clientsecret",
            "cloudName": "azuremonitor",
            "tenantId": tenant_id,
            "clientId": "$__env{" + AZURE_READER_CLIENT_ID_ENV + "}",
            "subscriptionId": subscription_id,
        },
        "secureJsonData": {"clientSecret": "$__env{" + AZURE_READER_CLIENT_SECRET_ENV + "}"},
    }


def cloud_logging_datasource(project: str, buckets: list[str]) -> dict[str, Any]:
    """`gce` auth: the metadata server, i.e. Grafana's Workload Identity; no key file exists.
    `buckets` (`<location>/buckets/<id>`, as the plugin lists them) are the only buckets the query
    editor offers (`logBucketFilter`, plugin 1.6.3+: one anchored regular expression a line). Our logs
    are only in those buckets, and Grafana's reader may read only their `_AllLogs` views: a query must
    name its bucket (the view defaults to `_AllLogs`); a project-scoped query finds nothing."""
    return {
        "name": "Logs",
        "type": CLOUD_LOGGING_PLUGIN,
        "uid": LOGS_UID,
        "access": "proxy",
        "jsonData": {"authenticationType": "gce", "defaultProject": project, "logBucketFilter": "\n".join(buckets)},
    }
