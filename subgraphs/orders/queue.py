"""The Dramatiq broker, chosen by the broker URL's scheme, and the publisher of outbox tasks.

- ``amqp://``/``amqps://``: RabbitMQ with publisher confirms (``confirm_delivery``): ``enqueue``
  returns only once RabbitMQ has taken the message, durable queues, persistent messages.
- ``redis://``/``rediss://``/``unix://``: Redis (the embedded one by default, on a Unix socket).

Messages are addressed by actor name, so the API process sends them without declaring actors.
Each queue has Dramatiq's delay queue (``.DQ``, retries with backoff) and dead-letter queue
(``.XQ``, messages whose retries ran out).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import dramatiq
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import CurrentMessage, Retries, ShutdownNotifications, TimeLimit

from subgraphs.orders.service.outbox import Task, TaskKind
from subgraphs.orders.settings import OrdersSettings

ACTOR_NAMES: dict[TaskKind, str] = {
    TaskKind.PROCESS: "orders_process_order",
    TaskKind.RELEASE: "orders_release_stock",
}
TIME_LIMIT_MS = 120_000


def is_rabbitmq(url: str) -> bool:
    return url.startswith(("amqp://", "amqps://"))


def build_broker(settings: OrdersSettings) -> dramatiq.Broker:
    url = settings.effective_broker_url
    middleware: list[Any] = [
        TimeLimit(time_limit=TIME_LIMIT_MS),
        ShutdownNotifications(),
        Retries(
            max_retries=settings.max_retries,
            min_backoff=max(settings.retry_min_backoff_ms, 1),
            max_backoff=max(settings.retry_max_backoff_ms, settings.retry_min_backoff_ms, 1),
        ),
        CurrentMessage(),
    ]
    if is_rabbitmq(url):
        return RabbitmqBroker(url=url, confirm_delivery=True, middleware=middleware)
    return RedisBroker(  # type: ignore[no-untyped-call]
        url=url,
        namespace=settings.broker_namespace,
        heartbeat_timeout=settings.redis_heartbeat_timeout_ms,
        maintenance_chance=settings.redis_maintenance_chance,
        middleware=middleware,
    )


def message_for(task: Task, queue_name: str) -> dramatiq.Message[Any]:
    return dramatiq.Message(
        queue_name=queue_name,
        actor_name=ACTOR_NAMES[task.kind],
        args=(task.id, str(task.order_id)),
        kwargs={},
        options={},
    )


class BrokerPublisher:
    """Publishes tasks from async code; the broker clients block, so they run in threads."""

    def __init__(self, broker: dramatiq.Broker, queue_name: str) -> None:
        self.broker = broker
        self.queue_name = queue_name

    def publish_sync(self, tasks: Sequence[Task]) -> None:
        for task in tasks:
            self.broker.enqueue(message_for(task, self.queue_name))

    async def publish(self, tasks: Sequence[Task]) -> None:
        await asyncio.to_thread(self.publish_sync, tasks)

    def close(self) -> None:
        self.broker.close()


def queue_depth(broker: dramatiq.Broker, queue_name: str) -> tuple[int, int, int]:
    """Messages (waiting, delayed for retry, dead-lettered) in the queue; for metrics and the benchmark."""
    if isinstance(broker, RabbitmqBroker):
        ready, delayed, dead = broker.get_queue_message_counts(queue_name)
        return int(ready), int(delayed), int(dead)
    if isinstance(broker, RedisBroker):
        prefix = f"{broker.namespace}:{queue_name}"
        client = broker.client
        return int(client.llen(prefix)), int(client.llen(f"{prefix}.DQ")), int(client.zcard(f"{prefix}.XQ"))
    raise TypeError(f"no queue depth for {type(broker).__name__}")
