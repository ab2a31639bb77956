"""docs/scaling.md and docs/deploy.md name only commands and files that exist."""

from __future__ import annotations

import math
import re
from decimal import Decimal

import pytest

from tests.stages import ROOT

pytestmark = pytest.mark.delivery


@pytest.mark.parametrize("doc", ["scaling.md", "deploy.md"])
def test_every_bench_command_and_option_named_exists(doc: str) -> None:
    text = (ROOT / "docs" / doc).read_text()
    commands = re.findall(r"uv run python (bench/\w+\.py)([^`\n]*)", text)
    if doc == "scaling.md":
        assert {path for path, _ in commands} >= {"bench/capacity.py", "bench/orders_spike.py"}
    for path, arguments in commands:
        source = (ROOT / path).read_text()
        for option in re.findall(r"(--[\w-]+)", arguments):
            assert f'"{option}"' in source, f"{doc}: {path} has no option {option}"


@pytest.mark.parametrize("doc", ["scaling.md", "deploy.md"])
def test_every_repository_path_named_exists(doc: str) -> None:
    text = (ROOT / "docs" / doc).read_text()
    paths = set(re.findall(r"`((?:deploy|tests|bench|scripts|docs|\.github)/[\w./-]*\w)`", text))
    assert paths
    missing = sorted(p for p in paths if not (ROOT / p).exists() and "scripts/system-deps.sh" not in p)
    assert missing == []


def test_every_measured_table_row_names_a_command_above_it() -> None:
    text = (ROOT / "docs" / "scaling.md").read_text()
    measured = text.split("## Measured figures", 1)[1].split("## From figures to replicas", 1)[0]
    for section in measured.split("### ")[1:]:
        assert "Command: `" in section, section.splitlines()[0]


def scaling_rows(text: str, first_cells: tuple[str, ...]) -> dict[str, list[str]]:
    rows = {}
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0] in first_cells:
            rows[cells[0]] = cells[1:]
    assert set(rows) == set(first_cells), rows
    return rows


def test_the_replica_table_follows_from_the_cpu_per_request() -> None:
    """docs/scaling.md: each process's CPU per request is the arithmetic it shows, and the pods for each
    load are that many cores at 65% per pod, rounded up, at least 2; workers from orders per second."""
    text = (ROOT / "docs" / "scaling.md").read_text()
    processes = {"router": "router", "products": "products", "users": "users", "orders API": "orders"}
    per_request = {}
    for name, row in scaling_rows(text, tuple(processes)).items():
        arithmetic = re.sub(r"\([^)]*\)", "", row[0])
        terms = re.findall(r"([\d.]+)\u00d7([\d.]+)", arithmetic)  # share times ms, "0.6" MULTIPLICATION SIGN "1.11"
        assert terms, row
        value = sum(Decimal(share) * Decimal(ms) for share, ms in terms)
        stated = Decimal(row[1].split()[0])
        assert abs(value - stated) <= Decimal("0.05"), (name, value, stated)
        per_request[processes[name]] = value
    workers = scaling_rows(text, ("workers",))["workers"][0]
    orders_per_request, per_pod = (Decimal(x) for x in re.findall(r"([\d.]+) orders", workers))
    columns = ("router", "products", "users", "orders", "workers")
    for load, row in scaling_rows(text, ("1,000", "10,000", "100,000")).items():
        requests = Decimal(load.replace(",", ""))
        pods = {column: int(cell.split()[0]) for column, cell in zip(columns, row, strict=False)}
        for process, ms in per_request.items():
            cores = ms * requests / 1000
            assert pods[process] == max(2, math.ceil(cores / Decimal("0.65"))), (load, process)
        assert pods["workers"] == max(2, math.ceil(requests * orders_per_request / per_pod)), load
