"""When a deferred part on an entity may start: once the primary fetches yielding its inputs are merged.

The primary part selects, for each deferred part on an entity, the ``__typename`` and key at the
fragment's parent under hidden aliases (:class:`~router.execution.defer.EntityStart`). The fetches
of the primary plan whose operation selects one of those aliases yield the part's inputs (Apollo's
``DeferNode`` ``depends``): once each of them has been merged, every object at the part's path is
in the merged data with its key, so the part's seed is read there and the part may start, however
long the rest of the primary part takes. The engine hands the primary plan to :meth:`DeferInputs.watching`
and the executor reports each merged fetch to the callback it returns.

When that never happens (no fetch of the plan selects the aliases, a condition skipped them, the
primary part was answered by an identical request in flight), the part starts from the primary
part's response instead, once it is in.
"""

from __future__ import annotations

import asyncio
import copy
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from router.execution.defer import EntityStart
from router.query_plan import ConditionNode, FetchNode, FlattenNode, PlanNode, QueryPlan

FetchedCallback = Callable[[FetchNode, dict[str, Any]], None]


def seed_of(data: Any, path: tuple[str, ...], hidden: tuple[tuple[str, str], ...]) -> Any:
    """``data`` down to ``path``, with only the hidden ``__typename`` and key there, under their own
    names: the tree a deferred part's entity fetch reads its representations from. Copied: the part
    merges into it while the primary part may still be merging into ``data``."""
    if isinstance(data, list):
        return [seed_of(item, path, hidden) for item in data]
    if not isinstance(data, dict):
        return None
    if not path:
        return {field: copy.deepcopy(data[alias]) for alias, field in hidden if alias in data}
    return {path[0]: seed_of(data.get(path[0]), path[1:], hidden)}


def _fetches(node: PlanNode | None) -> Iterator[FetchNode]:
    if node is None:
        return
    if isinstance(node, FetchNode):
        yield node
    elif isinstance(node, FlattenNode):
        yield node.node
    elif isinstance(node, ConditionNode):
        yield from _fetches(node.if_clause)
        yield from _fetches(node.else_clause)
    else:
        for child in node.nodes:
            yield from _fetches(child)


def _selects(aliases: tuple[str, ...]) -> re.Pattern[str]:
    """Matches an operation selecting a field under one of ``aliases`` (``alias:``; the hidden
    aliases are unique to their part)."""
    names = "|".join(re.escape(alias) for alias in aliases)
    return re.compile(rf"(?<![_0-9A-Za-z])(?:{names})\s*:")


class DeferInputs:
    """The primary part's watch for its deferred parts on entities (by part number): each part's seed,
    as soon as the primary fetches yielding it are merged."""

    def __init__(self, parts: Mapping[int, tuple[tuple[str, ...], EntityStart]]) -> None:
        self._parts = dict(parts)  # number -> (the fragment's parent path, how the part starts)
        loop = asyncio.get_running_loop()
        self._seeds: dict[int, asyncio.Future[Any]] = {number: loop.create_future() for number in parts}
        self._waiting: dict[int, set[int]] = {}  # number -> ids of the fetch nodes not merged yet

    def watching(self, plan: QueryPlan) -> FetchedCallback | None:
        """Called with the primary plan about to run; the callback the executor calls per merged fetch."""
        fetches = list(_fetches(plan.node))
        for number, (_path, start) in self._parts.items():
            pattern = _selects(tuple(alias for alias, _field in start.hidden))
            producers = {id(fetch) for fetch in fetches if pattern.search(fetch.operation)}
            if producers:
                self._waiting[number] = producers
        return self._fetched if self._waiting else None

    def _fetched(self, fetch: FetchNode, data: dict[str, Any]) -> None:
        for number in list(self._waiting):
            waiting = self._waiting[number]
            waiting.discard(id(fetch))
            if not waiting:
                del self._waiting[number]
                path, start = self._parts[number]
                seed = self._seeds[number]
                if not seed.done():
                    seed.set_result(seed_of(data, path, start.hidden))

    async def seed(self, number: int, primary: asyncio.Future[Any]) -> tuple[bool, Any]:
        """``(True, seed)`` once part ``number``'s inputs are merged, or ``(False, None)`` when the
        primary part ends first (its response then gives the seed)."""
        ready = self._seeds[number]
        await asyncio.wait((ready, primary), return_when=asyncio.FIRST_COMPLETED)
        if ready.done():
            return True, ready.result()
        return False, None
