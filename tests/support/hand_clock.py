"""A clock the test moves by hand (``clock.now += 2.5``), for budgets and buckets counted over time."""

from __future__ import annotations


class Clock:
    """Time the test moves by hand, so what a budget counts is exact."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
