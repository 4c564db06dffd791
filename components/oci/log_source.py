"""The Logging Analytics log source that parses what Fluent Bit uploads: custom fields, a JSON parser
that maps the record's JSON paths to them, and a source that uses the parser. pulumi-oci has no
resource for parsers, sources or fields, so this is a Pulumi dynamic provider that calls the
Logging Analytics API through the OCI Python SDK (`oci`, in requirements.txt).

The SDK is big (about 18,000 files): it is imported only inside create/update/delete, with its
per-service imports switched off, so the program itself starts without it. Requests are plain dicts
in the API's wire names (the SDK serializes dicts as given), which is what the tests assert.

Authentication is the pulumi-oci provider's: the same API-key variables (`OCI_USER_OCID`,
`OCI_TENANCY_OCID`, `OCI_FINGERPRINT`, `OCI_PRIVATE_KEY_PATH`, as the deploy workflow exports them)
or, without them, the OCI config file (`OCI_CONFIG_FILE` or ~/.oci/config, profile
`OCI_CONFIG_FILE_PROFILE` or DEFAULT). The region is the stack's `oci.region`.

Pulumi pickles the provider by reference to this module: the provider process imports it from the
project directory, so it must stay importable without side effects (no resources at import)."""

from __future__ import annotations

import os
from typing import Any

import pulumi
import pulumi.dynamic as dynamic

FIELD_DATA_TYPE = "STRING"
PARSER_TYPE = "JSON"
# Logging Analytics' source type for logs read from files or uploaded as log events.
SOURCE_TYPE = "os_file"
API_KEY_VARIABLES = ("OCI_USER_OCID", "OCI_TENANCY_OCID", "OCI_FINGERPRINT", "OCI_PRIVATE_KEY_PATH")


def field_request(display_name: str, description: str, name: str | None = None) -> dict[str, Any]:
    """upsert_field: a new field has only a display name (the service generates its name); an update
    names the field it changes."""
    request: dict[str, Any] = {
        "displayName": display_name,
        "description": description,
        "dataType": FIELD_DATA_TYPE,
        "isMultiValued": False,
    }
    if name is not None:
        request["name"] = name
    return request


def parser_request(props: dict[str, Any], field_names: dict[str, str]) -> dict[str, Any]:
    """upsert_parser: a JSON parser whose field maps send each JSON path to its field."""
    return {
        "name": props["parser_name"],
        "displayName": props["parser_name"],
        "description": props["description"],
        "type": PARSER_TYPE,
        "content": props["example"],
        "exampleContent": props["example"],
        "encoding": "UTF-8",
        "language": "en_US",
        "isSingleLineContent": True,
        "isSystem": False,
        "fieldMaps": [
            {
                "field": {"name": field_names[field["display_name"]]},
                "parserFieldExpression": field["path"],
                "parserFieldSequence": index,
            }
            for index, field in enumerate(props["fields"], start=1)
        ],
    }


def source_request(props: dict[str, Any]) -> dict[str, Any]:
    """upsert_source: the source Fluent Bit names (`Oci_La_Log_Source_Name`), parsed by the parser."""
    return {
        "name": props["source_name"],
        "displayName": props["source_name"],
        "description": props["description"],
        "typeName": SOURCE_TYPE,
        "isForCloud": True,
        "isSystem": False,
        "parsers": [{"name": props["parser_name"], "isDefault": True}],
    }


def sdk_config(region: str) -> dict[str, Any]:
    """The pulumi-oci provider's credentials, as an OCI SDK config."""
    import oci.config

    if all(os.environ.get(v) for v in API_KEY_VARIABLES):
        config: dict[str, Any] = {
            "user": os.environ["OCI_USER_OCID"],
            "tenancy": os.environ["OCI_TENANCY_OCID"],
            "fingerprint": os.environ["OCI_FINGERPRINT"],
            "key_file": os.environ["OCI_PRIVATE_KEY_PATH"],
        }
    else:
        location = os.environ.get("OCI_CONFIG_FILE", oci.config.DEFAULT_LOCATION)
        profile = os.environ.get("OCI_CONFIG_FILE_PROFILE", oci.config.DEFAULT_PROFILE)
        config = dict(oci.config.from_file(location, profile))
    config["region"] = region
    oci.config.validate_config(config)
    return config


class LogAnalyticsJsonSourceProvider(dynamic.ResourceProvider):
    """Creates fields, then the parser that uses them, then the source that uses the parser; deletes
    in the reverse order. Every call is an upsert, so a retried create converges."""

    def client(self, region: str) -> Any:
        # Only the Logging Analytics service module: the SDK otherwise imports all ~200 services.
        os.environ.setdefault("OCI_PYTHON_SDK_NO_SERVICE_IMPORTS", "true")
        import oci.log_analytics

        return oci.log_analytics.LogAnalyticsClient(sdk_config(region))

    def apply(self, props: dict[str, Any], known_fields: dict[str, str]) -> dict[str, Any]:
        client = self.client(props["region"])
        namespace = props["namespace"]
        field_names: dict[str, str] = {}
        for field in props["fields"]:
            display_name = field["display_name"]
            request = field_request(display_name, field["path"], known_fields.get(display_name))
            field_names[display_name] = client.upsert_field(namespace, request).data.name
        client.upsert_parser(namespace, parser_request(props, field_names))
        client.upsert_source(namespace, source_request(props))
        return {**props, "field_names": field_names}

    def create(self, props: dict[str, Any]) -> dynamic.CreateResult:
        outs = self.apply(props, {})
        return dynamic.CreateResult(id_=f"{props['namespace']}/{props['source_name']}", outs=outs)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dynamic.DiffResult:
        keys = ("region", "namespace", "parser_name", "source_name", "description", "example", "fields")
        changed = [k for k in keys if olds.get(k) != news.get(k)]
        # Names (and the region and namespace they live in) identify the objects: a change is a new set,
        # the old one deleted. First: the new source shares the old one's parser name and its fields'
        # display names, so deleting the old set after creating the new one would delete what the new one
        # uses. Uploads fail meanwhile and Fluent Bit retries them from its disk buffer.
        replaces = [k for k in changed if k in ("region", "namespace", "parser_name", "source_name")]
        return dynamic.DiffResult(changes=bool(changed), replaces=replaces, delete_before_replace=bool(replaces))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dynamic.UpdateResult:
        outs = self.apply(news, dict(olds.get("field_names") or {}))
        kept = set(outs["field_names"].values())
        client = self.client(news["region"])
        for name in sorted(set((olds.get("field_names") or {}).values()) - kept):
            client.delete_field(news["namespace"], name)
        return dynamic.UpdateResult(outs=outs)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        client = self.client(props["region"])
        namespace = props["namespace"]
        client.delete_source(namespace, props["source_name"])
        client.delete_parser(namespace, props["parser_name"])
        for name in sorted((props.get("field_names") or {}).values()):
            client.delete_field(namespace, name)


class LogAnalyticsJsonSource(dynamic.Resource, module="oci", name="LogAnalyticsJsonSource"):
    field_names: pulumi.Output[dict[str, str]]

    def __init__(
        self,
        name: str,
        *,
        region: str,
        namespace: str,
        parser_name: str,
        source_name: str,
        description: str,
        example: str,
        fields: list[dict[str, str]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "region": region,
            "namespace": namespace,
            "parser_name": parser_name,
            "source_name": source_name,
            "description": description,
            "example": example,
            "fields": fields,
            "field_names": None,
        }
        super().__init__(LogAnalyticsJsonSourceProvider(), name, props, opts)
