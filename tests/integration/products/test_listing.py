"""Pagination, filters and full-text search over the catalogue, and ``User.products``."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.products.conftest import ProductsApi, create_product, error_codes, new_id

pytestmark = [pytest.mark.products, pytest.mark.integration]

LIST = """
query List($limit: Int, $offset: Int, $filter: ProductFilter) {
  products(limit: $limit, offset: $offset, filter: $filter) {
    totalCount limit offset hasNextPage items { id name stock price { amount currency } category }
  }
}
"""


async def listing(api: ProductsApi, **variables: Any) -> dict[str, Any]:
    page: dict[str, Any] = (await api.data(LIST, variables))["products"]
    return page


async def test_pages_cover_every_product_once_in_a_stable_order(api: ProductsApi) -> None:
    seller = new_id()
    created = [(await create_product(api, seller, name=f"Mug {index}"))["id"] for index in range(7)]
    seen: list[str] = []
    for offset in (0, 3, 6):
        page = await listing(api, limit=3, offset=offset, filter={"sellerId": seller})
        assert page["totalCount"] == 7
        assert (page["limit"], page["offset"]) == (3, offset)
        assert page["hasNextPage"] is (offset + 3 < 7)
        seen += [item["id"] for item in page["items"]]
    assert seen == created  # oldest first, each exactly once

    past_the_end = await listing(api, limit=3, offset=7, filter={"sellerId": seller})
    assert past_the_end == {"totalCount": 7, "limit": 3, "offset": 7, "hasNextPage": False, "items": []}
    default = await listing(api, filter={"sellerId": seller})
    assert (default["limit"], default["offset"], len(default["items"])) == (20, 0, 7)


@pytest.mark.parametrize(
    ("variables", "field"),
    [({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"limit": -5}, "limit"), ({"offset": -1}, "offset")],
)
async def test_out_of_range_pages_are_refused_not_clamped(
    api: ProductsApi, variables: dict[str, int], field: str
) -> None:
    body = await api.gql(LIST, variables)
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == field


async def test_the_largest_page_is_allowed(api: ProductsApi) -> None:
    page = await listing(api, limit=100, offset=0, filter={"sellerId": new_id()})
    assert page["limit"] == 100


async def test_filters_combine(api: ProductsApi) -> None:
    seller = new_id()
    category = f"garden-{new_id()[:8]}"
    cheap = await create_product(api, seller, category=category, price={"amount": 500, "currency": "EUR"}, stock=0)
    middle = await create_product(
        api, seller, category=category.upper(), price={"amount": 1500, "currency": "EUR"}, stock=4
    )
    dear = await create_product(api, seller, category=category, price={"amount": 9000, "currency": "EUR"}, stock=1)
    pounds = await create_product(api, seller, category=category, price={"amount": 1500, "currency": "GBP"}, stock=2)
    await create_product(api, new_id(), category=category, price={"amount": 1500, "currency": "EUR"}, stock=2)

    async def ids(**conditions: Any) -> list[str]:
        page = await listing(api, filter={"sellerId": seller, **conditions})
        assert page["totalCount"] == len(page["items"])
        return [item["id"] for item in page["items"]]

    everything = [cheap["id"], middle["id"], dear["id"], pounds["id"]]
    assert await ids(category=category.title()) == everything
    assert await ids(minPrice=1500) == [middle["id"], dear["id"], pounds["id"]]
    assert await ids(maxPrice=1500) == [cheap["id"], middle["id"], pounds["id"]]
    assert await ids(minPrice=1000, maxPrice=2000, currency="EUR") == [middle["id"]]
    assert await ids(inStock=True) == [middle["id"], dear["id"], pounds["id"]]
    assert await ids(inStock=False) == [cheap["id"]]
    assert await ids(category="no-such-category") == []
    other_seller = await listing(api, filter={"category": category})
    assert other_seller["totalCount"] == 5

    body = await api.gql(LIST, {"filter": {"minPrice": 10, "maxPrice": 5}})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    body = await api.gql(LIST, {"filter": {"currency": "DOLLARS"}})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    malformed = await listing(api, filter={"sellerId": "not-a-uuid"})
    assert malformed["totalCount"] == 0


async def test_search_ranks_name_matches_above_description_matches(api: ProductsApi) -> None:
    seller = new_id()
    word = "zanzibarite"  # one made-up word, so other tests' products never match
    only_description = await create_product(
        api, seller, name="Plain vase", description=f"Glazed by hand, in the {word} style"
    )
    in_name = await create_product(api, seller, name=f"{word.title()} teapot", description="Porcelain, 1 litre")
    in_both = await create_product(api, seller, name=f"{word} cup", description=f"A {word} cup for {word} tea")
    await create_product(api, seller, name="Unrelated spoon", description="Steel")

    page = await listing(api, filter={"q": word})
    assert [item["id"] for item in page["items"]] == [in_both["id"], in_name["id"], only_description["id"]]
    assert page["totalCount"] == 3

    stemmed = await listing(api, filter={"q": f"{word}s teapots", "sellerId": seller})
    assert [item["id"] for item in stemmed["items"]] == [in_name["id"]]
    excluded = await listing(api, filter={"q": f"{word} -teapot"})
    assert {item["id"] for item in excluded["items"]} == {in_both["id"], only_description["id"]}
    blank = await listing(api, filter={"q": "   ", "sellerId": seller})
    assert blank["totalCount"] == 4


async def test_a_user_lists_what_they_sell(api: ProductsApi) -> None:
    seller, idle = new_id(), new_id()
    made = [(await create_product(api, seller, name=f"Print {index}"))["id"] for index in range(3)]
    data = await api.data(
        """
        query($reps: [_Any!]!) {
          _entities(representations: $reps) {
            ... on User { id products(limit: 2, offset: 1) { totalCount hasNextPage items { id seller { id } } } }
          }
        }
        """,
        {"reps": [{"__typename": "User", "id": seller}, {"__typename": "User", "id": idle}]},
    )
    first, second = data["_entities"]
    assert first["products"]["totalCount"] == 3
    assert first["products"]["hasNextPage"] is False
    assert [item["id"] for item in first["products"]["items"]] == made[1:]
    assert all(item["seller"] == {"id": seller} for item in first["products"]["items"])
    assert second == {"id": idle, "products": {"totalCount": 0, "hasNextPage": False, "items": []}}
