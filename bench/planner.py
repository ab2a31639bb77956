"""Planner benchmark: cache-miss planning time (no plan cache; the planner's supergraph lookups warm).

Two parts:

1. **Coverage suite**: every operation of the federation coverage suite. Supergraphs are those of
   the planner snapshot modules (``tests/unit/router/planner/*``: module-level supergraph strings)
   and of the differential modules (``tests/federation/test_*.py``: all of a module's
   ``FakeSubgraph`` factories, composed by Apollo's composition); operations are the module's string
   constants that parse and validate against that supergraph's API schema.
2. **Generated cases**, for k = 2..10:
   - ``shared``: k subgraphs all define ``Item`` (``@key(fields: "id")``, ``@shareable`` fields
     ``name`` and ``next: Item``) plus one field of their own; the query selects every field at three
     levels of ``next`` (each level a choice among k subgraphs).
   - ``wide``: one query of 50 fields of ``Product`` spread over k subgraphs (each field
     ``@shareable`` in two neighbouring subgraphs), on a list and again on ``related``; k = 5 is
     "50 fields across 5 subgraphs".

Each operation is planned ``--repeat`` times (a fresh parse each time, no plan cache; the first run
also fills the planner's supergraph lookups); the median and the worst CPU time of the planning
thread are printed (CPU, not wall time: the machine is shared), with the plan's cost (fetches,
depth). Goal: no operation over 50 ms on this machine, and polynomial growth in k.

    uv run python bench/planner.py [--repeat 5] [--max-k 10]
"""

from __future__ import annotations

import argparse
import ast
import gc
import importlib
import inspect
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graphql import GraphQLError, parse, validate  # noqa: E402

from router.query_planner import PlanningError, QueryPlanner  # noqa: E402
from router.query_planner.cost import plan_cost  # noqa: E402
from router.supergraph import load_supergraph  # noqa: E402
from tests.federation.support.subgraph import FakeSubgraph  # noqa: E402
from tests.unit.router.planner.support import compose  # noqa: E402

GOAL_MS = 50.0


@dataclass
class Timing:
    name: str
    median_ms: float
    worst_ms: float
    cost: str


def time_operation(planner: QueryPlanner, query: str, repeat: int) -> tuple[float, float, str]:
    samples: list[float] = []
    cost = ""
    for _ in range(repeat):
        document = parse(query)
        start = time.thread_time()  # CPU time: the machine is shared, wall time includes others' work
        plan = planner.build_query_plan(document)
        samples.append((time.thread_time() - start) * 1000)
        cost = str(plan_cost(plan))
    return statistics.median(samples), max(samples), cost


def _operations(path: Path, planner: QueryPlanner) -> list[str]:
    """String constants of ``path`` that are single valid operations against the planner's schema."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            continue
        text = node.value.strip()
        if not text.startswith(("{", "query", "mutation")) or text in found:
            continue
        try:
            document = parse(text)
        except GraphQLError:
            continue
        if len(document.definitions) < 1 or validate(planner.supergraph.api_schema, document):
            continue
        found.append(text)
    return found


def coverage_planners() -> list[tuple[str, Path, QueryPlanner]]:
    out: list[tuple[str, Path, QueryPlanner]] = []
    for path in sorted((ROOT / "tests/unit/router/planner").glob("test_*.py")):
        module = importlib.import_module(f"tests.unit.router.planner.{path.stem}")
        for name, value in vars(module).items():
            if isinstance(value, str) and "join__Graph" in value:
                out.append((f"{path.stem}.{name}", path, QueryPlanner(load_supergraph(value))))
    for path in sorted((ROOT / "tests/federation").glob("test_*.py")):
        module = importlib.import_module(f"tests.federation.{path.stem}")
        graphs: dict[str, FakeSubgraph] = {}
        for value in vars(module).values():
            if not (inspect.isfunction(value) and value.__module__ == module.__name__):
                continue
            signature = inspect.signature(value)
            if signature.parameters or signature.return_annotation not in ("FakeSubgraph", FakeSubgraph):
                continue
            made = value()
            graphs[made.name] = made
        if not graphs:
            continue
        try:
            sdl = compose({g.name: g.sdl for g in graphs.values()}, federation2=False)
        except AssertionError:
            print(f"  (skipped {path.stem}: its subgraphs do not compose as one supergraph)")
            continue
        out.append((path.stem, path, QueryPlanner(load_supergraph(sdl))))
    return out


def shared_case(k: int) -> tuple[str, str]:
    subgraphs = {}
    for i in range(k):
        root = "type Query { item: Item @shareable }\n" if i < 2 else ""
        subgraphs[f"s{i}"] = (
            root + f'type Item @key(fields: "id") {{ id: ID! name: String @shareable next: Item @shareable f{i}: Int }}'
        )
    own = " ".join(f"f{i}" for i in range(k))
    level = f"id name {own}"
    query = "{ item { " + level + " next { " + level + " next { " + level + " } } } }"
    return compose(subgraphs), query


def wide_case(k: int, fields: int = 50) -> tuple[str, str]:
    owned: dict[int, list[str]] = {i: [] for i in range(k)}
    for j in range(fields):
        owned[j % k].append(f"f{j}: Int @shareable")
        owned[(j + 1) % k].append(f"f{j}: Int @shareable")
    subgraphs = {}
    for i in range(k):
        root = "type Query { products: [Product] }\n" if i == 0 else ""
        related = "related: Product @shareable" if i in (0, k - 1) else ""
        subgraphs[f"w{i}"] = root + (
            f'type Product @key(fields: "id") {{ id: ID! {related} {" ".join(sorted(set(owned[i])))} }}'
        )
    selection = " ".join(f"f{j}" for j in range(fields))
    return compose(subgraphs), "{ products { " + selection + " related { " + selection + " } } }"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--max-k", type=int, default=10)
    args = parser.parse_args()

    print("== coverage suite (cache-miss planning, ms)")
    timings: list[Timing] = []
    failures = 0
    planners = coverage_planners()
    # As `router serve` does after loading the supergraph: collect and freeze the start-up heap, so
    # a full collection does not walk it during one operation's planning (it did: ~95 ms once).
    gc.collect()
    gc.freeze()
    for name, path, planner in planners:
        for query in _operations(path, planner):
            try:
                median, worst, cost = time_operation(planner, query, args.repeat)
            except PlanningError:
                failures += 1  # the planning-error cases of the suite
                continue
            timings.append(Timing(f"{name}: {' '.join(query.split())[:70]}", median, worst, cost))
    timings.sort(key=lambda t: t.worst_ms, reverse=True)
    for t in timings[:10]:
        print(f"  {t.median_ms:8.2f} median {t.worst_ms:8.2f} worst  {t.cost:20}  {t.name}")
    medians = [t.median_ms for t in timings]
    print(
        f"  {len(timings)} operations ({failures} planning errors by design): median of medians "
        f"{statistics.median(medians):.2f} ms, worst {max(t.worst_ms for t in timings):.2f} ms, "
        f"over {GOAL_MS:.0f} ms: {sum(t.worst_ms > GOAL_MS for t in timings)}"
    )

    print("\n== generated cases (cache-miss planning, ms)")
    print(f"  {'k':>3} {'shared median':>14} {'worst':>8} {'cost':>20}   {'wide median':>12} {'worst':>8} {'cost':>20}")
    worst_all = 0.0
    for k in range(2, args.max_k + 1):
        row = [f"  {k:>3}"]
        for case in (shared_case, wide_case):
            sdl, query = case(k)
            median, worst, cost = time_operation(QueryPlanner(load_supergraph(sdl)), query, args.repeat)
            worst_all = max(worst_all, worst)
            row.append(f"{median:14.2f} {worst:8.2f} {cost:>20}  ")
        print(" ".join(row))
    print(f"  worst generated: {worst_all:.2f} ms (goal: under {GOAL_MS:.0f} ms)")


if __name__ == "__main__":
    main()
