"""``@defer`` delivery: the primary part first, then each deferred part as soon as it is in.

Parts that run from the root start beside the primary part; parts on an entity
(:class:`~router.execution.defer.EntityStart`) start once the primary data is in, from the
``__typename`` and key the primary part selected for them under hidden aliases (read into their
``seed``, then removed from the primary part before the client sees it).

Formats, chosen by the client's ``Accept``: ``deferSpec=20220824`` (Apollo Client 3: each later
payload is ``{"incremental": [{"data", "path", "label"}], "hasNext"}``) or, by default,
``incrementalSpec=v0.2`` (the GraphQL incremental delivery RFC: the first payload announces
``pending: [{"id", "path", "label"}]``, later ones carry ``incremental: [{"id", "data"}]`` and
``completed: [{"id"}]``). Both over ``multipart/mixed`` (boundary ``-``) or SSE.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator, Mapping
from typing import Any

from graphql import OperationDefinitionNode, parse, print_ast

from router.execution.defer import DeferredPart, EntityStart, split_defer
from router.execution.entities import collect_at_path
from router.server.graphql_request import GraphQLRequest
from router.server.pipeline import Outcome, Pipeline
from servicekit.auth import Principal

DEFER_SPEC = "20220824"


def spec_of(accept: str) -> str:
    return "defer" if "deferspec=20220824" in accept.lower().replace(" ", "").replace('"', "") else "v0.2"


def _parents(
    data: Any, path: tuple[str, ...], prefix: tuple[str | int, ...] = ()
) -> list[tuple[tuple[str | int, ...], Any]]:
    """The objects at ``path`` in ``data``, with their concrete paths (list items get their index)."""
    if isinstance(data, list):
        found = []
        for index, item in enumerate(data):
            found += _parents(item, path, (*prefix, index))
        return found
    if not isinstance(data, dict):
        return []
    if not path:
        return [(prefix, data)]
    return _parents(data.get(path[0]), path[1:], (*prefix, path[0]))


async def deferred_payloads(
    pipeline: Pipeline,
    request: GraphQLRequest,
    *,
    method: str,
    principal: Principal | None,
    headers: Mapping[str, str],
    spec: str,
) -> tuple[Outcome | None, AsyncIterator[dict[str, Any]] | None]:
    """``(refusal, None)`` when the primary part is refused; else ``(None, payloads)``."""
    assert request.query is not None
    document = parse(request.query)
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    operation = next(
        (
            o
            for o in operations
            if request.operation_name is None or (o.name and o.name.value == request.operation_name)
        ),
        None,
    )
    if operation is None:
        return await pipeline.run(request, method=method, principal=principal, subgraph_headers=headers), None
    runtime = pipeline.holder.acquire()
    try:
        engine = runtime.engine
        split = split_defer(document, operation, request.variables or {}, engine.api_schema, engine.deferred_entry)
    finally:
        pipeline.holder.release(runtime)

    def run(text: str, deferred: tuple[EntityStart, dict[str, Any]] | None = None) -> asyncio.Task[Outcome]:
        sub = GraphQLRequest(text, dict(request.variables or {}), request.operation_name, deferred=deferred)
        return asyncio.ensure_future(
            pipeline.run(sub, method=method, principal=principal, subgraph_headers=headers, shareable=deferred is None)
        )

    primary_task = run(print_ast(split.primary))
    # Parts from the root start at once; parts on entities once the primary data is in (their inputs).
    early = {number: run(print_ast(part.document)) for number, part in enumerate(split.parts) if part.start is None}
    primary = await primary_task
    if primary.status >= 400 or "data" not in primary.body or not split.parts:
        for task in early.values():
            task.cancel()
        if primary.status >= 400:
            return primary, None
    data = primary.body.get("data")
    part_tasks: dict[asyncio.Future[Outcome], DeferredPart] = {}
    for number, part in enumerate(split.parts):
        if part.start is None:
            part_tasks[early[number]] = part
            continue
        seed = _seed(data, part.path, part.start.hidden)
        if collect_at_path(seed, part.start.merge_path):
            part_tasks[run(print_ast(part.document), (part.start, seed))] = part
        else:  # no object at its path: nothing to fetch
            nothing: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
            nothing.set_result(Outcome(200, {"data": None}))
            part_tasks[nothing] = part
    if any(part.start is not None for part in split.parts) and isinstance(data, dict):
        data = copy.deepcopy(data)
        for part in split.parts:
            if part.start is not None:
                for _, obj in _parents(data, part.path):
                    for alias, _field in part.start.hidden:
                        obj.pop(alias, None)
        primary = Outcome(primary.status, {**primary.body, "data": data})
    return None, _payloads(primary, part_tasks, spec)


def _seed(data: Any, path: tuple[str, ...], hidden: tuple[tuple[str, str], ...]) -> Any:
    """The primary ``data`` down to ``path``, with only the hidden ``__typename`` and key there, under their
    own names: the tree a deferred part's entity fetch reads its representations from."""
    if isinstance(data, list):
        return [_seed(item, path, hidden) for item in data]
    if not isinstance(data, dict):
        return None
    if not path:
        return {field: data[alias] for alias, field in hidden if alias in data}
    return {path[0]: _seed(data.get(path[0]), path[1:], hidden)}


async def _payloads(
    primary: Outcome, part_tasks: dict[asyncio.Future[Outcome], DeferredPart], spec: str
) -> AsyncIterator[dict[str, Any]]:
    first = dict(primary.body)
    data = first.get("data")
    pending: dict[tuple[int, tuple[str | int, ...]], str] = {}
    parts = list(part_tasks.values())
    if spec != "defer":
        announced = []
        for number, part in enumerate(parts):
            for concrete, _ in _parents(data, part.path):
                pending[(number, concrete)] = str(len(pending))
                entry: dict[str, Any] = {"id": pending[(number, concrete)], "path": list(concrete)}
                if part.label is not None:
                    entry["label"] = part.label
                announced.append(entry)
        if announced:
            first["pending"] = announced
    first["hasNext"] = bool(part_tasks) and (spec == "defer" or bool(pending))
    yield first
    if not first["hasNext"]:
        for task in part_tasks:
            task.cancel()
        return
    remaining = set(part_tasks)
    while remaining:
        done, remaining = await asyncio.wait(remaining, return_when=asyncio.FIRST_COMPLETED)
        payload: dict[str, Any] = {}
        for task in done:
            part = part_tasks[task]
            number = parts.index(part)
            body = task.result().body
            errors = body.get("errors")
            found = _parents(body.get("data"), part.path)
            if spec == "defer":
                items = []
                for concrete, obj in found:
                    item: dict[str, Any] = {"data": obj, "path": list(concrete)}
                    if part.label is not None:
                        item["label"] = part.label
                    items.append(item)
                if errors:
                    if items:
                        items[0]["errors"] = errors
                    else:
                        items.append({"data": None, "path": list(part.path), "errors": errors})
                payload.setdefault("incremental", []).extend(items)
            else:
                by_path = dict(found)
                for (owner, concrete), ident in pending.items():
                    if owner != number:
                        continue
                    if concrete in by_path:
                        payload.setdefault("incremental", []).append({"id": ident, "data": by_path[concrete]})
                    completed: dict[str, Any] = {"id": ident}
                    if errors and concrete not in by_path:
                        completed["errors"] = errors
                    payload.setdefault("completed", []).append(completed)
        payload["hasNext"] = bool(remaining)
        yield payload
