"""Renovate finds every pin: each chart in components/versions.py, each container image the program runs, each
Python requirement, each GitHub Action and workflow container, each annotated tool version; and opens grouped PRs.

The regex managers are applied here as Renovate applies them (every matchString with the global flag over the
files managerFilePatterns selects), with the JavaScript named groups `(?<name>...)` rewritten for Python."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from components import versions
from components.versions import ALL_CHARTS, VALIDATION_CHARTS
from tests.harness import Rendered, render_stack
from tools.stackfile import ROOT

CONFIG = json.loads((ROOT / "renovate.json").read_text())
SKIP_DIRS = {".git", ".venv", "build", "node_modules", "__pycache__", ".pytest_cache", ".ruff_cache"}
VALIDATOR_SCRIPT = ROOT / "scripts" / "install-renovate-validator.sh"


def repo_files() -> list[str]:
    found = []
    for path in ROOT.rglob("*"):
        relative = path.relative_to(ROOT)
        if path.is_file() and not SKIP_DIRS & set(relative.parts) and "venv" not in relative.parts:
            found.append(relative.as_posix())
    return sorted(found)


def python_regex(renovate_pattern: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\(\?<([A-Za-z]\w*)>", r"(?P<\1>", renovate_pattern))


def file_pattern(pattern: str) -> re.Pattern[str]:
    assert pattern.startswith("/") and pattern.endswith("/"), f"{pattern}: write managerFilePatterns as /regex/"
    return re.compile(pattern[1:-1])


def regex_managers() -> list[dict[str, Any]]:
    managers = CONFIG["customManagers"]
    assert all(m["customType"] == "regex" for m in managers)
    return managers


def selected_files(manager: dict[str, Any]) -> list[str]:
    patterns = [file_pattern(p) for p in manager["managerFilePatterns"]]
    return [f for f in repo_files() if any(p.search(f) for p in patterns)]


def extract(manager: dict[str, Any]) -> list[dict[str, str]]:
    """The dependencies one regex manager finds: named groups, then the manager's templates for what is missing."""
    deps = []
    for relative in selected_files(manager):
        text = (ROOT / relative).read_text()
        for match_string in manager["matchStrings"]:
            for match in python_regex(match_string).finditer(text):
                dep = {k: v for k, v in match.groupdict().items() if v is not None}
                for field in ("datasource", "registryUrl", "depName"):
                    dep.setdefault(field, manager.get(f"{field}Template", ""))
                deps.append({**dep, "file": relative})
    return deps


def all_extracted() -> list[dict[str, str]]:
    return [dep for manager in regex_managers() for dep in extract(manager)]


# --- charts ---------------------------------------------------------------------------------------------------------


def test_every_chart_pin_is_matched_once_with_its_version_and_repository() -> None:
    charts = [d for d in all_extracted() if d["datasource"] == "helm"]
    assert sorted((d["depName"], d["currentValue"]) for d in charts) == sorted(
        (pin.chart, pin.version) for pin in (*ALL_CHARTS, *VALIDATION_CHARTS)
    )
    repos = {d["depName"]: d["registryUrl"].rstrip("/") for d in charts}
    assert repos == {pin.chart: pin.repo.rstrip("/") for pin in (*ALL_CHARTS, *VALIDATION_CHARTS)}
    assert {d["file"] for d in charts} == {"components/versions.py"}


def test_the_prometheus_community_template_is_the_constant_in_versions_py() -> None:
    templates = {m.get("registryUrlTemplate") for m in regex_managers() if m.get("datasourceTemplate") == "helm"}
    assert versions.PROMETHEUS_COMMUNITY in templates


def test_every_chart_the_program_installs_is_a_pin_renovate_sees(renders: dict[str, Rendered]) -> None:
    installed = {
        (r["inputs"]["chart"], r["inputs"]["version"], r["inputs"]["repositoryOpts"]["repo"].rstrip("/"))
        for rendered in renders.values()
        for r in rendered.of_type("kubernetes:helm.sh/v3:Release")
    }
    matched = {(d["depName"], d["currentValue"], d["registryUrl"].rstrip("/")) for d in all_extracted()}
    assert installed <= matched, installed - matched


def test_a_chart_bump_breaks_the_shipped_alert_test_until_it_is_re_read() -> None:
    """The shipped-alert list is tied to the chart pin, and no manager rewrites that copy of the version."""
    shipped = (ROOT / "rules" / "shipped.py").read_text()
    assert f'KUBE_PROMETHEUS_STACK_VERSION = "{versions.KUBE_PROMETHEUS_STACK.version}"' in shipped
    assert not any(d["file"].startswith("rules/") for d in all_extracted())
    (rule,) = [r for r in CONFIG["packageRules"] if "kube-prometheus-stack" in r.get("matchPackageNames", [])]
    assert any("rules/shipped.py" in note for note in rule["prBodyNotes"])


def test_a_pin_in_a_shape_no_manager_knows_is_not_matched() -> None:
    """The managers read literal pins only: a reshaped pin must fail the first test, not slip through."""
    (manager,) = [m for m in regex_managers() if m.get("registryUrlTemplate")]
    (literal,) = [m for m in regex_managers() if m.get("datasourceTemplate") == "helm" and m is not manager]
    reshaped = 'LOKI = ChartPin(chart="loki", version="18.11.0", repo=GRAFANA, app_version="3.7.6")'
    for candidate in (manager, literal):
        assert not any(python_regex(s).search(reshaped) for s in candidate["matchStrings"])


# --- container images -----------------------------------------------------------------------------------------------


def images_in(value: Any, found: set[tuple[str, str]], unpinned: list[str]) -> None:
    """(image, tag) of every `image` in resource inputs or Helm values; a dict without a tag follows its chart."""
    if isinstance(value, dict):
        for key, child in value.items():
            if key == "image" and isinstance(child, str):
                name, sep, tag = child.rpartition(":")
                if not sep or "/" in tag:
                    unpinned.append(child)
                else:
                    found.add((name, tag))
            elif key == "image" and isinstance(child, dict) and "tag" in child:
                found.add((str(child["repository"]), str(child["tag"])))
            else:
                images_in(child, found, unpinned)
    elif isinstance(value, list):
        for child in value:
            images_in(child, found, unpinned)


def test_every_image_the_program_runs_is_matched(renders: dict[str, Rendered], tmp_path: Path) -> None:
    # The local stack with its in-cluster object store: the one workload this program defines itself.
    local = yaml.safe_load((ROOT / "Pulumi.local.yaml").read_text())
    local["config"]["todo-observability:metrics"] = {"longTerm": {"enabled": True, "inClusterObjectStore": True}}
    stack_file = tmp_path / "Pulumi.local.yaml"
    stack_file.write_text(yaml.safe_dump(local))
    done = render_stack("local", tmp_path / "out", stack_file)
    assert done.returncode == 0, done.stderr
    resources = [*json.loads((tmp_path / "out" / "resources.json").read_text())]
    resources += [r for rendered in renders.values() for r in rendered.resources]
    used: set[tuple[str, str]] = set()
    unpinned: list[str] = []
    for resource in resources:
        images_in(resource["inputs"], used, unpinned)
    assert unpinned == []
    assert used, "the in-cluster object store runs images"
    matched = {(d["depName"], d["currentValue"]) for d in all_extracted() if d["datasource"] == "docker"}
    assert matched == used


def test_workflow_containers_and_actions_are_pinned_for_the_github_actions_manager() -> None:
    assert "github-actions" in CONFIG["enabledManagers"]
    for workflow in (ROOT / ".github" / "workflows").glob("*.yml"):
        for name, job in yaml.safe_load(workflow.read_text())["jobs"].items():
            container = job.get("container")
            image = container.get("image") if isinstance(container, dict) else container
            if image:
                assert re.fullmatch(r"[a-z0-9./-]+:[A-Za-z0-9._-]+", image), f"{workflow.name} {name}: {image}"
            for step in job.get("steps", []):
                action = step.get("uses", "")
                if action and not action.startswith("./"):
                    assert re.fullmatch(r"[\w.-]+/[\w./-]+@v?\d[\w.]*", action), f"{workflow.name} {name}: {action}"


# --- Python requirements and annotated tools ------------------------------------------------------------------------


def requirement_files() -> list[str]:
    return [f for f in repo_files() if re.search(r"(^|/)requirements[\w.-]*\.txt$", f)]


def test_every_requirement_is_an_exact_pin_in_a_file_the_pip_manager_reads() -> None:
    assert "pip_requirements" in CONFIG["enabledManagers"] and "pip_requirements" not in CONFIG
    files = requirement_files()
    assert {"requirements.txt", "requirements-dev.txt", "policy/requirements.txt"} <= set(files)
    for relative in files:
        # Renovate's default pip_requirements pattern reads requirements.txt and requirements-<suffix>.txt.
        assert re.fullmatch(r"(.+/)?requirements(-\w+)?\.txt", relative), relative
        for line in (ROOT / relative).read_text().splitlines():
            line = line.split("#")[0].strip()
            if line and not line.startswith("-r "):
                assert re.fullmatch(r"[A-Za-z0-9._-]+==[\w.!+-]+", line), f"{relative}: {line}"


def test_the_cloud_sdks_are_one_group_and_every_cloud_sdk_is_in_it() -> None:
    pinned = {
        line.split("==")[0]
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.startswith("pulumi-") and "==" in line
    }
    cloud_sdks = {name for name in pinned if name not in {"pulumi-kubernetes", "pulumi-random"}}
    (rule,) = [r for r in CONFIG["packageRules"] if "pulumi-gcp" in r.get("matchPackageNames", [])]
    assert (
        set(rule["matchPackageNames"])
        == cloud_sdks
        == {
            "pulumi-azure-native",
            "pulumi-azuread",
            "pulumi-gcp",
            "pulumi-oci",
        }
    )
    assert rule["groupName"]


def test_the_crd_chart_moves_with_kube_prometheus_stack() -> None:
    (rule,) = [r for r in CONFIG["packageRules"] if "prometheus-operator-crds" in r.get("matchPackageNames", [])]
    assert set(rule["matchPackageNames"]) == {
        versions.KUBE_PROMETHEUS_STACK.chart,
        versions.PROMETHEUS_OPERATOR_CRDS.chart,
    }
    assert rule["groupName"] and rule["matchDatasources"] == ["helm"]


def test_every_renovate_annotation_is_matched_by_the_annotation_manager() -> None:
    (manager,) = [m for m in regex_managers() if "datasource" in m["matchStrings"][0]]
    deps = extract(manager)
    annotated = {
        f: (ROOT / f).read_text().count("# renovate: ")
        for f in repo_files()
        if f != "renovate.json" and not f.startswith("tests/") and "# renovate: " in (ROOT / f).read_text()
    }
    assert annotated, "the tool versions carry annotations"
    assert set(annotated) <= set(selected_files(manager)), "an annotation in a file the manager does not read"
    assert {f: sum(d["file"] == f for d in deps) for f in annotated} == annotated
    assert {"renovate", "helm/helm", "yannh/kubeconform"} <= {d["depName"] for d in deps}
    script = VALIDATOR_SCRIPT.read_text()
    (renovate,) = [d for d in deps if d["depName"] == "renovate"]
    assert f"RENOVATE_VERSION={renovate['currentValue']}\n" in script and renovate["datasource"] == "npm"


# --- Renovate's own validator ---------------------------------------------------------------------------------------


def validator() -> str | None:
    candidates = [os.environ.get("RENOVATE_CONFIG_VALIDATOR", ""), shutil.which("renovate-config-validator") or ""]
    version = re.search(r"^RENOVATE_VERSION=(\S+)$", VALIDATOR_SCRIPT.read_text(), re.M)
    assert version
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    candidates.append(
        str(cache / "todo-observability" / f"renovate-{version[1]}" / "node_modules/.bin/renovate-config-validator")
    )
    return next((c for c in candidates if c and os.access(c, os.X_OK)), None)


def run_validator(path: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [path, "--strict", "--no-global", "renovate.json"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "LOG_FORMAT": "json"},
    )


def test_renovate_config_validator_accepts_the_config_and_rejects_a_broken_one(tmp_path: Path) -> None:
    path = validator()
    if path is None:
        pytest.skip("renovate-config-validator not installed: bash scripts/install-renovate-validator.sh")
    done = run_validator(path, ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Config validated successfully" in done.stdout + done.stderr
    broken = {**CONFIG, "groupNames": "typo"}
    (tmp_path / "renovate.json").write_text(json.dumps(broken))
    rejected = run_validator(path, tmp_path)
    assert rejected.returncode != 0 and "groupNames" in rejected.stdout + rejected.stderr
