"""A real worker process that SIGKILLs itself at a chosen point of processing one given order, for the crash tests.

Usage: ``python -m tests.integration.orders.crashing_worker before_commit|after_commit SETTINGS_JSON ORDER_ID``.
``before_commit``: after the stock is reserved and the order updated, inside the transaction.
``after_commit``: right after the transaction that confirmed the order, before the message is acked.

Only the named order triggers the crash: the worker's outbox relay also publishes the due tasks other
tests left in the shared session database, and dying on one of those would leave the test's order
untouched (seen in CI: PENDING where CONFIRMED was expected).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from typing import Any

from subgraphs.orders.service import processing
from subgraphs.orders.settings import OrdersSettings
from subgraphs.orders.worker import run_one


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def main(point: str, settings_json: str, order_id: str) -> int:
    if point not in ("before_commit", "after_commit"):
        raise SystemExit(f"unknown crash point {point!r}")
    settings = OrdersSettings.model_validate_json(settings_json)
    target = uuid.UUID(order_id)
    confirm = processing._confirm
    publish = getattr(processing, "publish_after_commit")  # noqa: B009 - patched below, by name
    # The task processing the target order once it is confirmed in its transaction (process_order runs
    # _confirm and then publish_after_commit in one coroutine; other orders run in other tasks).
    confirming: set[asyncio.Task[Any] | None] = set()

    async def confirm_watched(session: Any, task_id: int, confirmed_id: uuid.UUID, *args: Any, **kwargs: Any) -> None:
        await confirm(session, task_id, confirmed_id, *args, **kwargs)
        if confirmed_id == target:
            if point == "before_commit":
                _die()
            confirming.add(asyncio.current_task())

    async def publish_watched(*args: Any, **kwargs: Any) -> Any:
        if asyncio.current_task() in confirming:
            _die()
        return await publish(*args, **kwargs)

    setattr(processing, "_confirm", confirm_watched)  # noqa: B010
    setattr(processing, "publish_after_commit", publish_watched)  # noqa: B010
    return run_one(settings)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3]))
