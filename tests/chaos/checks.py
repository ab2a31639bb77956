"""Fault injection helpers and the invariants checked after every chaos test."""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid
from dataclasses import dataclass

import httpx

from tests.chaos.history import History
from tests.chaos.platform import INITIAL_STOCK, ChaosPlatform


def ready_url(chaos: ChaosPlatform, name: str) -> str | None:
    """``users-2`` -> its own ``/ready``; workers have none."""
    service, _, index = name.partition("-")
    if service == "worker":
        return None
    return f"http://127.0.0.1:{chaos.instance_port(service, int(index) - 1)}/ready"


async def kill_and_time_recovery(chaos: ChaosPlatform, names: list[str], timeout: float = 20.0) -> dict[str, float]:
    """SIGKILL these children at once; seconds until each is serving again (a new process answering
    ``/ready``, or for a worker a new process started by the supervisor)."""
    old = {name: chaos.pid(name) for name in names}
    killed_at = time.monotonic()
    for pid in old.values():
        os.kill(pid, signal.SIGKILL)
    recovered: dict[str, float] = {}
    async with httpx.AsyncClient(timeout=1.0) as client:
        while len(recovered) < len(names) and time.monotonic() - killed_at < timeout:
            for name in names:
                if name in recovered:
                    continue
                try:
                    pid = chaos.pid(name)
                except LookupError:
                    continue
                if pid == old[name]:
                    continue
                url = ready_url(chaos, name)
                if url is None:
                    recovered[name] = time.monotonic() - killed_at
                    continue
                try:
                    if (await client.get(url)).status_code == 200:
                        recovered[name] = time.monotonic() - killed_at
                except httpx.HTTPError:
                    pass
            await asyncio.sleep(0.1)
    return recovered


@dataclass
class OrderReport:
    accepted: int
    lost: int
    unfinished: int
    duplicated: int
    stock_exact: bool
    committed_but_5xx: int

    def __str__(self) -> str:
        return (
            f"orders accepted {self.accepted}, lost {self.lost}, unfinished {self.unfinished}, "
            f"duplicated {self.duplicated}, 5xx for a committed order {self.committed_but_5xx}, "
            f"stock exact {self.stock_exact}"
        )


async def check_orders(chaos: ChaosPlatform, history: History, timeout: float = 40.0) -> OrderReport:
    """Wait until no order is PENDING (bounded), then compare the history with the database."""
    buyers = [buyer.user_id for buyer in chaos.catalogue.buyers]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pending = await chaos.rows(
            "SELECT count(*) AS n FROM orders.orders WHERE buyer_id = ANY(:b) AND status = 'PENDING'", b=buyers
        )
        if pending[0].n == 0:
            break
        await asyncio.sleep(0.5)
    rows = await chaos.rows("SELECT id, idempotency_key, status FROM orders.orders WHERE buyer_id = ANY(:b)", b=buyers)
    stored = {str(row.id): row for row in rows}
    accepted = history.accepted_orders()
    lost = [order_id for order_id in accepted if order_id not in stored]
    unfinished = [i for i in accepted if i in stored and stored[i].status not in ("CONFIRMED", "REJECTED")]
    keys = [row.idempotency_key for row in rows]
    duplicated = len(keys) - len(set(keys))
    stored_keys = {row.idempotency_key for row in rows}
    committed_but_5xx = sum(
        1 for op in history.of("order") if op.outcome == "info" and op.status >= 500 and op.key in stored_keys
    )
    stock = await chaos.rows(
        "SELECT p.id, p.stock, coalesce(sum(i.quantity) FILTER (WHERE o.status = 'CONFIRMED'), 0) AS sold "
        "FROM products.products p LEFT JOIN orders.order_items i ON i.product_id = p.id::text "
        "LEFT JOIN orders.orders o ON o.id = i.order_id WHERE p.id = ANY(:ids) GROUP BY p.id, p.stock",
        ids=[uuid.UUID(p) for p in chaos.catalogue.product_ids],
    )
    exact = len(stock) == len(chaos.catalogue.product_ids) and all(
        row.stock == INITIAL_STOCK - row.sold for row in stock
    )
    return OrderReport(len(accepted), len(lost), len(unfinished), duplicated, exact, committed_but_5xx)
