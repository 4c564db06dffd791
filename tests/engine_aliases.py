"""What `pulumi up` makes of a resource's aliases, for tests of resources that moved to another parent.

The SDK's mock monitor builds a child's URN from its parent's last type only (pulumi/runtime/mocks.py
`make_urn`), the engine from the parent's whole type chain, so an alias compared with a URN the mocks
built is compared with the program itself. Here the aliases are read as the SDK sends them (each
`RegisterResourceRequest.aliases` entry: a whole URN or an `Alias.Spec`) and resolved the way the
engine does (pkg/resource/deploy/step_generator.go `collapseAliasToUrn`, then `resource.CreateURN`),
so a test can hold them against the literal URNs that existing stacks hold.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from functools import cache

from settings import PROJECT
from tools.pulumi_internals import STACK_TYPE
from tools.stackfile import ROOT

# Runs a stack's program in-process and prints every registration as the SDK sent it to the monitor.
_PROBE = """
import json, sys
import tools.pulumi_internals as internals
from tools.render import render

sent = []
register = internals.RecordingMockMonitor.RegisterResource

def recording(self, request):
    response = register(self, request)
    aliases = [
        {"urn": a.urn}
        if a.urn
        else {
            "name": a.spec.name,
            "type": a.spec.type,
            "stack": a.spec.stack,
            "project": a.spec.project,
            "parentUrn": a.spec.parentUrn,
            "noParent": a.spec.noParent,
        }
        for a in request.aliases
    ]
    aliases += [{"urn": urn} for urn in request.aliasURNs]
    sent.append(
        {"urn": response.urn, "type": request.type, "name": request.name, "parent": request.parent, "aliases": aliases}
    )
    return response

internals.RecordingMockMonitor.RegisterResource = recording
render(sys.argv[1])
print(json.dumps(sent))
"""


@dataclass(frozen=True)
class Sent:
    """One registration: the URN the mock monitor answered, and what the request carried."""

    mock_urn: str
    type: str
    name: str
    # The parent's URN as the mock monitor built it ("" for the root stack itself).
    parent: str
    aliases: tuple[dict[str, object], ...]


def create_urn(name: str, type_: str, parent: str, project: str, stack: str) -> str:
    """The engine's `resource.CreateURN`: a child's type chain is its parent's, then its own type."""
    prefix = f"urn:pulumi:{stack}::{project}::" if not parent else parent[: parent.rindex("::")] + "$"
    return f"{prefix}{type_}::{name}"


def _parents(urn: str) -> str:
    """The chain of parent types in a URN (`urn:pulumi:<stack>::<project>::<types>::<name>`)."""
    return urn.split("::", 3)[2].rpartition("$")[0]


class Registrations:
    """A stack's registrations, with URNs and resolved aliases as the engine computes them."""

    def __init__(self, stack: str, sent: list[Sent]) -> None:
        self.stack = stack
        self.by_mock_urn = {s.mock_urn: s for s in sent}
        assert len(self.by_mock_urn) == len(sent), "two registrations got one mock URN: the parent chain is ambiguous"
        self.by_name: dict[str, list[Sent]] = {}
        for registration in sent:
            self.by_name.setdefault(registration.name, []).append(registration)

    def named(self, name: str) -> Sent:
        (found,) = self.by_name[name]
        return found

    def engine_urn(self, registration: Sent) -> str:
        """Children of the root stack have no parent type in their URN (the engine's `generateURN`)."""
        parent = self.by_mock_urn.get(registration.parent)
        parent_urn = "" if parent is None or parent.type == STACK_TYPE else self.engine_urn(parent)
        return create_urn(registration.name, registration.type, parent_urn, PROJECT, self.stack)

    def former_urns_elsewhere(self, name: str) -> list[str]:
        """The URNs the engine looks up in the old state for `name`'s own aliases (`collapseAliasToUrn`),
        under another parent than the resource's own: the providers' aliases of a former type token stay
        under the current one. Aliases inherited from a parent's alias are not computed: they exist only
        where a parent itself was found under an alias (`parent_has_aliases`)."""
        return self._elsewhere(self.named(name))

    def moved(self) -> set[str]:
        """The resources with an alias under another parent."""
        return {registration.name for registration in self.by_mock_urn.values() if self._elsewhere(registration)}

    def _elsewhere(self, registration: Sent) -> list[str]:
        here = _parents(self.engine_urn(registration))
        urns = [self._collapse(registration, alias) for alias in registration.aliases]
        return [urn for urn in urns if _parents(urn) != here]

    def parent_has_aliases(self, name: str) -> bool:
        parent = self.by_mock_urn[self.named(name).parent]
        return bool(parent.aliases)

    def _collapse(self, registration: Sent, alias: dict[str, object]) -> str:
        if alias.get("urn"):
            return str(alias["urn"])
        parent = str(alias["parentUrn"])
        if not parent:
            owner = self.by_mock_urn.get(registration.parent)
            parent = "" if owner is None else self.engine_urn(owner)
        else:
            # The engine would put the old URN of a parent found under an alias here; a parent named by
            # URN must therefore be one that is not itself aliased in this program.
            named = [s for s in self.by_mock_urn.values() if self.engine_urn(s) == parent]
            assert not any(s.aliases for s in named), f"{registration.name}: its alias names an aliased parent"
        if alias["noParent"] or (parent and parent.split("::", 3)[2] == STACK_TYPE):
            parent = ""
        return create_urn(
            str(alias["name"]) or registration.name,
            str(alias["type"]) or registration.type,
            parent,
            str(alias["project"]) or PROJECT,
            str(alias["stack"]) or self.stack,
        )


@cache
def registrations(stack: str) -> Registrations:
    """Runs the stack's program once per test session (in a subprocess: the mocks are process-wide)."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, stack], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    sent = [
        Sent(r["urn"], r["type"], r["name"], r["parent"], tuple(r["aliases"]))
        for r in json.loads(done.stdout.strip().splitlines()[-1])
    ]
    return Registrations(stack, sent)
