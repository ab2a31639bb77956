"""A process's readiness and draining state, shared by the health endpoints and the graceful stop.

Its own module (no Strawberry, no SQLAlchemy) because the router uses it too, and a router's start
time is part of how fast a killed router serves again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

ReadinessCheck = Callable[[], Awaitable[bool]]


@dataclass
class Lifecycle:
    """Process state shared by the health endpoints and the graceful-stop logic."""

    ready: bool = False
    draining: bool = False
    checks: Sequence[ReadinessCheck] = field(default_factory=tuple)

    async def is_ready(self) -> bool:
        if not self.ready or self.draining:
            return False
        for check in self.checks:
            try:
                if not await check():
                    return False
            except Exception as error:  # a probe polls often: one line, no traceback
                log.warning("readiness check failed: %s: %s", type(error).__name__, error)
                return False
        return True
