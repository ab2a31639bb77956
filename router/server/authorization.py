"""``@authenticated`` and ``@requiresScopes`` enforced at the router, as Apollo Router does.

Before planning, the operation is filtered: every field the caller may not see is removed (a
field whose selection set becomes empty goes too), so subgraphs are never asked for it and the
rest of the query runs. After execution, :func:`apply_removed` puts ``null`` where each removed
field would have been (bubbling up to the nearest nullable parent when the field is non-null) and
one error per removed field, ``UNAUTHORIZED_FIELD_OR_TYPE``, whose ``path`` uses ``@`` for list
positions like Apollo's.

A removed field is not simply dropped: it is replaced by a *placeholder*, ``__typename`` under an
alias of our own (``__authz_0``...). Selecting ``__typename`` is always allowed and never needs a
subgraph of its own, and the placeholder comes back exactly on the objects where the removed field
would have been: under a type condition narrower than its position (``... on Book { price }``
inside an interface field) only the ``Book`` objects carry it. :func:`apply_removed` turns each
placeholder into the field's ``null`` (in the field's place, so the response keeps the query's
shape and order) and drops the rest.

A field requires what its own directives say plus what its return type's directives say.
``@requiresScopes(scopes: [["a", "b"], ["c"]])`` means (a AND b) OR c, read from the token's
space-separated ``scope`` claim. The directive names follow the supergraph's ``@link`` (renames
and imports honoured).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    ListValueNode,
    NameNode,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
    SelectionSetNode,
    StringValueNode,
    get_named_type,
    is_interface_type,
)

from router.supergraph.links import Links

UNAUTHORIZED = "UNAUTHORIZED_FIELD_OR_TYPE"
PLACEHOLDER_PREFIX = "__authz_"
_TYPENAME = NameNode(value="__typename")


@dataclass(frozen=True, slots=True)
class Requirement:
    """What one directive asks: authentication, and optionally one of several sets of scopes."""

    scopes: tuple[frozenset[str], ...] = ()

    def satisfied_by(self, authenticated: bool, scopes: frozenset[str]) -> bool:
        if not authenticated:
            return False
        return not self.scopes or any(needed <= scopes for needed in self.scopes)


@dataclass(frozen=True, slots=True)
class Segment:
    """One step of a removed field's path: the response key and the declared type of that field."""

    key: str
    type: GraphQLOutputType


@dataclass(slots=True)
class FilterResult:
    """The filtered document (``None`` when nothing is left to run) and what was removed."""

    document: DocumentNode | None
    removed: list[tuple[Segment, ...]] = field(default_factory=list)
    emptied: list[tuple[Segment, ...]] = field(default_factory=list)
    # (response key, printed field type) -> the alias of the placeholder standing in for that field
    placeholders: dict[tuple[str, str], str] = field(default_factory=dict)

    def placeholder(self, key: str, type_: GraphQLOutputType) -> str:
        slot = (key, str(type_))
        alias = self.placeholders.get(slot)
        if alias is None:
            alias = self.placeholders[slot] = f"{PLACEHOLDER_PREFIX}{len(self.placeholders)}"
        return alias

    @property
    def changed(self) -> bool:
        return bool(self.removed)


def _scopes_argument(directive: DirectiveNode) -> tuple[frozenset[str], ...]:
    for argument in directive.arguments or ():
        if argument.name.value == "scopes" and isinstance(argument.value, ListValueNode):
            groups = []
            for group in argument.value.values:
                values = group.values if isinstance(group, ListValueNode) else (group,)
                groups.append(frozenset(v.value for v in values if isinstance(v, StringValueNode)))
            return tuple(groups)
    return ()


class AuthorizationPolicy:
    """The authorization directives of a supergraph, and the filter that applies them to operations."""

    def __init__(self, schema: GraphQLSchema, api_schema: GraphQLSchema, links: Links) -> None:
        self.api_schema = api_schema
        authenticated = links.get("authenticated")
        requires_scopes = links.get("requiresScopes")
        self._authenticated = authenticated.directive("authenticated") if authenticated else "authenticated"
        self._requires_scopes = requires_scopes.directive("requiresScopes") if requires_scopes else "requiresScopes"
        self.type_requirements: dict[str, tuple[Requirement, ...]] = {}
        self.field_requirements: dict[tuple[str, str], tuple[Requirement, ...]] = {}
        for name, named in schema.type_map.items():
            if name.startswith("__"):
                continue
            nodes = [named.ast_node, *(getattr(named, "extension_ast_nodes", None) or ())]
            found = self._requirements(d for node in nodes if node is not None for d in node.directives or ())
            if found:
                self.type_requirements[name] = found
            if isinstance(named, GraphQLObjectType) or is_interface_type(named):
                for field_name, definition in named.fields.items():  # type: ignore[attr-defined]
                    node = definition.ast_node
                    own = self._requirements(node.directives or ()) if node is not None else ()
                    if own:
                        self.field_requirements[(name, field_name)] = own

    def _requirements(self, directives: Iterable[DirectiveNode]) -> tuple[Requirement, ...]:
        found = []
        for directive in directives:
            if directive.name.value == self._authenticated:
                found.append(Requirement())
            elif directive.name.value == self._requires_scopes:
                found.append(Requirement(_scopes_argument(directive)))
        return tuple(found)

    @property
    def enabled(self) -> bool:
        return bool(self.type_requirements or self.field_requirements)

    def allowed(self, parent: str, field_name: str, authenticated: bool, scopes: frozenset[str]) -> bool:
        requirements = self.field_requirements.get((parent, field_name), ())
        parent_type = self.api_schema.get_type(parent)
        definition = getattr(parent_type, "fields", {}).get(field_name)
        if definition is not None:
            requirements += self.type_requirements.get(get_named_type(definition.type).name, ())
        return all(r.satisfied_by(authenticated, scopes) for r in requirements)

    def filter(
        self, document: DocumentNode, operation_name: str | None, authenticated: bool, scopes: frozenset[str]
    ) -> FilterResult:
        return _Filter(self, document, authenticated, scopes).run(operation_name)


class _Filter:
    def __init__(
        self, policy: AuthorizationPolicy, document: DocumentNode, authenticated: bool, scopes: frozenset[str]
    ):
        self.policy = policy
        self.schema = policy.api_schema
        self.document = document
        self.authenticated = authenticated
        self.scopes = scopes
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.filtered_fragments: dict[str, FragmentDefinitionNode | None] = {}
        self.result = FilterResult(document)

    def _type(self, name: str) -> GraphQLNamedType | None:
        return self.schema.get_type(name)

    def allowed(self, parent: GraphQLNamedType, field_name: str) -> bool:
        if field_name.startswith("__"):
            return True
        return self.policy.allowed(parent.name, field_name, self.authenticated, self.scopes)

    def selection_set(self, selection_set: SelectionSetNode, parent: GraphQLNamedType) -> SelectionSetNode:
        kept: list[SelectionNode] = []
        changed = False
        for selection in selection_set.selections:
            new = self.selection(selection, parent)
            if new is not selection:
                changed = True
            if new is not None:
                kept.append(new)
        return SelectionSetNode(selections=tuple(kept)) if changed else selection_set

    def placeholder(self, selection: FieldNode, parent: GraphQLNamedType) -> FieldNode | None:
        """``__typename`` under our alias, standing in for the removed ``selection``."""
        definition = getattr(parent, "fields", {}).get(selection.name.value)
        if definition is None:
            return None
        key = selection.alias.value if selection.alias else selection.name.value
        alias = self.result.placeholder(key, definition.type)
        return FieldNode(alias=NameNode(value=alias), name=_TYPENAME, arguments=(), directives=())

    def selection(self, selection: SelectionNode, parent: GraphQLNamedType) -> SelectionNode | None:
        if isinstance(selection, FieldNode):
            name = selection.name.value
            if not self.allowed(parent, name):
                return self.placeholder(selection, parent)
            if selection.selection_set is None:
                return selection
            child = self._field_type(parent, name)
            if child is None:
                return selection
            inner = self.selection_set(selection.selection_set, child)
            if self.void(inner):
                return self.placeholder(selection, parent)
            if inner is selection.selection_set:
                return selection
            return FieldNode(
                alias=selection.alias,
                name=selection.name,
                arguments=selection.arguments,
                directives=selection.directives,
                selection_set=inner,
            )
        if isinstance(selection, InlineFragmentNode):
            condition = self._type(selection.type_condition.name.value) if selection.type_condition else parent
            inner = self.selection_set(selection.selection_set, condition or parent)
            if inner is selection.selection_set:
                return selection
            return InlineFragmentNode(
                type_condition=selection.type_condition, directives=selection.directives, selection_set=inner
            )
        if isinstance(selection, FragmentSpreadNode):
            return selection if self.fragment(selection.name.value) is not None else None
        return selection

    def void(self, selection_set: SelectionSetNode | None) -> bool:
        """True when nothing but placeholders is left (directly or through fragments)."""
        if selection_set is None:
            return True
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if not (selection.alias is not None and selection.alias.value.startswith(PLACEHOLDER_PREFIX)):
                    return False
            elif isinstance(selection, InlineFragmentNode):
                if not self.void(selection.selection_set):
                    return False
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.filtered_fragments.get(selection.name.value)
                if fragment is not None and not self.void(fragment.selection_set):
                    return False
        return True

    def fragment(self, name: str) -> FragmentDefinitionNode | None:
        if name in self.filtered_fragments:
            return self.filtered_fragments[name]
        self.filtered_fragments[name] = None  # guards cycles (refused earlier anyway)
        definition = self.fragments.get(name)
        if definition is None:
            return None
        condition = self._type(definition.type_condition.name.value)
        inner = self.selection_set(definition.selection_set, condition) if condition is not None else None
        if inner is None:
            result: FragmentDefinitionNode | None = None
        elif inner is definition.selection_set:
            result = definition
        else:
            result = FragmentDefinitionNode(
                name=definition.name,
                type_condition=definition.type_condition,
                variable_definitions=definition.variable_definitions,
                directives=definition.directives,
                selection_set=inner,
            )
        self.filtered_fragments[name] = result
        return result

    def _field_type(self, parent: GraphQLNamedType, name: str) -> GraphQLNamedType | None:
        definition = getattr(parent, "fields", {}).get(name)
        return get_named_type(definition.type) if definition is not None else None

    def record(
        self,
        selection_set: SelectionSetNode,
        parent: GraphQLNamedType,
        path: tuple[Segment, ...],
        active: frozenset[str],
    ) -> None:
        """Note the path of every removed field, walking the original operation with fragments expanded."""
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                name = selection.name.value
                definition = getattr(parent, "fields", {}).get(name)
                if definition is None:
                    continue
                key = selection.alias.value if selection.alias else name
                here = (*path, Segment(key, definition.type))
                if not self.allowed(parent, name):
                    self.result.removed.append(here)
                    continue
                if selection.selection_set is not None:
                    child = get_named_type(definition.type)
                    if self.void(self.selection_set(selection.selection_set, child)):
                        self.result.emptied.append(here)
                    self.record(selection.selection_set, child, here, active)
            elif isinstance(selection, InlineFragmentNode):
                condition = self._type(selection.type_condition.name.value) if selection.type_condition else parent
                self.record(selection.selection_set, condition or parent, path, active)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                definition = self.fragments.get(name)
                if definition is None or name in active:
                    continue
                condition = self._type(definition.type_condition.name.value)
                if condition is not None:
                    self.record(definition.selection_set, condition, path, active | {name})

    def run(self, operation_name: str | None) -> FilterResult:
        operations = [d for d in self.document.definitions if isinstance(d, OperationDefinitionNode)]
        selected = [
            op
            for op in operations
            if operation_name is None or (op.name is not None and op.name.value == operation_name)
        ]
        if len(selected) != 1:
            return self.result  # the engine reports the resolution error
        operation = selected[0]
        root = _root_type(self.schema, operation.operation)
        if root is None:
            return self.result
        self.record(operation.selection_set, root, (), frozenset())
        if not self.result.removed:
            return self.result
        # A root left with placeholders only still runs: the engine answers ``__typename`` alone
        # without calling any subgraph.
        inner = self.selection_set(operation.selection_set, root)
        new_operation = OperationDefinitionNode(
            operation=operation.operation,
            name=operation.name,
            variable_definitions=operation.variable_definitions,
            directives=operation.directives,
            selection_set=inner,
        )
        used = _spread_names(inner, self.filtered_fragments)
        definitions: list[Any] = [new_operation]
        for name in used:
            fragment = self.filtered_fragments.get(name)
            if fragment is not None:
                definitions.append(fragment)
        self.result.document = DocumentNode(definitions=tuple(definitions))
        return self.result


def _root_type(schema: GraphQLSchema, operation: OperationType) -> GraphQLObjectType | None:
    if operation == OperationType.QUERY:
        return schema.query_type
    if operation == OperationType.MUTATION:
        return schema.mutation_type
    return schema.subscription_type


def _spread_names(selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode | None]) -> list[str]:
    """Fragments reachable from ``selection_set`` (in the filtered fragments), in first-use order."""
    found: list[str] = []

    def walk(node: SelectionSetNode | None) -> None:
        if node is None:
            return
        for selection in node.selections:
            if isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name not in found:
                    found.append(name)
                    fragment = fragments.get(name)
                    walk(fragment.selection_set if fragment is not None else None)
            elif isinstance(selection, FieldNode | InlineFragmentNode):
                walk(selection.selection_set)

    walk(selection_set)
    return found


def error_path(path: Sequence[Segment]) -> list[str]:
    """Apollo's path form for a removed field: response keys, ``@`` for each list level."""
    out: list[str] = []
    for index, segment in enumerate(path):
        out.append(segment.key)
        if index < len(path) - 1:
            type_: Any = segment.type
            while isinstance(type_, GraphQLNonNull | GraphQLList):
                if isinstance(type_, GraphQLList):
                    out.append("@")
                type_ = type_.of_type
    return out


def _nullify(
    container: dict[str, Any], path: Sequence[Segment], index: int, placeholders: dict[tuple[str, str], str]
) -> bool:
    """Null the removed field at ``path[index:]`` below ``container``; True when ``container`` must be null.

    At the last step the field is nulled only where its placeholder came back, i.e. on the objects
    whose type the removed selection applied to.
    """
    segment = path[index]
    if index == len(path) - 1:
        alias = placeholders.get((segment.key, str(segment.type)))
        if alias is None or alias not in container:
            return False
        if isinstance(segment.type, GraphQLNonNull):
            return True
        _replace_key(container, alias, segment.key)
        return False
    value = container.get(segment.key)
    if value is None:
        return False
    if _walk_value(value, segment.type, path, index + 1, placeholders):
        if isinstance(segment.type, GraphQLNonNull):
            return True
        container[segment.key] = None
    return False


def _replace_key(container: dict[str, Any], alias: str, key: str) -> None:
    """Put ``key: null`` where ``alias`` is, keeping the other keys' order."""
    items = [(key, None) if name == alias else (name, value) for name, value in container.items() if name != key]
    container.clear()
    container.update(items)


def _walk_value(
    value: Any, type_: Any, path: Sequence[Segment], index: int, placeholders: dict[tuple[str, str], str]
) -> bool:
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if isinstance(inner, GraphQLList):
        if not isinstance(value, list):
            return False
        item_type = inner.of_type
        for position, item in enumerate(value):
            if item is not None and _walk_value(item, item_type, path, index, placeholders):
                if isinstance(item_type, GraphQLNonNull):
                    return True
                value[position] = None
        return False
    if isinstance(value, dict):
        return _nullify(value, path, index, placeholders)
    return False


def _strip_placeholders(value: Any) -> None:
    """Drop placeholders no removed path claimed (their object was nulled by a sibling first)."""
    if isinstance(value, list):
        for item in value:
            _strip_placeholders(item)
    elif isinstance(value, dict):
        for name in [n for n in value if n.startswith(PLACEHOLDER_PREFIX)]:
            del value[name]
        for item in value.values():
            _strip_placeholders(item)


def apply_removed(response: dict[str, Any], result: FilterResult) -> dict[str, Any]:
    """Add the nulls and errors of the fields the filter removed to an engine response."""
    data = response.get("data")
    errors = list(response.get("errors") or [])
    for path in [*result.removed, *result.emptied]:
        if isinstance(data, dict) and _nullify(data, path, 0, result.placeholders):
            data = None
    _strip_placeholders(data)
    for path in result.removed:
        errors.append(
            {"message": "Unauthorized field or type", "path": error_path(path), "extensions": {"code": UNAUTHORIZED}}
        )
    out = dict(response)
    out["data"] = data
    out["errors"] = errors
    return out
