"""The documentation stays true: the config reference is generated from the model, and README
points at things that exist."""

from __future__ import annotations

import re

from tools.config_reference import OUTPUT, render_reference
from tools.stackfile import ROOT


def test_config_reference_is_up_to_date() -> None:
    assert OUTPUT.read_text() == render_reference(), "run: python -m tools.config_reference"


def test_config_reference_lists_every_section_and_secret() -> None:
    text = OUTPUT.read_text()
    for key in ("environment", "cloud", "cluster.name", "services[].slo.availability", "alerting.thresholds"):
        assert f"| `{key}" in text, key
    assert "| `secrets.pagerdutyRoutingKey` |" in text


def test_readme_links_resolve() -> None:
    readme = (ROOT / "README.md").read_text()
    links = re.findall(r"\]\(((?!https?://|#)[^)]+)\)", readme)
    assert links, "README links to the docs"
    missing = [link for link in links if not (ROOT / link.split("#")[0]).exists()]
    assert missing == []


def test_readme_gives_the_test_command_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and "make test" in ci
    for command in ("make render STACK=", "make bench", "make diff BASE=", "make lab STACK="):
        assert command in readme, command


def test_the_reference_shows_the_defaults_a_stack_gets() -> None:
    """A key's documented default is what a stack that does not set it (nor has a cloud or environment
    default for it) is given, nested sections' own defaults (`nested(...)`) included."""
    from pydantic.alias_generators import to_snake

    from components.platforms import parse_settings
    from tools.config_reference import rows

    settings = parse_settings({"cloud": "local", "environment": "staging"}, "docs")
    checked = 0
    for key, kind, default, overrides in rows(type(settings), []):
        if overrides or kind == "object" or "[]" in key or default in ("", "required") or key == "services":
            continue
        value: object = settings
        for part in key.split("."):
            if value is None:  # another cloud's section: not set on this stack
                break
            value = getattr(value, to_snake(part))
        else:
            assert default == repr(value), key
            checked += 1
    assert checked > 80
