"""Schemathesis against ``/openapi.json`` of a real REST server (the contract backend over HTTP).

Every operation of the document gets generated requests (a bounded number each). With valid data
every response must be no server error and must match the document (status, content type, headers,
body schema); with invalid data every response must still be no server error. Requests run as an
admin, so that writes reach the backend rather than stopping at 401.
"""

from __future__ import annotations

import pytest
from schemathesis import GenerationMode
from starlette.applications import Starlette

from router.rest import rest_routes
from tests.integration.rest.backend import Backend
from tests.integration.rest.fuzz import fuzz, fuzz_stateful
from tests.support.servers import serve_app

pytestmark = [pytest.mark.router, pytest.mark.integration]


def test_the_rest_api_keeps_its_openapi_promises() -> None:
    backend = Backend()
    admin = backend.add_user("admin@example.com", "Admin", "correct horse battery staple", role="ADMIN")
    headers = {"Authorization": f"Bearer {backend.token_for(admin['id'])}"}
    app = Starlette(routes=rest_routes(backend.schema, backend.execute))
    with serve_app(app) as url:
        failures = fuzz(
            f"{url}/openapi.json",
            headers=headers,
            max_examples=20,
            modes=(GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
        )
        failures += fuzz_stateful(f"{url}/openapi.json", headers=headers, max_examples=15)
    assert not failures, "\n\n".join(failures)
