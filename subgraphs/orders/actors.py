"""The Dramatiq actors, declared on a given broker and bound to a worker runtime.

An actor raising makes Dramatiq retry its message with exponential backoff (Retries middleware);
on the last attempt a processing task first moves its order to FAILED, then the message is
dead-lettered (the queue's ``.XQ``). Business outcomes (confirmed, rejected) never raise.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import dramatiq
from dramatiq.middleware import CurrentMessage

from subgraphs.orders.queue import ACTOR_NAMES
from subgraphs.orders.runtime import WorkerRuntime
from subgraphs.orders.service.outbox import TaskKind
from subgraphs.orders.service.processing import fail_order, process_order, release_stock
from subgraphs.orders.worker_metrics import count_job

log = logging.getLogger(__name__)


def _attempts_left(max_retries: int) -> bool:
    message = CurrentMessage.get_current_message()
    retries = int(message.options.get("retries", 0)) if message is not None else 0
    return retries < max_retries


def declare_actors(
    broker: dramatiq.Broker, runtime: WorkerRuntime, *, queue_name: str, max_retries: int
) -> dict[TaskKind, dramatiq.Actor[Any, Any]]:
    def process(task_id: int, order_id: str) -> None:
        order = uuid.UUID(order_id)
        try:
            outcome = runtime.run(process_order(runtime.deps, task_id, order))
        except Exception as error:
            if not _attempts_left(max_retries):
                log.error("order %s failed after %d retries: %r", order, max_retries, error)
                runtime.run(fail_order(runtime.deps, task_id, order, repr(error)))
                count_job(TaskKind.PROCESS.value, "failed")
            else:
                count_job(TaskKind.PROCESS.value, "retried")
            raise
        count_job(TaskKind.PROCESS.value, outcome.value)
        log.info("order %s: %s", order, outcome.value)

    def release(task_id: int, order_id: str) -> None:
        order = uuid.UUID(order_id)
        try:
            outcome = runtime.run(release_stock(runtime.deps, task_id, order))
        except Exception:
            count_job(TaskKind.RELEASE.value, "retried")
            raise
        count_job(TaskKind.RELEASE.value, outcome.value)
        log.info("order %s: stock %s", order, outcome.value)

    common: dict[str, Any] = {"broker": broker, "queue_name": queue_name, "max_retries": max_retries}
    return {
        TaskKind.PROCESS: dramatiq.actor(actor_name=ACTOR_NAMES[TaskKind.PROCESS], **common)(process),
        TaskKind.RELEASE: dramatiq.actor(actor_name=ACTOR_NAMES[TaskKind.RELEASE], **common)(release),
    }
