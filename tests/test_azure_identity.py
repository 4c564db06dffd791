"""Azure app registrations (issue #14 item 7 and the Minor items): owned by the deploying principal, so
`Application.ReadWrite.OwnedBy` suffices to add and rotate their passwords; client secrets with an
`end_date` (not the deprecated `end_date_relative`) that is stable between runs, rotated by the `azure`
section's keys (issue #19: they rotate every app registration, not only logging's); the prod stack
file's issuer placeholder consistent with its tenant."""

from __future__ import annotations

import copy
import re

import pytest
import yaml

from components.azure.app_registration import client_secret_end_date
from components.platforms import parse_settings
from settings import ConfigError
from settings.model import AzureSettings, replace
from tests.harness import AZURE, Rendered
from tools.mocks import INVOKE_RESULTS
from tools.stackfile import stack_file, stack_settings

APPLICATION = "azuread:index/application:Application"
SERVICE_PRINCIPAL = "azuread:index/servicePrincipal:ServicePrincipal"
PASSWORD = "azuread:index/applicationPassword:ApplicationPassword"
DEPLOYER = INVOKE_RESULTS["azuread:index/getClientConfig:getClientConfig"]["objectId"]


def test_app_registrations_and_principals_are_owned_by_the_deployer(renders: dict[str, Rendered]) -> None:
    rendered = renders["prod"]
    owned = rendered.of_type(APPLICATION) + rendered.of_type(SERVICE_PRINCIPAL)
    assert len(owned) == 4
    for resource in owned:
        assert resource["inputs"]["owners"] == [DEPLOYER], resource["name"]


def test_client_secrets_use_a_fixed_end_date(renders: dict[str, Rendered]) -> None:
    rendered = renders["prod"]
    settings = stack_settings("prod")
    passwords = rendered.of_type(PASSWORD)
    assert len(passwords) == 2
    for password in passwords:
        inputs = password["inputs"]
        assert "endDateRelative" not in inputs
        assert settings.azure is not None
        assert inputs["endDate"] == client_secret_end_date(settings.azure)
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T00:00:00Z", inputs["endDate"])


def prod_azure() -> AzureSettings:
    azure = stack_settings("prod").azure
    assert azure is not None
    return azure


def test_end_date_follows_the_rotation_date_and_validity() -> None:
    azure = prod_azure()
    month = replace(azure, client_secret_rotation="2026-12", client_secret_validity_days=365)
    assert client_secret_end_date(month) == "2027-12-01T00:00:00Z"
    day = replace(azure, client_secret_rotation="2026-12-15", client_secret_validity_days=30)
    assert client_secret_end_date(day) == "2027-01-14T00:00:00Z"
    # Not a date: no fixed end date can be derived, the caller falls back to the relative one.
    assert client_secret_end_date(replace(azure, client_secret_rotation="1")) is None
    assert client_secret_end_date(replace(azure, client_secret_rotation="2026-13")) is None


def test_same_config_same_end_date_on_every_run(renders: dict[str, Rendered]) -> None:
    # Stable across runs: derived from config only (no clock), so previews show no diff.
    azure = prod_azure()
    # Pulumi.prod.yaml: rotation "2026-12", 365 days of validity.
    assert client_secret_end_date(azure) == "2027-12-01T00:00:00Z"
    assert {p["inputs"]["endDate"] for p in renders["prod"].of_type(PASSWORD)} == {"2027-12-01T00:00:00Z"}


def with_azure(**keys: object) -> dict[str, object]:
    raw = copy.deepcopy(AZURE)
    raw["azure"] = {**raw["azure"], **keys}
    return raw


def test_the_rotation_keys_are_in_the_azure_section_with_their_defaults() -> None:
    defaults = parse_settings(with_azure(), "azure").azure
    assert defaults is not None
    assert (defaults.client_secret_rotation, defaults.client_secret_validity_days) == ("1", 365)
    chosen = parse_settings(with_azure(clientSecretRotation="2026-07", clientSecretValidityDays=90), "azure").azure
    assert chosen is not None
    assert (chosen.client_secret_rotation, chosen.client_secret_validity_days) == ("2026-07", 90)
    assert prod_azure().client_secret_rotation == "2026-12", "Pulumi.prod.yaml sets it under azure"


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ({"clientSecretValidityDays": 1000}, "todo-observability:azure.clientSecretValidityDays must be"),
        ({"clientSecretValidityDays": 29}, "todo-observability:azure.clientSecretValidityDays must be"),
        ({"clientSecretRotation": "no spaces"}, "todo-observability:azure.clientSecretRotation must be a short label"),
    ],
)
def test_bad_rotation_config_is_rejected(keys: dict[str, object], expected: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(expected)):
        parse_settings(with_azure(**keys), "bad")


@pytest.mark.parametrize("key", ["clientSecretRotation", "clientSecretValidityDays"])
def test_a_stack_file_with_an_old_rotation_key_is_told_the_new_one(key: str) -> None:
    raw = copy.deepcopy(AZURE)
    raw["logging"] = {key: "2026-12" if key == "clientSecretRotation" else 365}
    with pytest.raises(ConfigError) as error:
        parse_settings(raw, "old")
    (problem,) = error.value.problems
    assert problem.startswith(f"todo-observability:logging.{key} has moved to todo-observability:azure.{key}")
    assert f"pulumi config set --path 'azure.{key}'" in problem
    # Not mistaken for a secret in plain config (the key's name says "secret").
    assert "looks like a secret" not in problem


def test_prod_stack_file_issuer_matches_its_tenant_and_says_it_is_a_placeholder() -> None:
    text = stack_file("prod").read_text()
    config = yaml.safe_load(text)["config"]
    tenant = config["todo-observability:azure"]["tenantId"]
    issuer = config["todo-observability:cluster"]["oidcIssuerUrl"]
    assert f"/{tenant}/" in issuer
    assert "az aks show" in text and "oidcIssuerProfile.issuerUrl" in text
