"""The embedded PostgreSQL server used when no database URL is given.

It runs the binaries of the ``pgserver`` package on a Unix socket inside the data folder (no TCP
port, so it never collides with a system PostgreSQL), and keeps its data there across restarts.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

# pgserver asks platformdirs for a runtime folder at import; without XDG_RUNTIME_DIR (containers,
# CI) that warns although /tmp is a fine fallback.
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

import pgserver  # noqa: E402
from pgserver.postgres_server import PostgresServer, get_server  # noqa: E402
from pgserver.utils import ensure_prefix_permissions  # noqa: E402

log = logging.getLogger(__name__)

DATABASE_NAME = "marketplace"


@dataclass
class EmbeddedPostgres:
    """A handle on a running embedded server; :meth:`stop` shuts it down."""

    data_dir: Path
    server: PostgresServer

    @property
    def socket_dir(self) -> str:
        return str(self.server.get_postmaster_info().socket_dir)

    def url(self, database: str = DATABASE_NAME) -> str:
        """A ``postgresql://`` URL over the server's Unix socket."""
        return f"postgresql://postgres@/{database}?host={quote(self.socket_dir)}"

    def create_database(self, name: str) -> None:
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
            raise ValueError(f"unsafe database name {name!r}")
        exists = self.server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}';")  # noqa: S608
        if "(1 row)" not in exists:
            self.server.psql(f'CREATE DATABASE "{name}";')

    def stop(self) -> None:
        self.server.cleanup()

    def alive(self) -> bool:
        """The postmaster is running (``marketplace up`` watches this and restarts it when it dies)."""
        process = self.server.get_postmaster_info().process
        return process is not None and bool(process.is_running())

    def restart(self) -> None:
        """Start the server again on the same data after it died (PostgreSQL recovers from its WAL)."""
        with PostgresServer._lock:
            self.server.ensure_postgres_running()

    @property
    def bin_dir(self) -> Path:
        return self.bin_dir_of_package()

    @staticmethod
    def bin_dir_of_package() -> Path:
        """Where pgserver keeps ``postgres``, ``psql``... (usable before any server runs)."""
        return Path(pgserver.__file__).parent / "pginstall" / "bin"


def start_embedded_postgres(data_dir: Path) -> EmbeddedPostgres:
    """Start (or attach to) the embedded server whose data lives in ``data_dir / "postgres"``."""
    pgdata = (data_dir / "postgres").resolve()
    pgdata.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        # As root, pgserver runs PostgreSQL as its own system user, which must be able to reach the
        # folder (pytest's and mktemp's folders are 0700).
        ensure_prefix_permissions(pgdata)
    log.info("starting embedded PostgreSQL in %s", pgdata)
    try:
        server = get_server(pgdata, cleanup_mode="stop")
    except subprocess.CalledProcessError as error:
        raise RuntimeError(f"embedded PostgreSQL failed to start (see {pgdata / 'log'})") from error
    embedded = EmbeddedPostgres(data_dir=pgdata, server=server)
    embedded.create_database(DATABASE_NAME)
    return embedded
