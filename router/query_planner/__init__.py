"""Query planning: operation → query plan, in the stages of Apollo's planner.

``query_graph`` (what each subgraph can resolve and how entities are entered), ``planning_traversal``
(placing each selection in a fetch group, at a ``position``; helped by ``feasibility``,
``requirements`` and ``reentry``, which call back only through ``traversal_api``: the import graph
has no cycle), ``fetch_dependency_graph`` (the groups and their dependencies),
``fetch_dependency_graph_processor`` (groups → plan nodes; ``aliasing`` aliases what a subgraph
could not merge), ``caching``.
"""

from __future__ import annotations

from .caching import CachingQueryPlanner
from .operation import PlanningError
from .query_planner import QueryPlanner

__all__ = ["CachingQueryPlanner", "PlanningError", "QueryPlanner"]
