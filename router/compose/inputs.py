"""What the composer takes in: one subgraph's name, routing URL and SDL."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SubgraphInput:
    name: str
    url: str
    sdl: str
