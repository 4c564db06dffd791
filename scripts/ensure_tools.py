"""`make test`'s first step: promtool, amtool, prometheus and alertmanager present, or installed, or one command.

On Debian or Ubuntu as root (or with sudo that will not hang on a password prompt) the tools are installed with
scripts/install-prometheus-tools.sh; anywhere else the one command for that system is printed and `make` stops.
The decision is a pure function of what was detected (`Machine`), so every case is tested without installing.

    python -m scripts.ensure_tools [--dry-run]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

INSTALL_SCRIPT = "scripts/install-prometheus-tools.sh"
ROOT = Path(__file__).resolve().parent.parent
OS_RELEASE = Path("/etc/os-release")
BREW_COMMAND = ("brew", "install", "prometheus", "alertmanager")
# What the tests and the alert lab run; each tool is found under any of its names (Debian renames alertmanager).
TOOLS: dict[str, tuple[str, ...]] = {
    "promtool": ("promtool",),
    "amtool": ("amtool",),
    "prometheus": ("prometheus",),
    "alertmanager": ("prometheus-alertmanager", "alertmanager"),
}


@dataclass(frozen=True)
class Machine:
    system: str  # platform.system(): "Linux", "Darwin", ...
    os_release: dict[str, str]  # /etc/os-release (empty where there is none)
    is_root: bool
    sudo_usable: bool  # sudo exists and either needs no password or can ask for one on a terminal
    has_brew: bool
    missing: tuple[str, ...]


@dataclass(frozen=True)
class Decision:
    action: Literal["nothing", "install", "instruct"]
    command: tuple[str, ...] = ()
    message: str = ""


def parse_os_release(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and not key.startswith("#"):
            values[key] = value.strip().strip("\"'")
    return values


def is_debian_family(os_release: dict[str, str]) -> bool:
    ids = {os_release.get("ID", ""), *os_release.get("ID_LIKE", "").split()}
    return bool(ids & {"debian", "ubuntu"})


def decide(machine: Machine) -> Decision:
    if not machine.missing:
        return Decision("nothing")
    missing = ", ".join(machine.missing)
    if machine.system == "Linux" and is_debian_family(machine.os_release):
        if machine.is_root:
            return Decision("install", ("bash", INSTALL_SCRIPT), f"installing {missing} from the distribution")
        if machine.sudo_usable:
            return Decision("install", ("sudo", "bash", INSTALL_SCRIPT), f"installing {missing} with sudo")
        return Decision(
            "instruct",
            ("sudo", "bash", INSTALL_SCRIPT),
            f"{missing} not found and this user cannot install packages; run once, then `make test` again:",
        )
    if machine.system == "Darwin":
        prefix = "" if machine.has_brew else " (needs Homebrew, https://brew.sh)"
        return Decision("instruct", BREW_COMMAND, f"{missing} not found; run once{prefix}, then `make test` again:")
    name = machine.os_release.get("PRETTY_NAME") or machine.system
    return Decision(
        "instruct",
        (),
        f"{missing} not found and {name} has no automatic install here: install Prometheus >= 2.53 (prometheus,"
        " promtool) and Alertmanager >= 0.28 (alertmanager, amtool) so they are on PATH, then `make test` again.",
    )


def missing_tools(which: Callable[[str], str | None] = shutil.which) -> tuple[str, ...]:
    return tuple(tool for tool, names in TOOLS.items() if not any(which(name) for name in names))


def sudo_usable() -> bool:
    if not shutil.which("sudo"):
        return False
    if sys.stdin.isatty():
        return True  # sudo may ask for the password on the terminal
    return subprocess.run(["sudo", "-n", "true"], capture_output=True, check=False).returncode == 0


def detect() -> Machine:
    release_file = Path(os.environ.get("ENSURE_TOOLS_OS_RELEASE", OS_RELEASE))
    os_release = parse_os_release(release_file.read_text()) if release_file.is_file() else {}
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    missing = missing_tools()
    return Machine(
        system=os.environ.get("ENSURE_TOOLS_SYSTEM", platform.system()),
        os_release=os_release,
        is_root=is_root,
        sudo_usable=not is_root and bool(missing) and sudo_usable(),
        has_brew=shutil.which("brew") is not None,
        missing=missing,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dry-run", action="store_true", help="print the decision, install nothing")
    args = parser.parse_args(argv)
    decision = decide(detect())
    if decision.action == "nothing":
        return 0
    command = " ".join(decision.command)
    if decision.action == "instruct" or args.dry_run:
        print(f"{decision.action}: {decision.message}", file=sys.stderr)
        if command:
            print(f"    {command}", file=sys.stderr)
        return 0 if args.dry_run else 1
    print(f"{decision.message}: {command}", file=sys.stderr)
    subprocess.run(list(decision.command), cwd=ROOT, check=True)
    still_missing = missing_tools()
    if still_missing:
        print(f"still not found after {command}: {', '.join(still_missing)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
