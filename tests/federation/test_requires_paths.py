"""`@requires` across paths: field sets with inline fragments (through an interface), requirements going
back and forth between two subgraphs, nested required fields whose arguments clash with the
client's, and a subgraph that is needed both before and after a requirement (one fetch, not two)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from router.display import format_query_plan
from tests.federation.support.harness import Deployment, deploy
from tests.federation.support.subgraph import FakeSubgraph, keyed

pytestmark = pytest.mark.router

LINK = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", '
    'import: ["@key", "@shareable", "@external", "@requires"])\n'
)

MEDIA: list[dict[str, Any]] = [
    {"__typename": "Disk", "id": "d1", "title": "Blue", "size": 700},
    {"__typename": "Tape", "id": "t1", "title": "Mix", "length": 90},
]
OWNERS: list[dict[str, Any]] = [{"id": "o1", "media": MEDIA}, {"id": "o2", "media": [MEDIA[1]]}]
ITEMS: list[dict[str, Any]] = [
    {"id": "i1", "base": 100, "dims": {"w": 2, "h": 3}},
    {"id": "i2", "base": 40, "dims": {"w": 5, "h": 1}},
]
FACTOR = {"CM": 1, "IN": 2}


def _area(dims: dict[str, Any], unit: str) -> int:
    return int(dims["w"] * dims["h"] * FACTOR[unit])


def a() -> FakeSubgraph:
    return FakeSubgraph(
        "a",
        LINK
        + """
        type Query { owners: [Owner!]! items: [Item!]! }
        type Owner @key(fields: "id") { id: ID! media: [Media!]! }
        interface Media { title: String }
        type Disk implements Media @key(fields: "id") { id: ID! title: String size: Int }
        type Tape implements Media @key(fields: "id") { id: ID! title: String length: Int }
        type Item @key(fields: "id") {
          id: ID! base: Int dims: Dims
          tax: Int @external total: Int @requires(fields: "tax")
          label: String
        }
        type Dims @shareable { w: Int h: Int area(unit: Unit! = CM): Int }
        enum Unit { CM IN }
        """,
        root={"owners": OWNERS, "items": ITEMS},
        resolvers={
            "Item.total": lambda item: item["base"] + item["tax"],
            "Item.label": lambda item: f"item {item['id']}",
            "Dims.area": lambda dims, unit: _area(dims, unit),
        },
        entities={"Owner": keyed(OWNERS, "id"), "Item": keyed(ITEMS, "id"), "Disk": keyed(MEDIA, "id")},
    )


def b() -> FakeSubgraph:
    def summary(owner: dict[str, Any]) -> str:
        parts = [f"{m['title']}:{m.get('size', m.get('length'))}" for m in owner["media"]]
        return ",".join(parts)

    return FakeSubgraph(
        "b",
        LINK
        + """
        type Owner @key(fields: "id") {
          id: ID!
          media: [Media!]! @external
          summary: String @requires(fields: "media { title ... on Disk { size } ... on Tape { length } }")
        }
        interface Media { title: String }
        type Disk implements Media @key(fields: "id") { id: ID! title: String @external size: Int @external }
        type Tape implements Media @key(fields: "id") { id: ID! title: String @external length: Int @external }
        type Item @key(fields: "id") {
          id: ID! base: Int @external dims: Dims @external
          tax: Int @requires(fields: "base")
          grand: Int @requires(fields: "total")
          total: Int @external
          volume: Int @requires(fields: "dims { area(unit: CM) }")
          stock: Int
          weight: Int @external
          shipping: Int @requires(fields: "weight")
        }
        type Dims @shareable { w: Int h: Int area(unit: Unit! = CM): Int @external }
        enum Unit { CM IN }
        """,
        resolvers={
            "Owner.summary": summary,
            "Item.tax": lambda item: item["base"] // 10,
            "Item.grand": lambda item: item["total"] * 2,
            "Item.volume": lambda item: item["dims"]["area"] * 10,
            "Item.stock": lambda item: len(item["id"]),
            "Item.shipping": lambda item: item["weight"] * 3,
        },
        entities={"Owner": lambda rep: dict(rep), "Item": lambda rep: dict(rep)},
    )


def c() -> FakeSubgraph:
    return FakeSubgraph(
        "c",
        LINK + 'type Item @key(fields: "id") { id: ID! weight: Int }',
        resolvers={"Item.weight": lambda item: int(item["id"][1:]) * 7},
        entities={"Item": lambda rep: dict(rep)},
    )


@pytest.fixture(scope="module")
async def deployment() -> AsyncIterator[Deployment]:
    async with deploy([a(), b(), c()]) as deployed:
        yield deployed


async def test_requires_with_inline_fragments_through_an_interface(deployment: Deployment) -> None:
    result = await deployment.compare("{ owners { id summary } }")
    assert [o["summary"] for o in result["data"]["owners"]] == ["Blue:700,Mix:90", "Mix:90"]


async def test_requirements_back_and_forth_between_two_subgraphs(deployment: Deployment) -> None:
    """a: base → b: tax (requires base) → a: total (requires tax) → b: grand (requires total).

    Checked against the right answer, not Apollo: Apollo Gateway's plan also selects `total` (and the
    external `tax`) in the first fetch of a, before `tax` exists, so a fails there and `grand` is
    computed from that missing `total` (null, with errors)."""
    result = await deployment.engines["ours"].execute("{ items { id total grand } }")
    assert result == {
        "data": {"items": [{"id": "i1", "total": 110, "grand": 220}, {"id": "i2", "total": 44, "grand": 88}]}
    }
    await deployment.compare("{ items { id total } }")


async def test_nested_required_field_with_clashing_arguments(deployment: Deployment) -> None:
    """Checked against the right answer, not Apollo: the client asks `dims { area(unit: IN) }` and the
    requirement needs `dims { area(unit: CM) }` from the same fetch; we fetch the required one under
    an alias and the representation reads it from there. Apollo Gateway fetches only the client's
    `area(unit: IN)` and sends it as the required area, so `volume` comes out doubled."""
    query = "{ items { id dims { area(unit: IN) } volume } }"
    result = await deployment.engines["ours"].execute(query)
    assert result == {
        "data": {
            "items": [
                {"id": "i1", "dims": {"area": 12}, "volume": 60},
                {"id": "i2", "dims": {"area": 10}, "volume": 50},
            ]
        }
    }
    await deployment.compare("{ items { id dims { area(unit: CM) } volume } }")


async def test_one_fetch_for_a_subgraph_needed_before_and_after_a_requirement(deployment: Deployment) -> None:
    """`stock` (b, no requirement) and `shipping` (b, requires `weight` from c) both live at `items.@`
    in b: `stock` joins the b fetch that waits for c instead of being a fetch of its own."""
    query = "{ items { stock shipping label } }"
    result = await deployment.compare(query)
    assert result["data"]["items"] == [
        {"stock": 2, "shipping": 21, "label": "item i1"},
        {"stock": 2, "shipping": 42, "label": "item i2"},
    ]
    plan = format_query_plan(deployment.engines["ours"].prepare(query).plan)  # type: ignore[union-attr]
    assert plan.count('Fetch(service: "b")') == 1, plan
