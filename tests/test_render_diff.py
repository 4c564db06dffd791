"""The render-diff script: what it reports between two renders, and end to end against a git base."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tools.render_diff import diff_stack, report
from tools.stackfile import ROOT


def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_reports_changed_added_and_removed_files_by_category(tmp_path: Path) -> None:
    base, head = tmp_path / "base" / "local", tmp_path / "head" / "local"
    write(base, "rules/app.yaml", "expr: rate(x[5m]) > 0.05\n")
    write(head, "rules/app.yaml", "expr: rate(x[5m]) > 0.02\n")
    write(base, "helm/old.values.yaml", "a: 1\n")
    write(head, "dashboards/new.json", "{}\n")
    write(base, "resources.json", "[]\n")
    write(head, "resources.json", "[1]\n")
    changes = diff_stack(base, head)
    assert [(category, name) for category, name, _ in changes] == [
        ("Alert and recording rules", "rules/app.yaml"),
        ("Dashboards", "dashboards/new.json"),
        ("Helm values", "helm/old.values.yaml"),
    ]
    assert "-expr: rate(x[5m]) > 0.05" in changes[0][2] and "+expr: rate(x[5m]) > 0.02" in changes[0][2]
    text = report(tmp_path / "base", tmp_path / "head", ["local"], "main", {})
    assert "| local | 1 | - | 1 | 1 | - |" in text


def test_identical_renders_report_no_change(tmp_path: Path) -> None:
    for side in ("base", "head"):
        write(tmp_path / side / "prod", "rules/a.yaml", "groups: []\n")
    assert "No change in rules" in report(tmp_path / "base", tmp_path / "head", ["prod"], "main", {})


def test_end_to_end_against_a_git_base(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    # Tracked and new (unignored) files: the working tree as a commit would take it.
    tracked = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name in tracked.split():
        if (ROOT / name).is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, repo / name)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(repo)]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "base"], check=True)
    stack_file = repo / "Pulumi.local.yaml"
    stack_file.write_text(stack_file.read_text().replace("name: todo-local", "name: todo-renamed"))
    out = tmp_path / "diff.md"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tools.render_diff",
            "--repo",
            str(repo),
            "--base",
            "HEAD",
            "--stacks",
            "local",
            "--output",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert "Render diff against `HEAD`" in text
    assert "todo-renamed" in text, "the changed cluster name reaches the rendered artifacts"
