"""The router engine: one call from a GraphQL request to a GraphQL response.

``Engine.execute`` parses and validates the operation against the API schema, coerces the variables,
plans (through the caching planner), executes the plan over pooled HTTP and shapes the result. Every
step that depends only on the query text is done once: the parsed, validated and planned operation
(or its errors) is cached by ``(query, operation name)``, so a repeated query costs only variable
coercion, the fetches and shaping. Introspection (``__schema``, ``__type``) is answered locally from
the API schema.

The HTTP server and the REST shims call this; they decide which client headers reach the subgraphs
(``headers`` is propagated as given).

Progressive override (:mod:`router.supergraph.progressive_override`): when the supergraph has
``percent(x)`` labels, each execution draws which are on, and an operation is planned (and cached) per
set of labels on, by a planner over the supergraph with those overrides in force. A subscription
draws its labels once, when it starts (``router.execution.subscription``), and so does a ``@defer``
operation: its primary part and every deferred part run with the same labels
(``router.server.subscriptions.incremental``).
"""

from __future__ import annotations

import dataclasses
import random
import re
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    execute_sync,
    parse,
)
from graphql.execution.values import get_variable_values

from router.execution.defer import EntityStart
from router.execution.defer_inputs import DeferInputs
from router.execution.entities import TypeRelations
from router.execution.executor import Executor, SubgraphFetcher
from router.execution.fetcher import (
    Fetcher,
    FetchObserver,
    RateLimiter,
    RateLimitObserver,
    SharedObserver,
    SubgraphEndpoint,
)
from router.execution.shaping import INTROSPECTION_FIELDS, OperationShape
from router.execution.subgraph_tls import SubgraphTls
from router.query_plan import QueryPlan
from router.supergraph import Supergraph, load_supergraph
from router.supergraph.progressive_override import percent_labels, with_labels_on
from router.validation import validate

if TYPE_CHECKING:
    from router.query_planner.deferred import DeferredEntry
    from router.query_planner.query_planner import QueryPlanner

ErrorDict = dict[str, Any]


class Planner(Protocol):
    def build_query_plan(self, document: DocumentNode, operation_name: str | None = None) -> QueryPlan: ...


# Planners kept for sets of progressive-override labels on (each one's plans are cached with it).
LABEL_PLANNERS = 16


def _own_planner(supergraph: Supergraph) -> Planner:
    import router.query_planner as planning

    planner: Planner = planning.QueryPlanner(supergraph)
    # Plans are also cached by the engine per query text; the planner's own LRU (keyed by document and
    # operation name) serves other callers and cache misses of equal documents.
    caching = getattr(planning, "CachingQueryPlanner", None)
    if caching is not None:
        planner = caching(planner)
    return planner


_Key = TypeVar("_Key", bound=Hashable)
_Value = TypeVar("_Value")


def _least_recently_used(cache: OrderedDict[_Key, _Value], key: _Key, make: Callable[[], _Value], size: int) -> _Value:
    """``cache[key]``, made on a miss; past ``size`` entries the least recently used one goes."""
    found = cache.get(key)
    if found is not None:
        cache.move_to_end(key)
        return found
    made = cache[key] = make()
    if len(cache) > size:
        cache.popitem(last=False)
    return made


@dataclass(slots=True)
class PreparedOperation:
    """Everything about a query text that does not depend on the request's variables."""

    document: DocumentNode
    operation: OperationDefinitionNode
    shape: OperationShape
    plan: QueryPlan
    has_variable_definitions: bool
    introspection: bool
    is_query: bool = True
    introspection_document: DocumentNode | None = None
    introspection_cache: dict[str, Any] | None = field(default=None)


@dataclass(frozen=True, slots=True)
class RejectedOperation:
    """A query text that failed to parse, validate or resolve an operation; answered from cache."""

    errors: tuple[ErrorDict, ...]

    def response(self) -> dict[str, Any]:
        return {"errors": [dict(e) for e in self.errors]}


_QUOTED_NAME = re.compile(r"'([_A-Za-z$@\[][_0-9A-Za-z.!\[\]]*)'")


def _graphql_error(error: GraphQLError, code: str) -> ErrorDict:
    # graphql-core quotes names with ' where graphql-js (and so Apollo) uses ": match the reference.
    formatted: ErrorDict = {"message": _QUOTED_NAME.sub(r'"\1"', error.message)}
    if error.locations:
        formatted["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    formatted["extensions"] = {**(error.extensions or {}), "code": code}
    return formatted


class Engine:
    """Plans and executes GraphQL operations against the subgraphs of a supergraph."""

    def __init__(
        self,
        supergraph_sdl: str,
        *,
        subgraph_urls: Mapping[str, str] | None = None,
        subgraph_timeout: float = 30.0,
        subgraph_timeouts: Mapping[str, float] | None = None,
        deduplicate_query: bool | Callable[[str], bool] = True,
        subgraph_tls: Callable[[str], SubgraphTls | None] | None = None,
        subgraph_rate_limits: Callable[[str], RateLimiter | None] | None = None,
        pool_size: int = 100,
        operation_cache_size: int = 2048,
        planner: Planner | None = None,
        on_fetch: FetchObserver | None = None,
        on_shared: SharedObserver | None = None,
        on_rate_limited: RateLimitObserver | None = None,
        fetch_wrapper: Callable[[SubgraphFetcher], SubgraphFetcher] | None = None,
        label_draw: Callable[[], float] = random.random,
    ) -> None:
        self.supergraph: Supergraph = load_supergraph(supergraph_sdl)
        self.api_schema = self.supergraph.api_schema
        # Progressive override: the ``percent(x)`` labels, drawn per execution with ``label_draw`` (a
        # number in [0, 1)), and a planner per set of labels on. Only with our own planner: a planner
        # given here (Apollo's plans, in the differential tests) plans with every label off.
        self.percent_labels = percent_labels(self.supergraph) if planner is None else ()
        self._label_draw = label_draw
        self._label_planners: OrderedDict[frozenset[str], Planner] = OrderedDict()
        if planner is None:
            planner = _own_planner(self.supergraph)
        self.planner: Planner = planner
        urls = dict(subgraph_urls or {})
        timeouts = dict(subgraph_timeouts or {})
        # Identical query fetches in flight share one request, per subgraph (``deduplicate_query``).
        dedupe = deduplicate_query if callable(deduplicate_query) else (lambda _name: bool(deduplicate_query))
        tls = subgraph_tls or (lambda _name: None)
        # Budgets of requests per subgraph (``global_rate_limit``); the caller keeps them across reloads.
        rate_limit = subgraph_rate_limits or (lambda _name: None)
        self.endpoints = {
            name: SubgraphEndpoint(
                name,
                urls.get(name, info.url),
                timeouts.get(name, subgraph_timeout),
                dedupe(name),
                tls(name),
                rate_limit(name),
            )
            for name, info in self.supergraph.subgraphs.items()
        }
        self.fetcher = Fetcher(
            self.endpoints,
            pool_size=pool_size,
            on_fetch=on_fetch,
            on_shared=on_shared,
            on_rate_limited=on_rate_limited,
        )
        # ``fetch_wrapper`` lets the HTTP server act on each subgraph call (per-subgraph headers,
        # trace spans and ``traceparent``); without one the executor calls the fetcher directly.
        fetcher: SubgraphFetcher = fetch_wrapper(self.fetcher) if fetch_wrapper is not None else self.fetcher
        self.executor = Executor(fetcher, TypeRelations(self.supergraph.schema), self._key_fields)
        self._key_field_cache: dict[tuple[str, str], frozenset[str]] = {}
        # By (query, operation name), and with the set of labels on when progressive-override labels are.
        self._operations: OrderedDict[tuple[Any, ...], PreparedOperation | RejectedOperation] = OrderedDict()
        self._operation_cache_size = operation_cache_size
        self._deferred: OrderedDict[tuple[Any, ...], PreparedOperation | RejectedOperation] = OrderedDict()
        # Planners of deferred parts on entities, per set of progressive-override labels on.
        self._deferred_planners: OrderedDict[frozenset[str], QueryPlanner] = OrderedDict()

    def _key_fields(self, service: str, typename: str) -> frozenset[str]:
        cached = self._key_field_cache.get((service, typename))
        if cached is None:
            names: set[str] = set()
            for key in self.supergraph.keys(typename, service, resolvable_only=False):
                names.update(s.name.value for s in key.selection_set.selections if isinstance(s, FieldNode))
            cached = self._key_field_cache[(service, typename)] = frozenset(names)
        return cached

    async def execute(
        self,
        query: str,
        variables: Mapping[str, Any] | None = None,
        operation_name: str | None = None,
        headers: Mapping[str, str] | None = None,
        *,
        defer_inputs: DeferInputs | None = None,
        labels: frozenset[str] | None = None,
    ) -> dict[str, Any]:
        """``defer_inputs``: the operation is a primary part whose deferred parts on entities start as
        soon as the fetches yielding their inputs are merged (see :mod:`router.execution.defer_inputs`).
        ``labels``: the progressive-override labels on, when drawn for a whole ``@defer`` operation (None:
        drawn here)."""
        if labels is None and not self.percent_labels:
            prepared = self.prepare(query, operation_name)
        else:
            prepared = self.prepare_with_labels(query, operation_name, self.draw_labels() if labels is None else labels)
        return await self._execute(prepared, variables, headers, defer_inputs=defer_inputs)

    async def execute_deferred(
        self,
        query: str,
        variables: Mapping[str, Any] | None,
        operation_name: str | None,
        headers: Mapping[str, str] | None,
        start: EntityStart,
        seed: dict[str, Any],
        labels: frozenset[str] = frozenset(),
    ) -> dict[str, Any]:
        """A deferred part on an entity (``query`` selects the path down to its fragment), planned from
        the entities in ``seed`` (the primary part's ``__typename`` and keys at ``start.merge_path``)
        instead of from the root: see :mod:`router.query_planner.deferred`. ``labels``: the
        progressive-override labels on, those drawn for the whole operation."""
        key = (query, operation_name, start.depth, start.merge_path, start.entry, labels)
        prepared = self._cached(
            self._deferred, key, lambda: self._prepare_deferred(query, operation_name, start, labels)
        )
        return await self._execute(prepared, variables, headers, seed)

    def deferred_entry(self, type_name: str, field_names: list[str]) -> DeferredEntry | None:
        """Where a deferred fragment on ``type_name`` can start from the primary part (None: it cannot)."""
        from router.query_planner.deferred import deferred_entry

        return deferred_entry(self.supergraph, type_name, field_names)

    def _prepare_deferred(
        self, query: str, operation_name: str | None, start: EntityStart, labels: frozenset[str]
    ) -> PreparedOperation | RejectedOperation:
        base = self.prepare_with_labels(query, operation_name, labels)
        if isinstance(base, RejectedOperation):
            return base
        try:
            plan = self._deferred_planner_with(labels).build_deferred_plan(
                base.document, operation_name, start.depth, start.entry, start.merge_path
            )
        except Exception as error:  # a planner bug must not take the server down
            return _planning_failure(error)
        return dataclasses.replace(base, plan=plan, introspection=False)

    async def _execute(
        self,
        prepared: PreparedOperation | RejectedOperation,
        variables: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
        seed: dict[str, Any] | None = None,
        *,
        defer_inputs: DeferInputs | None = None,
    ) -> dict[str, Any]:
        if isinstance(prepared, RejectedOperation):
            return prepared.response()
        coerced: Mapping[str, Any]
        if prepared.has_variable_definitions:
            result = get_variable_values(
                self.api_schema, prepared.operation.variable_definitions or (), dict(variables or {})
            )
            if isinstance(result, list):
                return {"errors": [_graphql_error(e, "BAD_USER_INPUT") for e in result]}
            coerced = result
        else:
            coerced = {}
        data: dict[str, Any] = seed if seed is not None else {}
        errors: list[ErrorDict] = []
        if prepared.plan.node is not None:
            on_fetched = defer_inputs.watching(prepared.plan) if defer_inputs is not None else None
            data, errors = await self.executor.execute(
                prepared.plan, coerced, headers, shared=prepared.is_query, data=data, on_fetched=on_fetched
            )
        introspection = self._introspect(prepared, coerced) if prepared.introspection else None
        fetch_errors = len(errors)
        shaped = prepared.shape.shape(
            data,
            coerced,
            errors,
            report_null_errors=not any("path" not in e for e in errors),
            introspection=introspection,
        )
        if fetch_errors and len(errors) > fetch_errors:
            errors = _drop_explained(errors, fetch_errors)
        response: dict[str, Any] = {"data": shaped}
        if errors:
            response["errors"] = errors
        return response

    def prepare(self, query: str, operation_name: str | None = None) -> PreparedOperation | RejectedOperation:
        """The cached parse/validate/plan result for a query text (computed on a miss), every label off."""
        return self._cached(
            self._operations, (query, operation_name), lambda: self._prepare(query, operation_name, self.planner)
        )

    def prepare_with_labels(
        self, query: str, operation_name: str | None, labels: frozenset[str]
    ) -> PreparedOperation | RejectedOperation:
        """As :meth:`prepare`, planned with the progressive-override ``labels`` on."""
        if not labels:
            return self.prepare(query, operation_name)
        key = (query, operation_name, labels)
        return self._cached(
            self._operations, key, lambda: self._prepare(query, operation_name, self._planner_with(labels))
        )

    def draw_labels(self) -> frozenset[str]:
        """The progressive-override labels on for one execution: ``percent(x)`` with probability x %."""
        draw = self._label_draw
        return frozenset(label for label, percent in self.percent_labels if draw() * 100.0 < percent)

    def planner_for(self, labels: frozenset[str]) -> Planner:
        """The planner for operations with the progressive-override ``labels`` on (none: :attr:`planner`)."""
        return self._planner_with(labels) if labels else self.planner

    def _deferred_planner_with(self, labels: frozenset[str]) -> QueryPlanner:
        def make() -> QueryPlanner:
            from router.query_planner.query_planner import QueryPlanner

            return QueryPlanner(with_labels_on(self.supergraph, labels) if labels else self.supergraph)

        return _least_recently_used(self._deferred_planners, labels, make, LABEL_PLANNERS)

    def _planner_with(self, labels: frozenset[str]) -> Planner:
        def make() -> Planner:
            return _own_planner(with_labels_on(self.supergraph, labels))

        return _least_recently_used(self._label_planners, labels, make, LABEL_PLANNERS)

    def _cached(
        self,
        cache: OrderedDict[Any, PreparedOperation | RejectedOperation],
        key: Any,
        make: Callable[[], PreparedOperation | RejectedOperation],
    ) -> PreparedOperation | RejectedOperation:
        return _least_recently_used(cache, key, make, self._operation_cache_size)

    def _prepare(
        self, query: str, operation_name: str | None, planner: Planner
    ) -> PreparedOperation | RejectedOperation:
        try:
            document = parse(query)
        except GraphQLError as error:
            return RejectedOperation((_graphql_error(error, "GRAPHQL_PARSE_FAILED"),))
        validation_errors = validate(self.api_schema, document)
        if validation_errors:
            return RejectedOperation(tuple(_graphql_error(e, "GRAPHQL_VALIDATION_FAILED") for e in validation_errors))
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if operation_name is None:
            if len(operations) != 1:
                return _resolution_failure("Must provide operation name if query contains multiple operations.")
            operation = operations[0]
        else:
            named = [op for op in operations if op.name is not None and op.name.value == operation_name]
            if not named:
                return _resolution_failure(f'Unknown operation named "{operation_name}".')
            operation = named[0]
        if self.api_schema.get_root_type(operation.operation) is None:
            kind = operation.operation.value
            return RejectedOperation(
                (
                    {
                        "message": f"The schema has no {kind} type: {kind} operations are not supported.",
                        "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
                    },
                )
            )
        if operation.operation == OperationType.SUBSCRIPTION:
            return _resolution_failure("Subscriptions are not supported by this router.")
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        shape = OperationShape(self.api_schema, operation, fragments)
        introspection_fields = [
            s
            for s in operation.selection_set.selections
            if isinstance(s, FieldNode) and s.name.value in INTROSPECTION_FIELDS
        ]
        introspection_document: DocumentNode | None = None
        planned_document = document
        if introspection_fields:
            introspection_document = _with_root_selections(document, operation, introspection_fields)
            remaining = [
                s
                for s in operation.selection_set.selections
                if not (isinstance(s, FieldNode) and s.name.value in INTROSPECTION_FIELDS)
            ]
            planned_document = _with_root_selections(document, operation, remaining)
        if _only_typename(planned_document, operation.name.value if operation.name else None):
            plan = QueryPlan(None)
        else:
            try:
                plan = planner.build_query_plan(planned_document, operation_name)
            except Exception as error:  # a planner bug must not take the server down
                return _planning_failure(error)
        return PreparedOperation(
            document=document,
            operation=operation,
            shape=shape,
            plan=plan,
            has_variable_definitions=bool(operation.variable_definitions),
            introspection=bool(introspection_fields),
            is_query=operation.operation == OperationType.QUERY,
            introspection_document=introspection_document,
        )

    def _introspect(self, prepared: PreparedOperation, variables: Mapping[str, Any]) -> dict[str, Any]:
        if prepared.introspection_cache is not None:
            return prepared.introspection_cache
        assert prepared.introspection_document is not None
        result = execute_sync(
            self.api_schema,
            prepared.introspection_document,
            variable_values=dict(variables),
            operation_name=prepared.operation.name.value if prepared.operation.name else None,
        )
        data = result.data or {}
        if not prepared.has_variable_definitions:
            prepared.introspection_cache = data
        return data

    async def aclose(self) -> None:
        await self.fetcher.aclose()


def _planning_failure(error: Exception) -> RejectedOperation:
    return RejectedOperation(
        ({"message": f"query planning failed: {error}", "extensions": {"code": "QUERY_PLANNING_FAILED"}},)
    )


def _resolution_failure(message: str) -> RejectedOperation:
    return RejectedOperation(({"message": message, "extensions": {"code": "OPERATION_RESOLUTION_FAILURE"}},))


def _with_root_selections(
    document: DocumentNode, operation: OperationDefinitionNode, selections: list[Any]
) -> DocumentNode:
    """A copy of ``document`` where ``operation`` keeps only ``selections`` at its root."""
    replaced = OperationDefinitionNode(
        operation=operation.operation,
        name=operation.name,
        variable_definitions=operation.variable_definitions,
        directives=operation.directives,
        selection_set=SelectionSetNode(selections=tuple(selections)),
    )
    definitions = [replaced if d is operation else d for d in document.definitions]
    return DocumentNode(definitions=tuple(definitions))


def _only_typename(document: DocumentNode, operation_name: str | None) -> bool:
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode) and (
            operation_name is None or (definition.name is not None and definition.name.value == operation_name)
        ):
            return all(
                isinstance(s, FieldNode) and s.name.value == "__typename" for s in definition.selection_set.selections
            )
    return False


def _drop_explained(errors: list[ErrorDict], fetch_errors: int) -> list[ErrorDict]:
    """Drop null-propagation errors at or above a path where a subgraph error already explains it."""
    explained = [tuple(e["path"]) for e in errors[:fetch_errors] if "path" in e]
    kept = errors[:fetch_errors]
    for error in errors[fetch_errors:]:
        path = tuple(error.get("path") or ())
        if any(p[: len(path)] == path for p in explained):
            continue
        kept.append(error)
    return kept
