"""Settings of the orders subgraph and its workers (prefix ``MARKETPLACE_``; see docs/orders.md)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import field_validator

from servicekit.settings import SubgraphSettings, env_field


class OrdersSettings(SubgraphSettings):
    service_name: ClassVar[str] = "orders"

    port: int = env_field(4003, "ORDERS_PORT")
    service_database_url: str | None = env_field(
        None, "ORDERS_DATABASE_URL", "ORDERS_DATABASE_URL", description="falls back to DATABASE_URL"
    )
    queue_name: str = env_field("orders", "ORDERS_QUEUE", description="Dramatiq queue of order tasks")
    broker_namespace: str = env_field(
        "marketplace", "ORDERS_BROKER_NAMESPACE", description="Redis key prefix of the queues (Redis brokers only)"
    )
    worker_processes: int = env_field(1, "ORDERS_WORKER_PROCESSES", description="worker processes per `worker`")
    worker_threads: int = env_field(4, "ORDERS_WORKER_THREADS", description="threads per worker process")
    max_retries: int = env_field(3, "ORDERS_MAX_RETRIES", description="retries of a failing task before FAILED")
    retry_min_backoff_ms: int = env_field(1000, "ORDERS_RETRY_MIN_BACKOFF_MS")
    retry_max_backoff_ms: int = env_field(30000, "ORDERS_RETRY_MAX_BACKOFF_MS")
    publish_grace_seconds: float = env_field(
        5.0, "ORDERS_PUBLISH_GRACE_SECONDS", description="the relay publishes a task the API did not after this"
    )
    redeliver_after_seconds: float = env_field(
        120.0, "ORDERS_REDELIVER_AFTER_SECONDS", description="a published task not done after this is re-published"
    )
    sweep_interval_seconds: float = env_field(2.0, "ORDERS_SWEEP_INTERVAL_SECONDS")
    sweep_batch_size: int = env_field(500, "ORDERS_SWEEP_BATCH_SIZE")
    stock_timeout_seconds: float = env_field(10.0, "ORDERS_STOCK_TIMEOUT_SECONDS")
    # A killed worker's messages come back on Redis when a live worker's broker call runs the queue
    # maintenance (a chance per call, out of 1,000,000) and finds the dead worker's last heartbeat older
    # than the timeout: 8 s and 20 % (an idle worker makes a few calls a second) redeliver within
    # about 10 s. RabbitMQ redelivers at once when the dead worker's connection closes.
    redis_heartbeat_timeout_ms: int = env_field(
        8000, "ORDERS_REDIS_HEARTBEAT_TIMEOUT_MS", description="a silent Redis worker's messages are requeued after"
    )
    redis_maintenance_chance: int = env_field(
        200_000, "ORDERS_REDIS_MAINTENANCE_CHANCE", description="broker calls per million that run maintenance"
    )
    database_pool_size: int = env_field(10, "ORDERS_DATABASE_POOL_SIZE")
    accept_pool_size: int = env_field(
        8, "ORDERS_ACCEPT_POOL_SIZE", description="connections of the API's createOrder path (no overflow)"
    )
    status_metrics_refresh_seconds: float = env_field(
        15.0, "ORDERS_STATUS_METRICS_REFRESH_SECONDS", description="orders_by_status is counted at most this often"
    )
    status_metrics_timeout_ms: int = env_field(
        2000, "ORDERS_STATUS_METRICS_TIMEOUT_MS", description="statement timeout of the orders_by_status count"
    )
    worker_metrics_port: int = env_field(
        0, "ORDERS_WORKER_METRICS_PORT", description="`marketplace worker` serves /metrics on this port (0: none)"
    )

    @field_validator("worker_processes", "worker_threads", "sweep_batch_size", "database_pool_size", "accept_pool_size",
                     "status_metrics_timeout_ms")  # fmt: skip
    @classmethod
    def _positive(cls, value: int) -> int:
        if value < 1:
            raise ValueError("must be 1 or more")
        return value

    @field_validator(
        "max_retries",
        "retry_min_backoff_ms",
        "retry_max_backoff_ms",
        "redis_maintenance_chance",
        "status_metrics_refresh_seconds",
        "worker_metrics_port",
    )
    @classmethod
    def _not_negative(cls, value: int) -> int:
        if value < 0:
            raise ValueError("must be 0 or more")
        return value

    @field_validator(
        "publish_grace_seconds",
        "redeliver_after_seconds",
        "sweep_interval_seconds",
        "stock_timeout_seconds",
    )
    @classmethod
    def _positive_seconds(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("must be more than 0 seconds")
        return value

    @field_validator("queue_name", "broker_namespace")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value or not all(c.isalnum() or c in "-_." for c in value) or len(value) > 100:
            raise ValueError("must be 1-100 letters, digits, '-', '_' or '.'")
        return value

    @property
    def embedded_broker_socket(self) -> Path:
        """Where the embedded Redis of ``marketplace up`` listens (see marketplace/embedded_redis.py)."""
        return (self.data_dir / "redis" / "redis.sock").resolve()

    @property
    def effective_broker_url(self) -> str:
        """The configured broker, else the embedded Redis's socket in the data folder."""
        return self.broker_url or f"unix://{self.embedded_broker_socket}"
