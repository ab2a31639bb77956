"""Read the ``@join__*`` directives of a supergraph document into :mod:`.model` objects."""

from __future__ import annotations

from collections.abc import Iterable

from graphql import (
    BooleanValueNode,
    ConstDirectiveNode,
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    EnumValueNode,
    GraphQLSyntaxError,
    StringValueNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    ValueNode,
    parse,
)
from graphql.language import OperationDefinitionNode

from router.sdl_kinds import TYPE_KINDS

from .errors import SupergraphError, where
from .links import Links
from .model import FieldInGraph, FieldMetadata, FieldSet, SubgraphInfo, TypeInGraph, TypeMetadata


def _args(directive: DirectiveNode | ConstDirectiveNode) -> dict[str, ValueNode]:
    return {a.name.value: a.value for a in directive.arguments or ()}


def _str(value: ValueNode | None, context: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, StringValueNode):
        raise SupergraphError(f"{where(value, context)}: expected a string")
    return value.value


def _bool(value: ValueNode | None, default: bool, context: str) -> bool:
    if value is None:
        return default
    if not isinstance(value, BooleanValueNode):
        raise SupergraphError(f"{where(value, context)}: expected a boolean")
    return value.value


def parse_field_set(text: str, node: DirectiveNode | ConstDirectiveNode, context: str) -> FieldSet:
    try:
        document = parse("{" + text + "}", no_location=True)
    except GraphQLSyntaxError as error:
        raise SupergraphError(f"{where(node, context)}: invalid field set {text!r}: {error.message}") from None
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return FieldSet(text, operation.selection_set)


class Extractor:
    """One pass over the document: graphs first, then every type's join data."""

    def __init__(self, document: DocumentNode, links: Links) -> None:
        join = links.get("join")
        assert join is not None
        self.document = document
        self.version = join.version
        self.graph_enum = join.type_name("Graph")
        self.d_graph = join.directive("graph")
        self.d_type = join.directive("type")
        self.d_field = join.directive("field")
        self.d_implements = join.directive("implements")
        self.d_union_member = join.directive("unionMember")
        self.d_enum_value = join.directive("enumValue")
        self.d_owner = join.directive("owner")
        inaccessible = links.get("inaccessible")
        self.d_inaccessible = inaccessible.directive("inaccessible") if inaccessible else "inaccessible"
        self.subgraphs: dict[str, SubgraphInfo] = {}
        self.by_enum_value: dict[str, str] = {}
        self.types: dict[str, TypeMetadata] = {}
        self.owners: dict[str, str] = {}  # join v0.1: @join__owner of an entity type

    def run(self) -> tuple[dict[str, SubgraphInfo], dict[str, TypeMetadata]]:
        self._read_graphs()
        for definition in self.document.definitions:
            if isinstance(definition, (TypeDefinitionNode, TypeExtensionNode)):
                name = definition.name.value
                if name == self.graph_enum or name.startswith(("join__", "link__", "core__")):
                    continue
                self._read_type(definition)
        return self.subgraphs, self.types

    def _graph(self, value: ValueNode | None, context: str) -> str:
        if not isinstance(value, EnumValueNode):
            raise SupergraphError(f"{where(value, context)}: expected a {self.graph_enum} value")
        graph = self.by_enum_value.get(value.value)
        if graph is None:
            raise SupergraphError(f"{where(value, context)}: unknown subgraph {value.value} (not in {self.graph_enum})")
        return graph

    def _read_graphs(self) -> None:
        for definition in self.document.definitions:
            if isinstance(definition, EnumTypeDefinitionNode) and definition.name.value == self.graph_enum:
                for value in definition.values or ():
                    for directive in value.directives or ():
                        if directive.name.value != self.d_graph:
                            continue
                        context = f"{self.graph_enum}.{value.name.value}"
                        args = _args(directive)
                        name = _str(args.get("name"), context)
                        url = _str(args.get("url"), context)
                        if name is None or url is None:
                            raise SupergraphError(f"{where(directive, context)}: @{self.d_graph} needs name and url")
                        self.subgraphs[name] = SubgraphInfo(name, url, value.name.value)
                        self.by_enum_value[value.name.value] = name
                    if value.name.value not in self.by_enum_value:
                        raise SupergraphError(f"{where(value, self.graph_enum)}: value without @{self.d_graph}")
                return
        raise SupergraphError(f"not a supergraph: no enum {self.graph_enum}")

    def _directives(self, directives: Iterable[DirectiveNode] | None, name: str) -> list[DirectiveNode]:
        return [d for d in directives or () if d.name.value == name]

    def _read_type(self, node: TypeDefinitionNode | TypeExtensionNode) -> None:
        name = node.name.value
        meta = self.types.get(name)
        if meta is None:
            meta = self.types[name] = TypeMetadata(name, TYPE_KINDS[type(node)])
        if self._directives(node.directives, self.d_inaccessible):
            meta.inaccessible = True
        for directive in self._directives(node.directives, self.d_type):
            args = _args(directive)
            graph = self._graph(args.get("graph"), name)
            key_text = _str(args.get("key"), name)
            key = parse_field_set(key_text, directive, f"{name} key") if key_text is not None else None
            meta.graphs.setdefault(graph, []).append(
                TypeInGraph(
                    graph,
                    key,
                    extension=_bool(args.get("extension"), False, name),
                    resolvable=_bool(args.get("resolvable"), True, name),
                    is_interface_object=_bool(args.get("isInterfaceObject"), False, name),
                )
            )
        for directive in self._directives(node.directives, self.d_owner):
            self.owners[name] = self._graph(_args(directive).get("graph"), name)
        if not meta.graphs and not isinstance(node, TypeExtensionNode):
            meta.graphs = {g: [TypeInGraph(g)] for g in self.subgraphs}
        for directive in self._directives(node.directives, self.d_implements):
            args = _args(directive)
            graph = self._graph(args.get("graph"), name)
            interface = _str(args.get("interface"), name)
            if interface is not None:
                meta.implements.setdefault(graph, []).append(interface)
        for directive in self._directives(node.directives, self.d_union_member):
            args = _args(directive)
            graph = self._graph(args.get("graph"), name)
            member = _str(args.get("member"), name)
            if member is not None:
                meta.union_members.setdefault(graph, []).append(member)
        if isinstance(node, (EnumTypeDefinitionNode, EnumTypeExtensionNode)):
            for value in node.values or ():
                graphs = [
                    self._graph(_args(d).get("graph"), f"{name}.{value.name.value}")
                    for d in self._directives(value.directives, self.d_enum_value)
                ]
                meta.enum_values[value.name.value] = graphs or list(meta.graphs)
        fields = getattr(node, "fields", None) or ()
        for field_node in fields:
            self._read_field(meta, field_node.name.value, field_node.directives)

    def _read_field(self, meta: TypeMetadata, name: str, directives: Iterable[DirectiveNode] | None) -> None:
        context = f"{meta.name}.{name}"
        field = meta.fields[name] = FieldMetadata(meta.name, name)
        applications = self._directives(directives, self.d_field)
        if not applications:
            owner = self.owners.get(meta.name)
            for graph in [owner] if owner is not None else meta.graphs:
                field.graphs[graph] = FieldInGraph(graph)
            return
        for directive in applications:
            args = _args(directive)
            if "graph" not in args:
                continue  # "@join__field" without a graph: no subgraph resolves the field directly
            graph = self._graph(args["graph"], context)
            requires = _str(args.get("requires"), context)
            provides = _str(args.get("provides"), context)
            field.graphs[graph] = FieldInGraph(
                graph,
                requires=parse_field_set(requires, directive, f"{context} requires") if requires else None,
                provides=parse_field_set(provides, directive, f"{context} provides") if provides else None,
                type=_str(args.get("type"), context),
                external=_bool(args.get("external"), False, context),
                override=_str(args.get("override"), context),
                used_overridden=_bool(args.get("usedOverridden"), False, context),
                override_label=_str(args.get("overrideLabel"), context),
            )
