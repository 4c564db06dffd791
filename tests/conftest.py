from __future__ import annotations

from pathlib import Path

import pytest

from tests.harness import STACKS, Rendered, render_all


@pytest.fixture(scope="session")
def renders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Rendered]:
    """Every Pulumi.<stack>.yaml rendered once per test run."""
    return render_all(Path(tmp_path_factory.mktemp("renders")))


@pytest.fixture(params=STACKS)
def rendered(request: pytest.FixtureRequest, renders: dict[str, Rendered]) -> Rendered:
    """One rendered stack; tests that take it run once per stack."""
    return renders[request.param]
