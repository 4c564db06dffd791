"""The program passes its own policy pack: every guardrail over every stack's rendered resources."""

from __future__ import annotations

from components.versions import ALL_CHARTS
from guardrails import DEFAULT_ALLOWED_HELM_REPOSITORIES, GUARDRAILS
from tests.harness import Rendered


def test_every_rendered_resource_passes_every_guardrail(rendered: Rendered) -> None:
    violations = [
        f"{row['type']} {row['name']}: {problem}"
        for row in rendered.resources
        for guardrail in GUARDRAILS
        for problem in guardrail.check(row["type"], row["inputs"], {})
    ]
    assert violations == []


def test_the_pack_allows_every_repository_this_program_installs_from() -> None:
    allowed = {repo.rstrip("/") for repo in DEFAULT_ALLOWED_HELM_REPOSITORIES}
    assert {pin.repo.rstrip("/") for pin in ALL_CHARTS} <= allowed
