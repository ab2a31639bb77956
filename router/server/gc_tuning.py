"""Garbage-collector settings for the ``router serve`` process.

The router's heap after start-up is large and permanent (the imported modules, the supergraph, the
API schema, the planner's tables: well over 100,000 objects), and CPython's full collections walk
all of it. Measured under the bench's load (case c), a full collection took about 40 ms and ran
about once a second: some 35 µs of CPU per request spent walking objects that never become garbage.

So once the supergraph is loaded, :func:`freeze_startup_heap` collects once and moves everything
alive into the permanent generation (``gc.freeze``), which collections skip. Only the process entry
point calls it; an app built in tests or embedded elsewhere leaves the collector alone.

A hot reload makes the frozen schema garbage once its last request is done: :func:`refreeze`
(called by :class:`router.server.runtime.RuntimeHolder` after closing the old runtime) unfreezes,
collects it and freezes the live heap again, so nothing frozen is leaked. It does nothing in a
process that never froze.
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)


def freeze_startup_heap() -> int:
    """Collect, then move every live object to the permanent generation; returns how many were frozen."""
    gc.collect()
    gc.freeze()
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
