"""``@defer`` delivery: the primary part first, then each deferred part as soon as it is in.

Formats, chosen by the client's ``Accept``: ``deferSpec=20220824`` (Apollo Client 3: each later
payload is ``{"incremental": [{"data", "path", "label"}], "hasNext"}``) or, by default,
``incrementalSpec=v0.2`` (the GraphQL incremental delivery RFC: the first payload announces
``pending: [{"id", "path", "label"}]``, later ones carry ``incremental: [{"id", "data"}]`` and
``completed: [{"id"}]``). Both over ``multipart/mixed`` (boundary ``-``) or SSE.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from typing import Any

from graphql import OperationDefinitionNode, parse, print_ast

from router.execution.defer import DeferredPart, split_defer
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
    split = split_defer(document, operation, request.variables or {})

    def run(text: str) -> asyncio.Task[Outcome]:
        sub = GraphQLRequest(text, dict(request.variables or {}), request.operation_name)
        return asyncio.ensure_future(pipeline.run(sub, method=method, principal=principal, subgraph_headers=headers))

    primary_task = run(print_ast(split.primary))
    part_tasks = {run(print_ast(part.document)): part for part in split.parts}
    primary = await primary_task
    if primary.status >= 400 or "data" not in primary.body or not split.parts:
        for task in part_tasks:
            task.cancel()
        if primary.status >= 400:
            return primary, None
    return None, _payloads(primary, part_tasks, spec)


async def _payloads(
    primary: Outcome, part_tasks: dict[asyncio.Task[Outcome], DeferredPart], spec: str
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
