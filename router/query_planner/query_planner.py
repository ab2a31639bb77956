"""The planner's front: operation document → :class:`~router.query_plan.QueryPlan`.

Plans are compared by :func:`~.cost.plan_cost` (fetches, then depth), as Apollo's planner does. The
traversal takes each field's subgraph by an estimate and records every *decision* where another
subgraph could take the field (a ``@shareable`` root field; a nested field that could stay in the
current subgraph or jump, or jump to one of several subgraphs, through whichever key). The planner
then plans other combinations of choices and keeps the cheapest plan:

- Combinations form a tree: a plan's children impose one more choice, at a decision after the last
  one its parent imposed (decisions before it are made the same way, so each combination is
  planned once). The tree is walked best first: the cheapest plan planned so far has its children
  planned next, so changes that each save a fetch are combined early (before the bound below cuts
  the search short).
- Branch and bound: a decision records the fetches already opened when it is made, a lower bound
  for every plan that makes the same earlier choices; a subtree whose bound exceeds the best plan's
  fetches is not planned.
- At most ``MAX_EVALUATED_PLANS`` plans per operation (Apollo's ``max_evaluated_plans``); beyond
  it, the best so far stands (at worst the estimate's plan). The plan cache means this runs once per
  operation shape.
- Deterministic: decisions come in traversal order, options in estimate order (then the
  supergraph's subgraph order), and a later plan replaces the best only when strictly cheaper.
"""

from __future__ import annotations

import heapq

from graphql import DocumentNode

from router.query_plan import QueryPlan
from router.supergraph import Supergraph

from .aliasing import NonMergingFieldAliaser
from .cost import PlanCost, plan_cost
from .deferred import DeferredEntry, DeferredTraversal, fragment_at
from .fetch_dependency_graph_processor import FetchDependencyGraphProcessor
from .operation import NormalizedOperation, PlanningError, normalize
from .planning_traversal import ChoiceKey, Decision, PlanningTraversal
from .query_graph import Memo, QueryGraph

MAX_EVALUATED_PLANS = 64

_Node = tuple[PlanCost, int, dict[ChoiceKey, str], list[Decision], int]


class QueryPlanner:
    """Plans operations against one supergraph. Stateless between calls apart from lookups it
    memoizes about the supergraph, so one instance serves every request."""

    def __init__(self, supergraph: Supergraph, max_evaluated_plans: int = MAX_EVALUATED_PLANS) -> None:
        self.supergraph = supergraph
        self.query_graph = QueryGraph(supergraph)
        self.aliaser = NonMergingFieldAliaser(supergraph, self.query_graph)
        self.max_evaluated_plans = max_evaluated_plans
        self.last_evaluated_plans = 0  # how many plans the last ``build_query_plan`` compared

    def build_query_plan(self, document: DocumentNode, operation_name: str | None = None) -> QueryPlan:
        operation = normalize(document, operation_name)
        memo: Memo = {}
        best, decisions = self._plan(operation, {}, memo)
        self.last_evaluated_plans = 1
        if operation.kind != "query":
            return best  # mutation root fields run in order, one step per field: no alternatives
        best_cost = plan_cost(best)
        # (cost, order planned, imposed choices, that plan's decisions, the decision it imposed last)
        pending: list[_Node] = [(best_cost, 0, {}, decisions, -1)]
        while pending:
            _, _, choices, found, last = heapq.heappop(pending)
            for index in range(last + 1, len(found)):
                decision = found[index]
                if decision.fetches_before > best_cost.fetches:
                    continue  # branch and bound: every plan below already has more fetches
                for option in decision.options[1:]:
                    if self.last_evaluated_plans >= self.max_evaluated_plans:
                        return best
                    self.last_evaluated_plans += 1
                    imposed = {**choices, decision.key: option}
                    try:
                        candidate, below = self._plan(operation, imposed, memo)
                    except PlanningError:
                        continue
                    cost = plan_cost(candidate)
                    if cost < best_cost:
                        best, best_cost = candidate, cost
                    heapq.heappush(pending, (cost, self.last_evaluated_plans, imposed, below, index))
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

    def _plan(
        self, operation: NormalizedOperation, choices: dict[ChoiceKey, str], memo: Memo
    ) -> tuple[QueryPlan, list[Decision]]:
        traversal = PlanningTraversal(self.supergraph, self.query_graph, operation, choices=choices, memo=memo)
        return self._finish(operation, traversal), traversal.decisions

    def _finish(self, operation: NormalizedOperation, traversal: PlanningTraversal) -> QueryPlan:
        graph = traversal.plan()
        graph.merge_delayable_groups()
        node = FetchDependencyGraphProcessor(operation, self.aliaser).process(graph)
        return QueryPlan(node, statistics={"fetch_groups": len(graph.groups)})
