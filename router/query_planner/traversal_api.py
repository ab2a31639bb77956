"""What the traversal's helpers (``requirements``, ``reentry``) may ask of the traversal.

The helpers sit below ``planning_traversal`` in the import graph: they depend on this protocol, the
traversal implements it and owns them. So data flows one way: the traversal calls down into its
helpers, and a helper calls back only through the few operations named here (plan these selections,
enter this entity, note that a group is used), never by importing the traversal.
"""

from __future__ import annotations

from typing import Protocol

from router.supergraph import FieldSet, Supergraph

from .fetch_dependency_graph import ConditionSet, FetchDependencyGraph, FetchGroup
from .operation import NormalizedOperation, NSelection
from .position import Position
from .query_graph import QueryGraph


class Traversal(Protocol):
    """The planning traversal as its helpers see it."""

    @property
    def supergraph(self) -> Supergraph: ...

    @property
    def qg(self) -> QueryGraph: ...

    @property
    def operation(self) -> NormalizedOperation: ...

    @property
    def graph(self) -> FetchDependencyGraph: ...

    def plan_selections(self, position: Position, type_name: str, selections: list[NSelection]) -> None:
        """Plan the client-shaped ``selections`` at ``position`` (used for required fields)."""

    def enter(self, position: Position, type_name: str, target: str, requires: FieldSet | None) -> Position:
        """Continue in an entity fetch of ``target`` for the object at ``position``."""

    def use(self, group: FetchGroup, conditions: ConditionSet) -> None:
        """Note that ``group`` now selects something under ``conditions``."""
