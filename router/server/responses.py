"""JSON responses serialized with orjson (the router's bodies can be large)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import JSONResponse


class GraphQLJSONResponse(JSONResponse):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)
