"""``@defer`` delivery: the primary part first, then each deferred part as soon as it is in.

Parts that run from the root start beside the primary part; parts on an entity
(:class:`~router.execution.defer.EntityStart`) start as soon as the primary fetches that yield
their inputs are merged (:mod:`router.execution.defer_inputs`), however long the rest of the
primary part takes, from the ``__typename`` and key the primary part selected for them under hidden
aliases (read into their ``seed``, then removed from the primary part before the client sees it).
Whatever a part's progress, the primary part is delivered first.

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
from router.execution.defer_inputs import DeferInputs, seed_of
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
        # Progressive override: one draw for the whole operation, so no two parts plan a field differently.
        labels = engine.draw_labels() if engine.percent_labels else None
    finally:
        pipeline.holder.release(runtime)

    entity_parts = {number: (part.path, part.start) for number, part in enumerate(split.parts) if part.start}
    inputs = DeferInputs(entity_parts) if entity_parts else None

    def run(
        text: str, deferred: tuple[EntityStart, dict[str, Any]] | None = None, watch: DeferInputs | None = None
    ) -> asyncio.Task[Outcome]:
        sub = GraphQLRequest(
            text,
            dict(request.variables or {}),
            request.operation_name,
            deferred=deferred,
            defer_inputs=watch,
            labels=labels,
        )
        return asyncio.ensure_future(
            pipeline.run(sub, method=method, principal=principal, subgraph_headers=headers, shareable=deferred is None)
        )

    primary_task = run(print_ast(split.primary), watch=inputs)

    async def from_entities(number: int, part: DeferredPart, start: EntityStart) -> Outcome:
        """Part ``number`` once its inputs are merged (else once the primary part is in), from them."""
        assert inputs is not None
        merged, seed = await inputs.seed(number, primary_task)
        if not merged:
            seed = seed_of((await primary_task).body.get("data"), part.path, start.hidden)
        if not collect_at_path(seed, start.merge_path):
            return Outcome(200, {"data": None})  # no object at its path: nothing to fetch
        return await run(print_ast(part.document), (start, seed))

    # Parts from the root start at once; parts on entities as soon as their inputs are in.
    part_tasks: dict[asyncio.Future[Outcome], DeferredPart] = {}
    for number, part in enumerate(split.parts):
        task = (
            run(print_ast(part.document))
            if part.start is None
            else asyncio.ensure_future(from_entities(number, part, part.start))
        )
        part_tasks[task] = part
    try:
        primary = await primary_task
    except BaseException:
        for pending_part in part_tasks:
            pending_part.cancel()
        raise
    if primary.status >= 400 or "data" not in primary.body or not split.parts:
        for pending_part in part_tasks:
            pending_part.cancel()
        if primary.status >= 400:
            return primary, None
    data = primary.body.get("data")
    if entity_parts and isinstance(data, dict):
        data = copy.deepcopy(data)
        for path, start in entity_parts.values():
            for _, obj in _parents(data, path):
                for alias, _field in start.hidden:
                    obj.pop(alias, None)
        primary = Outcome(primary.status, {**primary.body, "data": data})
    return None, _payloads(primary, part_tasks, spec)


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
                # only where the primary part delivered an object (a part on an entity may have read
                # its inputs before the primary part's nulls propagated)
                delivered = {concrete for concrete, _ in _parents(data, part.path)}
                items = []
                for concrete, obj in found:
                    if concrete not in delivered:
                        continue
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
