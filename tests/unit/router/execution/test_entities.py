"""Entity batches: which objects are represented, how representations are deduplicated, and merging."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from router.execution import entities
from router.execution.entities import EntityBatch, TypeRelations, _build_each, _build_uniform, collect_at_path
from router.execution.merge import deep_merge
from router.query_plan import FetchNode, FetchRewrite, FieldRequirement, InlineFragmentRequirement

pytestmark = pytest.mark.router

RELATIONS = TypeRelations(None)


def _fetch(*fields: FieldRequirement, typename: str = "Product", **options: Any) -> FetchNode:
    return FetchNode(
        service_name="products",
        operation="query($representations:[_Any!]!){_entities(representations:$representations){...on Product{name}}}",
        requires=(InlineFragmentRequirement(typename, fields),),
        **options,
    )


KEYED = _fetch(FieldRequirement("__typename"), FieldRequirement("id"))
# Two key fields: the batch-wide builder keys objects by the tuple of values rather than by one value.
TWO_KEYS = _fetch(FieldRequirement("__typename"), FieldRequirement("id"), FieldRequirement("sku"))


def _build(
    objects: list[dict[str, Any]], fetch: FetchNode = KEYED, key_fields: frozenset[str] | None = None
) -> EntityBatch:
    return EntityBatch.build(objects, fetch, RELATIONS, (lambda _t: key_fields) if key_fields is not None else None)


def _sent(batch: EntityBatch) -> list[Any]:
    decoded: list[Any] = orjson.loads(batch.encoded())
    return decoded


def test_keys_of_different_json_types_are_different_representations() -> None:
    objects = [{"__typename": "Product", "id": value} for value in (1, "1", 1.0, True, 1, "1", 1.0, True)]

    batch = _build(objects)

    assert [type(r["id"]) for r in _sent(batch)] == [int, str, float, bool]
    assert [len(group) for group in batch.groups] == [2, 2, 2, 2]
    assert [group[0]["id"] for group in batch.groups] == [1, "1", 1.0, True]
    assert all(type(a["id"]) is type(b["id"]) for a, b in batch.groups)


def test_integer_and_string_keys_stay_apart_when_every_object_has_one_type() -> None:
    objects = [{"__typename": "Product", "id": value} for value in (1, "1", 2, 1, "1", "2")]

    batch = _build(objects)

    assert _sent(batch) == [{"__typename": "Product", "id": v} for v in (1, "1", 2, "2")]
    assert [[obj["id"] for obj in group] for group in batch.groups] == [[1, 1], ["1", "1"], [2], ["2"]]


@pytest.mark.parametrize(
    "ids",
    [
        ["a", "b", "a", "c", "b", "a"],  # duplicates: grouped in first-seen order
        ["a", "b", "c"],  # none
        [1, 2, 1, "x"],
    ],
)
@pytest.mark.parametrize("fetch", [KEYED, TWO_KEYS], ids=["one key", "two keys"])
def test_the_batch_wide_builder_agrees_with_the_object_by_object_one(ids: list[Any], fetch: FetchNode) -> None:
    shared = {"__typename": "Product", "id": "shared", "sku": 1}
    # The sku splits some equal ids apart (two keys) and is ignored with one.
    objects = [{"__typename": "Product", "id": value, "sku": i % 2, "name": f"n{i}"} for i, value in enumerate(ids)]
    objects = [*objects, shared, objects[0], shared]  # the same objects again, along other paths

    uniform, each = EntityBatch(), EntityBatch()

    assert _build_uniform(uniform, objects, fetch, RELATIONS)
    _build_each(each, objects, fetch, RELATIONS, None)
    assert uniform.encoded() == each.encoded()
    assert [[id(obj) for obj in group] for group in uniform.groups] == [
        [id(obj) for obj in group] for group in each.groups
    ]


@pytest.mark.parametrize(
    "objects",
    [
        [{"__typename": "Product", "id": "1"}, {"__typename": "Item", "id": "2"}],  # two types
        [{"__typename": "Product", "id": "1"}, {"__typename": "Product"}],  # a key field absent
        [{"__typename": "Product", "id": "1"}, {"__typename": "Product", "id": None}],  # a null
        [{"__typename": "Product", "id": 1}, {"__typename": "Product", "id": 1.0}],  # 1 == 1.0 in Python
        [{"__typename": "Product", "id": 1}, {"__typename": "Product", "id": True}],  # 1 == True in Python
    ],
)
@pytest.mark.parametrize("fetch", [KEYED, TWO_KEYS], ids=["one key", "two keys"])
def test_batches_the_batch_wide_builder_cannot_key_exactly_go_object_by_object(
    objects: list[dict[str, Any]], fetch: FetchNode
) -> None:
    if fetch is TWO_KEYS:
        objects = [{**obj, "sku": 7} for obj in objects]
    assert not _build_uniform(EntityBatch(), objects, fetch, RELATIONS)


def test_a_second_key_field_that_cannot_key_exactly_goes_object_by_object() -> None:
    for sku in (None, 1.0, True, [1]):
        objects: list[dict[str, Any]] = [
            {"__typename": "Product", "id": "1", "sku": 1},
            {"__typename": "Product", "id": "2", "sku": sku},
        ]
        assert not _build_uniform(EntityBatch(), objects, TWO_KEYS, RELATIONS)


def test_each_fetch_gets_its_own_batch_plan_for_the_same_type(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batch plans are cached per fetch node and ``__typename``: two fetches of one type read their own
    fields, also once the cache has been emptied for growing past its limit (here, every third plan)."""
    monkeypatch.setattr(entities, "_UNIFORM_PLANS_LIMIT", 3)
    objects = [{"__typename": "Product", "id": "1", "sku": 5, "name": "n"}]
    shapes = [("__typename", "id"), ("__typename", "id", "sku"), ("__typename", "sku")] * 3
    fetches = [_fetch(*(FieldRequirement(name) for name in fields)) for fields in shapes]
    for _ in range(2):
        for fetch, names in zip(fetches, shapes, strict=True):
            assert _sent(_build(objects, fetch)) == [{name: objects[0][name] for name in names}]
    assert len(entities._UNIFORM_PLANS) <= 3


def test_zero_false_and_negative_zero_do_not_collide() -> None:
    objects = [{"__typename": "Product", "id": value} for value in (0, False, 0.0, -0.0, "")]

    assert len(_build(objects).representations) == 5


def test_nested_key_values_are_compared_as_json() -> None:
    objects: list[dict[str, Any]] = [
        {"__typename": "Product", "id": {"a": 1, "b": [1, 2]}},
        {"__typename": "Product", "id": {"a": 1, "b": [1, 2]}},
        {"__typename": "Product", "id": {"a": 1, "b": [1, 2.0]}},
        {"__typename": "Product", "id": [1, "x"]},
        {"__typename": "Product", "id": [1, "x"]},
    ]

    batch = _build(objects)

    assert _sent(batch) == [
        {"__typename": "Product", "id": {"a": 1, "b": [1, 2]}},
        {"__typename": "Product", "id": {"a": 1, "b": [1, 2.0]}},
        {"__typename": "Product", "id": [1, "x"]},
    ]
    assert [len(group) for group in batch.groups] == [2, 1, 2]


def test_composite_keys_with_sub_selections_copy_only_the_selected_fields() -> None:
    fetch = _fetch(
        FieldRequirement("__typename"),
        FieldRequirement("owner", (FieldRequirement("id"),)),
        FieldRequirement("sku"),
    )
    objects = [
        {"__typename": "Product", "owner": {"id": "u1", "name": "Ada"}, "sku": "s", "name": "Table"},
        {"__typename": "Product", "owner": {"id": "u1", "name": "other"}, "sku": "s"},
        {"__typename": "Product", "owner": {"id": "u2"}, "sku": "s"},
    ]

    batch = _build(objects, fetch)

    assert _sent(batch) == [
        {"__typename": "Product", "owner": {"id": "u1"}, "sku": "s"},
        {"__typename": "Product", "owner": {"id": "u2"}, "sku": "s"},
    ]
    assert [len(group) for group in batch.groups] == [2, 1]


def test_representations_keep_the_requirement_order_and_leave_other_fields_out() -> None:
    fetch = _fetch(
        FieldRequirement("__typename"), FieldRequirement("upc"), FieldRequirement("price"), FieldRequirement("weight")
    )
    objects = [{"weight": 3, "name": "Table", "price": 10, "upc": "1", "__typename": "Product"}]

    assert _build(objects, fetch).encoded() == b'[{"__typename":"Product","upc":"1","price":10,"weight":3}]'


def test_objects_without_a_required_field_or_with_a_null_key_are_not_represented() -> None:
    fetch = _fetch(FieldRequirement("__typename"), FieldRequirement("id"), FieldRequirement("price"))
    objects: list[dict[str, Any]] = [
        {"__typename": "Product", "id": "1"},  # no price: cannot be represented
        {"__typename": "Product", "id": None, "price": 1},  # a null key
        {"__typename": "Product", "id": "2", "price": None},  # a null required field is sent as null
        {"__typename": "User", "id": "3", "price": 1},  # another type: not this fetch's
        {"__typename": "Product", "id": "4", "price": 2},
    ]

    batch = _build(objects, fetch, key_fields=frozenset({"id"}))

    assert _sent(batch) == [
        {"__typename": "Product", "id": "2", "price": None},
        {"__typename": "Product", "id": "4", "price": 2},
    ]
    assert [group[0]["id"] for group in batch.groups] == ["2", "4"]


def test_an_aliased_requirement_reads_the_alias_and_writes_the_name() -> None:
    fetch = _fetch(
        FieldRequirement("__typename"), FieldRequirement("id"), FieldRequirement("price", alias="price__alias_0")
    )
    objects = [{"__typename": "Product", "id": "1", "price": 1, "price__alias_0": 2}]

    assert _sent(_build(objects, fetch)) == [{"__typename": "Product", "id": "1", "price": 2}]


def test_input_rewrites_apply_to_representations_before_they_are_compared() -> None:
    fetch = _fetch(
        FieldRequirement("__typename"),
        FieldRequirement("id"),
        input_rewrites=(FetchRewrite(("__typename",), "Item"),),
    )
    objects = [{"__typename": "Product", "id": "1"}, {"__typename": "Product", "id": "1"}]

    batch = _build(objects, fetch)

    assert _sent(batch) == [{"__typename": "Item", "id": "1"}]
    assert len(batch.groups[0]) == 2


def test_an_object_found_along_two_paths_is_represented_and_merged_once() -> None:
    shared = {"__typename": "Product", "id": "1"}
    data = {"a": [shared, {"__typename": "Product", "id": "1"}], "b": shared}
    objects = collect_at_path(data, ("a", "@")) + collect_at_path(data, ("b",))

    batch = _build(objects)
    batch.merge([{"name": "Table", "tags": ["x"]}], KEYED, RELATIONS)

    assert len(objects) == 3
    assert [len(group) for group in batch.groups] == [2]
    assert data == {
        "a": [
            {"__typename": "Product", "id": "1", "name": "Table", "tags": ["x"]},
            {"__typename": "Product", "id": "1", "name": "Table", "tags": ["x"]},
        ],
        "b": {"__typename": "Product", "id": "1", "name": "Table", "tags": ["x"]},
    }


def test_merge_deepens_existing_objects_and_lists_and_skips_null_entities() -> None:
    objects: list[dict[str, Any]] = [
        {"__typename": "Product", "id": "1", "owner": {"id": "u1"}, "reviews": [{"id": "r1"}], "name": None},
        {"__typename": "Product", "id": "2", "name": "old"},
    ]
    batch = _build(objects)

    batch.merge([{"owner": {"name": "Ada"}, "reviews": [{"body": "ok"}], "name": "Table"}, None], KEYED, RELATIONS)

    assert objects == [
        {
            "__typename": "Product",
            "id": "1",
            "owner": {"id": "u1", "name": "Ada"},
            "reviews": [{"id": "r1", "body": "ok"}],
            "name": "Table",
        },
        {"__typename": "Product", "id": "2", "name": "old"},
    ]


@pytest.mark.parametrize(
    "entities",
    [
        [{"name": "A"}, {"name": "B", "tags": ["x"]}, {"price": 3}],  # every one disjoint: merged in C
        [{"name": "A"}, {"owner": {"name": "Ada"}}, {"price": 3}],  # one overlaps: object by object
        [{"name": "A"}, None, {"price": 3}],  # a null entity
        [{"name": "A"}, {"id": "2", "name": "B"}, {"price": 3}],  # a scalar on both sides: overwritten
    ],
    ids=["disjoint", "overlapping", "null", "same-scalar"],
)
def test_a_batch_merges_as_deep_merge_does_object_by_object(entities: list[Any]) -> None:
    def objects() -> list[dict[str, Any]]:
        return [
            {"__typename": "Product", "id": "1"},
            {"__typename": "Product", "id": "2", "owner": {"id": "u1"}},
            {"__typename": "Product", "id": "3"},
        ]

    merged = objects()
    batch = _build(merged)
    assert batch.singles is not None
    batch.merge(entities, KEYED, RELATIONS)

    expected = objects()
    for obj, entity in zip(expected, entities, strict=True):
        if entity is not None:
            deep_merge(obj, entity)
    assert merged == expected


def test_collect_at_path_skips_nulls_at_every_level() -> None:
    data = {
        "a": [
            None,
            {"b": None},
            {"b": [None, {"c": {"id": 1}}, {"c": None}, [{"c": {"id": 2}}, None]]},
            {"b": {"c": {"id": 3}}},  # not a list where the path says "@": not followed
        ]
    }

    assert collect_at_path(data, ("a", "@", "b", "@", "c")) == [{"id": 1}, {"id": 2}]
    assert collect_at_path(data, ("a", "@", "b", "@")) == [{"c": {"id": 1}}, {"c": None}, {"c": {"id": 2}}]
    assert collect_at_path({"a": None}, ("a", "@")) == []
