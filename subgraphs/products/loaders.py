"""DataLoaders of one request: every ``_entities`` call and every ``User.products`` list is batched
into a fixed number of SQL queries, whatever the number of representations."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from subgraphs.products.database import ProductsDatabase, ReadRouting
from subgraphs.products.service import catalogue
from subgraphs.products.service.records import Page, ProductRecord

SellerPageKey = tuple[uuid.UUID, int, int]  # seller id, limit, offset


class Loaders:
    def __init__(self, db: ProductsDatabase, routing: ReadRouting) -> None:
        self._db = db
        self._routing = routing
        self.products: DataLoader[uuid.UUID, ProductRecord | None] = DataLoader(load_fn=self._load_products)
        self.seller_pages: DataLoader[SellerPageKey, Page] = DataLoader(load_fn=self._load_seller_pages)

    async def _load_products(self, ids: Sequence[uuid.UUID]) -> list[ProductRecord | None]:
        async def work(session: AsyncSession) -> dict[uuid.UUID, ProductRecord]:
            return await catalogue.get_products_by_ids(session, ids)

        found = await self._db.read(work, self._routing)
        return [found.get(product_id) for product_id in ids]

    async def _load_seller_pages(self, keys: Sequence[SellerPageKey]) -> list[Page]:
        by_window: dict[tuple[int, int], list[uuid.UUID]] = defaultdict(list)
        for seller_id, limit, offset in keys:
            by_window[(limit, offset)].append(seller_id)

        async def work(session: AsyncSession) -> dict[SellerPageKey, Page]:
            pages: dict[SellerPageKey, Page] = {}
            for (limit, offset), sellers in by_window.items():
                found = await catalogue.list_seller_pages(session, sellers, limit=limit, offset=offset)
                pages.update({(seller, limit, offset): page for seller, page in found.items()})
            return pages

        pages = await self._db.read(work, self._routing)
        return [pages[key] for key in keys]
