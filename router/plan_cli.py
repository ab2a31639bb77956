"""``plan_command``: the text behind ``marketplace plan`` / ``router plan``."""

from __future__ import annotations

from pathlib import Path

from graphql import GraphQLError, parse, validate

from router.display import format_query_plan
from router.query_planner import QueryPlanner
from router.supergraph import load_supergraph


class PlanCommandError(Exception):
    """The query cannot be planned; the message lists the reasons."""


def plan_command(supergraph_path: str, query: str, operation_name: str | None = None) -> str:
    """Load the supergraph at ``supergraph_path``, validate ``query`` against its API schema and
    return the printed plan (Apollo's text form). Raises :class:`PlanCommandError` (or
    ``SupergraphError``) with a readable message otherwise."""
    supergraph = load_supergraph(Path(supergraph_path).read_text(encoding="utf-8"))
    try:
        document = parse(query)
    except GraphQLError as error:
        raise PlanCommandError(f"syntax error: {error}") from None
    errors = validate(supergraph.api_schema, document)
    if errors:
        raise PlanCommandError("\n".join(str(e) for e in errors))
    plan = QueryPlanner(supergraph).build_query_plan(document, operation_name)
    return format_query_plan(plan)
