"""What the router's limits at the door share (``traffic_shaping.router.global_rate_limit`` and
``concurrency_limit``): which requests they count, and how a refusal is counted."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Door:
    """Which client requests a limit at the door counts, and what a refusal does besides answering.

    ``exempt``: paths that never count (health checks, metrics, the home page); ``exempt_prefix``: nor
    does anything under it (GraphiQL's assets). A refusal off ``graphql_path`` is a problem document.
    ``on_refused``: called once per refusal (a metric).
    """

    graphql_path: str
    exempt: frozenset[str]
    exempt_prefix: str | None = None
    on_refused: Callable[[], None] | None = None

    def counts(self, path: str) -> bool:
        """Whether a request to ``path`` is subject to the limit."""
        return path not in self.exempt and (self.exempt_prefix is None or not path.startswith(self.exempt_prefix))

    def refused(self) -> None:
        if self.on_refused is not None:
            self.on_refused()
