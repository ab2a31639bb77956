"""One GraphQL operation through the router: persisted query → checks → authorization → engine.

Identical queries in flight at once share one execution (``traffic_shaping.router.deduplicate_requests``,
on by default; never mutations): see :func:`share_key` for what "identical" covers.

Every refusal before execution becomes a status code and GraphQL errors; after execution the
response gets the nulls and errors of fields removed by authorization, and subgraph error details
are masked where ``include_subgraph_errors`` says so.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import DocumentNode, OperationDefinitionNode, OperationType, print_ast

from router.execution.fetcher import PER_REQUEST_HEADERS
from router.server.admission import ExecutionGate
from router.server.apq import PersistedQueries, PersistedQueryNotFound
from router.server.authorization import FilterResult, apply_removed
from router.server.config import RouterConfig
from router.server.errors import OperationRefused, RequestError
from router.server.graphql_request import GraphQLRequest
from router.server.headers import per_subgraph_headers
from router.server.metrics import RouterMetrics
from router.server.observability import current_record
from router.server.runtime import RouterRuntime, RuntimeHolder
from servicekit.auth import Principal
from servicekit.clean_input import InputRefused, check_variables
from servicekit.suggestions import without_suggestions

log = logging.getLogger(__name__)

# Codes that subgraphs raise on purpose for clients (the API contract); their messages are never masked.
PUBLIC_CODES = frozenset(
    {"BAD_USER_INPUT", "UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "CONFLICT", "RATE_LIMITED", "UNAVAILABLE"}
)
REDACTED = "Subgraph errors redacted"
INTERNAL = "Internal server error"
TIMED_OUT = "The operation did not finish within the router's timeout."
PLANNING_FAILED = "The router could not plan this operation."
_OPERATION_KIND = {OperationType.QUERY: "query", OperationType.MUTATION: "mutation"}


@dataclass(frozen=True, slots=True)
class Outcome:
    status: int
    body: dict[str, Any]


def _select(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    for operation in operations:
        if operation.name is not None and operation.name.value == name:
            return operation
    return None


def share_key(
    runtime: RouterRuntime,
    text: str,
    request: GraphQLRequest,
    principal: Principal | None,
    headers: Mapping[str, str],
) -> Hashable | None:
    """What makes two queries interchangeable: the schema, the operation text left after authorization,
    the variables, the caller (identity, role, scopes, token) and every header sent to any subgraph
    (those of per-subgraph rules too), except the ones naming the single request. ``None``: not shareable."""
    try:
        variables = orjson.dumps(request.variables, option=orjson.OPT_SORT_KEYS) if request.variables else b""
    except TypeError:
        return None
    caller = (
        None
        if principal is None
        else (principal.user_id, principal.role, principal.scopes, principal.token_id, principal.expires_at)
    )
    own = per_subgraph_headers.get()
    per_subgraph = (
        tuple(sorted((name, _headers_key(values)) for name, values in own.items())) if own is not None else None
    )
    return (
        id(runtime),
        text,
        request.operation_name,
        variables,
        caller,
        _headers_key(headers),
        per_subgraph,
        request.labels,  # a @defer part's labels, drawn for its whole operation
    )


def _headers_key(headers: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(item for item in headers.items() if item[0] not in PER_REQUEST_HEADERS))


def _production_errors(body: dict[str, Any]) -> dict[str, Any]:
    """Errors without schema hints or internals, for a router whose introspection is off.

    "Did you mean" suggestions would reveal the schema introspection hides; a planning failure's
    message is the planner's own exception text.
    """
    errors = []
    for error in body["errors"]:
        message = error.get("message")
        code = (error.get("extensions") or {}).get("code")
        if code == "QUERY_PLANNING_FAILED":
            error = {**error, "message": PLANNING_FAILED}
        elif isinstance(message, str) and "Did you mean" in message:
            error = {**error, "message": without_suggestions(message)}
        errors.append(error)
    return {**body, "errors": errors}


def classify(body: Mapping[str, Any]) -> str:
    if "data" not in body or (body.get("data") is None and body.get("errors")):
        return "error"
    return "partial" if body.get("errors") else "success"


class Pipeline:
    def __init__(
        self,
        config: RouterConfig,
        holder: RuntimeHolder,
        persisted: PersistedQueries,
        metrics: RouterMetrics,
        *,
        filter_cache_size: int = 1024,
    ) -> None:
        self.config = config
        self.holder = holder
        self.persisted = persisted
        self.metrics = metrics
        self._seen: OrderedDict[tuple[int, str, str | None], None] = OrderedDict()
        self._seen_size = 2048
        # The filter's result and the text to run (printed once, not per request), per caller kind.
        self._filters: OrderedDict[tuple[int, str, str | None, bool, frozenset[str]], tuple[FilterResult, str]] = (
            OrderedDict()
        )
        self._filter_cache_size = filter_cache_size
        self._dedupe = config.traffic_shaping.router.deduplicate_requests
        self._timeout = config.traffic_shaping.router.timeout
        adaptive = config.traffic_shaping.router.adaptive_concurrency
        self.gate = ExecutionGate(adaptive.minimum) if adaptive.enabled else None
        self._in_flight: dict[Hashable, asyncio.Future[Outcome | None]] = {}

    async def run(
        self,
        request: GraphQLRequest,
        *,
        method: str,
        principal: Principal | None,
        subgraph_headers: Mapping[str, str],
        shareable: bool = True,
    ) -> Outcome:
        """Run one operation. ``shareable``: the caller treats the outcome's body as read-only, so an
        identical query in flight may answer it (``traffic_shaping.router.deduplicate_requests``)."""
        started = time.perf_counter()
        name = request.operation_name
        kind = "unknown"
        runtime: RouterRuntime | None = None
        # One coroutine level here, not several: every level is re-entered each time the engine
        # resumes from a subgraph's answer.
        try:
            query = await self.persisted.query_of(request)
            runtime = self.holder.acquire()  # not ``async with holder.use()``: cheaper per request
            outcome, kind, name = await self._execute(
                runtime, request, query, method, principal, subgraph_headers, shareable and self._dedupe
            )
        except PersistedQueryNotFound:
            outcome = Outcome(
                200,
                {
                    "errors": [
                        {"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}
                    ]
                },
            )
        except RequestError as error:
            outcome = Outcome(error.status, error.body())
        except OperationRefused as refused:
            outcome = Outcome(refused.status, refused.body())
        except Exception:
            # A bug of ours: logged with its traceback here, never shown to the client.
            log.exception("unexpected error running operation %s", name or "anonymous")
            outcome = Outcome(500, {"errors": [{"message": INTERNAL, "extensions": {"code": "INTERNAL_SERVER_ERROR"}}]})
        finally:
            if runtime is not None:
                self.holder.release(runtime)
        if not self.config.introspection and outcome.body.get("errors"):
            outcome = Outcome(outcome.status, _production_errors(outcome.body))
        result = "refused" if 400 <= outcome.status < 500 else classify(outcome.body)  # 5xx: ours
        self.metrics.operation(name, kind, result, time.perf_counter() - started)
        record = current_record.get()
        if record is not None:
            record.operations.append(name or "anonymous")
            record.operation_types.append(kind)
            record.outcome = result if not record.outcome or record.outcome == result else "mixed"
            record.errors += len(outcome.body.get("errors") or ())
        return outcome

    async def _execute(
        self,
        runtime: RouterRuntime,
        request: GraphQLRequest,
        query: str,
        method: str,
        principal: Principal | None,
        headers: Mapping[str, str],
        shareable: bool,
    ) -> tuple[Outcome, str, str | None]:
        document = runtime.checker.check(query)
        try:
            check_variables(request.variables, max_depth=self.config.limits.parser_max_recursion)
        except InputRefused as refused:
            raise RequestError(400, refused.message, refused.code, **refused.extensions) from None
        operation = _select(document, request.operation_name)
        name = request.operation_name or (
            operation.name.value if operation is not None and operation.name is not None else None
        )
        kind = _OPERATION_KIND.get(operation.operation, "subscription") if operation is not None else "unknown"
        if method == "GET" and operation is not None and operation.operation != OperationType.QUERY:
            raise RequestError(405, "Mutations can only be sent over HTTP POST.", "METHOD_NOT_ALLOWED")
        if self.config.authorization.require_authentication and principal is None:
            raise RequestError(401, "Authentication is required by this router.", "UNAUTHENTICATED")
        text, removed = query, None
        if self.config.authorization.directives.enabled and runtime.policy.enabled:
            removed, text = self._filter(runtime, query, document, request.operation_name, principal)
        self._count_cache(runtime, text, request.operation_name)
        # traffic_shaping.router.timeout, from here: the checks above are cached and take no time.
        deadline = asyncio.timeout(self._timeout)
        try:
            async with deadline:
                if not (shareable and text and kind == "query"):
                    return await self._run(runtime, request, text, headers, removed), kind, name
                key = share_key(runtime, text, request, principal, headers)
                if key is None:
                    return await self._run(runtime, request, text, headers, removed), kind, name
                pending = self._in_flight.get(key)
                if pending is not None:
                    self.metrics.operations_deduplicated.inc()
                    # shield: a follower's cancellation (its client left, its deadline passed) must not
                    # cancel the shared execution.
                    shared = await asyncio.shield(pending)
                    if shared is not None:
                        return shared, kind, name
                    return await self._run(runtime, request, text, headers, removed), kind, name  # the leader failed
                future: asyncio.Future[Outcome | None] = asyncio.get_running_loop().create_future()
                self._in_flight[key] = future
                try:
                    outcome = await self._run(runtime, request, text, headers, removed)
                except BaseException:
                    future.set_result(None)
                    raise
                finally:
                    del self._in_flight[key]
                future.set_result(outcome)
                return outcome, kind, name
        except TimeoutError:
            if not deadline.expired():
                raise  # not ours: a bug, answered 500 by ``run``
            body = {"errors": [{"message": TIMED_OUT, "extensions": {"code": "GATEWAY_TIMEOUT"}}]}
            return Outcome(504, body), kind, name

    async def _run(
        self,
        runtime: RouterRuntime,
        request: GraphQLRequest,
        text: str,
        headers: Mapping[str, str],
        removed: FilterResult | None,
    ) -> Outcome:
        if text:
            if self.gate is None:
                body = await self._engine(runtime, request, text, headers)
            else:
                async with self.gate:
                    body = await self._engine(runtime, request, text, headers)
        else:
            body = {"data": {}}
        if removed is not None and removed.changed:
            body = apply_removed(body, removed)
        body = self._mask(body)
        status = 400 if "data" not in body and body.get("errors") else 200
        return Outcome(status, body)

    @staticmethod
    async def _engine(
        runtime: RouterRuntime, request: GraphQLRequest, text: str, headers: Mapping[str, str]
    ) -> dict[str, Any]:
        if request.deferred is not None:
            start, seed = request.deferred
            return await runtime.engine.execute_deferred(
                text, request.variables, request.operation_name, headers, start, seed, request.labels or frozenset()
            )
        return await runtime.engine.execute(
            text,
            request.variables,
            request.operation_name,
            headers,
            defer_inputs=request.defer_inputs,
            labels=request.labels,
        )

    def _filter(
        self,
        runtime: RouterRuntime,
        query: str,
        document: DocumentNode,
        operation_name: str | None,
        principal: Principal | None,
    ) -> tuple[FilterResult, str]:
        """What authorization removes for this caller, and the operation text left to run."""
        scopes = principal.scopes if principal is not None else frozenset()
        key = (id(runtime), query, operation_name, principal is not None, scopes)
        found = self._filters.get(key)
        if found is None:
            result = runtime.policy.filter(document, operation_name, principal is not None, scopes)
            text = query
            if result.changed:
                text = print_ast(result.document) if result.document is not None else ""
            found = self._filters[key] = (result, text)
            if len(self._filters) > self._filter_cache_size:
                self._filters.popitem(last=False)
        else:
            self._filters.move_to_end(key)
        return found

    def _count_cache(self, runtime: RouterRuntime, text: str, operation_name: str | None) -> None:
        key = (id(runtime), text, operation_name)
        if key in self._seen:
            self._seen.move_to_end(key)
            self.metrics.operation_cache_lookup(hit=True)
            return
        self.metrics.operation_cache_lookup(hit=False)
        self._seen[key] = None
        if len(self._seen) > self._seen_size:
            self._seen.popitem(last=False)

    def _mask(self, body: dict[str, Any]) -> dict[str, Any]:
        errors = body.get("errors")
        if not errors:
            return body
        masked = []
        changed = False
        for error in errors:
            extensions = error.get("extensions") or {}
            service = extensions.get("serviceName")
            if service is None or self.config.includes_errors_of(str(service)):
                masked.append(error)
                continue
            code = extensions.get("code")
            if code in PUBLIC_CODES:
                kept = {k: v for k, v in error.items() if k != "extensions"}
                kept["extensions"] = {k: v for k, v in extensions.items() if k != "serviceName"}
                masked.append(kept)
            else:
                redacted: dict[str, Any] = {"message": REDACTED}
                if "path" in error:
                    redacted["path"] = error["path"]
                if code:
                    redacted["extensions"] = {"code": code}
                masked.append(redacted)
            changed = True
        if not changed:
            return body
        return {**body, "errors": masked}
