"""Request limits checked before the engine validates and plans an operation.

Lexical limits (tokens, nesting) run on the raw text before parsing; operation limits (depth,
height, aliases, root fields, recursive selections) are graphql-core validation rules, one per
module, run together with graphql-core's fragment-cycle rule before the full validation, so a
hostile operation costs one cheap pass and never reaches the planner.
"""

from __future__ import annotations

from graphql import ASTValidationRule, NoFragmentCyclesRule

from router.server.config import LimitsConfig
from router.server.limits.aliases import MaxAliasesRule
from router.server.limits.depth import MaxDepthRule
from router.server.limits.height import MaxHeightRule
from router.server.limits.lexical import LexicalLimitError, check_lexical_limits
from router.server.limits.root_fields import MaxRootFieldsRule
from router.server.limits.selections import MaxRecursiveSelectionsRule

__all__ = [
    "LexicalLimitError",
    "MaxAliasesRule",
    "MaxDepthRule",
    "MaxHeightRule",
    "MaxRecursiveSelectionsRule",
    "MaxRootFieldsRule",
    "check_lexical_limits",
    "limit_rules",
]


def limit_rules(limits: LimitsConfig) -> list[type[ASTValidationRule]]:
    """The pre-validation rules for ``limits``: fragment cycles first, then each configured limit."""
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
    return rules
