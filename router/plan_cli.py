"""``router plan``: print the query plan of an operation (Apollo's text form).

``plan_command`` holds the logic; ``add_plan_parser``/``run_plan`` plug it into ``router/cli.py``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from graphql import GraphQLError, parse

from router.display import format_query_plan
from router.query_planner import PlanningError, QueryPlanner
from router.query_planner.cost import plan_cost
from router.supergraph import SupergraphError, load_supergraph
from router.validation import validate


class PlanCommandError(Exception):
    """The query cannot be planned; the message lists the reasons."""


def plan_command(supergraph_path: str, query: str, operation_name: str | None = None, *, cost: bool = False) -> str:
    """Load the supergraph at ``supergraph_path``, validate ``query`` against its API schema and
    return the printed plan (Apollo's text form), followed by its cost line (``Cost: fetches=N
    depth=M``) when ``cost``. Raises :class:`PlanCommandError` (or ``SupergraphError``) with a
    readable message otherwise."""
    return plan_text(Path(supergraph_path).read_text(encoding="utf-8"), query, operation_name, cost=cost)


def plan_text(supergraph_sdl: str, query: str, operation_name: str | None = None, *, cost: bool = False) -> str:
    """:func:`plan_command` over a supergraph SDL already in hand (``marketplace plan`` composes one)."""
    supergraph = load_supergraph(supergraph_sdl)
    try:
        document = parse(query)
    except GraphQLError as error:
        raise PlanCommandError(f"syntax error: {error}") from None
    errors = validate(supergraph.api_schema, document)
    if errors:
        raise PlanCommandError("\n".join(str(e) for e in errors))
    try:
        plan = QueryPlanner(supergraph).build_query_plan(document, operation_name)
    except PlanningError as error:
        raise PlanCommandError(str(error)) from None
    text = format_query_plan(plan)
    if cost:
        text += f"\nCost: {plan_cost(plan)}"
    return text


def add_plan_parser(commands: Any) -> None:
    """Register ``plan`` on the ``router`` command's subparsers."""
    plan = commands.add_parser("plan", help="print the query plan of an operation")
    plan.add_argument("query", help="the operation text, '@FILE' to read it from a file, or '-' for stdin")
    plan.add_argument(
        "-s", "--supergraph", default="supergraph.graphql", help="supergraph SDL file (default: supergraph.graphql)"
    )
    plan.add_argument("-n", "--operation-name", help="the operation to plan when the document has several")
    plan.add_argument(
        "--cost", action="store_true", help="also print the plan's cost (fetches, then fetch-graph depth)"
    )


def run_plan(args: argparse.Namespace) -> int:
    query: str = args.query
    if query == "-":
        query = sys.stdin.read()
    elif query.startswith("@"):
        query = Path(query[1:]).read_text(encoding="utf-8")
    try:
        text = plan_command(args.supergraph, query, args.operation_name, cost=args.cost)
    except (PlanCommandError, SupergraphError, OSError) as error:
        print(f"router plan: {error}", file=sys.stderr)
        return 1
    print(text)
    return 0
