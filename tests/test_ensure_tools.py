"""`make test` on a fresh machine: installs the Prometheus tools where it can, otherwise names the one command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.ensure_tools import (
    BREW_COMMAND,
    INSTALL_SCRIPT,
    TOOLS,
    Machine,
    decide,
    is_debian_family,
    missing_tools,
    parse_os_release,
)
from tools.stackfile import ROOT

DEBIAN = {"ID": "debian", "VERSION_CODENAME": "bookworm", "PRETTY_NAME": "Debian GNU/Linux 12 (bookworm)"}
UBUNTU = {"ID": "ubuntu", "ID_LIKE": "debian", "PRETTY_NAME": "Ubuntu 24.04 LTS"}
MINT = {"ID": "linuxmint", "ID_LIKE": "ubuntu debian"}
FEDORA = {"ID": "fedora", "PRETTY_NAME": "Fedora Linux 41"}
ALL = tuple(TOOLS)


def machine(system: str = "Linux", os_release: dict[str, str] | None = None, **kw: object) -> Machine:
    defaults: dict[str, object] = {"is_root": False, "sudo_usable": False, "has_brew": False, "missing": ALL}
    defaults.update(kw)
    return Machine(system=system, os_release=os_release or {}, **defaults)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("case", "expected_action", "expected_command"),
    [
        (machine(os_release=DEBIAN, is_root=True), "install", ("bash", INSTALL_SCRIPT)),
        (machine(os_release=UBUNTU, is_root=True), "install", ("bash", INSTALL_SCRIPT)),
        (machine(os_release=MINT, sudo_usable=True), "install", ("sudo", "bash", INSTALL_SCRIPT)),
        (machine(os_release=DEBIAN, sudo_usable=True), "install", ("sudo", "bash", INSTALL_SCRIPT)),
        (machine(os_release=DEBIAN), "instruct", ("sudo", "bash", INSTALL_SCRIPT)),
        (machine("Darwin", has_brew=True), "instruct", BREW_COMMAND),
        (machine("Darwin"), "instruct", BREW_COMMAND),
        (machine(os_release=FEDORA, is_root=True), "instruct", ()),
        (machine(os_release=DEBIAN, is_root=True, missing=()), "nothing", ()),
        (machine("Darwin", missing=()), "nothing", ()),
    ],
    ids=[
        "debian-root-installs",
        "ubuntu-root-installs",
        "ubuntu-derivative-sudo-installs",
        "debian-sudo-installs",
        "debian-no-sudo-prints-command",
        "macos-brew-prints-command",
        "macos-without-brew-prints-command",
        "fedora-prints-what-to-install",
        "debian-all-present",
        "macos-all-present",
    ],
)
def test_decision_per_machine(case: Machine, expected_action: str, expected_command: tuple[str, ...]) -> None:
    decision = decide(case)
    assert (decision.action, decision.command) == (expected_action, expected_command)
    if decision.action != "nothing":
        assert ", ".join(case.missing) in decision.message


def test_messages_say_what_to_do_next() -> None:
    assert "brew.sh" in decide(machine("Darwin")).message
    assert "brew.sh" not in decide(machine("Darwin", has_brew=True)).message
    fedora = decide(machine(os_release=FEDORA))
    assert "Fedora Linux 41" in fedora.message and "Alertmanager >= 0.28" in fedora.message


def test_only_the_missing_tools_are_named() -> None:
    decision = decide(machine(os_release=DEBIAN, is_root=True, missing=("amtool",)))
    assert decision.message == "installing amtool from the distribution"


def test_os_release_parsing_and_family() -> None:
    text = '# comment\nPRETTY_NAME="Ubuntu 24.04.1 LTS"\nID=ubuntu\nID_LIKE=debian\nVERSION_CODENAME=noble\n'
    parsed = parse_os_release(text)
    assert parsed == {
        "PRETTY_NAME": "Ubuntu 24.04.1 LTS",
        "ID": "ubuntu",
        "ID_LIKE": "debian",
        "VERSION_CODENAME": "noble",
    }
    assert is_debian_family(parsed) and is_debian_family(MINT) and is_debian_family(DEBIAN)
    assert not is_debian_family(FEDORA) and not is_debian_family({})


def test_a_tool_counts_as_present_under_any_of_its_names() -> None:
    homebrew = {"promtool", "amtool", "prometheus", "alertmanager"}
    debian = {"promtool", "amtool", "prometheus", "prometheus-alertmanager"}
    assert missing_tools(lambda name: name if name in homebrew else None) == ()
    assert missing_tools(lambda name: name if name in debian else None) == ()
    assert missing_tools(lambda name: name if name in {"promtool"} else None) == (
        "amtool",
        "prometheus",
        "alertmanager",
    )


def run_dry(tmp_path: Path, os_release: str, system: str = "Linux") -> subprocess.CompletedProcess[str]:
    release = tmp_path / "os-release"
    release.write_text(os_release)
    empty_path = tmp_path / "bin"
    empty_path.mkdir()
    env = {"PATH": str(empty_path), "ENSURE_TOOLS_OS_RELEASE": str(release), "ENSURE_TOOLS_SYSTEM": system}
    return subprocess.run(
        [sys.executable, "-m", "scripts.ensure_tools", "--dry-run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="checks the root path of detection")
def test_the_real_detection_as_root_on_debian_picks_the_install_script(tmp_path: Path) -> None:
    done = run_dry(tmp_path, "ID=debian\nVERSION_CODENAME=bookworm\n")
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        "install: installing promtool, amtool, prometheus, alertmanager from the distribution",
        f"    bash {INSTALL_SCRIPT}",
    ]


def test_the_real_detection_on_an_unknown_system_prints_what_to_install(tmp_path: Path) -> None:
    done = run_dry(tmp_path, 'ID=arch\nPRETTY_NAME="Arch Linux"\n')
    assert done.returncode == 0 and "Arch Linux has no automatic install" in done.stderr


def test_make_test_runs_the_bootstrap_before_anything_needs_the_tools() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "\t@$(PY) -m scripts.ensure_tools\n" in makefile
    test_target = next(line for line in makefile.splitlines() if line.startswith("test:"))
    assert "check-tools" in test_target.split()
    ci = (ROOT / ".ci" / "run").read_text()
    assert ci.rstrip().splitlines()[-1] == "make test", ".ci/run ends with README's test command"
    assert INSTALL_SCRIPT not in ci, "make test installs the tools itself"
