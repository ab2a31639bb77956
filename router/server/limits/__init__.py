"""Request limits checked before the engine validates and plans an operation.

Lexical limits (tokens, nesting) run on the raw text before parsing; operation limits (depth,
height, aliases, root fields, recursive selections, directives) are graphql-core validation rules,
one per module, run after graphql-core's fragment-cycle rule and before the full validation. Each
walk expands a fragment at most once (memoised counts), so every check costs time linear in the
document's size, and a hostile operation never reaches the planner.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    NoFragmentCyclesRule,
    OperationDefinitionNode,
    visit,
)
from graphql.validation import ASTValidationContext

from router.server.config import LimitsConfig
from router.server.limits._walk import LimitRule, Visits
from router.server.limits.aliases import MaxAliasesRule
from router.server.limits.depth import MaxDepthRule
from router.server.limits.directives import MaxDirectivesRule
from router.server.limits.height import MaxHeightRule
from router.server.limits.lexical import LexicalLimitError, check_lexical_limits
from router.server.limits.root_fields import MaxRootFieldsRule
from router.server.limits.selections import MaxRecursiveSelectionsRule

__all__ = [
    "LexicalLimitError",
    "MaxAliasesRule",
    "MaxDepthRule",
    "MaxDirectivesRule",
    "MaxHeightRule",
    "MaxRecursiveSelectionsRule",
    "MaxRootFieldsRule",
    "Visits",
    "check_lexical_limits",
    "first_refusal",
    "limit_rules",
]


def limit_rules(limits: LimitsConfig) -> list[type[ASTValidationRule]]:
    """The pre-validation rules for ``limits``: fragment cycles first, then each configured limit.

    The order is the order :class:`~router.server.operation_check.OperationChecker` runs them in,
    stopping at the first refusal: the total count of selections comes right after cycles, so
    every later walk (and graphql-core's full validation, and the authorization filter) works on
    an operation whose expanded size is already bounded.
    """
    rules: list[type[ASTValidationRule]] = [NoFragmentCyclesRule]
    if limits.max_recursive_selections is not None:
        rules.append(MaxRecursiveSelectionsRule.with_limit(limits.max_recursive_selections))
    if limits.max_depth is not None:
        rules.append(MaxDepthRule.with_limit(limits.max_depth))
    if limits.max_height is not None:
        rules.append(MaxHeightRule.with_limit(limits.max_height))
    if limits.max_aliases is not None:
        rules.append(MaxAliasesRule.with_limit(limits.max_aliases))
    if limits.max_root_fields is not None:
        rules.append(MaxRootFieldsRule.with_limit(limits.max_root_fields))
    if limits.max_directives is not None:
        rules.append(MaxDirectivesRule.with_limit(limits.max_directives))
    return rules


def first_refusal(
    document: DocumentNode,
    rules: Sequence[type[ASTValidationRule]],
    *,
    tolerated: Callable[[GraphQLError], bool] = lambda _error: False,
) -> list[GraphQLError]:
    """The errors of the first rule that refuses ``document`` (empty when every rule accepts it).

    Rules run one after the other, not side by side as in ``graphql.validate``: once one refuses,
    the later (possibly costlier) walks never start. A limit rule is called on each operation
    directly, without a visitor over the whole tree. ``tolerated`` errors (limits in
    ``warn_only`` mode) are returned with the rest only when nothing else refuses.
    """
    errors: list[GraphQLError] = []
    context = ASTValidationContext(document, errors.append)
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = [d for d in document.definitions if isinstance(d, FragmentDefinitionNode)]
    tolerated_errors: list[GraphQLError] = []
    for rule in rules:
        instance = rule(context)
        if isinstance(instance, LimitRule):
            for operation in operations:
                instance.enter_operation_definition(operation)
        elif isinstance(instance, NoFragmentCyclesRule):
            # Only fragment definitions matter to it: no need to visit every node of the operations.
            for fragment in fragments:
                instance.enter_fragment_definition(fragment)
        else:
            visit(document, instance)
        if errors:
            if not all(tolerated(e) for e in errors):
                return errors
            tolerated_errors.extend(errors)
            errors.clear()
    return tolerated_errors
