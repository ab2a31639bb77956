"""Alias the selections of one subgraph operation that GraphQL would refuse to merge.

A subgraph validates its operation with the "fields can merge" rule (OverlappingFieldsCanBeMerged):
selections of one response key met in one selection set, through fragments or not, must have
response shapes that can merge, and, unless they sit on two different object types, be the same
field with the same arguments. The client's operation passed that rule against the API schema, but
a subgraph may see other types: a ``@shareable`` field can be ``name: String!`` on ``User`` and
``name: String`` on ``Admin`` there (the supergraph merged both to ``String``), or an
``@interfaceObject`` subgraph sees ``... on User`` and ``... on Admin`` as one object type.

Like Apollo's planner (``addAliasesForNonMergingFields``), before a fetch is printed each such field
but the first gets an alias ``{key}__alias_{n}`` and the fetch gets a ``KeyRenamer`` output rewrite
that moves the value back to the client's key before the data is merged. Apollo aliases on a
different field name or on types that cannot merge; we also alias the same field with different
arguments where its parents are not two distinct object types in that subgraph.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import GraphQLInterfaceType, GraphQLObjectType, GraphQLUnionType

from router.query_plan import FetchRewrite
from router.supergraph import Supergraph

from .query_graph import QueryGraph
from .selection import FetchField, FetchSelectionSet, arguments_text

Path = tuple[str, ...]
# One selection set of a merge scope: (path from the fetch's result, selection, its parent type).
Member = tuple[Path, FetchSelectionSet, str | None]


@dataclass(slots=True)
class _Seen:
    """The first field met under one response key in a merge scope."""

    name: str
    type: str  # its type in the subgraph, e.g. "[String!]"
    parent: str | None
    arguments: str
    below: list[Member] = field(default_factory=list)  # sub-selections merged under this key


class NonMergingFieldAliaser:
    """Finds and aliases non-mergeable selections; memoizes field types per subgraph."""

    def __init__(self, supergraph: Supergraph, query_graph: QueryGraph) -> None:
        self.supergraph = supergraph
        self.qg = query_graph
        self._types: dict[tuple[str, str, str], str] = {}

    def alias(self, selection: FetchSelectionSet, parent_type: str | None, graph: str) -> tuple[FetchRewrite, ...]:
        """Alias in place what cannot merge in ``selection`` (the operation of one fetch of ``graph``;
        ``parent_type`` is None for ``_entities``, whose items are ``... on T`` fragments) and
        return the ``KeyRenamer``s that undo the aliases, deepest first."""
        renames: list[FetchRewrite] = []
        self._scope([((), selection, parent_type)], graph, renames)
        renames.reverse()  # a renamer below an aliased field reads the alias: apply it first
        return tuple(renames)

    def _scope(self, members: list[Member], graph: str, renames: list[FetchRewrite]) -> None:
        fields = [found for member in members for found in _fields_in(*member)]
        taken = {found[1].response_key for found in fields}
        seen: dict[str, _Seen] = {}
        for path, item, parent, owner in fields:
            key = item.response_key
            type_text = self._type(parent, item.name, graph)
            arguments = arguments_text(item.arguments)
            previous = seen.get(key)
            if previous is None or self._can_merge(previous, item.name, type_text, parent, arguments, graph):
                if previous is None:
                    previous = seen[key] = _Seen(item.name, type_text, parent, arguments)
                if item.selections is not None:
                    previous.below.append(((*path, key), item.selections, self._sub_type(parent, item.name)))
                continue
            alias = _alias_name(key, taken)
            taken.add(alias)
            owner.rename(item, alias)
            scope = (f"... on {item.runtime_type}",) if item.runtime_type not in (None, parent) else ()
            renames.append(FetchRewrite.key_renamer((*path, *scope, alias), key))
            aliased = seen[alias] = _Seen(item.name, type_text, parent, arguments)
            if item.selections is not None:
                aliased.below.append(((*path, alias), item.selections, self._sub_type(parent, item.name)))
        for entry in seen.values():
            if entry.below:
                self._scope(entry.below, graph, renames)

    def _can_merge(
        self, previous: _Seen, name: str, type_text: str, parent: str | None, arguments: str, graph: str
    ) -> bool:
        if previous.name != name or not self._types_can_merge(previous.type, type_text):
            return False
        return previous.arguments == arguments or self._exclusive(previous.parent, parent, graph)

    def _exclusive(self, first: str | None, second: str | None, graph: str) -> bool:
        """Two different object types (as ``graph`` sees them): no object is both."""
        return first != second and self._is_object(first, graph) and self._is_object(second, graph)

    def _is_object(self, type_name: str | None, graph: str) -> bool:
        if type_name is None:
            return False
        named = self.supergraph.schema.get_type(type_name)
        if isinstance(named, GraphQLObjectType):
            return True
        meta = self.supergraph.types.get(type_name)
        return meta is not None and meta.is_interface_object_in(graph)

    def _types_can_merge(self, first: str, second: str) -> bool:
        """Apollo's ``typesCanBeMerged``: same wrappers; leaves of one type; any two composites."""
        while first.endswith("!") or first.startswith("["):
            if first.endswith("!"):
                if not second.endswith("!"):
                    return False
                first, second = first[:-1], second[:-1]
            else:
                if not second.startswith("[") or second.endswith("!"):
                    return False
                first, second = first[1:-1], second[1:-1]
        if second.endswith("!") or second.startswith("["):
            return False
        if self._is_composite(first):
            return self._is_composite(second)
        return first == second

    def _is_composite(self, type_name: str) -> bool:
        return isinstance(
            self.supergraph.schema.get_type(type_name), GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType
        )

    def _type(self, parent: str | None, name: str, graph: str) -> str:
        """The field's type as ``graph`` declares it (``@join__field(type:)``, else the supergraph's)."""
        if name == "__typename" or parent is None:
            return "String!"
        cache_key = (parent, name, graph)
        cached = self._types.get(cache_key)
        if cached is not None:
            return cached
        in_graph = self.supergraph.field_in_graph(parent, name, graph)
        if in_graph is not None and in_graph.type is not None:
            result = in_graph.type
        else:
            named = self.supergraph.schema.get_type(parent)
            fields = getattr(named, "fields", None)
            result = str(fields[name].type) if fields is not None and name in fields else ""
        self._types[cache_key] = result
        return result

    def _sub_type(self, parent: str | None, name: str) -> str | None:
        if parent is None:
            return None
        try:
            return self.qg.field_type(parent, name)[0]
        except KeyError:
            return None


def _fields_in(
    path: Path, selection: FetchSelectionSet, parent: str | None
) -> list[tuple[Path, FetchField, str | None, FetchSelectionSet]]:
    """Every field of ``selection``, through its fragments: (path, field, parent type, owner)."""
    out: list[tuple[Path, FetchField, str | None, FetchSelectionSet]] = []
    for item in selection:
        if isinstance(item, FetchField):
            out.append((path, item, parent, selection))
        elif item.type_condition is not None:
            out.extend(_fields_in((*path, f"... on {item.type_condition}"), item.selections, item.type_condition))
        else:
            out.extend(_fields_in(path, item.selections, parent))
    return out


def _alias_name(response_key: str, taken: set[str]) -> str:
    counter = 0
    while f"{response_key}__alias_{counter}" in taken:
        counter += 1
    return f"{response_key}__alias_{counter}"
