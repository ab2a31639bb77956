"""Public GraphQL types of the products subgraph: ``Product``, ``Money``, pages, inputs, and the
``User`` stub to which this subgraph contributes ``products``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import federation

from servicekit.errors import BadUserInput
from subgraphs.products.context import ProductsContext
from subgraphs.products.money import Price
from subgraphs.products.service.records import Page, ProductRecord
from subgraphs.products.service.validation import DEFAULT_LIMIT, parse_id, validate_page

Info = strawberry.Info[ProductsContext, None]


@federation.type(
    shareable=True, description="An amount of money in integer minor units (cents) of an ISO 4217 currency."
)
class Money:
    amount: int = strawberry.field(description="minor units: 1999 EUR is 19.99 €")
    currency: str = strawberry.field(description="ISO 4217 code, e.g. EUR")

    @classmethod
    def from_price(cls, price: Price) -> Money:
        return cls(amount=price.amount, currency=price.currency)


def resolve_seller(root: Product) -> User:
    return User(id=strawberry.ID(str(root.seller_id)))


@federation.type(keys=["id"], description="A product on sale in the catalogue.")
class Product:
    id: strawberry.ID
    name: str
    description: str
    price: Money
    stock: int
    category: str
    created_at: datetime
    updated_at: datetime
    seller_id: strawberry.Private[uuid.UUID]
    seller: User = strawberry.field(resolver=resolve_seller, description="the user who sells this product")

    @classmethod
    def from_record(cls, record: ProductRecord) -> Product:
        return cls(
            id=strawberry.ID(str(record.id)),
            name=record.name,
            description=record.description,
            price=Money.from_price(record.price),
            stock=record.stock,
            category=record.category,
            created_at=record.created_at,
            updated_at=record.updated_at,
            seller_id=record.seller_id,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Product | None:
        """Deleted products resolve too: past orders still show their name and price."""
        product_id = parse_id(id)
        if product_id is None:
            return None
        record = await info.context.loaders.products.load(product_id)
        return cls.from_record(record) if record else None


@strawberry.type(description="One page of products.")
class ProductPage:
    items: list[Product]
    total_count: int = strawberry.field(description="how many products match, across all pages")
    limit: int
    offset: int
    has_next_page: bool

    @classmethod
    def from_page(cls, page: Page) -> ProductPage:
        return cls(
            items=[Product.from_record(record) for record in page.items],
            total_count=page.total_count,
            limit=page.limit,
            offset=page.offset,
            has_next_page=page.has_next_page,
        )


def empty_page(limit: int, offset: int) -> ProductPage:
    return ProductPage(items=[], total_count=0, limit=limit, offset=offset, has_next_page=False)


async def resolve_user_products(
    root: User,
    info: Info,
    limit: Annotated[int | None, strawberry.argument(description="1 to 100")] = DEFAULT_LIMIT,
    offset: Annotated[int | None, strawberry.argument(description="0 or more")] = 0,
) -> ProductPage:
    limit, offset = validate_page(limit, offset)
    seller_id = parse_id(root.id)
    if seller_id is None:
        return empty_page(limit, offset)
    page = await info.context.loaders.seller_pages.load((seller_id, limit, offset))
    return ProductPage.from_page(page)


@federation.type(keys=["id"], description="A user of the marketplace (owned by the users subgraph).")
class User:
    id: strawberry.ID
    products: ProductPage = strawberry.field(
        resolver=resolve_user_products, description="the products this user sells, oldest first"
    )

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> User:
        return cls(id=id)


@strawberry.input(description="An amount of money: integer minor units and an ISO 4217 currency code.")
class MoneyInput:
    amount: int
    currency: str


@strawberry.input
class CreateProductInput:
    name: str
    price: MoneyInput
    category: str
    description: str = ""
    stock: int = 0


@strawberry.input(description="Fields to change; those left out keep their value.")
class UpdateProductInput:
    name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    price: MoneyInput | None = strawberry.UNSET
    stock: int | None = strawberry.UNSET
    category: str | None = strawberry.UNSET


@strawberry.input(description="Conditions a product must meet; all given conditions apply.")
class ProductFilter:
    q: str | None = strawberry.field(default=None, description="full-text search in name and description")
    category: str | None = strawberry.field(default=None, description="exact category, case-insensitive")
    seller_id: strawberry.ID | None = None
    min_price: int | None = strawberry.field(default=None, description="minor units, inclusive")
    max_price: int | None = strawberry.field(default=None, description="minor units, inclusive")
    currency: str | None = strawberry.field(default=None, description="ISO 4217 code")
    in_stock: bool | None = strawberry.field(default=None, description="true: stock > 0; false: stock = 0")


def given(value: object, field: str, *, nullable: bool = False) -> bool:
    """Whether an optional input field was given; an explicit null is refused unless ``nullable``."""
    if value is strawberry.UNSET:
        return False
    if value is None and not nullable:
        raise BadUserInput(f"{field} cannot be null; leave it out to keep its value", field=f"input.{field}")
    return True
