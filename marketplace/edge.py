"""The edge of ``marketplace up``: nginx in front of the routers and of each subgraph's instances.

nginx runs as a supervised child (``daemon off``) with its prefix in ``DATA_DIR/nginx``; its config is
rendered by :mod:`marketplace.edge_config` from the launcher's real ports. A rolling restart needs no
reload of nginx (a reload closes every idle keep-alive connection of its old workers, clients' and
routers' alike, and a request written on one at that moment fails): the stopping instance drains
instead (``Connection: close`` on every answer, see servicekit/serve.py), then stops listening, and
nginx moves new connections to the other instances (a refused connection is retried even for POST).
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import os
import re
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from marketplace.edge_config import EdgeConfig, main_config, render
from marketplace.processes import Child, ProcessSpec

INSTALL_HINT = "nginx is not installed: apt-get install nginx (or set MARKETPLACE_EDGE=off)"


def find_nginx() -> str | None:
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None


def nginx_version(binary: str) -> tuple[int, ...]:
    result = subprocess.run([binary, "-v"], capture_output=True, text=True, check=False)  # noqa: S603
    match = re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", result.stderr + result.stdout)
    return tuple(int(part) for part in match.groups()) if match else (0, 0, 0)


def ensure_certificate(folder: Path, host: str) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and ``host``, made once and kept in the data folder."""
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / "server.crt", folder / "server.key"
    if cert_path.exists() and key_path.exists():
        return cert_path, key_path
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    alt_names: list[x509.GeneralName] = [x509.DNSName("localhost")]
    try:
        alt_names.append(x509.IPAddress(ipaddress.ip_address(host)))
    except ValueError:
        alt_names.append(x509.DNSName(host))
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=825))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_path.chmod(0o600)
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


@dataclass
class Edge:
    """The rendered config and the nginx that serves it."""

    binary: str
    prefix: Path
    config: EdgeConfig
    child: Child | None = None  # the supervised nginx master

    @property
    def server_config_path(self) -> Path:
        return self.prefix / "marketplace.conf"

    def write(self) -> None:
        self.prefix.mkdir(parents=True, exist_ok=True)
        self.server_config_path.write_text(render(self.config))
        main = main_config(str(self.prefix), str(self.server_config_path), run_as_root=os.geteuid() == 0)
        (self.prefix / "nginx.conf").write_text(main)

    def check(self) -> None:
        """``nginx -t`` on the written config; raises with nginx's own message."""
        command = [self.binary, "-t", "-q", "-p", str(self.prefix), "-c", str(self.prefix / "nginx.conf")]
        result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        if result.returncode != 0:
            raise RuntimeError(f"nginx refused its config: {result.stderr.strip()}")

    def spec(self) -> ProcessSpec:
        argv = [self.binary, "-p", str(self.prefix), "-c", str(self.prefix / "nginx.conf")]
        return ProcessSpec(name="nginx", argv=argv, service="nginx")

    async def wait_listening(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex((self.config.host, self.config.https_port)) == 0:
                    return
            await asyncio.sleep(0.05)
        raise RuntimeError(f"nginx is not listening on {self.config.https_port} (see {self.prefix / 'error.log'})")
