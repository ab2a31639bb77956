"""Composition: subgraph SDLs (Federation 1 or 2) → an Apollo-format supergraph SDL."""

from __future__ import annotations

from router.compose.composer import CompositionResult, compose, compose_or_raise
from router.compose.config import SupergraphConfig, load_config, parse_config
from router.compose.errors import (
    ComposeError,
    CompositionError,
    CompositionFailed,
    ConfigError,
    SubgraphFetchError,
)
from router.compose.fetch import fetch_sdl, fetch_sdl_async, load_subgraphs
from router.compose.inputs import SubgraphInput

__all__ = [
    "ComposeError",
    "CompositionError",
    "CompositionFailed",
    "CompositionResult",
    "ConfigError",
    "SubgraphFetchError",
    "SubgraphInput",
    "SupergraphConfig",
    "compose",
    "compose_or_raise",
    "fetch_sdl",
    "fetch_sdl_async",
    "load_config",
    "load_subgraphs",
    "parse_config",
]
