"""``@defer``: split an operation into its primary part and one operation per deferred fragment.

Each deferred fragment becomes an operation of its own that selects the path from the root down to
the fragment's parent (the same fields, arguments and aliases) and, there, only the fragment.

A fragment on an entity below the root (its parent an object type with a key that a subgraph
resolves, every ancestor an object type) starts from the primary part's results instead
(:class:`EntityStart`): the primary part also selects, at the fragment's parent, ``__typename`` and
that key under hidden aliases (``_defer<n>_<field>``, with more ``_`` after ``_defer`` when the
operation already uses a name so prefixed; removed before the client sees the primary part), and
the deferred part is planned as ``_entities`` fetches from those representations
(:mod:`router.query_planner.deferred`), so it never fetches its ancestors again. It starts as soon
as the primary fetches selecting those fields are merged (:mod:`router.execution.defer_inputs`),
and never holds back the primary part.

Other deferred fragments (on the root type, which has no inputs; under a plain object type with no
key, or below an interface or union) keep the simpler way: their operation runs from the root at
once, beside the primary part, and so fetches its ancestors again.

A null inside a deferred part only concerns that part. ``@defer(if: false)`` (a literal or a
variable) keeps the fragment in the primary part; ``label`` is passed on. A ``@defer`` nested in a
deferred fragment is delivered with it (flattened).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graphql import (
    BooleanValueNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    NameNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    StringValueNode,
    VariableNode,
    Visitor,
    visit,
)

if TYPE_CHECKING:
    from router.query_planner.deferred import DeferredEntry

TYPENAME = FieldNode(name=NameNode(value="__typename"))
EntryLookup = Callable[[str, list[str]], "DeferredEntry | None"]


@dataclass(frozen=True)
class EntityStart:
    """How a deferred part on an entity starts from the primary part's results."""

    depth: int  # selections enclosing the fragment in the part's document
    merge_path: tuple[str, ...]  # the fragment's parent, ``@`` for list elements (the plan's path)
    entry: DeferredEntry
    hidden: tuple[tuple[str, str], ...]  # (alias in the primary part, field): ``__typename`` and the key


@dataclass(frozen=True)
class DeferredPart:
    label: str | None
    path: tuple[str, ...]  # response keys from the root to the fragment's parent object
    document: DocumentNode
    start: EntityStart | None = None  # None: the part runs from the root


def _named(type_: Any) -> tuple[Any, int]:
    """The named type under list and non-null wrappers, and how many lists wrap it."""
    lists = 0
    while isinstance(type_, (GraphQLNonNull, GraphQLList)):
        lists += isinstance(type_, GraphQLList)
        type_ = type_.of_type
    return type_, lists


def _top_fields(selection_set: SelectionSetNode) -> list[str]:
    return [s.name.value for s in selection_set.selections if isinstance(s, FieldNode)]


@dataclass(frozen=True)
class DeferSplit:
    primary: DocumentNode
    parts: tuple[DeferredPart, ...]


def _defer_of(node: InlineFragmentNode | FragmentSpreadNode, variables: Mapping[str, Any]) -> tuple[bool, str | None]:
    for directive in node.directives or ():
        if directive.name.value != "defer":
            continue
        active, label = True, None
        for argument in directive.arguments or ():
            value = argument.value
            if argument.name.value == "if":
                if isinstance(value, BooleanValueNode):
                    active = value.value
                elif isinstance(value, VariableNode):
                    active = variables.get(value.name.value, True) is not False
            elif argument.name.value == "label" and isinstance(value, StringValueNode):
                label = value.value
        return active, label
    return False, None


def _without_defer(directives: Any) -> tuple[Any, ...]:
    return tuple(d for d in directives or () if d.name.value != "defer")


@dataclass(frozen=True)
class _Where:
    """Where the splitter stands: the response path, the enclosing nodes and (with a schema) the type."""

    path: tuple[str, ...] = ()
    chain: tuple[SelectionNode, ...] = ()
    type: GraphQLNamedType | None = None
    merge_path: tuple[str, ...] = ()
    plain: bool = True  # every ancestor an object type (no interface or union on the way)


class _Splitter:
    def __init__(
        self,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        schema: GraphQLSchema | None,
        entry_of: EntryLookup | None,
    ) -> None:
        self.fragments = fragments
        self.variables = variables
        self.schema = schema
        self.entry_of = entry_of
        self.hidden_prefix = "_defer"  # see split_defer
        # (label, where, the fragment as an inline fragment, how it starts from the primary part)
        self.found: list[tuple[str | None, _Where, InlineFragmentNode, EntityStart | None]] = []

    def split(self, selection_set: SelectionSetNode, where: _Where) -> SelectionSetNode:
        kept: list[SelectionNode] = []
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.selection_set is None:
                    kept.append(selection)
                    continue
                key = selection.alias.value if selection.alias else selection.name.value
                inner = self.split(selection.selection_set, self._field(where, selection, key))
                kept.append(_with_selections(selection, inner))
            elif isinstance(selection, InlineFragmentNode):
                active, label = _defer_of(selection, self.variables)
                if active:
                    fragment = InlineFragmentNode(
                        type_condition=selection.type_condition,
                        directives=(),
                        selection_set=strip_defer_selections(selection.selection_set),
                    )
                    kept.extend(self._found(label, where, fragment))
                    continue
                inner = self.split(selection.selection_set, self._fragment(where, selection))
                kept.append(_with_selections(selection, inner, directives=_without_defer(selection.directives)))
            elif isinstance(selection, FragmentSpreadNode):
                active, label = _defer_of(selection, self.variables)
                definition = self.fragments[selection.name.value]
                if active:
                    fragment = InlineFragmentNode(
                        type_condition=definition.type_condition,
                        directives=(),
                        selection_set=strip_defer_selections(definition.selection_set),
                    )
                    kept.extend(self._found(label, where, fragment))
                    continue
                inline = InlineFragmentNode(
                    type_condition=definition.type_condition,
                    directives=_without_defer(selection.directives),
                    selection_set=definition.selection_set,
                )
                inner = self.split(definition.selection_set, self._fragment(where, inline))
                kept.append(_with_selections(inline, inner))
        return SelectionSetNode(selections=tuple(kept) or (TYPENAME,))

    def _field(self, where: _Where, field: FieldNode, key: str) -> _Where:
        named: GraphQLNamedType | None = None
        lists = 0
        fields = getattr(where.type, "fields", None)
        if fields is not None and field.name.value in fields:
            named, lists = _named(fields[field.name.value].type)
        return _Where(
            (*where.path, key),
            (*where.chain, field),
            named,
            (*where.merge_path, key, *(["@"] * lists)),
            where.plain and isinstance(where.type, GraphQLObjectType),
        )

    def _fragment(self, where: _Where, fragment: InlineFragmentNode) -> _Where:
        named = where.type
        if fragment.type_condition is not None and self.schema is not None:
            named = self.schema.get_type(fragment.type_condition.name.value)
        plain = where.plain and named is where.type
        return _Where(where.path, (*where.chain, fragment), named, where.merge_path, plain)

    def _found(self, label: str | None, where: _Where, fragment: InlineFragmentNode) -> list[FieldNode]:
        """Records a deferred fragment; returns the hidden fields the primary part selects for it."""
        number = len(self.found)
        start: EntityStart | None = None
        hidden: list[FieldNode] = []
        same_type = fragment.type_condition is None or (
            where.type is not None and fragment.type_condition.name.value == where.type.name
        )
        if (
            where.path
            and where.plain
            and same_type
            and isinstance(where.type, GraphQLObjectType)
            and self.entry_of is not None
        ):
            entry = self.entry_of(where.type.name, _top_fields(fragment.selection_set))
            if entry is not None:
                prefix = f"{self.hidden_prefix}{number}_"
                names: list[tuple[str, str]] = [(f"{prefix}typename", "__typename")]
                hidden.append(FieldNode(alias=NameNode(value=names[0][0]), name=NameNode(value="__typename")))
                for key_field in entry.key.selection_set.selections:
                    assert isinstance(key_field, FieldNode)
                    alias = f"{prefix}{key_field.name.value}"
                    names.append((alias, key_field.name.value))
                    hidden.append(
                        FieldNode(
                            alias=NameNode(value=alias), name=key_field.name, selection_set=key_field.selection_set
                        )
                    )
                start = EntityStart(len(where.chain), where.merge_path, entry, tuple(names))
        self.found.append((label, where, fragment, start))
        return hidden


def _with_selections(node: Any, selection_set: SelectionSetNode, directives: Any = None) -> Any:
    copied = type(node)(**{key: getattr(node, key) for key in node.keys if key != "loc"})
    copied.selection_set = selection_set
    if directives is not None:
        copied.directives = directives
    return copied


def strip_defer_selections(selection_set: SelectionSetNode) -> SelectionSetNode:
    """The selections without any ``@defer`` (named fragments are inlined)."""

    class Strip(Visitor):
        def enter_inline_fragment(self, node: InlineFragmentNode, *_: Any) -> InlineFragmentNode | None:
            if any(d.name.value == "defer" for d in node.directives or ()):
                copied: InlineFragmentNode = _with_selections(
                    node, node.selection_set, directives=_without_defer(node.directives)
                )
                return copied
            return None

        def enter_fragment_spread(self, node: FragmentSpreadNode, *_: Any) -> FragmentSpreadNode | None:
            if any(d.name.value == "defer" for d in node.directives or ()):
                return FragmentSpreadNode(name=node.name, directives=_without_defer(node.directives))
            return None

    result: SelectionSetNode = visit(selection_set, Strip())
    return result


def has_defer(document: DocumentNode) -> bool:
    found = False

    class Find(Visitor):
        def enter_directive(self, node: Any, *_: Any) -> None:
            nonlocal found
            if node.name.value == "defer":
                found = True

    visit(document, Find())
    return found


def strip_defer(document: DocumentNode, operation_name: str | None = None) -> DocumentNode:
    """The operation without ``@defer`` (and the variables only its ``if:`` used): what a client
    without a streaming ``Accept`` gets run. Unknown names leave the document to validation."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [
        o for o in operations if operation_name is None or (o.name is not None and o.name.value == operation_name)
    ]
    if len(chosen) != 1:
        return document
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return _document(chosen[0], strip_defer_selections(chosen[0].selection_set), fragments)


def split_defer(
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any],
    schema: GraphQLSchema | None = None,
    entry_of: EntryLookup | None = None,
) -> DeferSplit:
    """The primary part and the deferred parts. With the API ``schema`` and ``entry_of`` (where a
    fragment on an entity can start, see :class:`EntityStart`), parts on entities start from the
    primary part's results; without them, every part runs from the root."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    splitter = _Splitter(fragments, variables, schema, entry_of)
    splitter.hidden_prefix = _unused_prefix(document, "_defer")
    root = schema.get_root_type(operation.operation) if schema is not None else None
    primary_selections = splitter.split(operation.selection_set, _Where(type=root))
    primary = _document(operation, primary_selections, fragments)
    parts = []
    for label, where, fragment, start in splitter.found:
        selection: SelectionNode = fragment
        for node in reversed(where.chain):
            selection = _with_selections(node, SelectionSetNode(selections=(selection,)))
        document_of_part = _document(operation, SelectionSetNode(selections=(selection,)), fragments)
        parts.append(DeferredPart(label, where.path, document_of_part, start))
    return DeferSplit(primary, tuple(parts))


def _unused_prefix(document: DocumentNode, prefix: str) -> str:
    """``prefix``, with ``_`` added until no alias or field name in ``document`` starts with it: the
    hidden aliases must not take a response key the client's operation uses for another field."""
    names: set[str] = set()

    class Names(Visitor):
        def enter_field(self, node: FieldNode, *_: Any) -> None:
            names.add(node.alias.value if node.alias is not None else node.name.value)

    visit(document, Names())
    while any(name.startswith(prefix) for name in names):
        prefix += "_"
    return prefix


def _document(
    operation: OperationDefinitionNode, selection_set: SelectionSetNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> DocumentNode:
    """An operation over ``selection_set`` with only the variables and fragments it uses (validation requires it)."""
    used_fragments: dict[str, FragmentDefinitionNode] = {}
    variables: set[str] = set()

    class Uses(Visitor):
        def enter_fragment_spread(self, node: FragmentSpreadNode, *_: Any) -> None:
            name = node.name.value
            if name not in used_fragments and name in fragments:
                used_fragments[name] = fragments[name]
                visit(fragments[name], self)

        def enter_variable(self, node: VariableNode, *_: Any) -> None:
            variables.add(node.name.value)

    visit(selection_set, Uses())
    defined = tuple(v for v in operation.variable_definitions or () if v.variable.name.value in variables)
    copied = OperationDefinitionNode(
        operation=operation.operation,
        name=operation.name,
        variable_definitions=defined,
        directives=operation.directives,
        selection_set=selection_set,
    )
    return DocumentNode(
        definitions=(
            copied,
            *(strip_defer(DocumentNode(definitions=(f,))).definitions[0] for f in used_fragments.values()),
        )
    )
