"""Fields reachable only through a `resolvable: false` key or a non-resolvable `@interfaceObject`
(issue 14, class 4): a planning error naming the field (Apollo's planner refuses them too). The
supergraph is composed resolvable, then edited: composition itself refuses such subgraphs."""

from __future__ import annotations

import pytest

from router.query_planner import PlanningError
from tests.unit.router.planner.support import apollo_plans, compose, plan_text

pytestmark = pytest.mark.router

SUBGRAPHS = {
    "a": """
        type Query { products: [Product] }
        type Product @key(fields: "id") { id: ID! name: String info: Info @shareable }
        type Info @shareable { a: Int }
    """,
    "b": """
        type Product @key(fields: "id") { id: ID! extra: String info: Info @shareable }
        type Info @shareable { a: Int b: Int }
    """,
    "c": """
        type Query { media: [Media] }
        interface Media @key(fields: "id") { id: ID! }
        type Book implements Media @key(fields: "id") { id: ID! pages: Int }
    """,
    "d": 'type Media @key(fields: "id") @interfaceObject { id: ID! rating: Int }',
}
RESOLVABLE = compose(SUBGRAPHS)
SUPERGRAPH = RESOLVABLE.replace(
    '@join__type(graph: B, key: "id")', '@join__type(graph: B, key: "id", resolvable: false)'
).replace(
    '@join__type(graph: D, key: "id", isInterfaceObject: true)',
    '@join__type(graph: D, key: "id", resolvable: false, isInterfaceObject: true)',
)
CASES = [
    ("{ products { name extra } }", r"Product\.extra at products\.@"),
    ("{ products { info { a b } } }", r"Info\.b at products\.@\.info"),
    ("{ media { ... on Book { pages rating } } }", r"Book\.rating at media\.@"),
]


@pytest.mark.parametrize(("query", "message"), CASES)
def test_unreachable_field_is_a_planning_error(query: str, message: str) -> None:
    with pytest.raises(PlanningError, match=message):
        plan_text(SUPERGRAPH, query)
    plan_text(RESOLVABLE, query)  # the same query plans once the keys are resolvable


def test_apollo_refuses_them_too() -> None:
    assert all(plan.startswith("ERROR") for plan in apollo_plans(SUPERGRAPH, [(q, None) for q, _ in CASES]))
