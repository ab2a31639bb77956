"""Deep merge: objects key by key, lists of equal length element by element, anything else overwrites.

The merge has fast paths (no shared key; no shared key holding an object or list on both sides) that
must give what the plain rule gives: a property test checks it against the rule written out below.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from router.execution.merge import deep_merge

pytestmark = pytest.mark.router


def merged_by_the_rule(target: Any, source: Any) -> Any:
    """The merge as Apollo's gateway describes it, without shortcuts (a new value)."""
    if type(target) is dict and type(source) is dict:
        out = dict(target)
        for key, value in source.items():
            out[key] = merged_by_the_rule(target[key], value) if target.get(key) is not None else value
        return out
    if type(target) is list and type(source) is list and len(target) == len(source):
        return [merged_by_the_rule(t, s) for t, s in zip(target, source, strict=True)]
    return source


KEYS = st.sampled_from(["id", "name", "author", "reviews", "__typename"])
LEAVES = st.none() | st.integers(0, 3) | st.text(max_size=2)
VALUES = st.recursive(
    LEAVES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=12,
)
OBJECTS = st.dictionaries(KEYS, VALUES, max_size=5)


@settings(max_examples=200)
@given(target=OBJECTS, source=OBJECTS)
def test_deep_merge_follows_the_rule(target: dict[str, Any], source: dict[str, Any]) -> None:
    expected = merged_by_the_rule(target, source)
    deep_merge(target, source)
    assert target == expected


def test_the_usual_cases() -> None:
    entity: dict[str, Any] = {"__typename": "Product", "upc": "p1"}
    deep_merge(entity, {"reviews": [{"body": "ok"}]})  # no shared key
    assert entity == {"__typename": "Product", "upc": "p1", "reviews": [{"body": "ok"}]}

    deep_merge(entity, {"__typename": "Product", "name": "Chair"})  # a shared leaf
    assert entity["name"] == "Chair"

    deep_merge(entity, {"reviews": [{"author": {"id": "u1"}}]})  # a list of the same length, merged
    assert entity["reviews"] == [{"body": "ok", "author": {"id": "u1"}}]

    source = {"reviews": [{"body": "a"}, {"body": "b"}]}
    deep_merge(entity, copy.deepcopy(source))  # another length: replaced
    assert entity["reviews"] == source["reviews"]
