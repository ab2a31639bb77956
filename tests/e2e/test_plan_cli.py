"""``marketplace plan`` with no supergraph file: composed from the running subgraphs, or one clear line."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.rest.real_stack import embedded_redis
from tests.support.servers import free_port
from tests.support.stack import ROOT, RunningStack, running_platform

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

QUERY = "query Catalogue { products(limit: 2) { items { name seller { name } } } }"


def plan(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("MARKETPLACE_")}
    return subprocess.run(
        [sys.executable, "-m", "marketplace", "plan", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def launcher_env(ports: dict[str, int], data_dir: Path) -> dict[str, str]:
    env = {f"MARKETPLACE_{name.upper()}_PORT": str(port) for name, port in ports.items()}
    env["MARKETPLACE_DATA_DIR"] = str(data_dir)
    return env


@pytest.fixture(scope="module")
def platform_and_data(
    tmp_path_factory: pytest.TempPathFactory, private_database_url: str
) -> Iterator[tuple[RunningStack, Path]]:
    data_dir = Path(tmp_path_factory.mktemp("plan-platform"))
    with (
        embedded_redis(data_dir / "redis") as broker_url,
        running_platform(data_dir, database_url=private_database_url, broker_url=broker_url) as stack,
    ):
        yield stack, data_dir


def test_plan_composes_from_the_running_subgraphs(platform_and_data: tuple[RunningStack, Path]) -> None:
    stack, data_dir = platform_and_data
    result = plan(launcher_env(stack.ports, data_dir), QUERY)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert text.startswith("QueryPlan {"), text
    assert 'Fetch(service: "products")' in text
    assert 'Flatten(path: "products.items.@.seller")' in text  # the seller's name comes from the users subgraph
    assert 'Fetch(service: "users")' in text
    assert "orders" not in text


def test_plan_reports_a_bad_query_in_one_line(platform_and_data: tuple[RunningStack, Path]) -> None:
    stack, data_dir = platform_and_data
    result = plan(launcher_env(stack.ports, data_dir), "query { products { nope } }")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("marketplace plan: ")
    assert "nope" in result.stderr


def test_plan_with_nothing_running_says_what_to_do_in_one_line(tmp_path: Path) -> None:
    ports = {name: free_port() for name in ("router", "users", "products", "orders")}
    result = plan(launcher_env(ports, tmp_path), QUERY)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("marketplace plan: cannot compose supergraph.yaml from the running subgraphs")
    assert f"127.0.0.1:{ports['users']}" in lines[0]
    assert "make up" in lines[0]
