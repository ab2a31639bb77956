"""The REST layer served over real HTTP in front of the in-memory contract backend."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from starlette.applications import Starlette

from router.rest import rest_routes
from tests.integration.rest.backend import Backend
from tests.integration.rest.conformance import conformance_hook
from tests.support.servers import serve_app


@dataclass
class RestServer:
    backend: Backend
    client: httpx.Client
    url: str


@pytest.fixture(scope="module")
def rest_server() -> Iterator[RestServer]:
    backend = Backend()
    app = Starlette(routes=rest_routes(backend.schema, backend.execute))
    with serve_app(app) as url, httpx.Client(base_url=url, timeout=10) as client:
        conformance = conformance_hook(client)
        yield RestServer(backend, client, url)
    assert conformance.checked > 0
