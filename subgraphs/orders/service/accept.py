"""Accepting an order in one statement: the hot path of a checkout spike.

The order row, its items, its first timeline event and its outbox task are written by ONE
``INSERT ... ON CONFLICT DO NOTHING`` with data-modifying CTEs. A single statement is a single
transaction, so on a connection in autocommit mode it costs exactly one round trip to PostgreSQL
(no ``BEGIN``/``COMMIT``), and it is all or nothing: either the order and its task are both
durable or neither is. The child rows are selected from the order's ``RETURNING``, so when the
id already exists (an idempotent replay, or a concurrent submission with the same key that won)
nothing at all is written and no row comes back.

The statement runs on an engine of its own (:func:`create_accept_engine`): autocommit, a fixed
pool without overflow (no connection churn under a spike; callers queue for a connection), and no
pre-ping. SQLAlchemy's asyncpg pre-ping costs ``BEGIN; ; ROLLBACK`` (three round trips) per
checkout; instead a statement whose connection was lost (a dead pooled connection, a terminated
backend, a restart, even around the commit) is sent again on a fresh one, with short pauses. That
settles the doubt and is safe because the order id is fixed before the first attempt: if an attempt
did commit, the next finds the id taken and the caller reads the stored order like any replay, so
the client gets 202 for it. If the database stays unreachable, :class:`OutcomeUnknown` becomes a
retryable 503 (UNAVAILABLE), never a 500 for a write that may have committed.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from sqlalchemy import Row, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.types import Float, Integer, String

from db.engine import create_engine
from servicekit.db_faults import is_connection_loss
from subgraphs.orders.validation import ValidOrder

# Items are passed as two arrays and unnested; WITH ORDINALITY keeps the client's order (0-based).
ACCEPT_ORDER = text(
    """
    WITH new_order AS (
        INSERT INTO orders.orders (id, buyer_id, idempotency_key, request_hash, status, shipping_address)
        VALUES (:id, :buyer_id, :idempotency_key, :request_hash, 'PENDING', :shipping_address)
        ON CONFLICT (id) DO NOTHING
        RETURNING *
    ), new_items AS (
        INSERT INTO orders.order_items (order_id, product_id, position, quantity)
        SELECT new_order.id, item.product_id, item.ordinal - 1, item.quantity
        FROM new_order,
             unnest(CAST(:product_ids AS text[]), CAST(:quantities AS integer[]))
                 WITH ORDINALITY AS item (product_id, quantity, ordinal)
    ), first_event AS (
        INSERT INTO orders.order_events (order_id, status, description)
        SELECT new_order.id, 'PENDING', 'order received' FROM new_order
    ), task AS (
        INSERT INTO orders.outbox (order_id, kind, due_at)
        SELECT new_order.id, 'process', now() + make_interval(secs => :due_in) FROM new_order
        RETURNING id
    )
    SELECT new_order.*, task.id AS task_id FROM new_order, task
    """
).bindparams(
    bindparam("product_ids", type_=ARRAY(String)),
    bindparam("quantities", type_=ARRAY(Integer)),
    bindparam("due_in", type_=Float),
)

log = logging.getLogger(__name__)
ACCEPT_APPLICATION_NAME = "marketplace-orders-accept"  # how its connections show in pg_stat_activity
EXISTING_ORDER = text("SELECT * FROM orders.orders WHERE id = :id")


def create_accept_engine(url: str, *, pool_size: int) -> AsyncEngine:
    """The engine of the acceptance path: autocommit, ``pool_size`` connections, no overflow, no pre-ping."""
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=0,
        pre_ping=False,  # a lost connection is retried by _first_row instead
        autocommit=True,
        application_name=ACCEPT_APPLICATION_NAME,
        pool_name="orders-accept",
    )


class OutcomeUnknown(Exception):
    """The database could not be reached to write or read the order: whether it was stored is unknown."""


# Pauses before sending the statement again after a lost connection: a server that restarts (or a
# backend terminated by an operator) is usually back within a second or two.
RETRY_PAUSES = (0.0, 0.2, 0.5, 1.0, 2.0)


async def _first_row(engine: AsyncEngine, statement: Any, params: dict[str, Any]) -> Row[Any] | None:
    """The first row of ``statement``, sent again while the connection is lost (a dead pooled
    connection, a terminated backend, a restarting server). Safe for the acceptance statement: the
    order id is fixed before the first send, so a send that did commit makes the next one find the id
    taken (and the caller reads the order). After the last pause, :class:`OutcomeUnknown`."""
    for pause in RETRY_PAUSES:
        await asyncio.sleep(pause)
        try:
            async with engine.connect() as connection:
                return (await connection.execute(statement, params)).first()
        except (DBAPIError, OSError) as error:
            if not is_connection_loss(error):
                raise
            log.warning("order statement lost its database connection (%s); sending it again", type(error).__name__)
    raise OutcomeUnknown("the database connection was lost and did not come back")


async def insert_order(
    engine: AsyncEngine,
    *,
    order_id: uuid.UUID,
    buyer_id: str,
    idempotency_key: str | None,
    fingerprint: str,
    order: ValidOrder,
    due_in: float,
) -> Row[Any] | None:
    """Write the order, items, event and task; the order's row (plus ``task_id``), or ``None`` if the id exists."""
    params = {
        "id": order_id,
        "buyer_id": buyer_id,
        "idempotency_key": idempotency_key,
        "request_hash": fingerprint,
        "shipping_address": order.shipping_address,
        "product_ids": [item.product_id for item in order.items],
        "quantities": [item.quantity for item in order.items],
        "due_in": due_in,
    }
    return await _first_row(engine, ACCEPT_ORDER, params)


async def existing_order(engine: AsyncEngine, order_id: uuid.UUID) -> Row[Any] | None:
    """The order's row as committed now (a replay, or the winner of a concurrent same-key submission)."""
    return await _first_row(engine, EXISTING_ORDER, {"id": order_id})
