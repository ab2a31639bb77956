"""How many subgraph retries the router may send: a budget per subgraph (``experimental_retry``).

A query fetch that failed before any answer is sent again (:mod:`router.server.subgraph_retry`). Left
unbounded, that triples the traffic to a subgraph exactly when it is failing: a subgraph that sheds load
with 503s, or a proxy with no instance left, gets three requests for every fetch and is kept down by
them. So retries are spent from a budget, as Finagle, Linkerd and tower (whose budget Apollo Router 1.x
exposed as ``traffic_shaping.*.experimental_retry``) do:

- every fetch sent to the subgraph deposits one request;
- in any ``ttl`` seconds, at most ``min_per_sec * ttl`` retries plus ``retry_percent`` of the requests
  deposited in those seconds are sent. A retry past that is not sent: the fetch fails with the error
  it already had.

With the defaults (10 per second, 10 s, 20 %), the occasional failure is always retried, and a
subgraph failing every request gets at most 1.2 requests per fetch plus 10 per second, instead of 3.

The window is counted in ten slots of ``ttl / 10`` seconds each: what left the oldest slot is forgotten
at once, so the window is between 0.9 and 1 ``ttl`` long. Each router process has its own budgets (with
``--workers N``, each worker), as each Apollo Router instance has its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from router.server.config import RetryConfig, TrafficShapingConfig

SLOTS = 10


class RetryBudget:
    """Requests deposited and retries withdrawn over the last ``ttl`` seconds, in ``SLOTS`` slots."""

    __slots__ = ("_epochs", "_requests", "_retries", "clock", "ratio", "reserve", "slot_seconds")

    def __init__(
        self, ttl: float, min_per_second: float, ratio: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if ttl <= 0 or min_per_second < 0 or ratio < 0:
            raise ValueError("a retry budget needs a positive ttl and no negative rate or ratio")
        self.slot_seconds = ttl / SLOTS
        self.reserve = min_per_second * ttl
        self.ratio = ratio
        self.clock = clock
        self._epochs = [-1] * SLOTS  # which slot-long stretch of time each slot counts
        self._requests = [0] * SLOTS
        self._retries = [0] * SLOTS

    def _slot(self) -> tuple[int, int]:
        epoch = int(self.clock() / self.slot_seconds)
        slot = epoch % SLOTS
        if self._epochs[slot] != epoch:  # a stretch ttl or more ago: forgotten
            self._epochs[slot] = epoch
            self._requests[slot] = 0
            self._retries[slot] = 0
        return slot, epoch

    def deposit(self) -> None:
        """A request was sent (a fetch's first send)."""
        slot, _ = self._slot()
        self._requests[slot] += 1

    def withdraw(self) -> bool:
        """Take one retry if the budget has one: True when the retry may be sent."""
        slot, epoch = self._slot()
        oldest = epoch - SLOTS + 1
        requests = retries = 0
        for index in range(SLOTS):
            if self._epochs[index] >= oldest:
                requests += self._requests[index]
                retries += self._retries[index]
        if retries + 1 > self.reserve + self.ratio * requests:
            return False
        self._retries[slot] += 1
        return True


class RetryBudgets:
    """One budget per subgraph, from ``traffic_shaping`` (``all``'s ``experimental_retry`` or its own).

    Made once per process and kept across supergraph reloads, like the rate limits: a new schema is not
    a reason to forget that a subgraph is failing.
    """

    def __init__(self, shaping: TrafficShapingConfig, clock: Callable[[], float] = time.monotonic) -> None:
        self._shaping = shaping
        self._clock = clock
        self._budgets: dict[str, RetryBudget] = {}

    def for_subgraph(self, name: str) -> RetryBudget:
        budget = self._budgets.get(name)
        if budget is None:
            config: RetryConfig = self._shaping.retry_for(name)
            budget = RetryBudget(config.ttl, config.min_per_sec, config.retry_percent, self._clock)
            self._budgets[name] = budget
        return budget
