"""``traffic_shaping.*.global_rate_limit``: token buckets for client requests and for subgraph fetches.

A bucket holds at most ``capacity`` tokens and gains ``capacity`` tokens per ``interval``, continuously;
each request takes one. A full bucket lets a burst of ``capacity`` requests through at once, and over
any longer stretch no more than ``capacity`` per ``interval`` pass (plus the one burst).

Apollo Router is one process, so its limits count every request of the instance. ``router serve
--workers N`` is N processes: their buckets live in one small file each, in the folder the
supervisor makes for its workers (:data:`router.server.shared_file.SHARED_DIR_ENV`), mapped into
every worker's memory and updated under an exclusive ``flock``, so the limit still counts the whole
instance, not each worker. A single process keeps its buckets in memory.

The router's budget is spent by :class:`router.server.request_rate_limit.RouterRateLimit` (an ASGI
middleware); a subgraph's by the fetcher (``SubgraphEndpoint.rate_limit``).
"""

from __future__ import annotations

import fcntl
import math
import re
import struct
import time
from collections.abc import Callable
from pathlib import Path

from router.server.config import TrafficShapingConfig
from router.server.shared_file import SharedFile, shared_folder

_STATE = struct.Struct("=dd")  # tokens left, and when (CLOCK_MONOTONIC seconds, the same in every process)
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


class TokenBucket:
    """One budget of ``capacity`` requests per ``interval`` seconds, in this process's memory."""

    def __init__(self, capacity: int, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        if capacity < 1 or interval <= 0:
            raise ValueError("a rate limit needs a positive capacity and interval")
        self.capacity = float(capacity)
        self.rate = capacity / interval  # tokens per second
        self.clock = clock
        self._tokens = self.capacity
        self._updated = clock()

    def take(self) -> float:
        """Take a token: 0.0 when the request may go, else the seconds until a token is there again."""
        tokens, wait = self._step(self._tokens, self._updated, now := self.clock())
        self._tokens, self._updated = tokens, now
        return wait

    def _step(self, tokens: float, updated: float, now: float) -> tuple[float, float]:
        tokens = min(self.capacity, tokens + max(0.0, now - updated) * self.rate)
        if tokens >= 1.0:
            return tokens - 1.0, 0.0
        return tokens, (1.0 - tokens) / self.rate


class SharedTokenBucket(TokenBucket):
    """The same budget kept in ``path`` (16 bytes) for every process that opens it: the workers of one router.

    The first process to lock the empty file fills the bucket; a worker started again later finds the
    state the others left.
    """

    def __init__(self, path: Path, capacity: int, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(capacity, interval, clock)
        self.path = path

        def fill_if_new(shared: SharedFile, previous_size: int) -> None:
            if previous_size < _STATE.size:
                _STATE.pack_into(shared.map, 0, self.capacity, clock())

        self._file = SharedFile(path, _STATE.size, fill_if_new)
        self._fd = self._file.fd

    def take(self) -> float:
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            tokens, updated = _STATE.unpack_from(self._file.map, 0)
            now = max(self.clock(), updated)
            tokens, wait = self._step(tokens, updated, now)
            _STATE.pack_into(self._file.map, 0, tokens, now)
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        return wait

    def close(self) -> None:
        self._file.close()


def open_bucket(name: str, capacity: int, interval: float, shared_dir: str | None = None) -> TokenBucket:
    """The bucket called ``name``: shared through a file in ``shared_dir`` (default: the workers' folder,
    :func:`router.server.shared_file.shared_folder`) when there is one, else in this process's memory."""
    folder = shared_folder(shared_dir)
    if not folder:
        return TokenBucket(capacity, interval)
    # The budget is part of the name: a changed limit is a new bucket, not one filled for another budget.
    file_name = f"rate-{_UNSAFE.sub('_', name)}-{capacity}-{interval:g}.bucket"
    return SharedTokenBucket(Path(folder) / file_name, capacity, interval)


def retry_after(wait: float) -> str:
    """``Retry-After``'s whole seconds for a wait of ``wait`` seconds (at least 1)."""
    return str(max(1, math.ceil(wait)))


class RateLimits:
    """The router's buckets from ``traffic_shaping``: one for client requests, one per subgraph.

    Made once per process and kept across supergraph reloads (a reload must not refill a budget);
    a subgraph's bucket is opened the first time an engine asks for it.
    """

    def __init__(self, shaping: TrafficShapingConfig, shared_dir: str | None = None) -> None:
        self._shaping = shaping
        self._shared_dir = shared_dir
        limit = shaping.router.global_rate_limit
        self.router = open_bucket("router", limit.capacity, limit.interval, shared_dir) if limit is not None else None
        self._subgraphs: dict[str, TokenBucket | None] = {}

    def for_subgraph(self, name: str) -> TokenBucket | None:
        if name not in self._subgraphs:
            limit = self._shaping.rate_limit_for(name)
            self._subgraphs[name] = (
                open_bucket(f"subgraph-{name}", limit.capacity, limit.interval, self._shared_dir)
                if limit is not None
                else None
            )
        return self._subgraphs[name]
