"""Every response checked against the OpenAPI document the server publishes.

Attached to an httpx client as a response hook, it makes each request of a test also a conformance
check: the status is documented for the operation, the content type is the documented one, the
required headers are there and the JSON body matches the documented schema. (Schemathesis checks
the same with generated data, which rarely reaches success responses; the route walks do.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import httpx
import jsonschema_rs


@dataclass
class Conformance:
    document: dict[str, Any]
    checked: int = 0
    _routes: list[tuple[re.Pattern[str], str]] = field(default_factory=list)
    _validators: dict[tuple[str, str, str, str], Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for template in self.document["paths"]:
            pattern = re.sub(r"\\\{[A-Za-z_][A-Za-z0-9_]*\\\}", "[^/]+", re.escape(template))
            self._routes.append((re.compile(f"^{pattern}$"), template))

    def _template(self, path: str) -> str | None:
        return next((template for pattern, template in self._routes if pattern.match(path)), None)

    def _validator(self, key: tuple[str, str, str, str], schema: dict[str, Any]) -> Any:
        if key not in self._validators:
            wrapped = {**schema, "components": self.document["components"]}
            self._validators[key] = jsonschema_rs.validator_for(wrapped)
        return self._validators[key]

    def check(self, response: httpx.Response) -> None:
        response.read()
        request = response.request
        template = self._template(request.url.path)
        method = request.method.lower()
        if template is None or method not in self.document["paths"][template]:
            return  # not a declared route (docs, catch-all 404s, 405s): nothing documented to match
        operation = self.document["paths"][template][method]
        where = f"{request.method} {request.url.path} → {response.status_code}"
        status = str(response.status_code)
        documented = operation["responses"].get(status) or operation["responses"].get("default")
        assert documented is not None, f"{where}: status not documented"
        for name, header in documented.get("headers", {}).items():
            if header.get("required"):
                assert name in response.headers, f"{where}: required header {name} missing"
        content = documented.get("content")
        if not content or method == "head":
            assert not response.content, f"{where}: a body where none is documented"
        else:
            media = response.headers.get("content-type", "").split(";")[0].strip()
            assert media in content, f"{where}: content type {media!r}, documented {sorted(content)}"
            validator = self._validator((template, method, status, media), content[media]["schema"])
            errors = [str(e) for e in validator.iter_errors(response.json())]
            assert not errors, f"{where}: body breaks the documented schema: {errors[:3]}"
        self.checked += 1


def conformance_hook(client: httpx.Client) -> Conformance:
    """Fetch ``/openapi.json`` and check every later response of ``client`` against it."""
    conformance = Conformance(client.get("/openapi.json").json())
    client.event_hooks["response"].append(conformance.check)
    return conformance
