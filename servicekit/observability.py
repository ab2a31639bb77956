"""Request ids, one access-log line per request, and Prometheus metrics, as plain ASGI middleware."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from graphql import GraphQLError
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servicekit.errors import ErrorCode, MarketplaceError
from servicekit.settings import CommonSettings, LogFormat

REQUEST_ID_HEADER = "x-request-id"
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
access_log = logging.getLogger("marketplace.access")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id and any ``extra`` fields."""

    _standard = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id_var.get(),
        }
        payload.update({k: v for k, v in vars(record).items() if k not in self._standard})
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str)


class ClientErrorsAtInfo(logging.Filter):
    """Strawberry logs every GraphQL error at ERROR with its traceback; most are the client's.

    An error with a public code (``BAD_USER_INPUT``, ``UNAUTHENTICATED``, ``CONFLICT``…) or none
    (a validation error) becomes one INFO line without a traceback: a wrong password is no server
    fault. Anything else (``INTERNAL_SERVER_ERROR``, an exception of no kind we raise) stays at ERROR
    with its traceback, the one line an operator must read.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.msg
        if record.levelno < logging.ERROR or not isinstance(error, GraphQLError):
            return True
        code = (error.extensions or {}).get("code")
        original = error.original_error
        expected = original is None or (
            isinstance(original, MarketplaceError) and code != ErrorCode.INTERNAL_SERVER_ERROR.value
        )
        if not expected:
            return True
        record.levelno, record.levelname = logging.INFO, "INFO"
        record.exc_info, record.exc_text = None, None
        path = ".".join(str(p) for p in error.path or ())
        record.msg = "client error %s%s: %s"
        record.args = (
            code or "GRAPHQL_VALIDATION_FAILED",
            f" at {path}" if path else "",
            error.message.replace("\n", " "),
        )
        return logging.getLogger().isEnabledFor(logging.INFO)


def configure_logging(settings: CommonSettings) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if settings.log_format is LogFormat.JSON:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    # One line per request is ours to write; the HTTP clients' own per-call lines are noise at INFO.
    for noisy in ("httpx", "httpcore", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    strawberry_errors = logging.getLogger("strawberry.execution")
    if not any(isinstance(f, ClientErrorsAtInfo) for f in strawberry_errors.filters):
        strawberry_errors.addFilter(ClientErrorsAtInfo())


def request_id_of(scope: Scope) -> str:
    """The caller's ``X-Request-Id`` when it is sane (short, printable: it goes into our logs), else a new one."""
    for name, value in scope.get("headers") or ():
        if name == REQUEST_ID_HEADER.encode():
            incoming: str = value.decode("latin-1")
            if 0 < len(incoming) <= 128 and incoming.isprintable():
                return incoming
            break
    return uuid.uuid4().hex


class ResponseStatus:
    """Wraps ``send``: returns the request id with the response and remembers the status sent."""

    def __init__(self, send: Send, request_id: str) -> None:
        self.send = send
        self.request_id = request_id.encode()
        self.status = 500  # what is logged when the app fails before answering

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            message["headers"] = [*message.get("headers", []), (b"x-request-id", self.request_id)]
        await self.send(message)


class ServiceMetrics:
    """The per-process metrics of one HTTP service, in a registry of its own."""

    def __init__(self, service: str, known_paths: frozenset[str] = frozenset()) -> None:
        self.known_paths = known_paths
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests",
            ["service", "method", "path", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "HTTP request latency",
            ["service", "method", "path"],
            registry=self.registry,
        )
        self.service = service
        # Awaited by ``/metrics`` before rendering: gauges read from elsewhere (say, the database).
        self.before_scrape: list[Callable[[], Awaitable[None]]] = []


class RequestObservability:
    """Give every request an id (kept from ``X-Request-Id`` when sent), log it once, count it."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        token = request_id_var.set(request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        responder = ResponseStatus(send, request_id)
        started = time.perf_counter()
        try:
            await self.app(scope, receive, responder)
        finally:
            elapsed = time.perf_counter() - started
            path = scope.get("path", "")
            if path not in self.metrics.known_paths:
                path = "other"  # bounded label cardinality whatever clients request
            method = scope.get("method", "")
            status = responder.status
            self.metrics.requests.labels(self.metrics.service, method, path, str(status)).inc()
            self.metrics.latency.labels(self.metrics.service, method, path).observe(elapsed)
            access_log.info(
                "%s %s %s %.1fms",
                method,
                path,
                status,
                elapsed * 1000,
                extra={"method": method, "path": path, "status": status, "duration_ms": round(elapsed * 1000, 2)},
            )
            request_id_var.reset(token)
