"""Queries and mutations of the products subgraph, and the module-level federation schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import federation
from strawberry.extensions import SchemaExtension

from servicekit.errors import NotFound
from servicekit.graphql_errors import error_codes_extension
from servicekit.router_only import router_only_extension
from subgraphs.products.context import READ_SOURCE_HEADER
from subgraphs.products.internal_types import StockReservation, StockReservationItemInput
from subgraphs.products.service import catalogue, reservations
from subgraphs.products.service.records import Page, ProductRecord, RequestedLine, Reservation
from subgraphs.products.service.validation import (
    DEFAULT_LIMIT,
    parse_id,
    require_id,
    validate_changes,
    validate_filter,
    validate_new_product,
    validate_page,
)
from subgraphs.products.types import (
    CreateProductInput,
    Info,
    Money,
    Product,
    ProductFilter,
    ProductPage,
    UpdateProductInput,
    User,
    empty_page,
    given,
)


async def resolve_product(info: Info, id: strawberry.ID) -> Product | None:
    product_id = parse_id(id)
    if product_id is None:
        return None

    async def work(session: AsyncSession) -> ProductRecord | None:
        return await catalogue.get_product(session, product_id)

    record = await info.context.db.read(work, info.context.routing)
    return Product.from_record(record) if record else None


async def resolve_products(
    info: Info,
    limit: Annotated[int | None, strawberry.argument(description="1 to 100")] = DEFAULT_LIMIT,
    offset: Annotated[int | None, strawberry.argument(description="0 or more")] = 0,
    filter: ProductFilter | None = None,
) -> ProductPage:
    limit, offset = validate_page(limit, offset)
    given_filter = filter or ProductFilter()
    criteria, matchable = validate_filter(
        q=given_filter.q,
        category=given_filter.category,
        seller_id=given_filter.seller_id,
        min_price=given_filter.min_price,
        max_price=given_filter.max_price,
        currency=given_filter.currency,
        in_stock=given_filter.in_stock,
    )
    if not matchable:
        return empty_page(limit, offset)

    async def work(session: AsyncSession) -> Page:
        return await catalogue.list_products(session, criteria, limit=limit, offset=offset)

    return ProductPage.from_page(await info.context.db.read(work, info.context.routing))


async def create_product(info: Info, input: CreateProductInput) -> Product:
    principal = info.context.require_principal()
    seller_id = require_id(principal.user_id, field="seller")
    new = validate_new_product(
        name=input.name,
        description=input.description,
        category=input.category,
        amount=input.price.amount,
        currency=input.price.currency,
        stock=input.stock,
    )

    async def work(session: AsyncSession) -> ProductRecord:
        return await catalogue.create_product(session, seller_id, new)

    return Product.from_record(await info.context.db.write(work, info.context.routing))


async def update_product(info: Info, id: strawberry.ID, input: UpdateProductInput) -> Product:
    principal = info.context.require_principal()
    product_id = parse_id(id)
    if product_id is None:
        raise NotFound("no such product", id=str(id))
    price = input.price if given(input.price, "price") else None
    changes = validate_changes(
        name=input.name if given(input.name, "name") else None,
        description=(input.description or "") if given(input.description, "description", nullable=True) else None,
        category=input.category if given(input.category, "category") else None,
        price=(price.amount, price.currency) if price is not None else None,
        stock=input.stock if given(input.stock, "stock") else None,
    )

    async def work(session: AsyncSession) -> ProductRecord:
        return await catalogue.update_product(session, principal, product_id, changes)

    return Product.from_record(await info.context.db.write(work, info.context.routing))


async def delete_product(info: Info, id: strawberry.ID) -> bool:
    principal = info.context.require_principal()
    product_id = parse_id(id)
    if product_id is None:
        raise NotFound("no such product", id=str(id))

    async def work(session: AsyncSession) -> bool:
        return await catalogue.delete_product(session, principal, product_id)

    return await info.context.db.write(work, info.context.routing)


async def reserve_stock(
    info: Info, order_id: strawberry.ID, items: list[StockReservationItemInput]
) -> StockReservation:
    info.context.require_service()
    order = require_id(order_id, field="orderId")
    lines = [
        RequestedLine(product_id=require_id(item.product_id, field=f"items.{index}.productId"), quantity=item.quantity)
        for index, item in enumerate(items)
    ]

    async def work(session: AsyncSession) -> Reservation:
        return await reservations.reserve_stock(session, order, lines)

    return StockReservation.from_reservation(await info.context.db.write(work, info.context.routing))


async def release_stock(info: Info, order_id: strawberry.ID) -> StockReservation:
    info.context.require_service()
    order = require_id(order_id, field="orderId")

    async def work(session: AsyncSession) -> Reservation:
        return await reservations.release_stock(session, order)

    return StockReservation.from_reservation(await info.context.db.write(work, info.context.routing))


@strawberry.type
class Query:
    product: Product | None = strawberry.field(
        resolver=resolve_product, description="a product by id; null when there is none (or it was deleted)"
    )
    products: ProductPage = strawberry.field(
        resolver=resolve_products, description="products, oldest first, or by relevance when searching with filter.q"
    )


@strawberry.type
class Mutation:
    create_product: Product = strawberry.mutation(
        resolver=create_product, description="put a product on sale; the caller becomes its seller"
    )
    update_product: Product = strawberry.mutation(
        resolver=update_product,
        description="change a product (its seller or an admin); fields left out stay as they are",
    )
    delete_product: bool = strawberry.mutation(
        resolver=delete_product, description="take a product off sale (its seller or an admin); past orders keep it"
    )
    reserve_stock: StockReservation = federation.mutation(
        resolver=reserve_stock,
        inaccessible=True,
        description="internal (order worker, service token): reserve an order's stock, all or nothing, once",
    )
    release_stock: StockReservation = federation.mutation(
        resolver=release_stock,
        inaccessible=True,
        description="internal (order worker, service token): give an order's reserved stock back, once",
    )


class ReadSourceHeader(SchemaExtension):
    """Tell which database(s) served the reads of a request (``primary``, ``replica``): for operators
    checking the replica, and for the replica tests."""

    def on_operation(self) -> Iterator[None]:
        yield
        context = self.execution_context.context
        sources = getattr(getattr(context, "routing", None), "sources", None)
        response = getattr(context, "response", None)
        if sources and response is not None and hasattr(response, "headers"):
            response.headers[READ_SOURCE_HEADER] = ",".join(sorted(sources))


def build_schema(*, mask_errors: bool = False, router_secret: str | None = None) -> federation.Schema:
    """The products schema; with ``router_secret``, ``_entities``/``_service`` answer only the router."""
    extensions: list[type[SchemaExtension]] = [error_codes_extension(mask=mask_errors), ReadSourceHeader]
    if router_secret is not None:
        extensions.append(router_only_extension(router_secret))
    return federation.Schema(query=Query, mutation=Mutation, types=[User, Money], extensions=extensions)


schema = build_schema()
