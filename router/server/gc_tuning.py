"""Garbage-collector settings for the ``router serve`` process.

The router's heap after start-up is large and permanent (the imported modules, the supergraph, the
API schema, the planner's tables: well over 100,000 objects), and CPython's full collections walk
all of it. Measured under the bench's load (case c), a full collection took about 40 ms and ran
about once a second: some 35 µs of CPU per request spent walking objects that never become garbage.

So once the supergraph is loaded, :func:`freeze_startup_heap` collects once and moves everything
alive into the permanent generation (``gc.freeze``), which collections skip. Only the process entry
point calls it; an app built in tests or embedded elsewhere leaves the collector alone.

The youngest generation is also collected less often: :data:`YOUNG_THRESHOLD` net new container
objects instead of CPython's 700. A request allocates thousands of them (the parsed subgraph answers,
the merged tree, the shaped response: the many-fetch bench case's 55 KB response is some 700 objects
and lists, its subgraph answers several times that), all freed by reference counting since JSON has
no cycles; with 700 the collector ran several times per request, each time walking the trees of the
requests in flight, and promoting them to older generations to be walked again. Measured on the
many-fetch case (50 connections): the main thread's CPU per request fell by about 10% (3.55 to
3.15 ms); 100,000 measured no better than 20,000. Cyclic garbage (exceptions and their frames) waits
a little longer: at most that many objects.

A hot reload makes the frozen schema garbage once its last request is done: :func:`refreeze`
(called by :class:`router.server.runtime.RuntimeHolder` after closing the old runtime) unfreezes,
collects it and freezes the live heap again, so nothing frozen is leaked. It does nothing in a
process that never froze.
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)

# Net new container objects between two collections of the youngest generation (CPython's default: 700).
YOUNG_THRESHOLD = 20_000


def freeze_startup_heap() -> int:
    """Collect, then move every live object to the permanent generation, and raise the youngest
    generation's threshold; returns how many objects were frozen."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    frozen = gc.get_freeze_count()
    log.debug("froze %d start-up objects", frozen)
    return frozen


def refreeze() -> None:
    """After a runtime is dropped: let its frozen objects be collected, then freeze the live heap again."""
    if gc.get_freeze_count() == 0:
        return
    gc.unfreeze()
    gc.collect()
    gc.freeze()
