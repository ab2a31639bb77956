"""REST routes declared on a subscription: a ``text/event-stream`` of the root field's value.

``subscription OrderEvents($id: ID!) @rest(method: GET, path: "/orders/{id}/events")`` serves
``GET /orders/123/events``: one SSE event per subscription event, ``event: update`` with the root
field's value as ``data`` (the same JSON as the matching ``GET /orders/123`` body), a comment line
every heartbeat interval, and ``event: complete`` when the stream ends. An error in the stream is an
``event: problem`` (an RFC 9457 problem document) and the end.

A refusal before the stream (a bad token, an unknown or forbidden order, a cap) is a plain problem
response with its status: the route waits up to ``FIRST_EVENT_GRACE`` seconds for an immediate
error from the subgraph (which checks access when the subscription starts) before it commits to
``200 text/event-stream``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.responses import Response, StreamingResponse

from router.rest.declarations import Declaration
from router.rest.problems import graphql_problem, problem_response

FIRST_EVENT_GRACE = 0.5


@dataclass(frozen=True)
class Refused:
    """The subscription was not started: the HTTP status and the GraphQL errors."""

    status: int
    errors: list[dict[str, Any]]


Events = AsyncIterator[Mapping[str, Any]]
Subscribe = Callable[[str, Mapping[str, Any], str | None, Mapping[str, str]], Awaitable[Events | Refused]]


def _refusal(refused: Refused, instance: str) -> Response:
    if refused.status >= 400 and refused.errors:
        response = graphql_problem(refused.errors, instance)
        if response.status_code >= 500 and refused.status < 500:
            code = (refused.errors[0].get("extensions") or {}).get("code")
            return problem_response(
                refused.status,
                str(refused.errors[0].get("message")),
                instance=instance,
                code=code,
                errors=refused.errors,
            )
        return response
    return graphql_problem(refused.errors, instance)


def _problem_bytes(errors: list[dict[str, Any]], instance: str) -> bytes:
    return bytes(graphql_problem(errors, instance).body)


async def serve_events(
    declaration: Declaration,
    subscribe: Subscribe,
    variables: Mapping[str, Any],
    headers: Mapping[str, str],
    *,
    instance: str,
    heartbeat: float = 15.0,
) -> Response:
    started = await subscribe(declaration.query, variables, declaration.name, headers)
    if isinstance(started, Refused):
        return _refusal(started, instance)
    events = started
    first: asyncio.Task[Mapping[str, Any]] = asyncio.ensure_future(anext(events))
    done, _ = await asyncio.wait({first}, timeout=FIRST_EVENT_GRACE)
    if first in done and first.exception() is None:
        response = first.result()
        if response.get("errors") and not _value(declaration, response):
            await _close(events)
            return graphql_problem(list(response["errors"]), instance)

    async def body() -> AsyncIterator[bytes]:
        pending: asyncio.Task[Mapping[str, Any]] | None = first
        try:
            while True:
                if pending is None:
                    pending = asyncio.ensure_future(anext(events))
                finished, _ = await asyncio.wait({pending}, timeout=heartbeat)
                if not finished:
                    yield b": keep-alive\n\n"
                    continue
                try:
                    response = pending.result()
                except StopAsyncIteration:
                    break
                pending = None
                errors = response.get("errors")
                value = _value(declaration, response)
                if errors and value is None:
                    yield b"event: problem\ndata: " + _problem_bytes(list(errors), instance) + b"\n\n"
                    return
                yield b"event: update\ndata: " + orjson.dumps(value) + b"\n\n"
            yield b"event: complete\ndata:\n\n"
        finally:
            if pending is not None and not pending.done():
                pending.cancel()
            await _close(events)

    return StreamingResponse(
        body(), media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )


def _value(declaration: Declaration, response: Mapping[str, Any]) -> Any:
    data = response.get("data")
    return data.get(declaration.root_key) if isinstance(data, Mapping) else None


async def _close(events: Events) -> None:
    closer = getattr(events, "aclose", None)
    if closer is not None:
        with contextlib.suppress(Exception):
            await closer()
