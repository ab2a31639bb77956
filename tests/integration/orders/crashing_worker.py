"""A real worker process that SIGKILLs itself at a chosen point of its first order, for the crash tests.

Usage: ``python -m tests.integration.orders.crashing_worker before_commit|after_commit SETTINGS_JSON``.
``before_commit``: after the stock is reserved and the order updated, inside the transaction.
``after_commit``: right after the transaction that confirmed the order, before the message is acked.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from subgraphs.orders.service import processing
from subgraphs.orders.settings import OrdersSettings
from subgraphs.orders.worker import run_one


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def main(point: str, settings_json: str) -> int:
    settings = OrdersSettings.model_validate_json(settings_json)
    if point == "before_commit":
        confirm = processing._confirm

        async def confirm_then_die(*args: Any, **kwargs: Any) -> None:
            await confirm(*args, **kwargs)
            _die()

        processing._confirm = confirm_then_die
    elif point == "after_commit":

        async def die_after_commit(*args: Any, **kwargs: Any) -> bool:
            _die()
            return False

        setattr(processing, "publish_after_commit", die_after_commit)  # noqa: B010
    else:
        raise SystemExit(f"unknown crash point {point!r}")
    return run_one(settings)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
