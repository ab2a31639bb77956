"""Where the traversal stands while it plans: a place in one fetch group's selection and in the
response, with what the client selected around it (for planner aliases) and how the object there was
reached (for parent-entity calls)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from graphql import SelectionSetNode

from .fetch_dependency_graph import ConditionSet, FetchGroup
from .field_sets import provided_field
from .operation import NField, NSelection
from .selection import FetchSelectionSet, arguments_text


@dataclass(frozen=True, slots=True)
class Position:
    """Where the traversal stands: a place in one group's selection and in the response."""

    group: FetchGroup
    selection: FetchSelectionSet
    path: tuple[str, ...]
    provided: SelectionSetNode | None
    conditions: ConditionSet
    siblings: dict[str, tuple[str, str]]  # the client's response keys here → (field, arguments)
    # The object this position selects in was reached through ``field`` of ``type`` at ``position``
    # (None at the root). An entity fetch keeps the parent of the object it re-enters, so a field no
    # key can reach is fetched by re-entering an ancestor (a parent-entity call, see ``reentry``).
    parent: Parent | None = None
    # Set in an @interfaceObject subgraph entered for a field the client asked on this concrete type
    # (the subgraph selects it on the interface): see ``FetchField.runtime_type``.
    runtime_type: str | None = None


Parent = tuple[Position, str, NField]


def siblings_of(selections: list[NSelection] | None) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for selection in selections or ():
        if isinstance(selection, NField):
            out.setdefault(selection.response_key, (selection.name, arguments_text(selection.arguments)))
        else:
            for key, value in siblings_of(selection.selections).items():
                out.setdefault(key, value)
    return out


def entered_as(position: Position, runtime_type: str) -> Position:
    return replace(position, runtime_type=runtime_type)


__all__ = ["Parent", "Position", "entered_as", "provided_field", "siblings_of"]
