"""The retry budget of ``traffic_shaping.*.experimental_retry``: ``min_per_sec * ttl`` retries in any
``ttl`` seconds, plus ``retry_percent`` of the requests sent in them; what is older is forgotten."""

from __future__ import annotations

import pytest

from router.server.config import TrafficShapingConfig
from router.server.retry_budget import RetryBudget, RetryBudgets
from tests.support.hand_clock import Clock

pytestmark = pytest.mark.router


def withdrawn(budget: RetryBudget, wanted: int) -> int:
    return sum(budget.withdraw() for _ in range(wanted))


def test_with_no_request_the_reserve_alone_is_spent() -> None:
    budget = RetryBudget(ttl=10.0, min_per_second=2.0, ratio=0.2, clock=Clock())
    assert withdrawn(budget, 50) == 20  # 2 per second over 10 seconds


def test_requests_add_their_percentage_to_the_reserve() -> None:
    budget = RetryBudget(ttl=10.0, min_per_second=1.0, ratio=0.25, clock=Clock())
    for _ in range(100):
        budget.deposit()
    assert withdrawn(budget, 100) == 10 + 25


def test_a_budget_without_reserve_or_percentage_never_retries() -> None:
    budget = RetryBudget(ttl=10.0, min_per_second=0.0, ratio=0.0, clock=Clock())
    for _ in range(1000):
        budget.deposit()
    assert withdrawn(budget, 10) == 0


def test_retries_and_requests_older_than_the_ttl_are_forgotten() -> None:
    clock = Clock()
    budget = RetryBudget(ttl=10.0, min_per_second=1.0, ratio=0.5, clock=clock)
    for _ in range(40):
        budget.deposit()
    assert withdrawn(budget, 100) == 10 + 20
    clock.now += 5.0  # half the window later: both the retries and the requests still count
    assert withdrawn(budget, 100) == 0
    clock.now += 5.0  # a whole ttl after them: all forgotten, the reserve is back
    assert withdrawn(budget, 100) == 10


def test_the_window_slides_slot_by_slot() -> None:
    clock = Clock(now=0.0)
    budget = RetryBudget(ttl=10.0, min_per_second=0.0, ratio=1.0, clock=clock)
    for second in range(10):  # ten requests, one in each one-second slot
        clock.now = second + 0.5
        budget.deposit()
    assert withdrawn(budget, 3) == 3  # at 9.5: ten requests in the window, three retries spent
    clock.now = 10.5  # the request of 0.5 is forgotten: 9 requests, 3 retries
    assert withdrawn(budget, 100) == 6
    clock.now = 19.5  # every request is forgotten (the last was at 9.5); the six retries of 10.5 still count
    for _ in range(8):
        budget.deposit()
    assert withdrawn(budget, 100) == 2
    clock.now = 20.5  # the six retries of 10.5 are forgotten with their slot
    assert withdrawn(budget, 100) == 6


def test_a_bad_budget_is_refused() -> None:
    with pytest.raises(ValueError, match="positive ttl"):
        RetryBudget(ttl=0.0, min_per_second=1.0, ratio=0.2)
    with pytest.raises(ValueError, match="negative"):
        RetryBudget(ttl=1.0, min_per_second=-1.0, ratio=0.2)


def test_each_subgraph_has_its_own_budget_from_all_or_its_own_settings() -> None:
    shaping = TrafficShapingConfig.model_validate(
        {
            "all": {"experimental_retry": {"min_per_sec": 1, "ttl": "5s", "retry_percent": 0}},
            "subgraphs": {"products": {"experimental_retry": {"min_per_sec": 3, "ttl": "2s", "retry_percent": 0}}},
        }
    )
    budgets = RetryBudgets(shaping, clock=Clock())
    assert budgets.for_subgraph("users") is budgets.for_subgraph("users")  # one budget, kept
    assert withdrawn(budgets.for_subgraph("users"), 20) == 5
    assert withdrawn(budgets.for_subgraph("orders"), 20) == 5  # all's settings, a budget of its own
    assert withdrawn(budgets.for_subgraph("products"), 20) == 6


def test_without_settings_the_defaults_are_towers() -> None:
    budgets = RetryBudgets(TrafficShapingConfig(), clock=Clock())
    budget = budgets.for_subgraph("users")
    assert (budget.reserve, budget.ratio, budget.slot_seconds) == (100.0, 0.2, 1.0)
