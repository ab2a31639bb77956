"""Named and inline fragments, aliases, __typename, variables with defaults, @skip/@include."""

from __future__ import annotations

import pytest

from tests.unit.router.planner.support import apollo_plans, compose, expected, plan_text

pytestmark = pytest.mark.router

SUBGRAPHS = {
    "accounts": """
        type Query { me: User user(id: ID!): User }
        type User @key(fields: "id") { id: ID! name: String email: String }
    """,
    "reviews": """
        type User @key(fields: "id") { id: ID! reviews(first: Int = 3): [Review] }
        type Review { body: String stars: Int }
    """,
}

SUPERGRAPH = compose(SUBGRAPHS)


def test_named_fragments_are_inlined() -> None:
    plan = plan_text(
        SUPERGRAPH,
        "query Me { me { ...UserParts } } fragment UserParts on User { name ...More }"
        " fragment More on User { reviews { body } }",
        "Me",
    )
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
                    }
                  }
                }
              },
            },
          },
        }
        """
    )


def test_aliases_and_typename_are_kept() -> None:
    plan = plan_text(
        SUPERGRAPH, "{ me { who: name t: __typename r1: reviews(first: 1) { body } r2: reviews(first: 2) { stars } } }"
    )
    assert plan == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "accounts") {
              {
                me {
                  __typename
                  id
                  who: name
                  t: __typename
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
                    r1: reviews(first: 1) {
                      body
                    }
                    r2: reviews(first: 2) {
                      stars
                    }
                  }
                }
              },
            },
          },
        }
        """
    )


def test_include_on_field_in_separate_fetch_is_a_condition() -> None:
    plan = plan_text(SUPERGRAPH, "query($x: Boolean!) { me { name reviews @include(if: $x) { body } } }")
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
            Include(if: $x) {
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
                      }
                    }
                  }
                },
              }
            },
          },
        }
        """
    )


def test_skip_on_fragment_guarding_a_fetch() -> None:
    plan = plan_text(SUPERGRAPH, "query($x: Boolean = false) { me { name ... @skip(if: $x) { reviews { body } } } }")
    assert plan == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "accounts") {
              {
                me {
                  name
                  ... @skip(if: $x) {
                    __typename
                    id
                  }
                }
              }
            },
            Skip(if: $x) {
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
                      }
                    }
                  }
                },
              }
            },
          },
        }
        """
    )


def test_directive_passed_through_when_fetch_is_shared() -> None:
    plan = plan_text(SUPERGRAPH, "query($x: Boolean!) { me { name email @include(if: $x) reviews { body } } }")
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
                  email @include(if: $x)
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
                    }
                  }
                }
              },
            },
          },
        }
        """
    )


def test_literal_conditions_are_evaluated() -> None:
    plan = plan_text(
        SUPERGRAPH, "{ me { name @skip(if: true) email @include(if: true) reviews @include(if: false) { body } } }"
    )
    assert plan == expected(
        """
        QueryPlan {
          Fetch(service: "accounts") {
            {
              me {
                email
              }
            }
          },
        }
        """
    )


def test_variables_with_defaults_are_declared() -> None:
    plan = plan_text(
        SUPERGRAPH, 'query Q($id: ID! = "1", $n: Int = 2) { user(id: $id) { name reviews(first: $n) { body } } }', "Q"
    )
    assert plan == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "accounts") {
              {
                user(id: $id) {
                  __typename
                  id
                  name
                }
              }
            },
            Flatten(path: "user") {
              Fetch(service: "reviews") {
                {
                  ... on User {
                    __typename
                    id
                  }
                } =>
                {
                  ... on User {
                    reviews(first: $n) {
                      body
                    }
                  }
                }
              },
            },
          },
        }
        """
    )


def test_only_typename_needs_no_fetch() -> None:
    plan = plan_text(SUPERGRAPH, "{ __typename }")
    assert plan == expected(
        """
        QueryPlan {}
        """
    )


APOLLO_IDENTICAL = [
    (
        "query Me { me { ...UserParts } } fragment UserParts on User { name ...More }"
        " fragment More on User { reviews { body } }",
        "Me",
    ),
    ("{ me { who: name t: __typename r1: reviews(first: 1) { body } r2: reviews(first: 2) { stars } } }", None),
    ("query($x: Boolean!) { me { name reviews @include(if: $x) { body } } }", None),
    ("query($x: Boolean = false) { me { name ... @skip(if: $x) { reviews { body } } } }", None),
    ("query($x: Boolean!) { me { name email @include(if: $x) reviews { body } } }", None),
    ('query Q($id: ID! = "1", $n: Int = 2) { user(id: $id) { name reviews(first: $n) { body } } }', "Q"),
    ("{ __typename }", None),
]


def test_same_plans_as_apollo() -> None:
    """Apollo's own query planner prints the very same plans for these operations."""
    ours = [plan_text(SUPERGRAPH, query, name) for query, name in APOLLO_IDENTICAL]
    assert ours == apollo_plans(SUPERGRAPH, APOLLO_IDENTICAL)
