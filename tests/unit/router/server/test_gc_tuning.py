"""Freezing the start-up heap, and letting a replaced (frozen) supergraph be collected after a reload."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Iterator

import pytest

from router.server.config import RouterConfig
from router.server.gc_tuning import YOUNG_THRESHOLD, freeze_startup_heap, refreeze
from router.server.runtime import RuntimeHolder, build_runtime
from tests.integration.router.support import accounts, compose, products

pytestmark = pytest.mark.router


class _Cycle:
    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def frozen() -> Iterator[None]:
    thresholds = gc.get_threshold()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


def test_the_youngest_generation_is_collected_less_often_after_start_up(frozen: None) -> None:
    older = gc.get_threshold()[1:]
    freeze_startup_heap()
    assert gc.get_threshold() == (YOUNG_THRESHOLD, *older)
    assert YOUNG_THRESHOLD > 700  # CPython's default, several collections per request


def test_a_frozen_cycle_survives_collections_until_refreeze(frozen: None) -> None:
    cycle = _Cycle()
    alive = weakref.ref(cycle)
    assert freeze_startup_heap() > 0
    del cycle
    gc.collect()
    assert alive() is not None  # frozen objects are never collected...
    refreeze()
    assert alive() is None  # ...until refreeze unfreezes, collects and freezes again
    assert gc.get_freeze_count() > 0


def test_refreeze_does_nothing_in_a_process_that_never_froze() -> None:
    assert gc.get_freeze_count() == 0
    refreeze()
    assert gc.get_freeze_count() == 0


async def test_a_runtime_frozen_at_start_is_collected_after_it_is_swapped_out(frozen: None) -> None:
    graphs = {"accounts": accounts(), "products": products()}
    for graph in graphs.values():
        graph.url = "http://127.0.0.1:9/"  # never called: no request runs here
    sdl = compose(graphs)
    config = RouterConfig()
    holder = RuntimeHolder(build_runtime(sdl, config))
    old_schema = weakref.ref(holder.current.engine.api_schema)
    freeze_startup_heap()
    holder.swap(build_runtime(sdl, config))
    for _ in range(100):  # the old runtime closes in a task once it is idle (it is: nothing in flight)
        if old_schema() is None:
            break
        await asyncio.sleep(0.01)
    assert old_schema() is None
    await holder.aclose()
