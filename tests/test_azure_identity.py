"""Azure app registrations (issue #14 item 7 and the Minor items): owned by the deploying principal, so
`Application.ReadWrite.OwnedBy` suffices to add and rotate their passwords; client secrets with an
`end_date` (not the deprecated `end_date_relative`) that is stable between runs; the prod stack file's
issuer placeholder consistent with its tenant."""

from __future__ import annotations

import re

import yaml

from components.azure.log_sink import client_secret_end_date
from settings.model import replace
from tests.harness import Rendered
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
        assert inputs["endDate"] == client_secret_end_date(settings.logging)
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T00:00:00Z", inputs["endDate"])


def test_end_date_follows_the_rotation_date_and_validity() -> None:
    logging = stack_settings("prod").logging
    month = replace(logging, client_secret_rotation="2026-12", client_secret_validity_days=365)
    assert client_secret_end_date(month) == "2027-12-01T00:00:00Z"
    day = replace(logging, client_secret_rotation="2026-12-15", client_secret_validity_days=30)
    assert client_secret_end_date(day) == "2027-01-14T00:00:00Z"
    # Not a date: no fixed end date can be derived, the caller falls back to the relative one.
    assert client_secret_end_date(replace(logging, client_secret_rotation="1")) is None
    assert client_secret_end_date(replace(logging, client_secret_rotation="2026-13")) is None


def test_same_config_same_end_date_on_every_run(renders: dict[str, Rendered]) -> None:
    # Stable across runs: derived from config only (no clock), so previews show no diff.
    logging = stack_settings("prod").logging
    assert client_secret_end_date(logging) == client_secret_end_date(logging)
    assert {p["inputs"]["endDate"] for p in renders["prod"].of_type(PASSWORD)} == {client_secret_end_date(logging)}


def test_prod_stack_file_issuer_matches_its_tenant_and_says_it_is_a_placeholder() -> None:
    text = stack_file("prod").read_text()
    config = yaml.safe_load(text)["config"]
    tenant = config["todo-observability:azure"]["tenantId"]
    issuer = config["todo-observability:cluster"]["oidcIssuerUrl"]
    assert f"/{tenant}/" in issuer
    assert "az aks show" in text and "oidcIssuerProfile.issuerUrl" in text
