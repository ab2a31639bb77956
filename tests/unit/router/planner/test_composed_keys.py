"""Keys whose fields are not all in the current subgraph (issue 14 classes 1 and 2): the key is planned
as a requirement (its fields fetched wherever they live, by key hops or parent-entity calls) and the
entity fetch waits for all of those fetches."""

from __future__ import annotations

import pytest

from tests.unit.router.planner.support import apollo_plans, compose, expected, plan_text

pytestmark = pytest.mark.router

MIXED_KEY = {
    "a": 'type Query { products: [Product] } type Product @key(fields: "id") { id: ID! }',
    "b": 'type Product @key(fields: "id") { id: ID! pid: ID! }',
    "c": """
        type Product @key(fields: "id") { id: ID! category: Category }
        type Category @key(fields: "id") { id: ID! tag: String }
    """,
    "d": """
        type Product @key(fields: "id pid category { id tag }") {
            id: ID! pid: ID! @external category: Category @external name: String
        }
        type Category @key(fields: "id") { id: ID! tag: String @external }
    """,
}

VALUE_PARENTS = {
    "a": """
        type Query { shop: Shop @shareable }
        type Shop @shareable { id: ID! product: Product @shareable }
        type Product @shareable { id: ID! category: Category @shareable }
        type Category @shareable { details: String }
    """,
    "b": """
        type Query { shop: Shop @shareable }
        type Shop @shareable { id: ID! product: Product @shareable }
        type Product @shareable { id: ID! category: Category @shareable }
        type Category @key(fields: "id") { id: ID! }
    """,
    "c": 'type Category @key(fields: "id") { id: ID! name: String }',
}

MIXED_QUERY = "{ products { name } }"
VALUE_QUERY = "{ shop { product { category { details name } } } }"


def test_key_fields_fetched_from_two_subgraphs_before_the_jump() -> None:
    assert plan_text(compose(MIXED_KEY), MIXED_QUERY) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "a") {
              {
                products {
                  __typename
                  id
                }
              }
            },
            Parallel {
              Flatten(path: "products.@") {
                Fetch(service: "c") {
                  {
                    ... on Product {
                      __typename
                      id
                    }
                  } =>
                  {
                    ... on Product {
                      category {
                        id
                        tag
                      }
                    }
                  }
                },
              },
              Flatten(path: "products.@") {
                Fetch(service: "b") {
                  {
                    ... on Product {
                      __typename
                      id
                    }
                  } =>
                  {
                    ... on Product {
                      pid
                    }
                  }
                },
              },
            },
            Flatten(path: "products.@") {
              Fetch(service: "d") {
                {
                  ... on Product {
                    __typename
                    id
                    pid
                    category {
                      id
                      tag
                    }
                  }
                } =>
                {
                  ... on Product {
                    name
                  }
                }
              },
            },
          },
        }
        """
    )


def test_child_key_fetched_by_a_root_reentry() -> None:
    """``details`` only where ``Category`` has no key (a); ``name`` in c needs ``id``, which only b
    gives, reached by re-entering the query root there (every type above is a value type)."""
    assert plan_text(compose(VALUE_PARENTS), VALUE_QUERY) == expected(
        """
        QueryPlan {
          Sequence {
            Parallel {
              Fetch(service: "a") {
                {
                  shop {
                    product {
                      category {
                        __typename
                        details
                      }
                    }
                  }
                }
              },
              Fetch(service: "b") {
                {
                  shop {
                    product {
                      category {
                        id
                      }
                    }
                  }
                }
              },
            },
            Flatten(path: "shop.product.category") {
              Fetch(service: "c") {
                {
                  ... on Category {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Category {
                    name
                  }
                }
              },
            },
          },
        }
        """
    )


def test_same_plans_as_apollo() -> None:
    sdl = compose(MIXED_KEY)
    assert apollo_plans(sdl, [(MIXED_QUERY, None)]) == [plan_text(sdl, MIXED_QUERY)]
