"""A real nginx, run from the project's own config (deploy/nginx/marketplace.conf) with test ports."""

from __future__ import annotations

import datetime
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "deploy" / "nginx" / "marketplace.conf"


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "server.crt", folder / "server.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def render(upstream_ports: list[int], http_port: int, https_port: int, cert: Path, key: Path) -> str:
    """The deployed server config with only ports and certificate paths changed."""
    text = CONFIG.read_text()
    servers = "".join(f"    server 127.0.0.1:{port} max_fails=2 fail_timeout=10s;\n" for port in upstream_ports)
    text = re.sub(r"(    server 127\.0\.0\.1:\d+ [^\n]*\n)+", servers, text, count=1)
    text = text.replace("127.0.0.1:8080", f"127.0.0.1:{http_port}").replace("8443", str(https_port))
    return text.replace("/etc/marketplace/tls/server.crt", str(cert)).replace(
        "/etc/marketplace/tls/server.key", str(key)
    )


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
