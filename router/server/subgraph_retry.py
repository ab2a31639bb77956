"""Retries of a subgraph *query* fetch that failed before the subgraph answered.

With ``marketplace up`` the routers reach each subgraph through the edge's upstream for it (nginx
balancing over the instances, like a Kubernetes Service): a refused connection already moves on to the
next instance there. What is left is a request that was sent to an instance which died before
answering (connection reset, or the proxy's 502/503/504 for it): a query is read-only, so it is sent
again (the proxy picks an instance again); a mutation never is, since the subgraph may have acted on it
(the client retries with its Idempotency-Key).

One immediate resend was not enough: in the chaos test, when an instance is killed, the proxy may still
hold idle keep-alive connections to it whose close it has not yet processed, and an immediate resend
can go out on one of them and fail the same way (1 read in ~600 got the 502 after one resend). So a
query gets up to ``RETRY_DELAYS`` more sends, each after a short pause that lets the proxy see the dead
connections; at most ~0.35 s is added (~0.53 s with the jitter below), and only to a fetch that had already
failed.

Each pause is stretched by a random factor between 1 and 1.5, so that the fetches of many requests
that failed at the same moment (an instance killed under load) are not all sent again at the same
moment. And every retry is spent from the subgraph's budget (:mod:`router.server.retry_budget`,
``traffic_shaping.*.experimental_retry``): a subgraph failing every request gets about 1.2 requests per
fetch, not 3; a retry the budget refuses is not sent, and the fetch keeps the error it had.

The operation kind is read from the serialized body the executor built (``{"query":"mutation ...``)
by the fetcher's :func:`~router.execution.fetcher.is_query`, the rule its own resend on a stale
connection follows too.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from router.execution.executor import SubgraphFetcher
from router.execution.fetcher import is_query
from router.server.retry_budget import RetryBudgets

RETRIED_STATUSES = frozenset({502, 503, 504})
RETRY_DELAYS = (0.05, 0.3)  # seconds before the 2nd and the 3rd send of a query fetch (before the jitter)
JITTER = (1.0, 1.5)  # each pause is its delay times a random factor in this range


def pause(delay: float) -> float:
    """The pause before a retry: ``delay`` stretched by a random factor in ``JITTER``."""
    return delay * random.uniform(*JITTER)


def failed_before_answer(response: Mapping[str, Any]) -> bool:
    """The fetcher's own error for a transport failure or a proxy's 502/503/504: no subgraph answered."""
    errors = response.get("errors")
    if response.get("data") is not None or not errors or len(errors) != 1:
        return False
    first = errors[0]
    extensions = (first.get("extensions") or {}) if isinstance(first, dict) else {}
    if extensions.get("code") != "SUBREQUEST_HTTP_ERROR":
        return False
    http = extensions.get("http")
    return http is None or (isinstance(http, dict) and http.get("status") in RETRIED_STATUSES)


class RetryQueryFetches:
    """A :class:`SubgraphFetcher` that sends a query fetch that failed unanswered again, after each of
    ``delays`` in turn (jittered), until one send is answered or the subgraph's retry budget is spent.

    ``budgets``: the retry budgets (None: retries are not budgeted); ``on_retry(subgraph, sent)`` is told
    of each retry the fetch wanted: sent, or refused by the budget.
    """

    def __init__(
        self,
        inner: SubgraphFetcher,
        delays: Sequence[float] = RETRY_DELAYS,
        *,
        budgets: RetryBudgets | None = None,
        on_retry: Callable[[str, bool], None] | None = None,
    ) -> None:
        self.inner = inner
        self.delays = tuple(delays)
        self.budgets = budgets
        self.on_retry = on_retry
        self.retries = 0  # how many resends were made (tests and debugging)

    async def fetch(
        self, service: str, body: bytes, headers: Mapping[str, str] | None = None, *, shared: bool = False
    ) -> dict[str, Any]:
        budget = self.budgets.for_subgraph(service) if self.budgets is not None else None
        if budget is not None:
            budget.deposit()
        response = await self.inner.fetch(service, body, headers, shared=shared)
        if not failed_before_answer(response) or not is_query(body):
            return response
        for delay in self.delays:
            allowed = budget is None or budget.withdraw()
            if self.on_retry is not None:
                self.on_retry(service, allowed)
            if not allowed:
                break
            await asyncio.sleep(pause(delay))
            self.retries += 1
            response = await self.inner.fetch(service, body, headers, shared=shared)
            if not failed_before_answer(response):
                break
        return response
