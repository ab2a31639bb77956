"""Federated subscriptions: the root field streams from its subgraph, the rest of the plan runs per event.

The planner plans a subscription like a query whose root fetch is a ``subscription`` operation on
the subgraph that owns the root field (a GraphQL subscription has exactly one root field, so one
subgraph). Here that root fetch is opened as a subgraph stream (see
:mod:`router.execution.subgraph_stream`); for every event its payload takes the place of the root
fetch's response and the remaining nodes of the plan (entity fetches for the fields other subgraphs
own, e.g. the items' products or the buyer's name) run through the normal executor, then the
result is shaped to the client's selection like any response.

Each event's run goes through the server's ``gate`` when it has one (``traffic_shaping.router.
adaptive_concurrency``, :mod:`router.server.admission`), as an operation does: a change that reaches
thousands of subscribers at once would otherwise execute thousands of plans at once on a saturated CPU.
The response is handed on after the gate is left, so a slow reader never holds a place in it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

from graphql import FragmentDefinitionNode, GraphQLError, OperationDefinitionNode, OperationType, parse
from graphql.execution.values import get_variable_values

from router.engine import Engine, RejectedOperation
from router.execution.entities import apply_rewrites
from router.execution.executor import (
    _Run,  # one plan run's state; a subscription seeds it per event
)
from router.execution.merge import deep_merge
from router.execution.shaping import OperationShape
from router.execution.subgraph_stream import SubgraphStreams
from router.query_plan import FetchNode, PlanNode, SequenceNode
from router.validation import validate

ErrorDict = dict[str, Any]


@dataclass(frozen=True, slots=True)
class PreparedSubscription:
    operation: OperationDefinitionNode
    shape: OperationShape
    root: FetchNode
    rest: tuple[PlanNode, ...]


def _error(message: str, code: str, error: GraphQLError | None = None) -> ErrorDict:
    formatted: ErrorDict = {"message": message}
    if error is not None and error.locations:
        formatted["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    formatted["extensions"] = {"code": code}
    return formatted


def is_subscription(document_operation: OperationDefinitionNode | None) -> bool:
    return document_operation is not None and document_operation.operation == OperationType.SUBSCRIPTION


class SubscriptionExecutor:
    """Prepares (cached per text) and runs subscriptions over one engine (one schema)."""

    def __init__(
        self,
        engine: Engine,
        streams: SubgraphStreams,
        *,
        cache_size: int = 512,
        gate: AbstractAsyncContextManager[None] | None = None,
    ) -> None:
        self.engine = engine
        self.streams = streams
        self.gate = gate  # admission of each event's run (the server's ExecutionGate), if any
        # The rest of each event's plan runs on the engine's executor with its fetches marked shared:
        # a change that reaches many subscribers at once makes the same entity fetch for many of them,
        # and the fetcher's in-flight deduplication (traffic_shaping) sends it once.
        self.executor = engine.executor
        self._cache: OrderedDict[tuple[str, str | None, frozenset[str]], PreparedSubscription | RejectedOperation] = (
            OrderedDict()
        )
        self._cache_size = cache_size

    def prepare(
        self, query: str, operation_name: str | None, labels: frozenset[str] = frozenset()
    ) -> PreparedSubscription | RejectedOperation:
        """The subscription planned with the progressive-override ``labels`` on (drawn once per
        subscription by the caller, :meth:`Engine.draw_labels`), cached per query text and labels."""
        key = (query, operation_name, labels)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._prepare(query, operation_name, labels)
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return found

    def _prepare(
        self, query: str, operation_name: str | None, labels: frozenset[str]
    ) -> PreparedSubscription | RejectedOperation:
        api_schema = self.engine.api_schema
        try:
            document = parse(query)
        except GraphQLError as error:
            return RejectedOperation((_error(error.message, "GRAPHQL_PARSE_FAILED", error),))
        errors = validate(api_schema, document)
        if errors:
            return RejectedOperation(tuple(_error(e.message, "GRAPHQL_VALIDATION_FAILED", e) for e in errors))
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        chosen = [
            op
            for op in operations
            if operation_name is None or (op.name is not None and op.name.value == operation_name)
        ]
        if len(chosen) != 1:
            return RejectedOperation(
                (_error("Must provide one operation (or its name).", "OPERATION_RESOLUTION_FAILURE"),)
            )
        operation = chosen[0]
        if operation.operation != OperationType.SUBSCRIPTION:
            return RejectedOperation((_error("The operation is not a subscription.", "OPERATION_RESOLUTION_FAILURE"),))
        try:
            plan = self.engine.planner_for(labels).build_query_plan(document, operation_name)
        except Exception as error:  # a planner bug must not take the server down
            return RejectedOperation((_error(f"query planning failed: {error}", "QUERY_PLANNING_FAILED"),))
        node: PlanNode | None = plan.node
        rest: tuple[PlanNode, ...] = ()
        if isinstance(node, SequenceNode) and node.nodes:
            rest = tuple(node.nodes[1:])
            node = node.nodes[0]
        if not isinstance(node, FetchNode) or node.operation_kind != "subscription":
            return RejectedOperation(
                (_error("this subscription has no single subgraph root field", "QUERY_PLANNING_FAILED"),)
            )
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        return PreparedSubscription(operation, OperationShape(api_schema, operation, fragments), node, rest)

    def coerce(
        self, prepared: PreparedSubscription, variables: Mapping[str, Any] | None
    ) -> Mapping[str, Any] | list[ErrorDict]:
        if not prepared.operation.variable_definitions:
            return {}
        result = get_variable_values(
            self.engine.api_schema, prepared.operation.variable_definitions, dict(variables or {})
        )
        if isinstance(result, list):
            return [_error(e.message, "BAD_USER_INPUT", e) for e in result]
        return result

    async def events(
        self, prepared: PreparedSubscription, variables: Mapping[str, Any], headers: Mapping[str, str] | None
    ) -> AsyncIterator[dict[str, Any]]:
        """One response per subgraph event; raises ``SubgraphStreamLost`` if the subgraph drops the stream."""
        root = prepared.root
        service = root.service_name
        endpoint = self.engine.endpoints[service]  # its URL (with any override) and TLS settings
        used = {name: variables[name] for name in root.variable_usages if name in variables}
        gate = self.gate if self.gate is not None else nullcontext()
        async for payload in self.streams.subscribe(
            service, endpoint.url, root.operation, used, headers, root.operation_name, tls=endpoint.tls
        ):
            async with gate:
                response = await self._complete(prepared, variables, headers, payload)
            yield response

    async def _complete(
        self,
        prepared: PreparedSubscription,
        variables: Mapping[str, Any],
        headers: Mapping[str, str] | None,
        payload: Mapping[str, Any],
    ) -> dict[str, Any]:
        run = _Run(self.executor, variables, headers, True)
        run._collect_errors(prepared.root.service_name, payload.get("errors"), None)
        data = payload.get("data")
        if not isinstance(data, dict):
            return {"data": None, "errors": run.errors} if run.errors else {"data": None}
        if prepared.root.output_rewrites:
            apply_rewrites(self.executor.relations, prepared.root.output_rewrites, data)
        deep_merge(run.data, data)
        for node in prepared.rest:
            await run.node(node)
        errors = run.errors
        shaped = prepared.shape.shape(
            run.data, variables, errors, report_null_errors=not any("path" not in e for e in errors)
        )
        response: dict[str, Any] = {"data": shaped}
        if errors:
            response["errors"] = errors
        return response
