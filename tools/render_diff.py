"""Renders every stack at a base revision and at the working tree, and reports what changed in the
artifacts reviewers care about: rules, Alertmanager routes, dashboards, Helm values and pipeline configs.

    python -m tools.render_diff --base origin/main [--stacks local,prod] [--output diff.md]

The PR workflow posts the Markdown as the job summary and a PR comment (see docs/guardrails.md).
"""

from __future__ import annotations

import argparse
import difflib
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tools.stackfile import ROOT

# What a reviewer reads, by category; resources.json is left out (every change shows there too).
CATEGORIES: dict[str, tuple[str, ...]] = {
    "Alert and recording rules": ("rules/*.yaml",),
    "Alertmanager routes": ("alertmanager/*.yaml",),
    "Dashboards": ("dashboards/*.json",),
    "Helm values": ("helm/*.values.yaml",),
    "Pipeline configs": ("fluent-bit/*", "otel-collector/*", "thanos/*"),
}
MAX_DIFF_LINES = 400


def stacks_in(root: Path) -> list[str]:
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in root.glob("Pulumi.*.yaml"))


def render_tree(source: Path, out: Path, stacks: list[str]) -> dict[str, str]:
    """Renders `stacks` of the checkout at `source` into out/<stack>; returns errors by stack."""

    def one(stack: str) -> tuple[str, str]:
        done = subprocess.run(
            [sys.executable, "-m", "tools.render", "--stack", stack, "--out", str(out / stack), "--quiet"],
            cwd=source,
            capture_output=True,
            text=True,
            check=False,
        )
        return stack, "" if done.returncode == 0 else (done.stderr.strip() or done.stdout.strip())

    with ThreadPoolExecutor(max_workers=2) as pool:
        return {stack: error for stack, error in pool.map(one, stacks) if error}


def _files(root: Path, patterns: tuple[str, ...]) -> dict[str, Path]:
    return {str(p.relative_to(root)): p for pattern in patterns for p in root.glob(pattern) if p.is_file()}


def diff_stack(base: Path, head: Path) -> list[tuple[str, str, str]]:
    """(category, file, unified diff) for every reviewed file that differs between two renders."""
    changes = []
    for category, patterns in CATEGORIES.items():
        before, after = _files(base, patterns), _files(head, patterns)
        for name in sorted(set(before) | set(after)):
            old = before[name].read_text().splitlines() if name in before else []
            new = after[name].read_text().splitlines() if name in after else []
            if old != new:
                lines = list(difflib.unified_diff(old, new, f"base/{name}", f"head/{name}", lineterm="", n=3))
                if len(lines) > MAX_DIFF_LINES:
                    lines = [*lines[:MAX_DIFF_LINES], f"... {len(lines) - MAX_DIFF_LINES} more lines"]
                changes.append((category, name, "\n".join(lines)))
    return changes


def report(base_dir: Path, head_dir: Path, stacks: list[str], base_label: str, errors: dict[str, str]) -> str:
    lines = [f"## Render diff against `{base_label}`", ""]
    summary = ["| stack | " + " | ".join(CATEGORIES) + " |", "|---" * (len(CATEGORIES) + 1) + "|"]
    details = []
    for stack in stacks:
        if stack in errors:
            summary.append(f"| {stack} | render failed: see below |" + " |" * (len(CATEGORIES) - 1))
            details += [f"### {stack}: render failed", "", "```", errors[stack], "```", ""]
            continue
        changes = diff_stack(base_dir / stack, head_dir / stack)
        counts = [sum(1 for c in changes if c[0] == category) for category in CATEGORIES]
        summary.append(f"| {stack} | " + " | ".join(str(n) if n else "-" for n in counts) + " |")
        for category, name, text in changes:
            details += [f"<details><summary>{stack}: {category}: <code>{name}</code></summary>", ""]
            details += ["```diff", text, "```", "", "</details>", ""]
    if not details:
        return "\n".join([*lines, "No change in rules, routes, dashboards, Helm values or pipeline configs.", ""])
    return "\n".join([*lines, *summary, "", *details])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="origin/main", help="git revision to compare against")
    parser.add_argument("--repo", type=Path, default=ROOT, help="checkout whose working tree is the head")
    parser.add_argument("--stacks", help="comma-separated stacks (default: every stack file at head)")
    parser.add_argument("--output", type=Path, help="write the Markdown here as well as to stdout")
    args = parser.parse_args(argv)
    repo = args.repo.resolve()
    stacks = args.stacks.split(",") if args.stacks else stacks_in(repo)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        base_src = work / "base-src"
        subprocess.run(
            ["git", "-C", str(repo), "worktree", "add", "--detach", str(base_src), args.base],
            check=True,
            capture_output=True,
        )
        try:
            base_errors = render_tree(base_src, work / "base", [s for s in stacks if s in stacks_in(base_src)])
            head_errors = render_tree(repo, work / "head", stacks)
        finally:
            subprocess.run(
                ["git", "-C", str(repo), "worktree", "remove", "--force", str(base_src)],
                check=False,
                capture_output=True,
            )
        errors = {**{s: f"base: {e}" for s, e in base_errors.items()}, **head_errors}
        text = report(work / "base", work / "head", stacks, args.base, errors)
    print(text)
    if args.output:
        args.output.write_text(text)
    return 1 if head_errors else 0


if __name__ == "__main__":
    sys.exit(main())
