"""Keys and ``@requires`` field sets: adding them to fetches and shaping the representations.

A required field may clash with a client field of the same response key but other arguments
(``price(currency: EUR)`` required, ``price(currency: USD)`` asked): the required one is then
fetched under an alias ``price__alias_N`` and the representation reads it from there
(``FieldRequirement.alias``). Two requirements of one field with different arguments cannot share a
representation, so they go to separate entity fetches.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graphql import FieldNode, InlineFragmentNode, SelectionSetNode

from .operation import NField, NFragment, NSelection
from .selection import FetchField, FetchFragment, FetchSelectionSet, arguments_text

if TYPE_CHECKING:
    from router.supergraph import FieldSet

    from .position import Position
    from .traversal_api import Traversal

ScopeKey = tuple[tuple[str, ...], str, tuple[str, ...]]


def _client_selections(position: Position, root: list[NSelection]) -> list[NSelection] | None:
    """The client's selections on the object at ``position`` (None when the planner made it up)."""
    if position.parent is not None:
        return position.parent[2].selections
    return root if not position.path else None


def _children(selections: list[NSelection] | None, response_key: str) -> list[NSelection] | None:
    """The merged sub-selections of the client's fields named ``response_key`` among ``selections``."""
    found: list[NSelection] = []
    matched = False
    for selection in selections or ():
        if isinstance(selection, NField):
            if selection.response_key == response_key and selection.selections is not None:
                matched = True
                found.extend(selection.selections)
        else:
            inner = _children(selection.selections, response_key)
            if inner is not None:
                matched = True
                found.extend(inner)
    return found if matched else None


def _all_keys(selections: list[NSelection] | None) -> dict[str, list[tuple[str, str]]]:
    """Every (field, arguments) the client selects under each response key, through fragments."""
    out: dict[str, list[tuple[str, str]]] = {}
    for selection in selections or ():
        if isinstance(selection, NField):
            out.setdefault(selection.response_key, []).append((selection.name, arguments_text(selection.arguments)))
        else:
            for key, values in _all_keys(selection.selections).items():
                out.setdefault(key, []).extend(values)
    return out


def _keys_of(selections: list[NSelection] | None) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for selection in selections or ():
        if isinstance(selection, NField):
            out.setdefault(selection.response_key, (selection.name, arguments_text(selection.arguments)))
        else:
            for key, value in _keys_of(selection.selections).items():
                out.setdefault(key, value)
    return out


class RequirementPlanner:
    """The traversal's helper for keys and requirements (it plans required fields through it)."""

    def __init__(self, traversal: Traversal) -> None:
        self.traversal = traversal
        # Per object in the response (path, type, response keys below it): the response keys already
        # taken there → (field, arguments). Seeded from the client's selections.
        self.position_keys: dict[ScopeKey, dict[str, tuple[str, str]]] = {}

    def client_selections(self, position: Position) -> list[NSelection] | None:
        """The client's selections on the object at ``position`` (None when the planner made it up)."""
        return _client_selections(position, self.traversal.operation.selections)

    def plan_requirements(self, position: Position, type_name: str, requires: FieldSet) -> FetchSelectionSet:
        """Plan the fields of ``requires`` at ``position``; return the representation shape."""
        shape = FetchSelectionSet()
        scope_key: ScopeKey = (position.path, type_name, ())
        scope = self.position_keys.get(scope_key)
        if scope is None:
            scope = self.position_keys[scope_key] = dict(position.siblings)
        client = _client_selections(position, self.traversal.operation.selections)
        selections = self._required_selections(
            position, type_name, requires.selection_set, shape, scope, scope_key, client
        )
        self.traversal.plan_selections(position, type_name, selections)
        return shape

    def _required_selections(
        self,
        position: Position,
        type_name: str,
        selection_set: SelectionSetNode,
        shape: FetchSelectionSet,
        scope: dict[str, tuple[str, str]],
        scope_key: ScopeKey,
        client: list[NSelection] | None,
    ) -> list[NSelection]:
        out: list[NSelection] = []
        for selection in selection_set.selections:
            if isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition.name.value if selection.type_condition else None
                inner = shape.add_fragment(condition)
                sub = self._required_selections(
                    position,
                    condition or type_name,
                    selection.selection_set,
                    inner.selections,
                    scope,
                    scope_key,
                    client,
                )
                out.append(NFragment(condition, (), (), sub))
                continue
            if not isinstance(selection, FieldNode):
                continue
            name = selection.name.value
            arguments = tuple(selection.arguments or ())
            alias = self._requirement_alias(scope, name, arguments_text(arguments))
            added = shape.add_field(name, alias, arguments, composite=selection.selection_set is not None)
            children: list[NSelection] | None = None
            if selection.selection_set is not None and added.selections is not None:
                sub_type, _ = self.traversal.qg.field_type(type_name, name)
                key = alias or name
                # Under a planner alias nothing of the client's shares the object: start empty.
                sub_client = None if alias is not None else _children(client, key)
                sub_key: ScopeKey = (scope_key[0], scope_key[1], (*scope_key[2], key))
                sub_scope = self.position_keys.get(sub_key)
                if sub_scope is None:
                    sub_scope = self.position_keys[sub_key] = _keys_of(sub_client)
                children = self._required_selections(
                    position, sub_type, selection.selection_set, added.selections, sub_scope, sub_key, sub_client
                )
            out.append(NField(name, alias, arguments, (), (), children))
        return out

    @staticmethod
    def _requirement_alias(keys: dict[str, tuple[str, str]], name: str, args: str) -> str | None:
        signature = (name, args)
        current = keys.get(name)
        if current is None:
            keys[name] = signature
            return None
        if current == signature:
            return None
        for key, value in keys.items():
            if value == signature and key != name:
                return key
        alias = f"{name}__alias_{sum(1 for k in keys if k.startswith(name + '__alias_'))}"
        keys[alias] = signature
        return alias

    def add_key(
        self,
        selection: FetchSelectionSet,
        type_name: str,
        key: SelectionSetNode,
        shape: FetchSelectionSet,
        *,
        typename: bool = True,
        client: list[NSelection] | None = None,
    ) -> None:
        """Select ``__typename`` and the key fields first in ``selection``; mirror them in ``shape``.

        ``typename`` is False right inside an ``_entities`` fetch, whose objects already have it.
        A key field whose name the client gave to another field here (``id: name``, in ``client``,
        the client's selections on the object) is fetched under an alias and read from there."""
        shape.add_field("__typename")
        aliases = self._key_aliases(key, client, selection) if client else {}
        self._add_key_fields(selection, type_name, key, shape, front=True, aliases=aliases)
        if typename:
            selection.add_field("__typename", front=True)

    @staticmethod
    def _key_aliases(key: SelectionSetNode, client: list[NSelection], selection: FetchSelectionSet) -> dict[str, str]:
        taken = _all_keys(client)
        for existing in selection:
            if isinstance(existing, FetchField):
                taken.setdefault(existing.response_key, []).append(existing.signature())
        aliases: dict[str, str] = {}
        for item in key.selections:
            if not isinstance(item, FieldNode):
                continue
            name = item.name.value
            signature = (name, arguments_text(tuple(item.arguments or ())))
            if all(other == signature for other in taken.get(name, ())):
                continue
            counter = 0
            while f"{name}__alias_{counter}" in taken and taken[f"{name}__alias_{counter}"] != [signature]:
                counter += 1  # (an alias already made for this key field, by an earlier hop, is reused)
            aliases[name] = f"{name}__alias_{counter}"
            taken[aliases[name]] = [signature]
        return aliases

    def _add_key_fields(
        self,
        selection: FetchSelectionSet,
        type_name: str,
        key: SelectionSetNode,
        shape: FetchSelectionSet,
        *,
        front: bool,
        aliases: dict[str, str] | None = None,
    ) -> None:
        aliases = aliases or {}
        items = list(key.selections)
        for item in items:  # the shape in key order
            if isinstance(item, FieldNode):
                name = item.name.value
                shape.add_field(name, aliases.get(name), composite=item.selection_set is not None)
        for item in reversed(items) if front else items:
            if isinstance(item, FieldNode):
                name = item.name.value
                added = selection.add_field(
                    name,
                    aliases.get(name),
                    tuple(item.arguments or ()),
                    composite=item.selection_set is not None,
                    front=front,
                )
                if item.selection_set is not None and added.selections is not None:
                    sub_type, _ = self.traversal.qg.field_type(type_name, name)
                    inner_shape = shape.items[aliases.get(name, name)]
                    assert isinstance(inner_shape, FetchField)
                    assert inner_shape.selections is not None
                    self._add_key_fields(
                        added.selections, sub_type, item.selection_set, inner_shape.selections, front=False
                    )
            elif isinstance(item, InlineFragmentNode):
                condition = item.type_condition.name.value if item.type_condition else type_name
                inner = selection.add_fragment(condition)
                inner_shape_fragment = shape.add_fragment(condition)
                self._add_key_fields(
                    inner.selections, condition, item.selection_set, inner_shape_fragment.selections, front=False
                )

    @staticmethod
    def compatible(existing: FetchSelectionSet, required: FetchSelectionSet) -> bool:
        """False when both read one field name from different response keys (different arguments)."""
        sources: dict[str, str] = {}
        for item in existing:
            if isinstance(item, FetchField):
                sources[item.name] = item.response_key
        for item in required:
            if isinstance(item, FetchField) and sources.get(item.name, item.response_key) != item.response_key:
                return False
        return True

    @classmethod
    def merge_shape(cls, target: FetchSelectionSet, source: FetchSelectionSet) -> None:
        for item in source:
            if isinstance(item, FetchField):
                added = target.add_field(item.name, item.alias, item.arguments, composite=item.selections is not None)
                if item.selections is not None and added.selections is not None:
                    cls.merge_shape(added.selections, item.selections)
            elif isinstance(item, FetchFragment):
                fragment = target.add_fragment(item.type_condition)
                cls.merge_shape(fragment.selections, item.selections)
