"""The "overlapping fields can be merged" rule in time linear in the document, not quadratic.

graphql-core's ``OverlappingFieldsCanBeMergedRule`` compares fields pairwise: 400 fields with
one response name cost 80,000 comparisons, and each pair with sub-selections compares those
pairwise again. This rule refuses the same documents (same semantics, same message form) with
the set-at-a-time algorithm of Simon Adameit (Sangria, graphql-java): for one response name it
takes *all* the fields merged under it at once and checks two properties, each against one
representative instead of against every other field:

- **same response shape** (whatever the parent types): every field returns the same list and
  non-null wrapping and, at the leaf, the same scalar or enum (any two object, interface or union
  types agree here; their sub-fields are checked one level down). This is an equivalence, so
  comparing each field with the first one is enough. The sub-selections of all the fields are
  merged and checked once, as one set.
- **same field and arguments** for the fields whose parents are not mutually exclusive. Two
  fields are mutually exclusive when their parents (here or at any level above) are two
  different object types: they can never both apply to one value. The fields are grouped by
  object parent type, each group joined by the fields whose parent is abstract; in each group
  all fields must equal the first, and the group's merged sub-selections are checked once.
  (Fields under abstract parents join every group, so they cost up to the number of object
  types among the parents, a bound set by the schema.)

A merged set already checked is not checked again (memoised on its content: the fields written
in it and the names of the fragments spread there). Every fragment is checked once on its own;
where it is spread, only the response names it shares with the rest of the merged set are looked
up (from the smaller side), so a fragment spread under many fields is not walked again for each.
A fragment's fields (its nested spreads expanded) are built once from the fragments it spreads.
The work is thus proportional to the document for field floods, fragment bombs and shared
fragments; what remains above linear needs many merged sets that each spread two or more large
fragments, or a long chain of fragments each adding fields (graphql-core's rule is quadratic
there too), and is bounded in the router by ``max_recursive_selections``.

Graphql-core's own quirks are kept so the verdicts match: a field's definition is looked up only
on object and interface parents (``__typename`` has none, hence no type to compare), arguments
compare as graphql-core prints them (object fields sorted by name, block strings distinct).

Unlike graphql-core's rule, this one never gives up on a large document ("Validation aborted."
past a complexity budget of 500,000 steps): its work stays proportional to the document.
Fragments on a cycle are not expanded (``NoFragmentCyclesRule`` refuses those documents).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
    VariableNode,
    get_named_type,
    is_interface_type,
    is_leaf_type,
    is_object_type,
)
from graphql.language import SKIP, VisitorAction
from graphql.utilities import type_from_ast
from graphql.validation import ValidationRule

__all__ = ["Conflict", "OverlapCheck", "OverlappingFieldsRule", "find_overlap_conflicts"]

ALIAS_HINT = " Use different aliases on the fields to fetch both if this was intentional."

# A parent type and one of its selection sets: the unit that merged sets are made of.
Scope = tuple[GraphQLNamedType | None, SelectionSetNode]


@dataclass(frozen=True)
class Conflict:
    """Two fields that cannot merge, at ``path`` (response names from the enclosing selection set)."""

    path: tuple[str, ...]
    reason: str
    nodes: tuple[FieldNode, FieldNode]

    @property
    def message(self) -> str:
        """Graphql-core's wording: ``Fields 'a' conflict because subfields 'b' conflict because …``."""
        reason = self.reason
        for name in reversed(self.path[1:]):
            reason = f"subfields '{name}' conflict because {reason}"
        return f"Fields '{self.path[0]}' conflict because {reason}.{ALIAS_HINT}"


@dataclass
class _Field:
    """A field node as collected into a merged set: its parent type, definition and sub-scope."""

    parent: GraphQLNamedType | None
    node: FieldNode
    definition: GraphQLField | None

    @property
    def sub_scope(self) -> Scope | None:
        selection_set = self.node.selection_set
        if selection_set is None:
            return None
        definition = self.definition
        return (get_named_type(definition.type) if definition else None, selection_set)


# One check over a response name's fields at a path; returns the groups to merge one level down.
_Check = Callable[[tuple[str, ...], list[_Field]], list[list[_Field]]]


@dataclass
class OverlapCheck:
    """One run of the check over a document; ``work`` counts selections visited and fields compared."""

    schema: GraphQLSchema
    fragments: dict[str, FragmentDefinitionNode]
    work: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    _expandable: set[str] = field(default_factory=set)
    _fragment_types: dict[str, GraphQLNamedType | None] = field(default_factory=dict)
    _argument_keys: dict[int, tuple[Any, ...]] = field(default_factory=dict)
    _reported: set[tuple[int, int]] = field(default_factory=set)
    _fragment_memo: dict[str, dict[str, list[_Field]]] = field(default_factory=dict)
    _fragment_direct_memo: dict[str, tuple[dict[str, list[_Field]], list[str]]] = field(default_factory=dict)

    def run(self, document: DocumentNode) -> list[Conflict]:
        self._expandable = _acyclic_fragments(self.fragments)
        roots: list[Scope] = []
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                roots.append((self.schema.get_root_type(definition.operation), definition.selection_set))
        # Every fragment is checked on its own once (graphql-core checks unused ones too); where
        # it is spread, only the names it shares with the rest of the merged set are checked.
        for name, fragment in self.fragments.items():
            roots.append((self._fragment_type(name), fragment.selection_set))
        same_shape: set[frozenset[Any]] = set()
        same_fields: set[frozenset[Any]] = set()
        for root in roots:
            self._same_shape(root, same_shape)
            self._same_fields(root, same_fields)
        return self.conflicts

    # -- the two checks, each a walk over merged sets (a queue: no recursion on deep documents)

    def _walk(self, root: Scope, done: set[frozenset[Any]], check: _Check) -> None:
        """Each merged set once, breadth first: ``check`` sees the fields of each response name and
        returns the groups whose sub-selections are merged one level down."""
        pending: deque[tuple[tuple[str, ...], list[Scope]]] = deque([((), [root])])
        while pending:
            path, scopes = pending.popleft()
            if not self._first_time(scopes, done):
                continue
            if len(scopes) == 1:
                path = ()  # all from one selection set: graphql-core names the conflict from there
            for response_name, fields in self._collect(scopes).items():
                here = (*path, response_name)
                for group in check(here, fields):
                    self._queue_children(pending, here, group)

    def _same_shape(self, root: Scope, done: set[frozenset[Any]]) -> None:
        def check(here: tuple[str, ...], fields: list[_Field]) -> list[list[_Field]]:
            typed = [(f, f.definition.type) for f in fields if f.definition is not None]
            if typed:
                first, first_type = typed[0]
                for other, other_type in typed[1:]:
                    self.work += 1
                    if _types_conflict(first_type, other_type):
                        reason = f"they return conflicting types '{first_type}' and '{other_type}'"
                        self._report(here, reason, first, other)
            return [fields]

        self._walk(root, done, check)

    def _same_fields(self, root: Scope, done: set[frozenset[Any]]) -> None:
        def check(here: tuple[str, ...], fields: list[_Field]) -> list[list[_Field]]:
            groups = _common_parent_groups(fields)
            for group in groups:
                first = group[0]
                first_key = self._field_key(first.node)
                for other in group[1:]:
                    self.work += 1
                    other_key = self._field_key(other.node)
                    if other_key == first_key:
                        continue
                    if other_key[0] != first_key[0]:
                        reason = f"'{first_key[0]}' and '{other_key[0]}' are different fields"
                    else:
                        reason = "they have differing arguments"
                    self._report(here, reason, first, other)
            return groups

        self._walk(root, done, check)

    def _queue_children(
        self,
        pending: deque[tuple[tuple[str, ...], list[Scope]]],
        path: tuple[str, ...],
        fields: Sequence[_Field],
    ) -> None:
        children = [scope for scope in (f.sub_scope for f in fields) if scope is not None]
        if children:
            pending.append((path, children))

    # -- collecting a merged set: fields by response name, each fragment expanded once

    def _first_time(self, scopes: list[Scope], done: set[frozenset[Any]]) -> bool:
        """Whether this merged set is new. What is checked below a merged set depends only on its
        content, so the key is that content: the fields written in its selection sets (inline
        fragments included) with their parent types, and the names of the fragments spread there,
        not expanded (a fragment's content is fixed). One fragment spread under many fields is
        thus expanded once, not once per field."""
        key: set[Any] = set()
        stack = list(scopes)
        while stack:
            parent, selection_set = stack.pop()
            for selection in selection_set.selections:
                self.work += 1
                if isinstance(selection, FieldNode):
                    key.add((id(parent), id(selection)))
                elif isinstance(selection, InlineFragmentNode):
                    condition = selection.type_condition
                    inner = type_from_ast(self.schema, condition) if condition else parent
                    stack.append((inner, selection.selection_set))
                elif isinstance(selection, FragmentSpreadNode) and selection.name.value in self._expandable:
                    key.add(selection.name.value)
        frozen = frozenset(key)
        if frozen in done:
            return False
        done.add(frozen)
        return True

    def _collect(self, scopes: Iterable[Scope]) -> dict[str, list[_Field]]:
        """The fields of a merged set to check here, by response name: every name written in its
        scopes, and the names that two of its fragments (or a fragment and the scopes) share. A
        name that one fragment alone brings is left out: every fragment is also checked on its
        own, and what is checked under a name depends only on the fields with that name. So a
        fragment spread next to other fields costs a look-up per name of the smaller side, not a
        walk of the fragment each time (the largest fragment of the set is never walked here)."""
        direct, spreads = self._direct(scopes)
        parts = [self._fragment_fields(name) for name in spreads]
        if not parts:
            return direct
        largest = max(range(len(parts)), key=lambda i: len(parts[i]))
        holders: dict[str, list[int]] = {}
        for index, part in enumerate(parts):
            if index != largest:
                for response_name in part:
                    self.work += 1
                    holders.setdefault(response_name, []).append(index)
        big = parts[largest]
        merged: dict[str, list[_Field]] = {}
        for response_name in [*direct, *(name for name in holders if name not in direct)]:
            self.work += 1
            sources = holders.get(response_name, [])
            if response_name in big:
                sources = [*sources, largest]
            if response_name not in direct and len(sources) < 2:
                continue
            fields = list(direct.get(response_name, ()))
            seen = {id(f.node) for f in fields}
            for index in sorted(sources):
                for f in parts[index][response_name]:
                    if id(f.node) not in seen:  # a fragment reached through two others
                        seen.add(id(f.node))
                        fields.append(f)
            merged[response_name] = fields
        return merged

    def _direct(self, scopes: Iterable[Scope]) -> tuple[dict[str, list[_Field]], list[str]]:
        """The fields written in these scopes (inline fragments included) by response name, and
        the fragments spread there (not expanded)."""
        grouped: dict[str, list[_Field]] = {}
        spreads: dict[str, None] = {}
        stack: list[Scope] = list(scopes)
        stack.reverse()
        while stack:
            parent, selection_set = stack.pop()
            later: list[Scope] = []
            for selection in selection_set.selections:
                self.work += 1
                if isinstance(selection, FieldNode):
                    name = selection.name.value
                    definition = (
                        parent.fields.get(name)  # type: ignore[union-attr]
                        if is_object_type(parent) or is_interface_type(parent)
                        else None
                    )
                    response_name = selection.alias.value if selection.alias else name
                    grouped.setdefault(response_name, []).append(_Field(parent, selection, definition))
                elif isinstance(selection, InlineFragmentNode):
                    condition = selection.type_condition
                    inner = type_from_ast(self.schema, condition) if condition else parent
                    later.append((inner, selection.selection_set))
                elif isinstance(selection, FragmentSpreadNode) and selection.name.value in self._expandable:
                    spreads[selection.name.value] = None
            # Keep document order (only the messages depend on it): nested scopes come next.
            stack.extend(reversed(later))
        return grouped, list(spreads)

    def _fragment_fields(self, name: str) -> dict[str, list[_Field]]:
        """Every field a fragment brings, its nested spreads expanded, memoised: built from the
        memos of the fragments it spreads (leaves first, without recursion), so a fragment bomb
        costs the size of each fragment's result, not of its expansion."""
        memo = self._fragment_memo
        pending = [(name, False)]
        while pending:
            current, children_done = pending.pop()
            if current in memo:
                continue
            direct, spreads = self._fragment_direct(current)
            if not children_done:
                pending.append((current, True))
                pending.extend((spread, False) for spread in spreads if spread not in memo)
                continue
            if not direct and len(spreads) == 1:
                memo[current] = memo[spreads[0]]
                continue
            found = {response_name: list(fields) for response_name, fields in direct.items()}
            seen = {id(f.node) for fields in direct.values() for f in fields}
            for spread in spreads:
                for response_name, fields in memo[spread].items():
                    for f in fields:
                        self.work += 1
                        if id(f.node) not in seen:  # a fragment reached through two others
                            seen.add(id(f.node))
                            found.setdefault(response_name, []).append(f)
            memo[current] = found
        return memo[name]

    def _fragment_direct(self, name: str) -> tuple[dict[str, list[_Field]], list[str]]:
        found = self._fragment_direct_memo.get(name)
        if found is None:
            scope = (self._fragment_type(name), self.fragments[name].selection_set)
            found = self._fragment_direct_memo[name] = self._direct([scope])
        return found

    def _fragment_type(self, name: str) -> GraphQLNamedType | None:
        if name not in self._fragment_types:
            found = type_from_ast(self.schema, self.fragments[name].type_condition)
            self._fragment_types[name] = found
        return self._fragment_types[name]

    def _field_key(self, node: FieldNode) -> tuple[Any, ...]:
        key = self._argument_keys.get(id(node))
        if key is None:
            arguments = tuple(sorted((a.name.value, _value_key(a.value)) for a in node.arguments or ()))
            key = self._argument_keys[id(node)] = (node.name.value, arguments)
        return key

    def _report(self, path: tuple[str, ...], reason: str, first: _Field, other: _Field) -> None:
        pair = (id(first.node), id(other.node))
        if pair in self._reported:
            return
        self._reported.add(pair)
        self.conflicts.append(Conflict(path, reason, (first.node, other.node)))


def find_overlap_conflicts(schema: GraphQLSchema, document: DocumentNode) -> OverlapCheck:
    """Run the check over ``document``; the result holds the conflicts and the work it took."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    check = OverlapCheck(schema, fragments)
    check.run(document)
    return check


class OverlappingFieldsRule(ValidationRule):
    """Drop-in for graphql-core's ``OverlappingFieldsCanBeMergedRule``: the whole document at once."""

    def enter_document(self, node: DocumentNode, *_args: object) -> VisitorAction:
        check = find_overlap_conflicts(self.context.schema, node)
        for conflict in check.conflicts:
            self.report_error(GraphQLError(conflict.message, list(conflict.nodes)))
        return SKIP


# -- helpers


def _common_parent_groups(fields: list[_Field]) -> list[list[_Field]]:
    """The fields that may apply to one value together: one group per object parent type, each
    joined by the fields with a non-object parent (an interface or union can be that object)."""
    by_object: dict[int, list[_Field]] = {}
    others: list[_Field] = []
    for f in fields:
        if isinstance(f.parent, GraphQLObjectType):
            by_object.setdefault(id(f.parent), []).append(f)
        else:
            others.append(f)
    if not by_object:
        return [others]
    return [group + others for group in by_object.values()]


def _types_conflict(first: GraphQLOutputType, second: GraphQLOutputType) -> bool:
    """Graphql-core's ``do_types_conflict``: wrappers must match, leaves must be the same type."""
    while True:
        if first is second:
            return False
        if isinstance(first, GraphQLList) or isinstance(second, GraphQLList):
            if not (isinstance(first, GraphQLList) and isinstance(second, GraphQLList)):
                return True
            first, second = first.of_type, second.of_type
            continue
        if isinstance(first, GraphQLNonNull) or isinstance(second, GraphQLNonNull):
            if not (isinstance(first, GraphQLNonNull) and isinstance(second, GraphQLNonNull)):
                return True
            first, second = first.of_type, second.of_type
            continue
        # Two different types (``is`` checked above): a conflict if either is a leaf.
        return is_leaf_type(first) or is_leaf_type(second)


def _value_key(value: ValueNode) -> Any:
    """An argument value as graphql-core compares it: object fields in name order, variables by name."""
    if isinstance(value, VariableNode):
        return (value.kind, value.name.value)
    if isinstance(value, ObjectValueNode):
        ordered = sorted(value.fields, key=lambda f: f.name.value)
        return (value.kind, tuple((f.name.value, _value_key(f.value)) for f in ordered))
    if isinstance(value, ListValueNode):
        return (value.kind, tuple(_value_key(v) for v in value.values))
    if isinstance(value, StringValueNode):
        return (value.kind, value.value, value.block is True)
    return (value.kind, getattr(value, "value", None))


def _spreads_in(selection_set: SelectionSetNode) -> list[str]:
    """Every fragment spread anywhere inside a selection set (nested fields included)."""
    names: list[str] = []
    stack = [selection_set]
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                names.append(selection.name.value)
            elif isinstance(selection, FieldNode | InlineFragmentNode) and selection.selection_set is not None:
                stack.append(selection.selection_set)
    return names


def _acyclic_fragments(fragments: dict[str, FragmentDefinitionNode]) -> set[str]:
    """The fragments that reach no cycle of spreads (peeled off from the leaves, Kahn's way)."""
    spreads = {name: {s for s in _spreads_in(f.selection_set) if s in fragments} for name, f in fragments.items()}
    users: dict[str, list[str]] = {name: [] for name in fragments}
    remaining = {name: len(targets) for name, targets in spreads.items()}
    for name, targets in spreads.items():
        for target in targets:
            users[target].append(name)
    ready = [name for name, count in remaining.items() if count == 0]
    acyclic: set[str] = set()
    while ready:
        name = ready.pop()
        acyclic.add(name)
        for user in users[name]:
            remaining[user] -= 1
            if remaining[user] == 0:
                ready.append(user)
    return acyclic
