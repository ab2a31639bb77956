"""A plan's cost, as Apollo's planner compares plans: first the number of fetches, then the depth of
the fetch dependency graph (the longest chain of fetches that must run one after another).

``router plan --cost`` prints it; the planner uses it to choose among alternative plans.
"""

from __future__ import annotations

from dataclasses import dataclass

from router.query_plan import ConditionNode, FetchNode, FlattenNode, ParallelNode, PlanNode, QueryPlan


@dataclass(frozen=True, slots=True, order=True)
class PlanCost:
    fetches: int
    depth: int

    def __str__(self) -> str:
        return f"fetches={self.fetches} depth={self.depth}"


def plan_cost(plan: QueryPlan | PlanNode | None) -> PlanCost:
    """Fetches and depth of ``plan``. A ``Condition`` counts its costlier branch (either may run)."""
    if isinstance(plan, QueryPlan):
        plan = plan.node
    if plan is None:
        return PlanCost(0, 0)
    if isinstance(plan, FetchNode):
        return PlanCost(1, 1)
    if isinstance(plan, FlattenNode):
        return plan_cost(plan.node)
    if isinstance(plan, ConditionNode):
        return max(plan_cost(plan.if_clause), plan_cost(plan.else_clause))
    costs = [plan_cost(node) for node in plan.nodes]
    fetches = sum(c.fetches for c in costs)
    if isinstance(plan, ParallelNode):
        return PlanCost(fetches, max((c.depth for c in costs), default=0))
    return PlanCost(fetches, sum(c.depth for c in costs))
