"""Entity fetches: collect the objects at a ``Flatten`` path, build and batch their representations,
merge the ``_entities`` results back by index, and map entity errors back to the client's paths.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from operator import itemgetter
from typing import Any

import orjson
from graphql import GraphQLInterfaceType, GraphQLObjectType, GraphQLSchema, GraphQLUnionType

from router.execution.merge import merge_into_each
from router.query_plan import (
    LIST_MARKER,
    FetchNode,
    FetchRewrite,
    FieldRequirement,
    InlineFragmentRequirement,
    Requirement,
)

_FRAGMENT_PREFIX = "... on "


class TypeRelations:
    """Answers "is an object of type ``typename`` a ``condition``?" from a schema, with a cache."""

    def __init__(self, schema: GraphQLSchema | None) -> None:
        self._possible: dict[str, frozenset[str]] = {}
        if schema is not None:
            for named in schema.type_map.values():
                if isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
                    possible = {t.name for t in schema.get_possible_types(named)}
                    if isinstance(named, GraphQLInterfaceType):
                        possible |= {i.name for i in schema.get_implementations(named).interfaces}
                    self._possible[named.name] = frozenset(possible)
        self._objects = (
            frozenset(n for n, t in schema.type_map.items() if isinstance(t, GraphQLObjectType))
            if schema is not None
            else frozenset()
        )

    def matches(self, typename: Any, condition: str) -> bool:
        if typename == condition:
            return True
        possible = self._possible.get(condition)
        return possible is not None and typename in possible


def collect_at_path(data: Any, path: Sequence[str]) -> list[dict[str, Any]]:
    """The objects found at ``path`` (``@`` = every list element); ``null``s and absences skipped.

    Once per entity fetch over every object on the way: the dictionary step is inlined (a call per
    value cost more than the lookup), and ``null`` list elements are skipped by the next step's type
    check rather than filtered out of each list.
    """
    current: list[Any] = [data]
    for element in path:
        following: list[Any] = []
        if element == LIST_MARKER:
            for value in current:
                if type(value) is list:
                    following.extend(value)
        else:
            append = following.append
            for value in current:
                if type(value) is dict:
                    child = value.get(element)
                    if child is not None:
                        append(child)
                elif type(value) is list:
                    _descend(value, element, following)
        current = following
    found: list[dict[str, Any]] = []
    _flatten_objects(current, found)
    return found


def _descend(value: Any, key: str, into: list[Any]) -> None:
    if type(value) is dict:
        child = value.get(key)
        if child is not None:
            into.append(child)
    elif type(value) is list:
        for item in value:
            _descend(item, key, into)


def _flatten_objects(values: list[Any], into: list[dict[str, Any]]) -> None:
    for value in values:
        if type(value) is dict:
            into.append(value)
        elif type(value) is list:
            _flatten_objects(value, into)


def _paths_at(data: Any, path: Sequence[str]) -> list[tuple[list[str | int], Any]]:
    """Like ``collect_at_path`` but with each object's concrete response path."""
    current: list[tuple[list[str | int], Any]] = [([], data)]
    for element in path:
        following: list[tuple[list[str | int], Any]] = []
        for prefix, value in current:
            if element == LIST_MARKER:
                if type(value) is list:
                    following.extend(([*prefix, i], v) for i, v in enumerate(value) if v is not None)
            else:
                _descend_with_paths(prefix, value, element, following)
        current = following
    return current


def _descend_with_paths(prefix: list[str | int], value: Any, key: str, into: list[tuple[list[str | int], Any]]) -> None:
    if type(value) is dict:
        child = value.get(key)
        if child is not None:
            into.append(([*prefix, key], child))
    elif type(value) is list:
        for index, item in enumerate(value):
            _descend_with_paths([*prefix, index], item, key, into)


class _Missing(Exception):
    """A required field is absent from the object: it cannot be represented."""


def _copy_selections(
    obj: dict[str, Any], selections: Sequence[Requirement], relations: TypeRelations, into: dict[str, Any]
) -> None:
    for selection in selections:
        if type(selection) is FieldRequirement:
            source = selection.alias or selection.name
            if source not in obj:
                raise _Missing(source)
            value = obj[source]
            if selection.selections and value is not None:
                value = _copy_value(value, selection.selections, relations)
            into[selection.name] = value
        else:
            assert isinstance(selection, InlineFragmentRequirement)
            if relations.matches(obj.get("__typename"), selection.type_condition):
                _copy_selections(obj, selection.selections, relations, into)


def _copy_value(value: Any, selections: Sequence[Requirement], relations: TypeRelations) -> Any:
    if type(value) is list:
        return [None if v is None else _copy_value(v, selections, relations) for v in value]
    if type(value) is dict:
        out: dict[str, Any] = {}
        _copy_selections(value, selections, relations, out)
        return out
    return value


_Values = tuple[Any, ...]
# Per ``__typename`` in one entity fetch: the selections to copy (None: the object is not represented)
# and, when they are plain fields, a getter returning their values as a tuple and a function making the
# representation from those values.
_TypePlan = tuple[
    Sequence[Requirement] | None,
    Callable[[dict[str, Any]], _Values] | None,
    Callable[[_Values], dict[str, Any]] | None,
]


def _plan_for(
    requires: Sequence[Requirement], typename: Any, relations: TypeRelations, rewrites: Sequence[FetchRewrite]
) -> _TypePlan:
    selections = _pick_fragment(requires, typename, relations)
    if selections is None or rewrites or len(selections) < 2:
        return selections, None, None
    names: list[str] = []
    for selection in selections:
        if type(selection) is not FieldRequirement or selection.alias or selection.selections:
            return selections, None, None
        names.append(selection.name)
    if len(set(names)) != len(names):
        return selections, None, None
    return selections, itemgetter(*names), _maker(tuple(names))


def _maker(names: tuple[str, ...]) -> Callable[[_Values], dict[str, Any]]:
    """A function making the representation from its values (``dict(zip(...))`` costs 3 times more than
    a dict display, so the usual sizes, ``__typename`` and one or two key fields, get one)."""
    if len(names) == 2:
        first, second = names
        return lambda values: {first: values[0], second: values[1]}
    if len(names) == 3:
        first, second, third = names
        return lambda values: {first: values[0], second: values[1], third: values[2]}
    return lambda values: dict(zip(names, values))  # noqa: B905 - the getter returns one value per name


def _pick_fragment(
    requires: Sequence[Requirement], typename: Any, relations: TypeRelations
) -> Sequence[Requirement] | None:
    if not requires or type(requires[0]) is FieldRequirement:
        return requires  # an unconditional selection
    for requirement in requires:
        if type(requirement) is InlineFragmentRequirement and relations.matches(typename, requirement.type_condition):
            return requirement.selections
    return None


class EntityBatch:
    """The deduplicated representations of one entity fetch and the objects behind each."""

    __slots__ = ("groups", "objects", "representations")

    def __init__(self) -> None:
        self.representations: list[bytes] = []  # each serialized once: its identity and its place in the body
        self.groups: list[list[dict[str, Any]]] = []
        self.objects: list[dict[str, Any]] = []

    def encoded(self) -> bytes:
        """The representations as one JSON array."""
        return b"[" + b",".join(self.representations) + b"]"

    @classmethod
    def build(
        cls,
        objects: list[dict[str, Any]],
        fetch: FetchNode,
        relations: TypeRelations,
        key_fields: Callable[[str], Collection[str]] | None,
    ) -> EntityBatch:
        """Group ``objects`` by representation, each object once however many paths lead to it.

        The same object is often found several times (an entity merged into a group of objects shares
        its nested objects among them): it is represented and merged once. Per ``__typename`` the
        selections are looked up once; when they are plain fields (no alias, no sub-selection, no input
        rewrite: the usual ``__typename`` and key fields) the values are read in one step and the
        representation is built and serialized only for values not seen before.
        """
        batch = cls()
        batch.objects = objects
        representations = batch.representations
        groups = batch.groups
        index: dict[bytes, int] = {}
        requires = fetch.requires
        rewrites = fetch.input_rewrites
        # Per ``__typename`` its plan (``_TypePlan``); per representation type the key fields a null in
        # which makes the object unrepresentable.
        plans: dict[Any, _TypePlan] = {}
        keys_of: dict[Any, Collection[str]] = {}
        placed: set[int] = set()
        dumps = orjson.dumps
        for obj in objects:
            identity = id(obj)
            if identity in placed:
                continue
            placed.add(identity)
            typename = obj.get("__typename")
            try:
                selections, getter, make = plans[typename]
            except KeyError:
                selections, getter, make = plans[typename] = _plan_for(requires, typename, relations, rewrites)
            if selections is None:
                continue
            if getter is not None:
                try:
                    values = getter(obj)
                except KeyError:
                    continue  # a required field is absent: the object cannot be represented
                if None not in values:  # no null key possible: the values are the identity
                    # As JSON, not the tuple itself: Python's equality takes ``1``, ``1.0`` and ``True``
                    # for one key (and cannot hash a list or object value); their JSON texts differ.
                    key = dumps(values)
                    position = index.get(key)
                    if position is None:
                        index[key] = len(representations)
                        representations.append(dumps(make(values)))  # type: ignore[misc]
                        groups.append([obj])
                    else:
                        groups[position].append(obj)
                    continue
            representation: dict[str, Any] = {}
            try:
                _copy_selections(obj, selections, relations, representation)
            except _Missing:
                continue
            if rewrites:
                apply_rewrites(relations, rewrites, representation)
            if key_fields is not None:
                kind = representation.get("__typename")
                try:
                    keys = keys_of[kind]
                except KeyError:
                    keys = keys_of[kind] = key_fields(kind) if isinstance(kind, str) else ()
                if keys and _has_null_key(representation, keys):
                    continue
            # The JSON is the identity (``1``, ``1.0``, ``true`` and ``"1"`` differ), and the body.
            encoded = orjson.dumps(representation)
            position = index.get(encoded)
            if position is None:
                index[encoded] = len(representations)
                representations.append(encoded)
                groups.append([obj])
            else:
                groups[position].append(obj)
        return batch

    def merge(self, entities: list[Any], fetch: FetchNode, relations: TypeRelations) -> None:
        rewrites = fetch.output_rewrites
        for entity, group in zip(entities, self.groups, strict=True):
            if type(entity) is not dict:
                continue
            if "__typename" not in entity and "__typename" in group[0]:
                # Before the rewrites: a ``... on T`` in their paths matches the object's own type.
                entity["__typename"] = group[0]["__typename"]
            if rewrites:
                apply_rewrites(relations, rewrites, entity)
            merge_into_each(group, entity)

    def paths_of(self, position: int, data: Any, flatten_path: Sequence[str]) -> list[list[str | int]]:
        """The response paths of the objects behind representation ``position`` (for errors)."""
        if not 0 <= position < len(self.groups):
            return []
        wanted = {id(obj) for obj in self.groups[position]}
        return [path for path, value in _paths_at(data, flatten_path) if id(value) in wanted]


def _has_null_key(representation: dict[str, Any], fields: Collection[str]) -> bool:
    for name in fields:  # noqa: SIM110 - a plain loop, not any(genexpr): this runs once per entity object
        if name in representation and representation[name] is None:
            return True
    return False


def apply_rewrites(relations: TypeRelations, rewrites: Sequence[FetchRewrite], value: Any) -> None:
    """Apply rewrites (Apollo's format: ``ValueSetter`` and ``KeyRenamer``) to ``value`` in place,
    in order (the planner lists a renamer below an aliased field before the one renaming that field)."""
    for rewrite in rewrites:
        if not rewrite.path:
            continue
        *parents, last = rewrite.path
        if rewrite.kind == "KeyRenamer":
            _apply_at(relations, parents, value, last, rewrite.rename_key_to, rename=True)
        else:
            _apply_at(relations, parents, value, last, rewrite.value, rename=False)


def _apply_at(relations: TypeRelations, path: Sequence[str], value: Any, field: str, new: str, *, rename: bool) -> None:
    if type(value) is list:
        for item in value:
            _apply_at(relations, path, item, field, new, rename=rename)
        return
    if type(value) is not dict:
        return
    if not path:
        if not rename:
            value[field] = new
        elif field in value:
            # Any value moves, ``null`` and falsy ones too (Apollo's gateway moves truthy values only).
            value[new] = value.pop(field)
        return
    first, rest = path[0], path[1:]
    if first.startswith(_FRAGMENT_PREFIX):
        condition = first[len(_FRAGMENT_PREFIX) :]
        typename = value.get("__typename")
        if typename is None or relations.matches(typename, condition):
            _apply_at(relations, rest, value, field, new, rename=rename)
    else:
        _apply_at(relations, rest, value.get(first), field, new, rename=rename)
