"""The planner's front: operation document → :class:`~router.query_plan.QueryPlan`.

Plans are compared by :func:`~.cost.plan_cost` (fetches, then depth). The traversal picks each
field's subgraph by an estimate; for root fields that several subgraphs resolve (``@shareable``),
the planner also plans the alternatives (one root field moved to another subgraph at a time, at
most ``MAX_ALTERNATIVES`` plans) and keeps the cheapest, so a first-found choice never wins over a
cheaper plan (e.g. through a subgraph whose ``@provides`` saves a fetch).
"""

from __future__ import annotations

from graphql import DocumentNode

from router.query_plan import QueryPlan
from router.supergraph import Supergraph

from .aliasing import NonMergingFieldAliaser
from .cost import plan_cost
from .deferred import DeferredEntry, DeferredTraversal, fragment_at
from .fetch_dependency_graph_processor import FetchDependencyGraphProcessor
from .operation import NormalizedOperation, PlanningError, normalize
from .planning_traversal import PlanningTraversal
from .query_graph import QueryGraph

MAX_ALTERNATIVES = 8


class QueryPlanner:
    """Plans operations against one supergraph. Stateless between calls apart from lookups it
    memoizes about the supergraph, so one instance serves every request."""

    def __init__(self, supergraph: Supergraph) -> None:
        self.supergraph = supergraph
        self.query_graph = QueryGraph(supergraph)
        self.aliaser = NonMergingFieldAliaser(supergraph, self.query_graph)

    def build_query_plan(self, document: DocumentNode, operation_name: str | None = None) -> QueryPlan:
        operation = normalize(document, operation_name)
        traversal = PlanningTraversal(self.supergraph, self.query_graph, operation)
        best = self._finish(operation, traversal)
        if operation.kind != "query":
            return best
        best_cost = plan_cost(best)
        tried = 1
        for index, graph in traversal.root_alternatives():
            if tried >= MAX_ALTERNATIVES:
                break
            tried += 1
            overrides = {**traversal.root_choices, index: graph}
            try:
                candidate = self._finish(
                    operation, PlanningTraversal(self.supergraph, self.query_graph, operation, overrides)
                )
            except PlanningError:
                continue
            cost = plan_cost(candidate)
            if cost < best_cost:
                best, best_cost = candidate, cost
        return best

    def build_deferred_plan(
        self,
        document: DocumentNode,
        operation_name: str | None,
        depth: int,
        entry: DeferredEntry,
        merge_path: tuple[str, ...],
    ) -> QueryPlan:
        """The plan of a deferred fragment on an entity, from the primary part's results (``deferred``).

        ``document`` selects the chain from the root down to the fragment (``depth`` selections) and
        the fragment; ``merge_path`` is the fragment's parent in the response (``@`` for lists)."""
        operation = normalize(document, operation_name)
        fragment = fragment_at(operation, depth)
        traversal = DeferredTraversal(self.supergraph, self.query_graph, operation, entry, merge_path, fragment)
        return self._finish(operation, traversal)

    def _finish(self, operation: NormalizedOperation, traversal: PlanningTraversal) -> QueryPlan:
        graph = traversal.plan()
        graph.merge_delayable_groups()
        node = FetchDependencyGraphProcessor(operation, self.aliaser).process(graph)
        return QueryPlan(node, statistics={"fetch_groups": len(graph.groups)})
