"""An LRU cache in front of the planner: a cached plan costs one dict lookup.

Keyed by ``(query text, operation name)``; pass the client's query text as ``cache_key`` (the
server has it at hand), else the document is printed to make the key.
"""

from __future__ import annotations

from collections import OrderedDict

from graphql import DocumentNode, print_ast

from router.query_plan import QueryPlan

from .query_planner import QueryPlanner


class CachingQueryPlanner:
    def __init__(self, planner: QueryPlanner, max_size: int = 1024) -> None:
        if max_size < 1:
            raise ValueError("max_size must be at least 1")
        self.planner = planner
        self.max_size = max_size
        self.hits = 0
        self.misses = 0
        self._plans: OrderedDict[tuple[str, str | None], QueryPlan] = OrderedDict()

    def __len__(self) -> int:
        return len(self._plans)

    def get(self, cache_key: str, operation_name: str | None) -> QueryPlan | None:
        """The cached plan, if any (counts a hit or a miss)."""
        key = (cache_key, operation_name)
        plan = self._plans.get(key)
        if plan is None:
            self.misses += 1
            return None
        self.hits += 1
        self._plans.move_to_end(key)
        return plan

    def build_query_plan(
        self, document: DocumentNode, operation_name: str | None = None, *, cache_key: str | None = None
    ) -> QueryPlan:
        text = cache_key if cache_key is not None else print_ast(document)
        plan = self.get(text, operation_name)
        if plan is not None:
            return plan
        plan = self.planner.build_query_plan(document, operation_name)
        self._plans[(text, operation_name)] = plan
        if len(self._plans) > self.max_size:
            self._plans.popitem(last=False)
        return plan

    def clear(self) -> None:
        self._plans.clear()
