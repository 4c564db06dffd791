"""The program's modules hold only what the program uses: a module-level function, class or constant, or
a public method, that nothing outside tests/ reads is dead, or a test helper that belongs in tests/.
Methods are matched by name only, so one named like a common attribute (`get`) passes unseen."""

from __future__ import annotations

import ast
from pathlib import Path

from tools.stackfile import ROOT

CHECKED = ("catalog", "components", "contracts", "dashboards", "render", "rules", "settings")
# What may read a checked name: the program, its tools, the lab, the policy pack and the scripts.
READERS = (*CHECKED, "lab", "policy", "scripts", "tools")
# Reference data read from upstream and kept next to the code it describes; the tests check renders and
# rules against it, nothing at run time needs it.
REFERENCE_DATA = {
    "catalog/metrics.py": {"EXPORTED"},
    "render/thanos.py": {"OBJSTORE_FIELDS", "OCI_PROVIDERS"},
    "rules/shipped.py": {"KUBE_PROMETHEUS_STACK_VERSION", "KUBE_PROMETHEUS_STACK_ALERTS", "COVERED_BY_CHART"},
}


def production_files() -> list[Path]:
    files = [ROOT / "__main__.py"]
    for top in READERS:
        files += [p for p in (ROOT / top).rglob("*.py") if "tests" not in p.relative_to(ROOT).parts]
    return sorted(files)


def defined_names(tree: ast.Module) -> list[str]:
    names = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names += [target.id for target in node.targets if isinstance(target, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
    return [name for name in names if not name.startswith("__")]


def public_methods(tree: ast.Module) -> list[tuple[str, str]]:
    """(class, method) of plain methods and properties; Pulumi calls a dynamic provider's methods itself."""
    methods = []
    for node in tree.body:
        if not isinstance(node, ast.ClassDef) or any(ast.unparse(b).endswith("ResourceProvider") for b in node.bases):
            continue
        for item in node.body:
            if not isinstance(item, ast.FunctionDef) or item.name.startswith("_"):
                continue
            if all(ast.unparse(d) in {"property", "staticmethod", "classmethod"} for d in item.decorator_list):
                methods.append((node.name, item.name))
    return methods


def read_names(tree: ast.Module) -> tuple[set[str], set[str]]:
    """Names a module loads itself, and names it could take from another module (imported or as attributes)."""
    loaded, taken = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            loaded.add(node.id)
        elif isinstance(node, ast.Attribute):
            loaded.add(node.attr)
            taken.add(node.attr)
        elif isinstance(node, ast.ImportFrom):
            taken |= {alias.name for alias in node.names}
    return loaded, taken


def unread_names(root: Path, files: list[Path]) -> dict[str, list[str]]:
    trees = {path: ast.parse(path.read_text(), str(path)) for path in files}
    reads = {path: read_names(tree) for path, tree in trees.items()}
    unread: dict[str, list[str]] = {}
    for path, tree in trees.items():
        relative = path.relative_to(root).as_posix()
        if relative.split("/")[0] not in CHECKED:
            continue
        for name in defined_names(tree):
            used_here = name in reads[path][0]
            used_elsewhere = any(name in taken for other, (_, taken) in reads.items() if other != path)
            if not used_here and not used_elsewhere:
                unread.setdefault(relative, []).append(name)
        for class_name, method in public_methods(tree):
            if not any(method in taken for _, taken in reads.values()):
                unread.setdefault(relative, []).append(f"{class_name}.{method}")
    return unread


def test_every_module_level_name_is_read_by_the_program_or_its_tools() -> None:
    unread = unread_names(ROOT, production_files())
    for relative, allowed in REFERENCE_DATA.items():
        left = [name for name in unread.pop(relative, []) if name not in allowed]
        if left:
            unread[relative] = left
    assert unread == {}, "dead, or a test helper that belongs in tests/"


def test_reference_data_names_still_exist() -> None:
    for relative, allowed in REFERENCE_DATA.items():
        defined = set(defined_names(ast.parse((ROOT / relative).read_text())))
        assert allowed <= defined, f"{relative}: {sorted(allowed - defined)} gone; drop them from REFERENCE_DATA"


def test_the_check_finds_an_unread_constant_and_a_test_only_function(tmp_path: Path) -> None:
    module = tmp_path / "render" / "example.py"
    module.parent.mkdir()
    module.write_text(
        "USED = 1\nDEAD = 2\n\n\ndef only_tests() -> int:\n    return USED\n\n\n"
        "class Thing:\n    def read(self) -> int:\n        return 1\n\n    def unread(self) -> int:\n        return 2\n"
    )
    reader = tmp_path / "tools" / "reader.py"
    reader.parent.mkdir()
    reader.write_text("from render.example import USED, Thing\n\nThing().read()\n")
    assert unread_names(tmp_path, [module, reader]) == {"render/example.py": ["DEAD", "only_tests", "Thing.unread"]}
