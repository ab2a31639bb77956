"""The loaded supergraph: schemas plus federation metadata, with the lookups the planner needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from graphql import (
    FieldNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    SelectionSetNode,
    get_named_type,
    print_schema,
)

from .errors import SupergraphError
from .links import Links
from .model import FieldInGraph, FieldMetadata, FieldSet, SubgraphInfo, TypeInGraph, TypeMetadata


@dataclass(eq=False)
class Supergraph:
    """A supergraph ready for planning; see :func:`router.supergraph.load_supergraph`."""

    sdl: str
    schema: GraphQLSchema
    api_schema: GraphQLSchema
    subgraphs: dict[str, SubgraphInfo]
    types: dict[str, TypeMetadata]
    links: Links
    _possible: dict[tuple[str, str | None], tuple[str, ...]] = field(default_factory=dict, repr=False)

    @cached_property
    def api_schema_sdl(self) -> str:
        return print_schema(self.api_schema)

    def type_meta(self, name: str) -> TypeMetadata:
        meta = self.types.get(name)
        if meta is None:
            raise KeyError(f"unknown type {name}")
        return meta

    def field_meta(self, type_name: str, field_name: str) -> FieldMetadata | None:
        meta = self.types.get(type_name)
        return meta.fields.get(field_name) if meta is not None else None

    def field_in_graph(self, type_name: str, field_name: str, graph: str) -> FieldInGraph | None:
        meta = self.field_meta(type_name, field_name)
        return meta.graphs.get(graph) if meta is not None else None

    def type_in_graph(self, type_name: str, graph: str) -> bool:
        meta = self.types.get(type_name)
        return meta is not None and graph in meta.graphs

    def join_types(self, type_name: str, graph: str) -> list[TypeInGraph]:
        return self.types[type_name].graphs.get(graph, [])

    def keys(self, type_name: str, graph: str, *, resolvable_only: bool = True) -> list[FieldSet]:
        meta = self.types.get(type_name)
        return meta.keys(graph, resolvable_only=resolvable_only) if meta is not None else []

    def is_abstract(self, type_name: str) -> bool:
        return isinstance(self.schema.get_type(type_name), (GraphQLInterfaceType, GraphQLUnionType))

    def possible_types(self, type_name: str, graph: str | None = None) -> tuple[str, ...]:
        """Object types that ``type_name`` may be (in ``graph`` only, when given): the intersection
        of what the supergraph and that subgraph know."""
        cache_key = (type_name, graph)
        cached = self._possible.get(cache_key)
        if cached is not None:
            return cached
        named = self.schema.get_type(type_name)
        result: tuple[str, ...]
        if isinstance(named, GraphQLObjectType):
            result = (type_name,) if graph is None or self.type_in_graph(type_name, graph) else ()
        elif isinstance(named, (GraphQLInterfaceType, GraphQLUnionType)):
            every = [t.name for t in self.schema.get_possible_types(named)]
            if graph is None:
                result = tuple(every)
            elif isinstance(named, GraphQLUnionType):
                members = self.types[type_name].union_members
                known = members.get(graph) if members else every
                result = tuple(t for t in every if known and t in known and self.type_in_graph(t, graph))
            else:
                result = tuple(t for t in every if self._implements_in(t, type_name, graph))
        else:
            result = ()
        self._possible[cache_key] = result
        return result

    def _implements_in(self, object_type: str, interface: str, graph: str) -> bool:
        meta = self.types.get(object_type)
        if meta is None or graph not in meta.graphs:
            return False
        if not meta.implements:  # join v0.1: no @join__implements, trust the supergraph
            return True
        return interface in meta.implements.get(graph, ())

    def interface_object_graphs(self, interface: str) -> list[str]:
        meta = self.types.get(interface)
        if meta is None:
            return []
        return [g for g in meta.graphs if meta.is_interface_object_in(g)]


def check_field_sets(supergraph: Supergraph) -> None:
    """Every key/requires/provides must name fields that exist: say where when one does not."""
    schema = supergraph.schema
    for meta in supergraph.types.values():
        for entries in meta.graphs.values():
            for entry in entries:
                if entry.key is not None:
                    _check(schema, meta.name, entry.key.selection_set, f"{meta.name} @key({entry.key.text!r})")
        for field_meta in meta.fields.values():
            for in_graph in field_meta.graphs.values():
                context = f"{meta.name}.{field_meta.name}"
                if in_graph.requires is not None:
                    _check(schema, meta.name, in_graph.requires.selection_set, f"{context} requires")
                if in_graph.provides is not None:
                    parent = schema.get_type(meta.name)
                    if isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)):
                        target = get_named_type(parent.fields[field_meta.name].type).name
                        _check(schema, target, in_graph.provides.selection_set, f"{context} provides")


def _check(schema: GraphQLSchema, type_name: str, selection_set: SelectionSetNode, context: str) -> None:
    parent = schema.get_type(type_name)
    for selection in selection_set.selections:
        if isinstance(selection, InlineFragmentNode):
            target = selection.type_condition.name.value if selection.type_condition else type_name
            if schema.get_type(target) is None:
                raise SupergraphError(f"{context}: unknown type {target}")
            _check(schema, target, selection.selection_set, context)
        elif isinstance(selection, FieldNode):
            name = selection.name.value
            if name == "__typename":
                continue
            if not isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)) or name not in parent.fields:
                raise SupergraphError(f"{context}: type {type_name} has no field {name}")
            if selection.selection_set is not None:
                target = get_named_type(parent.fields[name].type).name
                _check(schema, target, selection.selection_set, context)
        else:
            raise SupergraphError(f"{context}: fragment spreads are not allowed in a field set")
