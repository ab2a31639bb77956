"""Document validation for the router: graphql-core's specified rules, with our linear-time
overlapping-fields rule in place of graphql-core's quadratic one (see :mod:`.overlap`).

Every place the router validates an operation (the engine, subscriptions, REST declarations, the
``plan`` command) calls :func:`validate` from here, so they all refuse the same documents.
"""

from __future__ import annotations

from graphql import DocumentNode, GraphQLError, GraphQLSchema, OverlappingFieldsCanBeMergedRule, specified_rules
from graphql import validate as graphql_validate
from graphql.validation import ASTValidationRule

from router.validation.overlap import OverlappingFieldsRule

__all__ = ["RULES", "validate"]

RULES: tuple[type[ASTValidationRule], ...] = tuple(
    OverlappingFieldsRule if rule is OverlappingFieldsCanBeMergedRule else rule for rule in specified_rules
)


def validate(
    schema: GraphQLSchema,
    document: DocumentNode,
    *,
    max_errors: int | None = None,
    hide_suggestions: bool = False,
) -> list[GraphQLError]:
    """``graphql.validate`` with :data:`RULES` (same arguments, same errors apart from the rule swapped)."""
    return graphql_validate(schema, document, RULES, max_errors=max_errors, hide_suggestions=hide_suggestions)
