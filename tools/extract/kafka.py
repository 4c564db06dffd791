"""build/<stack>/kafka/credentials.yaml: every Secret the Kafka component creates, with the names of
its keys (never a value), next to the Secret references the Kafka UI and exporter charts and the
vendor ScrapeConfig make, so a reviewer sees that each reference resolves without seeing a secret."""

from __future__ import annotations

from typing import Any

from tools.artifacts import RELEASE_TYPE, SECRET_TYPE, Files, to_yaml
from tools.mocks import Registration, unwrap

KAFKA_COMPONENT_TYPE = "todo-observability:kafka:KafkaMonitoring"
SCRAPE_CONFIG_TYPE = "kubernetes:monitoring.coreos.com/v1alpha1:ScrapeConfig"


def _secret_keys(registration: Registration) -> list[str]:
    # Key names are not secret; the whole map is wrapped as one secret because its values are.
    string_data = unwrap(registration.inputs.get("stringData") or {})
    data = unwrap(registration.inputs.get("data") or {})
    return sorted({*string_data, *data})


def _references(registration: Registration) -> list[dict[str, str]]:
    refs: list[dict[str, str]] = []
    values = registration.inputs.get("values") or {}
    if registration.type == RELEASE_TYPE:
        for env, mapping in sorted(((values.get("envs") or {}).get("secretMappings") or {}).items()):
            refs.append({"use": f"env {env}", "secret": mapping["name"], "key": mapping["keyName"]})
        scram = ((values.get("sasl") or {}).get("scram")) or {}
        if scram.get("enabled") and scram.get("secretName"):
            refs += [
                {"use": f"sasl {key}", "secret": scram["secretName"], "key": key} for key in ("username", "password")
            ]
    if registration.type == SCRAPE_CONFIG_TYPE:
        basic_auth: dict[str, Any] = (registration.inputs.get("spec") or {}).get("basicAuth") or {}
        for field, ref in sorted(basic_auth.items()):
            refs.append({"use": f"basicAuth {field}", "secret": ref["name"], "key": ref["key"]})
    return refs


def extract(registrations: list[Registration]) -> Files:
    components = {r.urn for r in registrations if r.type == KAFKA_COMPONENT_TYPE}
    if not components:
        return {}
    children = [r for r in registrations if r.parent_urn in components]
    secrets = {
        (r.inputs.get("metadata") or {}).get("name", r.name): _secret_keys(r) for r in children if r.type == SECRET_TYPE
    }
    references = {
        (r.inputs.get("name") or (r.inputs.get("metadata") or {}).get("name") or r.name): _references(r)
        for r in children
        if r.type in (RELEASE_TYPE, SCRAPE_CONFIG_TYPE)
    }
    document = {"secrets": dict(sorted(secrets.items())), "references": dict(sorted(references.items()))}
    return {"kafka/credentials.yaml": to_yaml(document)}
