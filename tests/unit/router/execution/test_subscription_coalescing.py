"""Identical subgraph requests in flight together share one call; each caller gets its own copy."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from router.execution.subscription import CoalescingFetcher


class SlowSubgraph:
    """Answers after a pause and records every call it gets (the fetcher protocol, in process)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, bytes, dict[str, str]]] = []

    async def fetch(self, service: str, body: bytes, headers: Mapping[str, str] | None = None) -> dict[str, Any]:
        self.calls.append((service, body, dict(headers or {})))
        await asyncio.sleep(0.05)
        return {"data": {"_entities": [{"name": f"answer {len(self.calls)}"}]}}


async def test_same_body_and_headers_in_flight_make_one_call() -> None:
    subgraph = SlowSubgraph()
    fetcher = CoalescingFetcher(subgraph)
    headers = {"authorization": "Bearer a"}
    responses = await asyncio.gather(*(fetcher.fetch("products", b"{q}", headers) for _ in range(5)))
    assert len(subgraph.calls) == 1
    assert fetcher.merged == 4
    assert all(r == {"data": {"_entities": [{"name": "answer 1"}]}} for r in responses)
    # every caller may change its response without touching the others'
    responses[0]["data"]["_entities"][0]["name"] = "changed"
    assert responses[1]["data"]["_entities"][0]["name"] == "answer 1"
    assert len({id(r) for r in responses}) == 5


async def test_other_headers_or_later_calls_are_not_merged() -> None:
    subgraph = SlowSubgraph()
    fetcher = CoalescingFetcher(subgraph)
    await asyncio.gather(
        fetcher.fetch("products", b"{q}", {"authorization": "Bearer a"}),
        fetcher.fetch("products", b"{q}", {"authorization": "Bearer b"}),
        fetcher.fetch("products", b"{other}", {"authorization": "Bearer a"}),
    )
    assert len(subgraph.calls) == 3
    await fetcher.fetch("products", b"{q}", {"authorization": "Bearer a"})  # nothing is kept after a call
    assert len(subgraph.calls) == 4
    assert fetcher.merged == 0
