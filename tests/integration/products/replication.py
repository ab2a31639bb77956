"""A real PostgreSQL primary and a hot standby streaming from it, for the read-replica tests.

Both run from the ``pgserver`` package's binaries on free TCP ports on 127.0.0.1, in a temporary
folder. PostgreSQL refuses to run as root, so when the tests run as root the servers run as the
``pgserver`` system user, the way ``pgserver`` itself does it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pgserver
from pgserver.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

from tests.support.servers import free_port

BIN = Path(pgserver.__file__).parent / "pginstall" / "bin"
SYSTEM_USER = "pgserver"

SERVER_SETTINGS = """
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{sockets}'
wal_level = replica
max_wal_senders = 5
hot_standby = on
fsync = off
full_page_writes = off
shared_buffers = 16MB
max_connections = 60
"""


@dataclass
class Server:
    name: str
    data: Path
    port: int
    running: bool = False

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"


@dataclass
class ReplicatedPair:
    root: Path
    primary: Server
    standby: Server
    as_user: str | None = field(default=None)

    def _run(self, *args: str, timeout: float = 120) -> None:
        command = [str(BIN / args[0]), *args[1:]]
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, user=self.as_user, check=False, cwd=self.root
        )
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")

    def start(self, server: Server) -> None:
        self._run("pg_ctl", "-D", str(server.data), "-l", str(self.root / f"{server.name}.log"), "-w", "start")
        server.running = True

    def stop(self, server: Server) -> None:
        if server.running:
            self._run("pg_ctl", "-D", str(server.data), "-m", "fast", "-w", "stop")
            server.running = False

    def stop_all(self) -> None:
        for server in (self.standby, self.primary):
            try:
                self.stop(server)
            except (RuntimeError, subprocess.TimeoutExpired):
                continue

    def cleanup(self) -> None:
        self.stop_all()
        shutil.rmtree(self.root, ignore_errors=True)


def start_replicated_pair() -> ReplicatedPair:
    """initdb a primary, start it, clone it with ``pg_basebackup -R`` and start the clone as a standby."""
    root = Path(tempfile.mkdtemp(prefix="products-replica-"))
    root.chmod(0o755)
    as_user = None
    if os.geteuid() == 0:
        entry = ensure_user_exists(SYSTEM_USER)
        assert entry is not None
        ensure_prefix_permissions(root)
        ensure_prefix_permissions(BIN)
        ensure_folder_permissions(BIN, 0o555)
        os.chown(root, entry.pw_uid, entry.pw_gid)
        as_user = SYSTEM_USER
    pair = ReplicatedPair(
        root=root,
        primary=Server("primary", root / "primary", free_port()),
        standby=Server("standby", root / "standby", free_port()),
        as_user=as_user,
    )
    try:
        pair._run("initdb", "-D", str(pair.primary.data), "--auth=trust", "-U", "postgres", "--encoding=utf8")
        with (pair.primary.data / "postgresql.conf").open("a") as conf:
            conf.write(SERVER_SETTINGS.format(port=pair.primary.port, sockets=root))
        pair.start(pair.primary)
        pair._run(
            "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            str(pair.primary.port),
            "-U",
            "postgres",
            "-D",
            str(pair.standby.data),
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
        )
        with (pair.standby.data / "postgresql.conf").open("a") as conf:
            conf.write(f"\nport = {pair.standby.port}\n")
        pair.start(pair.standby)
    except BaseException:
        pair.cleanup()
        raise
    return pair
