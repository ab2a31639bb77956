"""@requires: simple, nested field sets, arguments (aliased when they clash), chains across subgraphs."""

from __future__ import annotations

import pytest

from tests.unit.router.planner.support import apollo_plans, compose, expected, plan_text

pytestmark = pytest.mark.router

SUBGRAPHS = {
    "products": """
        type Query { topProducts: [Product] }
        type Product @key(fields: "upc") {
            upc: String!
            price(currency: String = "USD"): Int
            weight: Int
            dimensions: Dimensions
        }
        type Dimensions { size: Int unit: String }
    """,
    "inventory": """
        type Product @key(fields: "upc") {
            upc: String!
            price(currency: String = "USD"): Int @external
            weight: Int @external
            dimensions: Dimensions @external
            shippingEstimate: Int @requires(fields: "price weight")
            eurEstimate: Int @requires(fields: "price(currency: \\"EUR\\")")
            volume: Int @requires(fields: "dimensions { size unit }")
            insurance: Int @requires(fields: "discount")
            discount: Int @external
        }
        type Dimensions { size: Int @external unit: String @external }
    """,
    "pricing": """
        type Product @key(fields: "upc") {
            upc: String!
            shippingEstimate: Int @external
            discount: Int @requires(fields: "shippingEstimate")
        }
    """,
}

SUPERGRAPH = compose(SUBGRAPHS)


def test_simple_requires_added_to_parent_fetch() -> None:
    plan = plan_text(SUPERGRAPH, "{ topProducts { shippingEstimate } }")
    assert plan == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "products") {
              {
                topProducts {
                  __typename
                  upc
                  price
                  weight
                }
              }
            },
            Flatten(path: "topProducts.@") {
              Fetch(service: "inventory") {
                {
                  ... on Product {
                    __typename
                    upc
                    price
                    weight
                  }
                } =>
                {
                  ... on Product {
                    shippingEstimate
                  }
                }
              },
            },
          },
        }
        """
    )


def test_requires_with_nested_selection() -> None:
    plan = plan_text(SUPERGRAPH, "{ topProducts { volume dimensions { size } } }")
    assert plan == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "products") {
              {
                topProducts {
                  __typename
                  upc
                  dimensions {
                    size
                    unit
                  }
                }
              }
            },
            Flatten(path: "topProducts.@") {
              Fetch(service: "inventory") {
                {
                  ... on Product {
                    __typename
                    upc
                    dimensions {
                      size
                      unit
                    }
                  }
                } =>
                {
                  ... on Product {
                    volume
                  }
                }
              },
            },
          },
        }
        """
    )


def test_requires_field_with_argument_different_from_client() -> None:
    plan = plan_text(SUPERGRAPH, "query($c: String) { topProducts { price(currency: $c) eurEstimate } }")
    assert plan == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "products") {
              {
                topProducts {
                  __typename
                  upc
                  price(currency: $c)
                  price__alias_0: price(currency: "EUR")
                }
              }
            },
            Flatten(path: "topProducts.@") {
              Fetch(service: "inventory") {
                {
                  ... on Product {
                    __typename
                    upc
                    price
                  }
                } =>
                {
                  ... on Product {
                    eurEstimate
                  }
                }
              },
            },
          },
        }
        """
    )


def test_requires_field_with_argument_not_selected_by_client() -> None:
    plan = plan_text(SUPERGRAPH, "{ topProducts { eurEstimate } }")
    assert plan == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "products") {
              {
                topProducts {
                  __typename
                  upc
                  price(currency: "EUR")
                }
              }
            },
            Flatten(path: "topProducts.@") {
              Fetch(service: "inventory") {
                {
                  ... on Product {
                    __typename
                    upc
                    price
                  }
                } =>
                {
                  ... on Product {
                    eurEstimate
                  }
                }
              },
            },
          },
        }
        """
    )


def test_chained_requires_back_and_forth() -> None:
    plan = plan_text(SUPERGRAPH, "{ topProducts { insurance } }")
    assert plan == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "products") {
              {
                topProducts {
                  __typename
                  upc
                  price
                  weight
                }
              }
            },
            Flatten(path: "topProducts.@") {
              Fetch(service: "inventory") {
                {
                  ... on Product {
                    __typename
                    upc
                    price
                    weight
                  }
                } =>
                {
                  ... on Product {
                    shippingEstimate
                  }
                }
              },
            },
            Flatten(path: "topProducts.@") {
              Fetch(service: "pricing") {
                {
                  ... on Product {
                    __typename
                    upc
                    shippingEstimate
                  }
                } =>
                {
                  ... on Product {
                    discount
                  }
                }
              },
            },
            Flatten(path: "topProducts.@") {
              Fetch(service: "inventory") {
                {
                  ... on Product {
                    __typename
                    upc
                    discount
                  }
                } =>
                {
                  ... on Product {
                    insurance
                  }
                }
              },
            },
          },
        }
        """
    )


APOLLO_IDENTICAL = [
    ("{ topProducts { shippingEstimate } }", None),
    ("{ topProducts { volume dimensions { size } } }", None),
    ("{ topProducts { eurEstimate } }", None),
]


def test_same_plans_as_apollo() -> None:
    """Apollo's own query planner prints the very same plans for these operations."""
    ours = [plan_text(SUPERGRAPH, query, name) for query, name in APOLLO_IDENTICAL]
    assert ours == apollo_plans(SUPERGRAPH, APOLLO_IDENTICAL)


def test_aliased_requirement_is_read_from_its_alias() -> None:
    """The representation takes ``price`` from ``price__alias_0``, the EUR price, not the client's."""
    from router.query_plan import FetchNode, FieldRequirement, FlattenNode, InlineFragmentRequirement, SequenceNode
    from tests.unit.router.planner.support import build_plan

    plan = build_plan(SUPERGRAPH, "query Q($c: String) { topProducts { price(currency: $c) eurEstimate } }", "Q")
    assert isinstance(plan.node, SequenceNode)
    root, flatten = plan.node.nodes
    assert isinstance(root, FetchNode)
    assert root.operation == (
        "query Q__products__0($c:String){topProducts{__typename upc price(currency:$c) "
        'price__alias_0:price(currency:"EUR")}}'
    )
    assert root.variable_usages == ("c",)
    assert isinstance(flatten, FlattenNode)
    assert flatten.path == ("topProducts", "@")
    assert flatten.node.requires == (
        InlineFragmentRequirement(
            "Product",
            (
                FieldRequirement("__typename"),
                FieldRequirement("upc"),
                FieldRequirement("price", alias="price__alias_0"),
            ),
        ),
    )
    assert flatten.node.operation == (
        "query Q__inventory__1($representations:[_Any!]!)"
        "{_entities(representations:$representations){...on Product{eurEstimate}}}"
    )
