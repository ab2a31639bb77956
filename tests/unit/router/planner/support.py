"""Planner test support: compose subgraph SDLs with Apollo's composition, plan, print, compare.

Supergraphs come from Apollo's own ``@apollo/composition`` (``tests/apollo/compose.mjs``), so the
planner is tested on the exact SDL Apollo's tooling produces; ``apollo_plans`` asks Apollo's query
planner for its plans, to check that ours are the same where they should be.
"""

from __future__ import annotations

import json
import subprocess
import textwrap
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from graphql import parse

from router.display import format_query_plan
from router.query_plan import QueryPlan
from router.query_planner import QueryPlanner
from router.supergraph import Supergraph, load_supergraph

APOLLO_DIR = Path(__file__).resolve().parents[3] / "apollo"
FEDERATION = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@shareable",'
    ' "@external", "@requires", "@provides", "@override", "@inaccessible", "@interfaceObject", "@tag"])\n'
)


def _node(script: str, payload: str, *args: str) -> str:
    result = subprocess.run(
        ["node", script, *args], input=payload, cwd=APOLLO_DIR, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise AssertionError(f"{script} failed:\n{result.stderr}")
    return result.stdout


@lru_cache(maxsize=64)
def _compose(payload: str) -> str:
    return _node("compose.mjs", payload)


def compose(subgraphs: dict[str, str], *, federation2: bool = True) -> str:
    """Apollo-composed supergraph SDL of ``{name: sdl}`` (Fed 2 link header added unless told not)."""
    services = [
        {"name": name, "url": f"http://{name}.test/graphql", "sdl": (FEDERATION if federation2 else "") + sdl}
        for name, sdl in subgraphs.items()
    ]
    return _compose(json.dumps(services, sort_keys=True))


@lru_cache(maxsize=64)
def supergraph_of(sdl: str) -> Supergraph:
    return load_supergraph(sdl)


@lru_cache(maxsize=64)
def planner_of(sdl: str) -> QueryPlanner:
    return QueryPlanner(supergraph_of(sdl))


def build_plan(sdl: str, query: str, operation_name: str | None = None) -> QueryPlan:
    return planner_of(sdl).build_query_plan(parse(query), operation_name)


def plan_text(sdl: str, query: str, operation_name: str | None = None) -> str:
    return format_query_plan(build_plan(sdl, query, operation_name))


def expected(text: str) -> str:
    return textwrap.dedent(text).strip()


def apollo_plans(sdl: str, operations: Sequence[tuple[str, str | None]]) -> list[str]:
    """Apollo's printed plans for ``(query, operation name)`` pairs (one node process for all)."""
    payload = json.dumps({"supergraph": sdl, "operations": [{"query": q, "operationName": n} for q, n in operations]})
    results = json.loads(_node("apollo_plan.mjs", payload, "--batch"))
    return [r["plan"] if "plan" in r else f"ERROR: {r['error']}" for r in results]
