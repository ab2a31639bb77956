"""``marketplace up`` from nothing: embedded servers, migrations, every service ready, clean stop."""

from __future__ import annotations

import socket
import ssl
import subprocess
from pathlib import Path

import httpx
import pytest

from db.embedded import EmbeddedPostgres
from marketplace.edge import find_nginx
from marketplace.stack import available_services
from tests.support.stack import processes_with_marker, start_stack

pytestmark = [pytest.mark.foundation, pytest.mark.e2e]


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def test_up_starts_everything_on_embedded_servers_and_stops_without_orphans(tmp_path: Path) -> None:
    stack = start_stack(tmp_path / "data")
    try:
        stack.wait_for_line("press Ctrl-C to stop", timeout=180)
        for service in available_services():
            response = httpx.get(f"{stack.url(service)}/ready", timeout=5)
            assert response.status_code == 200, stack.output
        assert "migrations applied" in stack.output
        assert (tmp_path / "data" / "postgres" / "PG_VERSION").exists()
        database_url = next(line for line in stack.lines if "| database " in line).split("| database ")[1]
        assert database_url.startswith("postgresql://postgres@/marketplace?host=")
        psql = subprocess.run(
            [str(EmbeddedPostgres.bin_dir_of_package() / "psql"), database_url, "-tAc", "SELECT 1"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert psql.stdout.strip() == "1", psql.stderr
        if find_nginx() is not None:
            front = f"https://127.0.0.1:{stack.ports['https']}"
            trust = ssl.create_default_context(cafile=str(tmp_path / "data" / "tls" / "server.crt"))
            assert f"HTTPS front  {front}/graphql  {front}/docs (self-signed: " in stack.output
            docs = httpx.get(f"{front}/docs", verify=trust, timeout=5)
            assert docs.status_code == 200
            assert "swagger-ui" in docs.text
            response = httpx.get(f"{front}/health", headers={"accept-encoding": "gzip"}, verify=trust, timeout=5)
            assert response.status_code == 200
            assert response.headers["content-encoding"] == "gzip"
            assert response.headers["strict-transport-security"].startswith("max-age=")
        assert f"GraphiQL     {stack.url('router')}/graphql (in a browser)" in stack.output
        assert f"REST docs    {stack.url('router')}/docs" in stack.output
    finally:
        code = stack.stop(ctrl_c=True)
    assert code == 0, stack.output
    # a clean stop on Ctrl-C (reverse start order: routers, workers, subgraphs, nginx, Redis, PostgreSQL) logs no error
    assert not [line for line in stack.lines if " ERROR " in line or " CRITICAL " in line], stack.output
    assert "launcher" in stack.output
    assert "stopped" in stack.output
    assert processes_with_marker(stack.marker) == []
    assert all(port_is_free(port) for port in stack.ports.values())


def test_a_bad_setting_stops_the_launcher_with_one_clear_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess
    import sys

    env = {"PATH": "/usr/bin:/bin", "MARKETPLACE_DATA_DIR": str(tmp_path), "MARKETPLACE_USERS_PORT": "http"}
    result = subprocess.run(
        [sys.executable, "-m", "marketplace", "up"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert errors == [errors[0]]
    assert errors[0].startswith("error: invalid setting: MARKETPLACE_USERS_PORT")
