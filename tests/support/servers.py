"""Real HTTP servers for tests: free ports and uvicorn in a background thread."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from typing import Any

import uvicorn

from servicekit.http_protocol import ProblemH11Protocol
from tests.support.certificates import PrivateAuthority

_HANDED_OUT: set[int] = set()
_HANDING_OUT = threading.Lock()


def free_port() -> int:
    """A port free now on 127.0.0.1, and never one this process was given before.

    Once the probing socket is closed the kernel may give the same port to the next probe: a caller
    that picks several ports before starting its servers (the platform's nine, ``start_stack``) then
    started two on one port (in CI, nginx's products port was also the orders service's, which could
    not bind, and the router composed products' schema twice)."""
    with _HANDING_OUT:
        while True:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.bind(("127.0.0.1", 0))
                port = int(sock.getsockname()[1])
            if port not in _HANDED_OUT:
                _HANDED_OUT.add(port)
                return port


@contextlib.contextmanager
def serve_app(
    app: Any,
    port: int | None = None,
    timeout: float = 20.0,
    http: type[asyncio.Protocol] = ProblemH11Protocol,
    *,
    tls: PrivateAuthority | None = None,
    client_certificates: bool = False,
) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 in a thread with its own event loop; yields the base URL.

    ``http``: the HTTP/1.1 protocol (a router's app: ``router.server.app.HTTP_PROTOCOL``, as it runs).
    ``tls``: serve HTTPS with that authority's server certificate (the URL is ``https://``);
    ``client_certificates``: and refuse a client without a certificate the authority signed.
    """
    port = port or free_port()
    secure: dict[str, Any] = {}
    if tls is not None:
        secure = {
            "ssl_certfile": str(tls.server_certificate),
            "ssl_keyfile": str(tls.server_key),
            "ssl_ca_certs": str(tls.ca),
            "ssl_cert_reqs": ssl.CERT_REQUIRED if client_certificates else ssl.CERT_NONE,
        }
    # proxy_headers off, as servicekit.serve runs the real services: the peer stays the peer.
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        proxy_headers=False,
        http=http,
        **secure,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"test server on port {port} did not start")
        time.sleep(0.02)
    try:
        yield f"{'https' if tls is not None else 'http'}://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
