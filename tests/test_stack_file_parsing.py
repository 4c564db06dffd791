"""`settings.document.read_stack_file` parses with libyaml where PyYAML has it: the same document and the
same line numbers as PyYAML's own parser, and, for a file that does not parse, PyYAML's own words."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from settings import ConfigError
from settings.document import FAST_LOADER, parse_stack_text, read_stack_file
from tools.bench import generated_stack_file
from tools.stackfile import ROOT, all_stacks

needs_libyaml = pytest.mark.skipif(FAST_LOADER is yaml.SafeLoader, reason="PyYAML built without libyaml")


def marks(node: yaml.Node | None) -> list[tuple[str, int, int, object]]:
    """Every node's kind, start line and column, and scalar value, in document order."""
    if node is None:
        return []
    found: list[tuple[str, int, int, object]] = []
    pending = [node]
    while pending:
        current = pending.pop()
        value = current.value if isinstance(current, yaml.ScalarNode) else None
        found.append((type(current).__name__, current.start_mark.line, current.start_mark.column, value))
        if isinstance(current, yaml.MappingNode):
            pending += [child for pair in reversed(current.value) for child in reversed(pair)]
        elif isinstance(current, yaml.SequenceNode):
            pending += reversed(current.value)
    return found


def stack_texts(tmp_path: Path) -> list[str]:
    texts = [(ROOT / f"Pulumi.{stack}.yaml").read_text() for stack in all_stacks()]
    texts.append(generated_stack_file(30, tmp_path).read_text())
    # Duplicates, comments, anchors, quoting, multi-line and empty values: what a hand-edited file holds.
    texts.append(
        "config:\n"
        "  # a comment\n"
        "  todo-observability:alerting:\n"
        "    receivers: &r\n"
        "      slack: {enabled: true, channel: '#ops'}\n"
        "      slack: {enabled: false}\n"
        "  todo-observability:copy: *r\n"
        '  todo-observability:text: "a\\tb \\u00e9"\n'
        "  todo-observability:block: |\n"
        "    line one\n"
        "    line two\n"
        "  todo-observability:empty:\n"
        "  todo-observability:numbers: [1, 1.5, 0x10, 1e3, .inf, yes, no, ~, 2024-01-01]\n"
    )
    return texts


@needs_libyaml
def test_libyaml_reads_every_stack_file_as_pyyaml_does(tmp_path: Path) -> None:
    for text in stack_texts(tmp_path):
        fast_node, fast_document = parse_stack_text(text, FAST_LOADER)
        pure_node, pure_document = parse_stack_text(text, yaml.SafeLoader)
        assert fast_document == pure_document
        assert marks(fast_node) == marks(pure_node)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("config:\n  todo-observability:cloud: [local\n", ":3:1: expected ',' or ']', but got '<stream end>'"),
        ("config:\n  a: b: c\n", ":2:7: mapping values are not allowed here"),
        (
            "config:\n  todo-observability:cloud: local\n\ttodo-observability:environment: development\n",
            ":3:1: found character '\\t' that cannot start any token (a tab",
        ),
    ],
    ids=["unclosed-bracket", "two-colons", "tab"],
)
def test_a_file_that_does_not_parse_is_reported_in_pyyamls_words(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "Pulumi.cfgtest.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as error:
        read_stack_file(path)
    assert f"Pulumi.cfgtest.yaml{words}" in str(error.value)


TRAILING_TAB = "config:\n  todo-observability:cloud: local\t\n  todo-observability:environment: development\n"


@needs_libyaml
def test_a_tab_after_a_value_is_read_as_pulumi_reads_it(tmp_path: Path) -> None:
    """libyaml accepts a tab after a value on its line; PyYAML's own parser does not. The Pulumi CLI reads
    stack files with go-yaml, a port of libyaml's scanner, so it accepts the file and hands the program
    `local`: the program reads the same value and reports nothing, rather than refuse a file the engine took."""
    with pytest.raises(yaml.YAMLError):
        parse_stack_text(TRAILING_TAB, yaml.SafeLoader)
    path = tmp_path / "Pulumi.cfgtest.yaml"
    path.write_text(TRAILING_TAB)
    document, problems = read_stack_file(path)
    assert document == {
        "config": {"todo-observability:cloud": "local", "todo-observability:environment": "development"}
    }
    assert problems == []


def test_a_file_libyaml_refuses_stays_refused_when_pyyaml_would_read_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PyYAML parses again only for its words: the engine's go-yaml refuses what libyaml refuses."""

    class RefusingLoader(yaml.SafeLoader):
        def get_single_node(self) -> yaml.Node | None:
            raise yaml.MarkedYAMLError(problem="refused by libyaml", problem_mark=yaml.Mark("f", 0, 0, 0, None, None))

    monkeypatch.setattr("settings.document.FAST_LOADER", RefusingLoader)
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text("config:\n  todo-observability:cloud: local\n")
    with pytest.raises(ConfigError, match="refused by libyaml"):
        read_stack_file(path)
