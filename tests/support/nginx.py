"""A real nginx, run from the project's own edge config (marketplace/edge_config.py) with test ports."""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from marketplace.edge import ensure_certificate, nginx_version
from marketplace.edge_config import EdgeConfig, Upstream
from marketplace.edge_config import render as render_edge


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    return ensure_certificate(folder, "127.0.0.1")


def render(upstream_ports: list[int], http_port: int, https_port: int, cert: Path, key: Path) -> str:
    """The edge config that ``marketplace up`` runs (marketplace/edge_config.py), on test ports."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    config = EdgeConfig(
        routers=Upstream("marketplace_router", tuple(upstream_ports)),
        http_port=http_port,
        https_port=https_port,
        certificate=str(cert),
        certificate_key=str(key),
        http2_on_directive=nginx_version(binary) >= (1, 25, 1),
    )
    return render_edge(config)


@dataclass
class Nginx:
    process: subprocess.Popen[bytes]
    prefix: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    @property
    def error_log(self) -> str:
        path = self.prefix / "error.log"
        return path.read_text() if path.exists() else ""


def start_nginx(prefix: Path, server_config: str, ready_port: int, timeout: float = 10.0) -> Nginx:
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    prefix.mkdir(parents=True, exist_ok=True)
    (prefix / "server.conf").write_text(server_config)
    main = f"""
worker_processes 1;
daemon off;
master_process on;
user root;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/server.conf;
}}
"""
    (prefix / "nginx.conf").write_text(main)
    check = subprocess.run([binary, "-t", "-p", str(prefix), "-c", str(prefix / "nginx.conf")], capture_output=True)
    if check.returncode != 0:
        raise RuntimeError(f"nginx refused the config: {check.stderr.decode()}")
    process = subprocess.Popen([binary, "-p", str(prefix), "-c", str(prefix / "nginx.conf")])
    nginx = Nginx(process, prefix)
    deadline = time.monotonic() + timeout
    import socket

    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", ready_port)) == 0:
                return nginx
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited: {nginx.error_log}")
        time.sleep(0.05)
    nginx.stop()
    raise RuntimeError("nginx did not start")
