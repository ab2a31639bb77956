"""The catalogue: reading, searching, creating, changing and (softly) deleting products.

Lists are ordered by ``(created_at, id)``, which is unique and therefore stable across pages;
with a search text, by relevance first (``ts_rank`` over the generated ``search`` column).
Only the seller of a product or an admin may change or delete it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import (
    ColumnClause,
    ColumnElement,
    Select,
    Table,
    bindparam,
    func,
    insert,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.ext.asyncio import AsyncSession

from db.models.products import Product
from servicekit.auth import Principal
from servicekit.errors import Forbidden, NotFound
from subgraphs.products.service.records import NewProduct, Page, ProductChanges, ProductFilter, ProductRecord

products = cast(Table, Product.__table__)
COLUMNS = (
    products.c.id,
    products.c.seller_id,
    products.c.name,
    products.c.description,
    products.c.category,
    products.c.price_amount,
    products.c.price_currency,
    products.c.stock,
    products.c.created_at,
    products.c.updated_at,
    products.c.deleted_at,
)
_COLUMN_NAMES = ", ".join(column.name for column in COLUMNS)
_TEXT_SEARCH_CONFIG: ColumnClause[Any] = literal_column("'english'::regconfig")


async def get_product(session: AsyncSession, product_id: uuid.UUID) -> ProductRecord | None:
    """A live product (deleted ones are ``None``)."""
    row = (
        await session.execute(select(*COLUMNS).where(products.c.id == product_id, products.c.deleted_at.is_(None)))
    ).first()
    return ProductRecord.from_row(row) if row else None


async def get_products_by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, ProductRecord]:
    """Products by id in one query, deleted ones included (entity references from past orders)."""
    if not ids:
        return {}
    rows = await session.execute(select(*COLUMNS).where(products.c.id.in_(list(set(ids)))))
    return {row.id: ProductRecord.from_row(row) for row in rows}


def _conditions(criteria: ProductFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [products.c.deleted_at.is_(None)]
    if criteria.q:
        query = func.websearch_to_tsquery(_TEXT_SEARCH_CONFIG, criteria.q)
        conditions.append(products.c.search.op("@@")(query))
    if criteria.category:
        conditions.append(func.lower(products.c.category) == criteria.category.lower())
    if criteria.seller_id:
        conditions.append(products.c.seller_id == criteria.seller_id)
    if criteria.min_price is not None:
        conditions.append(products.c.price_amount >= criteria.min_price)
    if criteria.max_price is not None:
        conditions.append(products.c.price_amount <= criteria.max_price)
    if criteria.currency:
        conditions.append(products.c.price_currency == criteria.currency)
    if criteria.in_stock is True:
        conditions.append(products.c.stock > 0)
    elif criteria.in_stock is False:
        conditions.append(products.c.stock == 0)
    return conditions


def _ordered(statement: Select[Any], criteria: ProductFilter) -> Select[Any]:
    if criteria.q:
        query = func.websearch_to_tsquery(_TEXT_SEARCH_CONFIG, criteria.q)
        statement = statement.order_by(func.ts_rank(products.c.search, query).desc())
    return statement.order_by(products.c.created_at, products.c.id)


async def list_products(session: AsyncSession, criteria: ProductFilter, *, limit: int, offset: int) -> Page:
    conditions = _conditions(criteria)
    total = (await session.execute(select(func.count()).select_from(products).where(*conditions))).scalar_one()
    if offset >= total:
        return Page(items=[], total_count=total, limit=limit, offset=offset)
    statement = _ordered(select(*COLUMNS).where(*conditions), criteria).limit(limit).offset(offset)
    rows = await session.execute(statement)
    return Page(items=[ProductRecord.from_row(row) for row in rows], total_count=total, limit=limit, offset=offset)


_SELLER_PAGES = text(
    f"""
    SELECT page.* FROM unnest(:seller_ids) AS seller(id)
    CROSS JOIN LATERAL (
        SELECT {_COLUMN_NAMES} FROM products.products
        WHERE seller_id = seller.id AND deleted_at IS NULL
        ORDER BY created_at, id LIMIT :limit OFFSET :offset
    ) AS page
    """  # noqa: S608 - the interpolated names are our own column names, never input
).bindparams(bindparam("seller_ids", type_=ARRAY(PG_UUID(as_uuid=True))))


async def list_seller_pages(
    session: AsyncSession, seller_ids: Sequence[uuid.UUID], *, limit: int, offset: int
) -> dict[uuid.UUID, Page]:
    """One page of live products for each seller, in two queries whatever the number of sellers."""
    unique = list(dict.fromkeys(seller_ids))
    counted = await session.execute(
        select(products.c.seller_id, func.count())
        .where(products.c.seller_id.in_(unique), products.c.deleted_at.is_(None))
        .group_by(products.c.seller_id)
    )
    counts: dict[uuid.UUID, int] = {seller: count for seller, count in counted}
    items: dict[uuid.UUID, list[ProductRecord]] = {seller: [] for seller in unique}
    if any(counts.get(seller, 0) > offset for seller in unique):
        rows = await session.execute(_SELLER_PAGES, {"seller_ids": unique, "limit": limit, "offset": offset})
        for row in rows:
            items[row.seller_id].append(ProductRecord.from_row(row))
    return {
        seller: Page(items=items[seller], total_count=counts.get(seller, 0), limit=limit, offset=offset)
        for seller in unique
    }


async def create_product(session: AsyncSession, seller_id: uuid.UUID, new: NewProduct) -> ProductRecord:
    row = (
        await session.execute(
            insert(products)
            .values(
                id=uuid.uuid4(),
                seller_id=seller_id,
                name=new.name,
                description=new.description,
                category=new.category,
                price_amount=new.price.amount,
                price_currency=new.price.currency,
                stock=new.stock,
            )
            .returning(*COLUMNS)
        )
    ).one()
    return ProductRecord.from_row(row)


def _same_id(user_id: str, seller_id: uuid.UUID) -> bool:
    """Whether a token's subject names the seller (UUIDs compared as UUIDs, whatever their case)."""
    try:
        return uuid.UUID(user_id) == seller_id
    except ValueError:
        return False


async def _owned_for_change(session: AsyncSession, principal: Principal, product_id: uuid.UUID) -> None:
    """Lock the live product and check the caller may change it (NOT_FOUND, then FORBIDDEN)."""
    seller_id = (
        await session.execute(
            select(products.c.seller_id)
            .where(products.c.id == product_id, products.c.deleted_at.is_(None))
            .with_for_update()
        )
    ).scalar_one_or_none()
    if seller_id is None:
        raise NotFound("no such product", id=str(product_id))
    if not (principal.is_admin or _same_id(principal.user_id, seller_id)):
        raise Forbidden("only the seller of a product or an admin may change it")


async def update_product(
    session: AsyncSession, principal: Principal, product_id: uuid.UUID, changes: ProductChanges
) -> ProductRecord:
    await _owned_for_change(session, principal, product_id)
    values: dict[str, Any] = {"updated_at": func.now()}
    for name in ("name", "description", "category", "stock"):
        value = getattr(changes, name)
        if value is not None:
            values[name] = value
    if changes.price is not None:
        values["price_amount"] = changes.price.amount
        values["price_currency"] = changes.price.currency
    row = (
        await session.execute(update(products).where(products.c.id == product_id).values(values).returning(*COLUMNS))
    ).one()
    return ProductRecord.from_row(row)


async def delete_product(session: AsyncSession, principal: Principal, product_id: uuid.UUID) -> bool:
    """Soft delete: the product leaves lists and lookups, entity references still resolve it."""
    await _owned_for_change(session, principal, product_id)
    await session.execute(
        update(products).where(products.c.id == product_id).values(deleted_at=func.now(), updated_at=func.now())
    )
    return True
