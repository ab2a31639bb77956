"""Run a query plan: switch on the node kind and recurse.

Every fetch writes into one mutable tree of merged data (keyed by response keys, as the fetch
operations name them). ``Sequence`` runs its children in order, ``Parallel`` at once, ``Condition``
reads a variable, a root ``Fetch`` merges its ``data`` into the root, and ``Flatten`` runs an entity
fetch for the objects found at its path (see ``entities.py``). Errors are collected, never raised:
a failed fetch leaves its fields absent and the rest of the plan still runs where it can.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Mapping
from typing import Any, Protocol

import orjson

from router.execution.entities import EntityBatch, TypeRelations, apply_rewrites, collect_at_path
from router.execution.merge import deep_merge
from router.query_plan import (
    ConditionNode,
    FetchNode,
    FlattenNode,
    ParallelNode,
    PlanNode,
    QueryPlan,
    SequenceNode,
)

ErrorDict = dict[str, Any]
KeyFieldsLookup = Callable[[str, str], Collection[str]]


class SubgraphFetcher(Protocol):
    async def fetch(
        self, service: str, body: bytes, headers: Mapping[str, str] | None = None, *, shared: bool = False
    ) -> dict[str, Any]:
        """``shared``: an identical request in flight may answer this one (queries only, never mutations)."""
        ...


class _Prefixes:
    """Per fetch node, the serialized request prefix (query and operation name), made once.

    Nodes are frozen dataclasses whose hash walks every field, so the cache is keyed by identity and
    keeps the node alive to make identity reuse impossible.
    """

    def __init__(self) -> None:
        self._cache: dict[int, tuple[FetchNode, bytes]] = {}

    def get(self, node: FetchNode) -> bytes:
        entry = self._cache.get(id(node))
        if entry is not None and entry[0] is node:
            return entry[1]
        prefix = b'{"query":' + orjson.dumps(node.operation)
        if node.operation_name:
            prefix += b',"operationName":' + orjson.dumps(node.operation_name)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[id(node)] = (node, prefix)
        return prefix


class Executor:
    """Executes plans against subgraphs through a fetcher; shared by all requests."""

    def __init__(
        self,
        fetcher: SubgraphFetcher,
        relations: TypeRelations,
        key_fields: KeyFieldsLookup | None = None,
    ) -> None:
        self.fetcher = fetcher
        self.relations = relations
        self.key_fields = key_fields
        self._prefixes = _Prefixes()

    async def execute(
        self,
        plan: QueryPlan,
        variables: Mapping[str, Any],
        headers: Mapping[str, str] | None = None,
        *,
        shared: bool = False,
        data: dict[str, Any] | None = None,
        on_fetched: Callable[[FetchNode, dict[str, Any]], None] | None = None,
    ) -> tuple[dict[str, Any], list[ErrorDict]]:
        """Run ``plan``; return the merged (unshaped) data and the errors collected.

        ``shared``: the plan is a query's, so its fetches may join identical ones in flight.
        ``data``: the tree the plan starts from (a deferred part's: the entities its first fetch reads).
        ``on_fetched``: called with each fetch node once its result is merged, and the data so far
        (the primary part's deferred parts on entities start from it: ``defer_inputs.py``).
        """
        run = _Run(self, variables, headers, shared, on_fetched)
        if data is not None:
            run.data = data
        if plan.node is not None:
            await run.node(plan.node)
        return run.data, run.errors


class _Run:
    """The state of one plan execution."""

    __slots__ = ("data", "errors", "executor", "headers", "on_fetched", "shared", "variables")

    def __init__(
        self,
        executor: Executor,
        variables: Mapping[str, Any],
        headers: Mapping[str, str] | None,
        shared: bool,
        on_fetched: Callable[[FetchNode, dict[str, Any]], None] | None = None,
    ) -> None:
        self.executor = executor
        self.on_fetched = on_fetched
        self.variables = variables
        self.headers = headers
        self.shared = shared
        self.data: dict[str, Any] = {}
        self.errors: list[ErrorDict] = []

    async def node(self, node: PlanNode) -> None:
        if isinstance(node, FetchNode):
            await self.root_fetch(node)
            if self.on_fetched is not None:
                self.on_fetched(node, self.data)
        elif isinstance(node, FlattenNode):
            await self.flatten(node)
            if self.on_fetched is not None:
                self.on_fetched(node.node, self.data)
        elif isinstance(node, SequenceNode):
            for child in node.nodes:
                await self.node(child)
        elif isinstance(node, ParallelNode):
            # The first branch runs in this task, the others in tasks of their own (one task fewer per
            # Parallel than gather over them all; a plan's Parallels are where its tasks come from).
            first, *others = node.nodes
            if not others:
                await self.node(first)
                return
            loop = asyncio.get_running_loop()
            tasks = [loop.create_task(self.node(child)) for child in others]
            await self.node(first)
            await asyncio.gather(*tasks)
        elif isinstance(node, ConditionNode):
            branch = node.if_clause if self.variables.get(node.condition) is True else node.else_clause
            if branch is not None:
                await self.node(branch)
        else:  # pragma: no cover - the plan union is closed
            raise TypeError(f"unknown plan node {node!r}")

    def _variables_bytes(self, fetch: FetchNode) -> bytes:
        """The ``variables`` members for ``fetch`` (without braces), serialized."""
        if not fetch.variable_usages:
            return b""
        variables = self.variables
        used = {name: variables[name] for name in fetch.variable_usages if name in variables}
        if not used:
            return b""
        return orjson.dumps(used)[1:-1]

    async def root_fetch(self, fetch: FetchNode) -> None:
        prefix = self.executor._prefixes.get(fetch)
        members = self._variables_bytes(fetch)
        body = prefix + b',"variables":{' + members + b"}}"
        response = await self.executor.fetcher.fetch(fetch.service_name, body, self.headers, shared=self.shared)
        self._collect_errors(fetch.service_name, response.get("errors"), None)
        data = response.get("data")
        if isinstance(data, dict):
            if fetch.output_rewrites:
                apply_rewrites(self.executor.relations, fetch.output_rewrites, data)
            deep_merge(self.data, data)

    async def flatten(self, flatten: FlattenNode) -> None:
        fetch = flatten.node
        objects = collect_at_path(self.data, flatten.path)
        if not objects:
            return
        if not fetch.requires:
            # A plain fetch under a Flatten: its data merges into every object found.
            response = await self._send(fetch, b"")
            self._collect_errors(fetch.service_name, response.get("errors"), None)
            data = response.get("data")
            if isinstance(data, dict):
                if fetch.output_rewrites:
                    apply_rewrites(self.executor.relations, fetch.output_rewrites, data)
                for obj in objects:
                    deep_merge(obj, data)
            return
        key_fields = self.executor.key_fields
        batch = EntityBatch.build(
            objects,
            fetch,
            self.executor.relations,
            (lambda typename: key_fields(fetch.service_name, typename)) if key_fields else None,
        )
        if not batch.representations:
            return
        response = await self._send(fetch, b'"representations":' + batch.encoded())
        errors = response.get("errors")
        if errors:
            self._collect_errors(fetch.service_name, errors, (flatten.path, batch))
        data = response.get("data")
        if not isinstance(data, dict):
            return
        entities = data.get("_entities")
        if not isinstance(entities, list):
            if not errors:
                self.errors.append(_executor_error(fetch.service_name, 'Expected "data._entities" to be an array'))
            return
        if len(entities) != len(batch.representations):
            self.errors.append(
                _executor_error(
                    fetch.service_name,
                    f'Expected "data._entities" to contain {len(batch.representations)} elements',
                )
            )
            return
        batch.merge(entities, fetch, self.executor.relations)

    async def _send(self, fetch: FetchNode, extra_members: bytes) -> dict[str, Any]:
        prefix = self.executor._prefixes.get(fetch)
        members = self._variables_bytes(fetch)
        if members and extra_members:
            members += b"," + extra_members
        else:
            members = members or extra_members
        body = prefix + b',"variables":{' + members + b"}}"
        return await self.executor.fetcher.fetch(fetch.service_name, body, self.headers, shared=self.shared)

    def _collect_errors(
        self,
        service: str,
        errors: Any,
        entity_context: tuple[tuple[str, ...], EntityBatch] | None,
    ) -> None:
        if not errors or not isinstance(errors, list):
            return
        for error in errors:
            if not isinstance(error, dict):
                continue
            extensions = dict(error.get("extensions") or {})
            extensions.setdefault("code", "DOWNSTREAM_SERVICE_ERROR")
            extensions["serviceName"] = service
            message = error.get("message") or f'Error while fetching subquery from service "{service}"'
            path = error.get("path")
            if entity_context is not None and isinstance(path, list) and len(path) >= 2 and isinstance(path[1], int):
                flatten_path, batch = entity_context
                for object_path in batch.paths_of(path[1], self.data, flatten_path):
                    self.errors.append(
                        {"message": message, "path": [*object_path, *path[2:]], "extensions": extensions}
                    )
                continue
            formatted: ErrorDict = {"message": message}
            if isinstance(path, list) and entity_context is None:
                formatted["path"] = path
            formatted["extensions"] = extensions
            self.errors.append(formatted)


def _executor_error(service: str, message: str) -> ErrorDict:
    return {"message": message, "extensions": {"code": "SUBREQUEST_MALFORMED_RESPONSE", "serviceName": service}}
