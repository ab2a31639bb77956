"""A newcomer's first hour on the platform ``marketplace up`` starts: ``marketplace seed`` (a progress bar and
its rate), the README's curl session (run twice), ``marketplace plan`` with no supergraph file."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.rest.real_stack import embedded_redis
from tests.support.servers import free_port
from tests.support.stack import ROOT, RunningStack, running_platform

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

README = ROOT / "README.md"
SEED_PRODUCTS = 12_000
QUERY = "query Catalogue { products(limit: 2) { items { name seller { name } } } }"


def marketplace(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("MARKETPLACE_")}
    return subprocess.run(
        [sys.executable, "-m", "marketplace", *args],
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
    data_dir = Path(tmp_path_factory.mktemp("newcomer-platform"))
    with (
        embedded_redis(data_dir / "redis") as broker_url,
        running_platform(data_dir, database_url=private_database_url, broker_url=broker_url) as stack,
    ):
        yield stack, data_dir


@pytest.fixture(scope="module")
def seeded(platform_and_data: tuple[RunningStack, Path], private_database_url: str) -> subprocess.CompletedProcess[str]:
    """``marketplace seed`` into the platform's database, bars forced on (stderr is no terminal here)."""
    _, data_dir = platform_and_data
    env = {"MARKETPLACE_DATABASE_URL": private_database_url, "MARKETPLACE_DATA_DIR": str(data_dir)}
    return marketplace(env, "seed", "--users", "5", "--products", str(SEED_PRODUCTS), "--progress")


def readme_session() -> str:
    """The shell block of the README's section "A legacy client's session with curl"."""
    text = README.read_text()
    section = text[text.index("## A legacy client's session with curl") :]
    match = re.search(r"```sh\n(.*?)\n```", section, re.DOTALL)
    assert match is not None
    return match.group(1)


def test_seed_shows_a_progress_bar_and_its_rate(seeded: subprocess.CompletedProcess[str]) -> None:
    assert seeded.returncode == 0, seeded.stderr
    # tqdm redraws the bar with carriage returns; its last state names the total and the rate.
    bars = seeded.stderr.replace("\r", "\n")
    assert re.search(rf"products: 100%.*{SEED_PRODUCTS}/{SEED_PRODUCTS} \[.*product/s\]", bars), bars
    assert re.search(r"users: 100%.*5/5 \[", bars), bars
    # Batches of 2,000: the bar moved through intermediate states before reaching 100%.
    assert re.search(rf"products:\s+\d+%.*\b2000/{SEED_PRODUCTS}\b", bars), bars
    line = seeded.stdout.strip()
    assert line.startswith(f"seeded 5 new of 5 demo users and {SEED_PRODUCTS} new of {SEED_PRODUCTS} demo products in ")
    rate = re.search(r", ([\d,]+) rows/s ", line)
    assert rate is not None, line
    assert int(rate.group(1).replace(",", "")) > 0


def test_seed_without_a_terminal_prints_no_bar_by_default(
    platform_and_data: tuple[RunningStack, Path], private_database_url: str, seeded: subprocess.CompletedProcess[str]
) -> None:
    _, data_dir = platform_and_data
    env = {"MARKETPLACE_DATABASE_URL": private_database_url, "MARKETPLACE_DATA_DIR": str(data_dir)}
    again = marketplace(env, "seed", "--users", "5", "--products", str(SEED_PRODUCTS))
    assert again.returncode == 0, again.stderr
    assert "%|" not in again.stderr
    assert again.stdout.startswith("seeded 0 new of 5 demo users and 0 new of")


def test_the_readme_curl_session_runs_twice(
    platform_and_data: tuple[RunningStack, Path], seeded: subprocess.CompletedProcess[str]
) -> None:
    stack, _ = platform_and_data
    assert seeded.returncode == 0, seeded.stderr
    script = readme_session()
    env = {**os.environ, "API": stack.url("router")}
    for run in (1, 2):
        result = subprocess.run(
            ["bash", "-eu", "-o", "pipefail", "-c", script],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, f"run {run}: {result.stdout}\n{result.stderr}"
        out = result.stdout
        assert "sign-up refused" not in out, f"run {run}: {out}"
        assert '{"valid":true,' in out, f"run {run}: {out}"
        assert 'rel="next"' in out, f"run {run}: {out}"
        assert '"status": "PENDING"' in out, f"run {run}: {out}"
        assert '"status":400' in out, f"run {run}: {out}"
        assert "urn:marketplace:problem:bad-user-input" in out, f"run {run}: {out}"
        # Step 5 reads the order back (its total is null until a worker has priced it, moments later).
        assert re.search(r'\{\n  "status": "(PENDING|CONFIRMED)",\n  "total": ', out), f"run {run}: {out}"


def test_plan_composes_from_the_running_subgraphs(platform_and_data: tuple[RunningStack, Path]) -> None:
    stack, data_dir = platform_and_data
    result = marketplace(launcher_env(stack.ports, data_dir), "plan", QUERY)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert text.startswith("QueryPlan {"), text
    assert 'Fetch(service: "products")' in text
    assert 'Flatten(path: "products.items.@.seller")' in text  # the seller's name comes from the users subgraph
    assert 'Fetch(service: "users")' in text
    assert "orders" not in text


def readme_plan() -> tuple[str, str]:
    """The README's ``marketplace plan`` example: (the query it runs, the output it shows)."""
    text = README.read_text()
    match = re.search(r"```console\n\$ uv run marketplace plan '([^'\n]+)'\n(.*?)```", text, re.DOTALL)
    assert match is not None, "README: no `$ uv run marketplace plan '...'` console block"
    return match.group(1), match.group(2)


def test_the_readme_shows_the_plan_the_command_prints(platform_and_data: tuple[RunningStack, Path]) -> None:
    stack, data_dir = platform_and_data
    query, shown = readme_plan()
    result = marketplace(launcher_env(stack.ports, data_dir), "plan", query)
    assert result.returncode == 0, result.stderr
    assert result.stdout == shown


def test_plan_reports_a_bad_query_in_one_line(platform_and_data: tuple[RunningStack, Path]) -> None:
    stack, data_dir = platform_and_data
    result = marketplace(launcher_env(stack.ports, data_dir), "plan", "query { products { nope } }")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("marketplace plan: ")
    assert "nope" in result.stderr


def test_plan_with_nothing_running_says_what_to_do_in_one_line(tmp_path: Path) -> None:
    ports = {name: free_port() for name in ("router", "users", "products", "orders")}
    result = marketplace(launcher_env(ports, tmp_path), "plan", QUERY)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("marketplace plan: cannot compose supergraph.yaml from the running subgraphs")
    assert f"127.0.0.1:{ports['users']}" in lines[0]
    assert "make up" in lines[0]
