"""The planner's front: operation document → :class:`~router.query_plan.QueryPlan`."""

from __future__ import annotations

from graphql import DocumentNode

from router.query_plan import QueryPlan
from router.supergraph import Supergraph

from .aliasing import NonMergingFieldAliaser
from .fetch_dependency_graph_processor import FetchDependencyGraphProcessor
from .operation import normalize
from .planning_traversal import PlanningTraversal
from .query_graph import QueryGraph


class QueryPlanner:
    """Plans operations against one supergraph. Stateless between calls apart from lookups it
    memoizes about the supergraph, so one instance serves every request."""

    def __init__(self, supergraph: Supergraph) -> None:
        self.supergraph = supergraph
        self.query_graph = QueryGraph(supergraph)
        self.aliaser = NonMergingFieldAliaser(supergraph, self.query_graph)

    def build_query_plan(self, document: DocumentNode, operation_name: str | None = None) -> QueryPlan:
        operation = normalize(document, operation_name)
        graph = PlanningTraversal(self.supergraph, self.query_graph, operation).plan()
        graph.merge_delayable_groups()
        node = FetchDependencyGraphProcessor(operation, self.aliaser).process(graph)
        return QueryPlan(node, statistics={"fetch_groups": len(graph.groups)})
