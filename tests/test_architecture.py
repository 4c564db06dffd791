"""The shape of the code that issue #19 set: what changes with the cloud lives in components/<cloud>/
(one platform object each, listed in components/platforms.py), and layers import downward only:
contracts <- settings <- render <- rules <- dashboards <- components <- __main__.py."""

from __future__ import annotations

import ast
import inspect
import re
import subprocess
import sys
from pathlib import Path
from typing import get_args

import pytest

from components.platform import Platform
from components.platforms import PLATFORMS, RULES
from settings.model import Cloud

ROOT = Path(__file__).resolve().parent.parent
CLOUDS = frozenset(get_args(Cloud))
PER_CLOUD_DIRS = {ROOT / "components" / cloud for cloud in CLOUDS}
REGISTRY = ROOT / "components" / "platforms.py"
PROGRAM_DIRS = ("components", "contracts", "settings", "render", "rules", "dashboards", "catalog")
PROJECT_PACKAGES = (*PROGRAM_DIRS, "tools", "lab", "policy", "scripts", "tests")
CLOUD_SDKS = ("pulumi_azure_native", "pulumi_azuread", "pulumi_gcp", "pulumi_oci")


def program_files() -> list[Path]:
    files = [ROOT / "__main__.py"]
    for directory in PROGRAM_DIRS:
        files += sorted((ROOT / directory).rglob("*.py"))
    return files


CLOUD_SECTIONS = frozenset(CLOUDS) - {"local"}


def _is_cloud_name(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value in CLOUDS


def _cloud_literal_names(tree: ast.AST) -> set[int]:
    """The ids of the names in `Cloud = Literal[...]` (settings/model.py): the one place outside the
    platforms that lists the clouds, so the config model can say which values `cloud` takes."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "Cloud" for t in node.targets):
            found |= {id(n) for n in ast.walk(node.value) if _is_cloud_name(n)}
    return found


def cloud_branches(source: str) -> list[tuple[int, str]]:
    """Every place that names a cloud: a cloud's name as a string (comparisons, `match` cases, maps keyed
    by cloud, constants such as `AZ = "azure"`, `getattr(settings, "gcp")`) or a cloud's own config
    section read as an attribute (`settings.azure`). Code that names no cloud cannot branch on one."""
    tree = ast.parse(source)
    allowed = _cloud_literal_names(tree)
    found = []
    for node in ast.walk(tree):
        if _is_cloud_name(node) and id(node) not in allowed:
            found.append((node.lineno, f"names the cloud {node.value!r}"))  # type: ignore[attr-defined]
        elif isinstance(node, ast.Attribute) and node.attr in CLOUD_SECTIONS:
            found.append((node.lineno, f"reads the {node.attr} section"))
    return sorted(found)


def test_the_scanner_sees_each_way_of_naming_a_cloud() -> None:
    source = (
        'if s.cloud == "azure": pass\n'
        'x = s.cloud in ("gcp", "oci")\n'
        'T = {"azure": 1}.get(s.cloud)\n'
        'y = getattr(s, "oci")\n'
        "match s.cloud:\n"
        '    case "local": pass\n'
        "z = s.gcp.project\n"
        "w = s.cloud\n"
        'Cloud = Literal["azure", "gcp"]\n'
    )
    assert [line for line, _ in cloud_branches(source)] == [1, 2, 2, 3, 4, 6, 7]


def test_no_cloud_branch_outside_the_platforms() -> None:
    offenders = []
    for path in program_files():
        if path == REGISTRY or any(directory in path.parents for directory in PER_CLOUD_DIRS):
            continue
        for line, what in cloud_branches(path.read_text()):
            offenders.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert not offenders, "per-cloud behaviour belongs in components/<cloud>/platform.py:\n" + "\n".join(offenders)


def imported_packages(path: Path) -> set[str]:
    """Top-level project packages a module imports, at module level or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & set(PROJECT_PACKAGES)


# What each layer may import of the project, besides itself: pure layers below Pulumi's, and alerts and
# dashboards above the pipeline configs whose names (jobs, limits, datasource uids) they read.
ALLOWED_IMPORTS: dict[str, set[str]] = {
    "contracts": set(),
    "catalog": set(),
    "settings": {"contracts"},
    "render": {"contracts", "settings", "catalog"},
    "rules": {"contracts", "settings", "catalog", "render"},
    "dashboards": {"contracts", "settings", "catalog", "render", "rules"},
}


@pytest.mark.parametrize("layer", sorted(ALLOWED_IMPORTS))
def test_layers_import_downward_only(layer: str) -> None:
    upward = []
    for path in sorted((ROOT / layer).rglob("*.py")):
        for package in sorted(imported_packages(path) - ALLOWED_IMPORTS[layer] - {layer}):
            upward.append(f"{path.relative_to(ROOT)} imports {package}")
    assert not upward, f"{layer}/ may import only {sorted(ALLOWED_IMPORTS[layer])}:\n" + "\n".join(upward)


def test_the_layer_check_sees_an_upward_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from components.helm import chart_release\n")
    assert imported_packages(module) == {"components"}


def test_every_cloud_of_the_config_model_has_exactly_one_platform() -> None:
    assert set(PLATFORMS) == CLOUDS
    assert {cloud: rules.cloud for cloud, rules in RULES.items()} == {cloud: cloud for cloud in CLOUDS}


@pytest.mark.parametrize("cloud", sorted(CLOUDS))
def test_each_platform_fulfils_the_platform_contract(cloud: str) -> None:
    platform = PLATFORMS[cloud]
    for name, member in inspect.getmembers(Platform, inspect.isfunction):
        if name.startswith("_"):
            continue
        implementation = getattr(type(platform), name, None)
        assert callable(implementation), f"{cloud} platform lacks {name}()"
        assert list(inspect.signature(implementation).parameters) == list(inspect.signature(member).parameters), (
            f"{cloud} platform's {name}() does not take what components/platform.py says"
        )
    assert platform.logs_datasource_type is None or isinstance(platform.logs_datasource_type, str)


def test_loading_the_registry_imports_no_cloud_sdk() -> None:
    """Start-up stays fast: a stack pays for its own cloud's SDK only, when its platform builds resources."""
    probe = (
        "import sys, components.platforms, components.providers, settings\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {CLOUD_SDKS!r}))"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_platform_module_gets_its_own_section_or_a_clear_error() -> None:
    from components.platform import own_section
    from settings.model import AzureSettings, GcpSettings

    gcp = GcpSettings(project="todo-prod", region="europe-west1")
    assert own_section(gcp, GcpSettings) is gcp
    with pytest.raises(TypeError, match="expected the AzureSettings config section, got GcpSettings"):
        own_section(gcp, AzureSettings)
    with pytest.raises(TypeError, match="got NoneType"):
        own_section(None, GcpSettings)


def test_secrets_are_written_one_way() -> None:
    """Opaque, labelled, `stringData`, after their namespace: components/secret.py. The Thanos objstore
    Secret and the local object store's keys predate it and carry no `type`, which adding would change."""
    writers = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "components").rglob("*.py")
        if re.search(r"\bSecret\(", path.read_text())
    )
    assert writers == ["components/local/thanos_storage.py", "components/long_term_storage.py", "components/secret.py"]
