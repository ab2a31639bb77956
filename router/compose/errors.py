"""Errors of the composition stage.

Composition collects every problem it finds instead of stopping at the first one, so a subgraph team
sees all of them in one run. Each error carries Apollo's error code (``INVALID_FIELD_SHARING``,
``FIELD_TYPE_MISMATCH``, ...) and, where it applies, the subgraph, type and field at fault.
"""

from __future__ import annotations

from dataclasses import dataclass


class ComposeError(Exception):
    """Base of every error raised by ``router.compose`` (config, fetch, composition)."""


class ConfigError(ComposeError):
    """The ``supergraph.yaml`` file is unreadable or invalid; the message names the key at fault."""


class SubgraphFetchError(ComposeError):
    """A subgraph's SDL could not be fetched; the message names the subgraph and its URL."""


@dataclass(frozen=True)
class CompositionError:
    """One composition problem, in Apollo's vocabulary."""

    code: str
    message: str
    subgraph: str | None = None
    type_name: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class CompositionFailed(ComposeError):
    """Raised by ``compose_or_raise`` when composition produced errors."""

    def __init__(self, errors: list[CompositionError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))
