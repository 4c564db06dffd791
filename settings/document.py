"""Reads a `Pulumi.<stack>.yaml` the careful way: what PyYAML (and the Pulumi CLI) accept silently or
with a traceback becomes a configuration error naming the file, line and key.

- a key written twice at any level (YAML keeps the last one without a word);
- YAML syntax errors (a tab, a missing colon) with line and column;
- `config:` that is not a map; a config namespace close to `todo-observability` (a typo drops a section);
- a plain value under `todo-observability:secrets` beside `secure:` ones (it would be committed in clear).
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml

from settings.errors import PROJECT, ConfigError, config_key


def stack_of(path: Path) -> str:
    name = path.name
    return name[len("Pulumi.") : -len(".yaml")] if name.startswith("Pulumi.") and name.endswith(".yaml") else path.stem


def _duplicates(node: yaml.Node, path: str, found: list[str], file: str) -> None:
    """Keys set twice; `path` is the config key so far ("" at the top of the document)."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if path == "":
                child = "config:" if key == "config" else key
            elif path == "config:":
                child = key if ":" in key else config_key(key)
            else:
                child = f"{path}.{key}"
            if key in seen:
                found.append(
                    f"{child.rstrip(':')} is set twice in {file} (lines {seen[key]} and {line}): YAML keeps only "
                    "the last one; merge them into one"
                )
            else:
                seen[key] = line
            if child == "config:" or path:
                _duplicates(value_node, child, found, file)
    elif isinstance(node, yaml.SequenceNode) and path not in ("", "config:"):
        for i, item in enumerate(node.value):
            _duplicates(item, f"{path}[{i}]", found, file)


# libyaml's parser where PyYAML was built with it: a stack file with hundreds of services is mostly
# parsing, a tenth of the time of PyYAML's own. Where both accept a document they read the same nodes,
# values and line marks (tests/test_stack_file_parsing.py), but libyaml accepts a little more: a tab after
# a value on its line (`k: v<TAB>`), which PyYAML's scanner refuses. The Pulumi CLI reads stack files with
# go-yaml, a port of libyaml's scanner, so it accepts such a file too and hands the program the same
# values; reading it with libyaml keeps the program in step with the engine (without libyaml, PyYAML
# refuses it with a clean error). The two word their errors differently, so a file libyaml rejects is
# parsed again by PyYAML, whose messages (and marks) the errors quote; should PyYAML read it, the
# file is refused all the same, with libyaml's words.
FAST_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_stack_text(text: str, loader_class: type[yaml.SafeLoader]) -> tuple[yaml.Node | None, Any]:
    """The document's node tree and its value; raises PyYAML's errors."""
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else {})
    finally:
        loader.dispose()


def read_stack_file(path: Path) -> tuple[dict[str, Any], list[str]]:
    """The document and the problems that still let it be read; raises ConfigError when it cannot be read."""
    stack, file = stack_of(path), path.name
    text = path.read_text()
    try:
        try:
            node, document = parse_stack_text(text, FAST_LOADER)
        except yaml.YAMLError as refused:
            # Only for PyYAML's words and marks: a file libyaml refuses stays refused.
            parse_stack_text(text, yaml.SafeLoader)
            raise refused from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{file}:{mark.line + 1}:{mark.column + 1}" if mark else file
        problem = error.problem or "not valid YAML"
        lines = text.splitlines()
        if mark is not None and mark.line < len(lines) and "\t" in lines[mark.line]:
            problem += " (a tab: YAML indents with spaces only)"
        raise ConfigError(stack, [f"{where}: {problem}"]) from None
    except yaml.YAMLError as error:
        raise ConfigError(stack, [f"{file}: not valid YAML ({error})"]) from None
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise ConfigError(stack, [f"{file} must be a map with a 'config' key (a Pulumi stack file)"])
    problems: list[str] = []
    if node is not None:
        _duplicates(node, "", problems, file)
    config = document.get("config")
    if config is not None and not isinstance(config, dict):
        raise ConfigError(
            stack,
            [*problems, f"{file}: 'config' must be a map of `{PROJECT}:<key>: <value>` entries (got a list or text)"],
        )
    problems += namespace_problems(config or {}, file)
    problems += secret_leaf_problems((config or {}).get(f"{PROJECT}:secrets"))
    return document, problems


def namespace_problems(config: dict[Any, Any], file: str) -> list[str]:
    problems = []
    for key in config:
        namespace, _, rest = str(key).partition(":")
        if rest and namespace != PROJECT and difflib.get_close_matches(namespace, [PROJECT], n=1, cutoff=0.75):
            problems.append(
                f"{key} in {file} is in the unknown namespace {namespace!r}; did you mean {PROJECT}:{rest}? "
                f"(the program reads only {PROJECT}:<key>)"
            )
    return problems


def secret_leaf_problems(secrets: Any) -> list[str]:
    """Every value under `secrets` must be `secure:` on its own: one plain value beside encrypted ones is
    committed in clear, and the engine then marks the whole object secret, hiding the mistake."""
    if not isinstance(secrets, dict):
        return []
    has_secure = any(isinstance(v, dict) and set(v) == {"secure"} for v in secrets.values())
    if not has_secure:
        return []
    return [
        f"{config_key('secrets.' + str(name))} is stored in plain text in the stack file beside encrypted "
        f"values: set it with pulumi config set --secret --path 'secrets.{name}' <value>"
        for name, value in secrets.items()
        if not (isinstance(value, dict) and set(value) == {"secure"})
    ]
