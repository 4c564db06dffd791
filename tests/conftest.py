from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The policy pack runs with policy/ as its working directory; tests import its modules the same way.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "policy"))

from tests.harness import STACKS, Rendered, render_all


@pytest.fixture(scope="session")
def renders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Rendered]:
    """Every Pulumi.<stack>.yaml rendered once per test run."""
    return render_all(Path(tmp_path_factory.mktemp("renders")))


@pytest.fixture(params=STACKS)
def rendered(request: pytest.FixtureRequest, renders: dict[str, Rendered]) -> Rendered:
    """One rendered stack; tests that take it run once per stack."""
    return renders[request.param]
