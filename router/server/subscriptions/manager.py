"""Every open subscription of the router: admission (checks, caps), the event stream, and ending them all.

A subscription goes through the same gates as any operation (persisted queries, the operation
limits, ``require_authentication``, the authorization directives, variable coercion) before its
first event, so a refusal is a plain error, not a stream. Then :class:`Stream` runs the subgraph
stream in a task of its own and hands responses to the transport through a queue; ``stop()`` ends
it from outside (a schema reload, the process draining), the transport sends ``complete``.

Caps: ``subscription.max_opened_subscriptions`` for the whole router (checked here) and
``subscription.max_per_connection`` (checked by the WebSocket transport; an SSE or multipart
request carries exactly one). Metrics: ``router_subscriptions_active``, ``router_subscription_events_total``
and ``router_subscriptions_total{result}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import AsyncIterator
from typing import Any

from prometheus_client import Counter, Gauge

from router.engine import Engine, RejectedOperation
from router.execution.subgraph_stream import SubgraphStreamLost, SubgraphStreams
from router.execution.subscription import PreparedSubscription, SubscriptionExecutor
from router.server.apq import PersistedQueryNotFound
from router.server.authorization import FilterResult, apply_removed
from router.server.config import RouterConfig
from router.server.errors import OperationRefused, RequestError
from router.server.graphql_request import GraphQLRequest
from router.server.metrics import RouterMetrics
from router.server.pipeline import Pipeline
from router.server.runtime import RouterRuntime, RuntimeHolder
from servicekit.auth import Principal
from servicekit.lifecycle import Lifecycle

log = logging.getLogger(__name__)

LIMIT_CODE = "SUBSCRIPTION_LIMIT_REACHED"
_END = object()


class SubscriptionRefused(Exception):
    """Refused before the first event: an HTTP status for HTTP transports and the GraphQL errors."""

    def __init__(self, status: int, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors[0]["message"] if errors else "refused")
        self.status = status
        self.errors = errors


def _error(message: str, code: str) -> dict[str, Any]:
    return {"message": message, "extensions": {"code": code}}


def limit_error(message: str) -> SubscriptionRefused:
    return SubscriptionRefused(429, [_error(message, LIMIT_CODE)])


class Stream:
    """One running subscription: iterate it for responses; it ends on complete, error, loss or ``stop()``."""

    def __init__(self, owner: Subscriptions, runtime: RouterRuntime, run: AsyncIterator[dict[str, Any]]) -> None:
        self.owner = owner
        self.runtime = runtime
        self._queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=64)
        self._task = asyncio.create_task(self._pump(run))
        self.stopped_by_router = False

    async def _pump(self, run: AsyncIterator[dict[str, Any]]) -> None:
        try:
            async for response in run:
                self.owner.events.inc()
                await self._queue.put(response)
        except SubgraphStreamLost as lost:
            log.warning("%s", lost)
            error = {
                "message": f"the subgraph '{lost.service}' ended the subscription unexpectedly",
                "extensions": {"code": "SUBSCRIPTION_STREAM_LOST", "serviceName": lost.service},
            }
            await self._queue.put({"data": None, "errors": [error]})
        except asyncio.CancelledError:
            pass
        except Exception:
            log.exception("subscription failed")
            await self._queue.put({"data": None, "errors": [_error("internal server error", "INTERNAL_SERVER_ERROR")]})
        finally:
            with contextlib.suppress(asyncio.QueueFull):
                self._queue.put_nowait(_END)

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        return self._responses()

    async def _responses(self) -> AsyncIterator[dict[str, Any]]:
        try:
            while True:
                item = await self._queue.get()
                if item is _END:
                    return
                yield item
        finally:
            await self.close()

    def stop(self) -> None:
        """End the stream from outside (reload, shutdown); the transport then sends ``complete``."""
        self.stopped_by_router = True
        self._task.cancel()
        # Wake a reader waiting on an empty queue even if the task was cancelled before it started.
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait(_END)

    async def close(self) -> None:
        if not self._task.done():
            self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self.owner._finished(self)


class Subscriptions:
    def __init__(
        self,
        config: RouterConfig,
        pipeline: Pipeline,
        holder: RuntimeHolder,
        metrics: RouterMetrics,
        lifecycle: Lifecycle,
    ) -> None:
        self.config = config.subscription
        self.router_config = config
        self.pipeline = pipeline
        self.holder = holder
        self.lifecycle = lifecycle
        self.streams = SubgraphStreams(init_timeout=self.config.connection_init_timeout)
        self._executors: weakref.WeakKeyDictionary[Engine, SubscriptionExecutor] = weakref.WeakKeyDictionary()
        self.active: set[Stream] = set()
        self.closing = False
        self.closing_event = asyncio.Event()
        self._watcher: asyncio.Task[None] | None = None
        registry = metrics.registry
        self.gauge = Gauge("router_subscriptions_active", "Subscriptions open now", registry=registry)
        self.events = Counter("router_subscription_events_total", "Subscription events delivered", registry=registry)
        self.results = Counter(
            "router_subscriptions_total", "Subscriptions asked for, by result", ["result"], registry=registry
        )

    # -- lifetime ------------------------------------------------------------------------------

    def start(self) -> None:
        self._watcher = asyncio.create_task(self._watch_draining())

    async def _watch_draining(self) -> None:
        # The process marks itself draining on SIGTERM before the server stops accepting and waits
        # for open requests; ending the streams then lets every client get its ``complete``.
        while not self.lifecycle.draining:  # noqa: ASYNC110 - a plain flag set by the signal handler
            await asyncio.sleep(0.2)
        self.stop_all("draining")

    def stop_all(self, reason: str) -> None:
        self.closing = True
        self.closing_event.set()
        if self.active:
            log.info("ending %d subscriptions (%s)", len(self.active), reason)
        for stream in list(self.active):
            stream.stop()

    def reloaded(self) -> None:
        """After a schema reload: subscriptions planned on the old schema end (clients subscribe again)."""
        current = self.holder.current
        for stream in list(self.active):
            if stream.runtime is not current:
                stream.stop()

    async def aclose(self) -> None:
        self.stop_all("shutdown")
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
        for stream in list(self.active):
            await stream.close()
        await self.streams.aclose()

    def _finished(self, stream: Stream) -> None:
        if stream in self.active:
            self.active.discard(stream)
            self.gauge.dec()
            self.holder.release(stream.runtime)

    # -- admission -----------------------------------------------------------------------------

    def executor(self, engine: Engine) -> SubscriptionExecutor:
        found = self._executors.get(engine)
        if found is None:
            found = self._executors[engine] = SubscriptionExecutor(engine, self.streams, gate=self.pipeline.gate)
        return found

    async def open(self, request: GraphQLRequest, principal: Principal | None, headers: dict[str, str]) -> Stream:
        """Admit and start a subscription, or raise :class:`SubscriptionRefused`."""
        try:
            stream = await self._open(request, principal, headers)
        except SubscriptionRefused as refused:
            code = (refused.errors[0].get("extensions") or {}).get("code") if refused.errors else None
            self.results.labels("limited" if code == LIMIT_CODE else "refused").inc()
            raise
        self.results.labels("started").inc()
        return stream

    async def _open(self, request: GraphQLRequest, principal: Principal | None, headers: dict[str, str]) -> Stream:
        if not self.config.enabled:
            raise SubscriptionRefused(
                400, [_error("Subscriptions are disabled on this router.", "SUBSCRIPTIONS_DISABLED")]
            )
        if self.closing:
            raise SubscriptionRefused(
                503, [{"message": "The router is shutting down.", "extensions": {"code": "UNAVAILABLE"}}]
            )
        if len(self.active) >= self.config.max_opened_subscriptions:
            raise limit_error(
                f"The router has reached its limit of {self.config.max_opened_subscriptions} open subscriptions "
                "(subscription.max_opened_subscriptions); try again later."
            )
        try:
            query = await self.pipeline.persisted.query_of(request)
        except PersistedQueryNotFound:
            raise SubscriptionRefused(
                200, [{"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}]
            ) from None
        except RequestError as error:
            raise SubscriptionRefused(error.status, [error.error()]) from None
        runtime = self.holder.acquire()
        try:
            stream = self._start(runtime, request, query, principal, headers)
        except BaseException:
            self.holder.release(runtime)
            raise
        self.active.add(stream)
        self.gauge.inc()
        return stream

    def _start(
        self,
        runtime: RouterRuntime,
        request: GraphQLRequest,
        query: str,
        principal: Principal | None,
        headers: dict[str, str],
    ) -> Stream:
        try:
            document = runtime.checker.check(query)
        except OperationRefused as refused:
            raise SubscriptionRefused(refused.status, refused.errors) from None
        if self.router_config.authorization.require_authentication and principal is None:
            raise SubscriptionRefused(401, [_error("Authentication is required by this router.", "UNAUTHENTICATED")])
        text, removed = query, None
        if self.router_config.authorization.directives.enabled and runtime.policy.enabled:
            removed, text = self.pipeline._filter(runtime, query, document, request.operation_name, principal)
        executor = self.executor(runtime.engine)
        prepared = executor.prepare(text, request.operation_name, runtime.engine.draw_labels())
        if isinstance(prepared, RejectedOperation):
            raise SubscriptionRefused(400, list(prepared.response()["errors"]))
        variables = executor.coerce(prepared, request.variables)
        if isinstance(variables, list):
            raise SubscriptionRefused(400, variables)
        return Stream(self, runtime, self._run(executor, prepared, variables, headers, removed))

    async def _run(
        self,
        executor: SubscriptionExecutor,
        prepared: PreparedSubscription,
        variables: Any,
        headers: dict[str, str],
        removed: FilterResult | None,
    ) -> AsyncIterator[dict[str, Any]]:
        async for response in executor.events(prepared, variables, headers):
            if removed is not None and removed.changed:
                response = apply_removed(response, removed)
            yield self.pipeline._mask(response)
