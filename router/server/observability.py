"""Request ids and one JSON log line per request, with what happened to its GraphQL operations.

The middleware gives each request an id (kept from ``X-Request-Id`` when it is sane), returns it
in the response, and after the response logs one line on ``router.request``: method, path,
status, duration, the operation name(s), outcome, how many subgraph fetches it caused and the
request id (the JSON formatter of :mod:`servicekit.observability` adds it). The handler and
the fetch observer fill a :class:`RequestRecord` kept in a context variable; the executor's
parallel fetches run in tasks that share it.
"""

from __future__ import annotations

import contextvars
import logging
import time
from dataclasses import dataclass, field

from starlette.types import ASGIApp, Receive, Scope, Send

from router.server.metrics import RouterMetrics
from servicekit.observability import ResponseStatus, request_id_of, request_id_var

log = logging.getLogger("router.request")
QUIET_PATHS = frozenset({"/health", "/ready", "/metrics"})


@dataclass
class RequestRecord:
    request_id: str
    operations: list[str] = field(default_factory=list)
    operation_types: list[str] = field(default_factory=list)
    outcome: str = ""
    subgraph_calls: int = 0
    errors: int = 0


current_record: contextvars.ContextVar[RequestRecord | None] = contextvars.ContextVar("router_request", default=None)


def count_subgraph_call() -> None:
    record = current_record.get()
    if record is not None:
        record.subgraph_calls += 1


class RequestLogging:
    def __init__(self, app: ASGIApp, metrics: RouterMetrics, known_paths: frozenset[str]) -> None:
        self.app = app
        self.metrics = metrics
        self.known_paths = known_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        record = RequestRecord(request_id)
        id_token = request_id_var.set(request_id)
        record_token = current_record.set(record)
        scope.setdefault("state", {})["request_id"] = request_id
        responder = ResponseStatus(send, request_id)
        started = time.perf_counter()
        try:
            await self.app(scope, receive, responder)
        finally:
            elapsed = time.perf_counter() - started
            status = responder.status
            path = scope.get("path", "")
            method = scope.get("method", "")
            self.metrics.http_request(method, path if path in self.known_paths else "other", status, elapsed)
            level = logging.DEBUG if path in QUIET_PATHS else logging.INFO
            if log.isEnabledFor(level):  # the record and its fields are built only when the line is written
                log.log(
                    level,
                    "%s %s %s %.1fms",
                    method,
                    path,
                    status,
                    elapsed * 1000,
                    extra={
                        "request_id": request_id,
                        "method": method,
                        "path": path,
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 2),
                        "operation": ",".join(record.operations) or None,
                        "outcome": record.outcome or None,
                        "subgraph_calls": record.subgraph_calls,
                        "errors": record.errors,
                    },
                )
            current_record.reset(record_token)
            request_id_var.reset(id_token)
