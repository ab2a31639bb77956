"""deploy/k8s/smoke.sh, which decides whether the deploy job rolls back, run against a real platform
(``marketplace up``): it passes on the router, and fails, naming the query, on an endpoint that is not."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.stages import ROOT
from tests.support.stack import RunningStack

pytestmark = [pytest.mark.e2e, pytest.mark.integration]
SMOKE = ROOT / "deploy" / "k8s" / "smoke.sh"


def smoke(url: str) -> subprocess.CompletedProcess[str]:
    for program in ("bash", "curl", "jq"):
        assert shutil.which(program), f"smoke.sh needs {program}"
    return subprocess.run(["bash", str(SMOKE), url], capture_output=True, text=True, timeout=120, check=False)


def test_the_smoke_test_passes_on_the_public_endpoint(platform: RunningStack) -> None:
    result = smoke(platform.url("router") + "/")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"smoke test passed: {platform.url('router')}" in result.stdout


def test_the_smoke_test_fails_where_the_graphql_query_does_not_answer(platform: RunningStack) -> None:
    # the users subgraph is ready and speaks GraphQL, but has no products field
    result = smoke(platform.url("users"))
    assert result.returncode != 0
    assert "GraphQL smoke query failed" in result.stdout + result.stderr
