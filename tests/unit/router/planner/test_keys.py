"""Entity hops: single, multiple, composite and nested-composite keys, resolvable: false, chains, lists."""

from __future__ import annotations

import pytest

from tests.unit.router.planner.support import apollo_plans, compose, expected, plan_text

pytestmark = pytest.mark.router

SUBGRAPHS = {
    "accounts": """
        type Query { me: User users: [User] }
        type User @key(fields: "id") @key(fields: "email") { id: ID! email: String! name: String org: Org }
        type Org @key(fields: "id") { id: ID! }
    """,
    "reviews": """
        type User @key(fields: "id") { id: ID! reviews: [Review] }
        type Review { body: String product: Product }
        type Product @key(fields: "upc") { upc: String! }
    """,
    "products": """
        type Product @key(fields: "upc") @key(fields: "sku { id region }") {
            upc: String! sku: Sku! name: String vendor: Vendor
        }
        type Sku { id: ID! region: String! }
        type Vendor @key(fields: "code", resolvable: false) { code: String! }
    """,
    "inventory": """
        type Product @key(fields: "sku { id region }") { sku: Sku! stock: Int }
        type Sku { id: ID! region: String! }
    """,
    "vendors": """
        type Vendor @key(fields: "code") { code: String! title: String }
        type Query { vendors: [Vendor] }
    """,
    "billing": """
        type User @key(fields: "email") { email: String! plan: String }
        type Org @key(fields: "id") { id: ID! billingName: String members: [[User]] }
    """,
}

SUPERGRAPH = compose(SUBGRAPHS)


def test_root_fetch_only() -> None:
    plan = plan_text(SUPERGRAPH, "{ me { id name } }")
    assert plan == expected(
        """
        QueryPlan {
          Fetch(service: "accounts") {
            {
              me {
                id
                name
              }
            }
          },
        }
        """
    )


def test_entity_hop_and_list_path() -> None:
    plan = plan_text(SUPERGRAPH, "query Me { me { name reviews { body product { name } } } }", "Me")
    assert plan == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "accounts") {
              {
                me {
                  __typename
                  id
                  name
                }
              }
            },
            Flatten(path: "me") {
              Fetch(service: "reviews") {
                {
                  ... on User {
                    __typename
                    id
                  }
                } =>
                {
                  ... on User {
                    reviews {
                      body
                      product {
                        __typename
                        upc
                      }
                    }
                  }
                }
              },
            },
            Flatten(path: "me.reviews.@.product") {
              Fetch(service: "products") {
                {
                  ... on Product {
                    __typename
                    upc
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


def test_chain_through_four_subgraphs() -> None:
    plan = plan_text(SUPERGRAPH, "{ me { reviews { product { name stock vendor { title } } } } }")
    assert plan == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "accounts") {
              {
                me {
                  __typename
                  id
                }
              }
            },
            Flatten(path: "me") {
              Fetch(service: "reviews") {
                {
                  ... on User {
                    __typename
                    id
                  }
                } =>
                {
                  ... on User {
                    reviews {
                      product {
                        __typename
                        upc
                      }
                    }
                  }
                }
              },
            },
            Flatten(path: "me.reviews.@.product") {
              Fetch(service: "products") {
                {
                  ... on Product {
                    __typename
                    upc
                  }
                } =>
                {
                  ... on Product {
                    sku {
                      id
                      region
                    }
                    name
                    vendor {
                      __typename
                      code
                    }
                  }
                }
              },
            },
            Parallel {
              Flatten(path: "me.reviews.@.product") {
                Fetch(service: "inventory") {
                  {
                    ... on Product {
                      __typename
                      sku {
                        id
                        region
                      }
                    }
                  } =>
                  {
                    ... on Product {
                      stock
                    }
                  }
                },
              },
              Flatten(path: "me.reviews.@.product.vendor") {
                Fetch(service: "vendors") {
                  {
                    ... on Vendor {
                      __typename
                      code
                    }
                  } =>
                  {
                    ... on Vendor {
                      title
                    }
                  }
                },
              },
            },
          },
        }
        """
    )


def test_parallel_hops_from_one_parent() -> None:
    plan = plan_text(SUPERGRAPH, "{ users { name reviews { body } plan } }")
    assert plan == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "accounts") {
              {
                users {
                  __typename
                  email
                  id
                  name
                }
              }
            },
            Parallel {
              Flatten(path: "users.@") {
                Fetch(service: "billing") {
                  {
                    ... on User {
                      __typename
                      email
                    }
                  } =>
                  {
                    ... on User {
                      plan
                    }
                  }
                },
              },
              Flatten(path: "users.@") {
                Fetch(service: "reviews") {
                  {
                    ... on User {
                      __typename
                      id
                    }
                  } =>
                  {
                    ... on User {
                      reviews {
                        body
                      }
                    }
                  }
                },
              },
            },
          },
        }
        """
    )


def test_second_key_chosen_when_first_not_available() -> None:
    plan = plan_text(SUPERGRAPH, "{ me { org { billingName } plan } }")
    assert plan == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "accounts") {
              {
                me {
                  __typename
                  email
                  org {
                    __typename
                    id
                  }
                }
              }
            },
            Parallel {
              Flatten(path: "me") {
                Fetch(service: "billing") {
                  {
                    ... on User {
                      __typename
                      email
                    }
                  } =>
                  {
                    ... on User {
                      plan
                    }
                  }
                },
              },
              Flatten(path: "me.org") {
                Fetch(service: "billing") {
                  {
                    ... on Org {
                      __typename
                      id
                    }
                  } =>
                  {
                    ... on Org {
                      billingName
                    }
                  }
                },
              },
            },
          },
        }
        """
    )


def test_composite_nested_key() -> None:
    plan = plan_text(SUPERGRAPH, "{ me { reviews { product { stock } } } }")
    assert plan == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "accounts") {
              {
                me {
                  __typename
                  id
                }
              }
            },
            Flatten(path: "me") {
              Fetch(service: "reviews") {
                {
                  ... on User {
                    __typename
                    id
                  }
                } =>
                {
                  ... on User {
                    reviews {
                      product {
                        __typename
                        upc
                      }
                    }
                  }
                }
              },
            },
            Flatten(path: "me.reviews.@.product") {
              Fetch(service: "products") {
                {
                  ... on Product {
                    __typename
                    upc
                  }
                } =>
                {
                  ... on Product {
                    sku {
                      id
                      region
                    }
                  }
                }
              },
            },
            Flatten(path: "me.reviews.@.product") {
              Fetch(service: "inventory") {
                {
                  ... on Product {
                    __typename
                    sku {
                      id
                      region
                    }
                  }
                } =>
                {
                  ... on Product {
                    stock
                  }
                }
              },
            },
          },
        }
        """
    )


def test_nested_lists_path() -> None:
    plan = plan_text(SUPERGRAPH, "{ me { org { members { name } } } }")
    assert plan == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "accounts") {
              {
                me {
                  org {
                    __typename
                    id
                  }
                }
              }
            },
            Flatten(path: "me.org") {
              Fetch(service: "billing") {
                {
                  ... on Org {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Org {
                    members {
                      __typename
                      email
                    }
                  }
                }
              },
            },
            Flatten(path: "me.org.members.@.@") {
              Fetch(service: "accounts") {
                {
                  ... on User {
                    __typename
                    email
                  }
                } =>
                {
                  ... on User {
                    name
                  }
                }
              },
            },
          },
        }
        """
    )


APOLLO_IDENTICAL = [
    ("{ me { id name } }", None),
    ("query Me { me { name reviews { body product { name } } } }", "Me"),
    ("{ me { reviews { product { name stock vendor { title } } } } }", None),
    ("{ users { name reviews { body } plan } }", None),
    ("{ me { org { billingName } plan } }", None),
    ("{ me { reviews { product { stock } } } }", None),
    ("{ me { org { members { name } } } }", None),
]


def test_same_plans_as_apollo() -> None:
    """Apollo's own query planner prints the very same plans for these operations."""
    ours = [plan_text(SUPERGRAPH, query, name) for query, name in APOLLO_IDENTICAL]
    assert ours == apollo_plans(SUPERGRAPH, APOLLO_IDENTICAL)
