"""Without nginx (it cannot be absent on this machine, so its lookup is replaced), several replicas are
refused with one line that says how to install it; one replica runs without an edge."""

from __future__ import annotations

import asyncio
import io

import pytest

from marketplace import up
from marketplace.processes import Supervisor
from marketplace.settings import EdgeMode, LauncherSettings

pytestmark = pytest.mark.foundation


def choose(monkeypatch: pytest.MonkeyPatch, replicas: int, edge: EdgeMode) -> tuple[str | None, bool, str]:
    monkeypatch.setattr(up, "find_nginx", lambda: None)

    async def run() -> tuple[str | None, bool, str]:
        output = io.StringIO()
        binary, ok = up._choose_edge(LauncherSettings(edge=edge), replicas, Supervisor(output, color=False))
        return binary, ok, output.getvalue()

    return asyncio.run(run())


def test_two_replicas_without_nginx_say_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    binary, ok, output = choose(monkeypatch, 2, EdgeMode.AUTO)
    assert (binary, ok) == (None, False)
    assert output.splitlines() == [
        "launcher   | error: nginx is not installed: apt-get install nginx (or set MARKETPLACE_EDGE=off)"
    ]


def test_one_replica_runs_without_an_edge_when_nginx_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    assert choose(monkeypatch, 1, EdgeMode.AUTO) == (None, True, "")
    assert choose(monkeypatch, 1, EdgeMode.ON)[1] is False


def test_the_database_url_printed_is_one_psql_accepts() -> None:
    url = up.display_database_url("postgresql+asyncpg://postgres@/marketplace?host=%2Ftmp%2Fdata%2Fpostgres")
    assert url == "postgresql://postgres@/marketplace?host=%2Ftmp%2Fdata%2Fpostgres"
    assert (
        up.display_database_url("postgresql+asyncpg://app:secret@db:5432/shop") == "postgresql://app:***@db:5432/shop"
    )
