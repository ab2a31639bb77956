"""GraphQL-over-HTTP requests: the body of a ``POST`` (one request, or a batch) or a ``GET``'s query string."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from router.execution.defer import EntityStart
from router.execution.defer_inputs import DeferInputs
from router.server.config import BatchingConfig
from router.server.errors import RequestError


@dataclass(frozen=True, slots=True)
class GraphQLRequest:
    query: str | None
    variables: dict[str, Any] | None = None
    operation_name: str | None = None
    extensions: dict[str, Any] | None = None
    # A deferred part on an entity, run from the primary part's results (never set from HTTP input).
    deferred: tuple[EntityStart, dict[str, Any]] | None = None
    # A primary part whose deferred parts on entities wait for its fetches (never set from HTTP input).
    defer_inputs: DeferInputs | None = None
    # The progressive-override labels on, drawn once for all the parts of a @defer operation (never set
    # from HTTP input). None: drawn per execution.
    labels: frozenset[str] | None = None


def _bad(message: str) -> RequestError:
    return RequestError(400, message, "BAD_REQUEST")


def request_from_json(value: Any) -> GraphQLRequest:
    if not isinstance(value, dict):
        raise _bad("A GraphQL request must be a JSON object with a 'query' (or a persisted query hash).")
    query = value.get("query")
    variables = value.get("variables")
    operation_name = value.get("operationName")
    extensions = value.get("extensions")
    if query is not None and not isinstance(query, str):
        raise _bad("'query' must be a string.")
    if variables is not None and not isinstance(variables, dict):
        raise _bad("'variables' must be an object.")
    if operation_name is not None and not isinstance(operation_name, str):
        raise _bad("'operationName' must be a string.")
    if extensions is not None and not isinstance(extensions, dict):
        raise _bad("'extensions' must be an object.")
    return GraphQLRequest(query, variables, operation_name, extensions)


def parse_post(body: bytes, batching: BatchingConfig) -> list[GraphQLRequest] | GraphQLRequest:
    """One request, or a list when the body is a batch (refused unless batching is enabled)."""
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise _bad(f"The request body is not valid JSON: {error}.") from None
    if isinstance(value, list):
        if not batching.enabled:
            raise RequestError(400, "Batched requests are not enabled on this router.", "BATCHING_NOT_ENABLED")
        if not value:
            raise _bad("A batch must contain at least one request.")
        if len(value) > batching.maximum_size:
            raise RequestError(
                400,
                f"Batch too large: {len(value)} requests, the limit is {batching.maximum_size}.",
                "BATCH_LIMIT_EXCEEDED",
                limit=batching.maximum_size,
            )
        return [request_from_json(item) for item in value]
    return request_from_json(value)


def _json_param(params: Mapping[str, str], name: str) -> Any:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise _bad(f"The '{name}' query parameter is not valid JSON.") from None


def parse_get(params: Mapping[str, str]) -> GraphQLRequest:
    return request_from_json(
        {
            "query": params.get("query") or None,
            "operationName": params.get("operationName") or None,
            "variables": _json_param(params, "variables"),
            "extensions": _json_param(params, "extensions"),
        }
    )
