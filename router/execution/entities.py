"""Entity fetches: collect the objects at a ``Flatten`` path, build and batch their representations,
merge the ``_entities`` results back by index, and map entity errors back to the client's paths.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Collection, Sequence
from operator import itemgetter
from typing import Any

import orjson
from graphql import GraphQLInterfaceType, GraphQLObjectType, GraphQLSchema, GraphQLUnionType

from router.execution.merge import deep_merge
from router.query_plan import (
    LIST_MARKER,
    FetchNode,
    FetchRewrite,
    FieldRequirement,
    InlineFragmentRequirement,
    Requirement,
)

_FRAGMENT_PREFIX = "... on "
_ONLY_DICTS = frozenset({dict})
# Called as (obj.keys(), entity): no bound method made per call.
_KEYS_DISJOINT: Callable[[Any, Any], bool] = type({}.keys()).isdisjoint


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

    Once per entity fetch over every object on the way. A step by key over objects that all have it is
    one ``itemgetter`` pass in C (a ``KeyError`` or ``TypeError`` sends the step to the loop, which
    skips absent keys and descends into nested lists); ``null`` list elements are skipped by the next
    step's type check rather than filtered out of each list.
    """
    current: list[Any] = [data]
    for element in path:
        if element == LIST_MARKER:
            following: list[Any] = []
            for value in current:
                if type(value) is list:
                    following.extend(value)
            current = following
            continue
        try:
            following = list(map(itemgetter(element), current))
        except (KeyError, TypeError):
            following = []
            append = following.append
            for value in current:
                if type(value) is dict:
                    child = value.get(element)
                    if child is not None:
                        append(child)
                elif type(value) is list:
                    _descend(value, element, following)
        else:
            if None in following:
                following = [child for child in following if child is not None]
        current = following
    if _ONLY_DICTS.issuperset(map(type, current)):
        return current
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


# Per ``__typename`` in one entity fetch: the selections to copy (None: the object is not represented)
# and, when they are plain fields, a function reading the representation straight from the object
# (``KeyError`` when a field is absent).
_TypePlan = tuple[Sequence[Requirement] | None, Callable[[dict[str, Any]], dict[str, Any]] | None]
# Value types whose Python equality is their JSON identity: a str never equals a non-str, and an int
# equals only the same int (``1 == 1.0 == True`` is why floats and booleans are left out).
_EXACT_KEY_TYPES = frozenset({str, int})


def _plan_for(
    requires: Sequence[Requirement], typename: Any, relations: TypeRelations, rewrites: Sequence[FetchRewrite]
) -> _TypePlan:
    selections = _pick_fragment(requires, typename, relations)
    if selections is None or rewrites or len(selections) < 2:
        return selections, None
    names: list[str] = []
    for selection in selections:
        if type(selection) is not FieldRequirement or selection.alias or selection.selections:
            return selections, None
        names.append(selection.name)
    if len(set(names)) != len(names):
        return selections, None
    return selections, _reader(tuple(names))


def _reader(names: tuple[str, ...]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A function copying the fields ``names`` of an object into a new dict, in that order.

    The usual sizes (``__typename`` and one or two key fields) get a dict display of their own: it
    costs a third of a comprehension or of ``dict(zip(...))``, and this runs once per entity object.
    """
    if len(names) == 2:
        first, second = names
        return lambda obj: {first: obj[first], second: obj[second]}
    if len(names) == 3:
        first, second, third = names
        return lambda obj: {first: obj[first], second: obj[second], third: obj[third]}
    return lambda obj: {name: obj[name] for name in names}


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

    __slots__ = ("_groups", "objects", "representations", "singles")

    def __init__(self) -> None:
        self.representations: list[dict[str, Any]] = []
        self._groups: list[list[dict[str, Any]]] = []
        # When every representation stands for exactly one object (the usual batch): those objects, in
        # order, instead of a list of one-object groups.
        self.singles: list[dict[str, Any]] | None = None
        self.objects: list[dict[str, Any]] = []

    @property
    def groups(self) -> list[list[dict[str, Any]]]:
        """Per representation, the objects it stands for."""
        if self.singles is not None:
            return [[obj] for obj in self.singles]
        return self._groups

    def encoded(self) -> bytes:
        """The representations as one JSON array (one ``orjson.dumps``: a call per representation costs
        several times more, most of it the call's own overhead)."""
        return orjson.dumps(self.representations)

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
        its nested objects among them): it is represented and merged once. Equal representations are
        sent once, and their objects form one group.
        """
        batch = cls()
        batch.objects = objects
        if not _build_uniform(batch, objects, fetch, relations):
            _build_each(batch, objects, fetch, relations, key_fields)
        return batch

    def merge(self, entities: list[Any], fetch: FetchNode, relations: TypeRelations) -> None:
        """Each entity into the objects behind its representation (``entities`` as many as those)."""
        rewrites = fetch.output_rewrites
        singles = self.singles
        if (
            singles is not None
            and not rewrites
            and _ONLY_DICTS.issuperset(map(type, entities))
            and all(map(_KEYS_DISJOINT, map(dict.keys, singles), entities))
        ):
            # The usual batch: every entity brings only fields its object lacks, so each merge is an
            # update; checked, then done, in passes that run in C (deep_merge's own fast path, without
            # a Python call and loop step per object). Objects are distinct, so checking them all first
            # decides the same as checking each before its update.
            deque(map(dict.update, singles, entities), maxlen=0)
            return
        if singles is not None:
            for entity, obj in zip(entities, singles, strict=True):
                if type(entity) is not dict:
                    continue
                if rewrites:
                    _rewrite_entity(relations, rewrites, entity, obj)
                deep_merge(obj, entity)
            return
        for entity, group in zip(entities, self._groups, strict=True):
            if type(entity) is not dict:
                continue
            if rewrites:
                _rewrite_entity(relations, rewrites, entity, group[0])
            for obj in group:
                deep_merge(obj, entity)

    def paths_of(self, position: int, data: Any, flatten_path: Sequence[str]) -> list[list[str | int]]:
        """The response paths of the objects behind representation ``position`` (for errors)."""
        groups = self.groups
        if not 0 <= position < len(groups):
            return []
        wanted = {id(obj) for obj in groups[position]}
        return [path for path, value in _paths_at(data, flatten_path) if id(value) in wanted]


class _UniformPlan:
    """How :func:`_build_uniform` reads one fetch's objects of one ``__typename``, made once per pair.

    ``read`` builds a representation; ``key`` reads the identity of an object: its one key field's value
    when ``__typename`` is the only other field (a ``str`` or ``int`` whose hash the string caches),
    else the tuple of every field's value, ``__typename`` at ``typename_at``.
    """

    __slots__ = ("key", "read", "single", "typename_at")

    def __init__(self, read: Callable[[dict[str, Any]], dict[str, Any]], names: Sequence[str]) -> None:
        self.read = read
        keys = [name for name in names if name != "__typename"]
        self.single = len(keys) == 1
        self.key: Callable[[dict[str, Any]], Any] = itemgetter(keys[0]) if self.single else itemgetter(*names)
        self.typename_at = list(names).index("__typename")


_TYPENAME = itemgetter("__typename")
# Per (fetch node, __typename): its uniform plan, or None when its batches go object by object. Keyed by
# the node's identity (frozen dataclasses hash every field), holding the node and the relations it was
# made with so that a reused identity never matches; cleared when it grows past any plan cache's size.
_UNIFORM_PLANS: dict[tuple[int, str], tuple[FetchNode, TypeRelations, _UniformPlan | None]] = {}
_UNIFORM_PLANS_LIMIT = 10_000


def _uniform_plan(fetch: FetchNode, typename: str, relations: TypeRelations) -> _UniformPlan | None:
    cached = _UNIFORM_PLANS.get((id(fetch), typename))
    if cached is not None and cached[0] is fetch and cached[1] is relations:
        return cached[2]
    selections, read = _plan_for(fetch.requires, typename, relations, fetch.input_rewrites)
    plan = None
    if read is not None:
        names = [selection.name for selection in selections]  # type: ignore[union-attr]
        if "__typename" in names:
            plan = _UniformPlan(read, names)
    if len(_UNIFORM_PLANS) >= _UNIFORM_PLANS_LIMIT:
        _UNIFORM_PLANS.clear()
    _UNIFORM_PLANS[(id(fetch), typename)] = (fetch, relations, plan)
    return plan


def _build_uniform(
    batch: EntityBatch, objects: list[dict[str, Any]], fetch: FetchNode, relations: TypeRelations
) -> bool:
    """The usual batch, built in a few passes over the objects, most of them in C; False if it is not one.

    Usual: every object has the ``__typename`` of the first, its selections are plain fields (no alias,
    sub-selection or input rewrite: ``__typename`` and key fields), every object has them all, and every
    key value is a string or an integer, so the key value (or the tuple of values) is an exact identity
    (no JSON per object). Anything else (a null, another type, a missing field) goes to :func:`_build_each`.
    """
    if not objects:
        return True
    typename = objects[0].get("__typename")
    if type(typename) is not str:
        return False
    plan = _uniform_plan(fetch, typename, relations)
    if plan is None:
        return False
    unique = objects
    if len(set(map(id, objects))) != len(objects):
        unique = list(dict(zip(map(id, objects), objects, strict=True)).values())  # first place kept
    try:
        values = list(map(plan.key, unique))
        if plan.single:
            if set(map(_TYPENAME, unique)) != {typename}:
                return False
            if not _EXACT_KEY_TYPES.issuperset(map(type, values)):
                return False  # a null, float, boolean, list or object value
        else:
            for position, column in enumerate(zip(*values, strict=True)):
                if position == plan.typename_at:
                    if set(column) != {typename}:
                        return False
                elif not _EXACT_KEY_TYPES.issuperset(map(type, column)):
                    return False
    except KeyError:
        return False
    read = plan.read
    index: dict[Any, Any] = dict.fromkeys(values)
    if len(index) == len(values):
        batch.representations = list(map(read, unique))
        batch.singles = unique
        return True
    representations = batch.representations
    groups = batch._groups
    for value, obj in zip(values, unique, strict=True):
        position = index[value]
        if position is None:
            index[value] = len(groups)
            representations.append(read(obj))
            groups.append([obj])
        else:
            groups[position].append(obj)
    return True


def _build_each(
    batch: EntityBatch,
    objects: list[dict[str, Any]],
    fetch: FetchNode,
    relations: TypeRelations,
    key_fields: Callable[[str], Collection[str]] | None,
) -> None:
    """Any batch, object by object: per ``__typename`` its plan, and each representation's JSON as its
    identity (``1``, ``1.0``, ``true`` and ``"1"`` are different keys)."""
    representations = batch.representations
    groups = batch._groups
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
            selections, read = plans[typename]
        except KeyError:
            selections, read = plans[typename] = _plan_for(requires, typename, relations, rewrites)
        if selections is None:
            continue
        if read is not None:
            try:
                representation = read(obj)
            except KeyError:
                continue  # a required field is absent: the object cannot be represented
        else:
            representation = {}
            try:
                _copy_selections(obj, selections, relations, representation)
            except _Missing:
                continue
            if rewrites:
                apply_rewrites(relations, rewrites, representation)
        if key_fields is not None and None in representation.values():
            kind = representation.get("__typename")
            try:
                keys = keys_of[kind]
            except KeyError:
                keys = keys_of[kind] = key_fields(kind) if isinstance(kind, str) else ()
            if keys and _has_null_key(representation, keys):
                continue
        encoded = dumps(representation)
        position = index.get(encoded)
        if position is None:
            index[encoded] = len(representations)
            representations.append(representation)
            groups.append([obj])
        else:
            groups[position].append(obj)


def _rewrite_entity(
    relations: TypeRelations, rewrites: Sequence[FetchRewrite], entity: dict[str, Any], obj: dict[str, Any]
) -> None:
    """Apply a fetch's output rewrites to an entity it returned, typed as its object first (so that a
    ``... on T`` in their paths matches the object's own type when the entity carries no ``__typename``)."""
    if "__typename" not in entity and "__typename" in obj:
        entity["__typename"] = obj["__typename"]
    apply_rewrites(relations, rewrites, entity)


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
