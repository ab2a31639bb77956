"""The checks an operation's text passes before the engine sees it: limits, cycles, introspection.

Results are cached by query text (the same bounded LRU idea as the engine's operation cache), so
a repeated query costs one dictionary lookup here.
"""

from __future__ import annotations

import logging
from collections import OrderedDict

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
)

from router.server.config import LimitsConfig
from router.server.errors import ErrorDict, OperationRefused
from router.server.limits import LexicalLimitError, Visits, check_lexical_limits, first_refusal, limit_rules

log = logging.getLogger(__name__)
LIMIT_CODES = frozenset(
    {
        "MAX_DEPTH_LIMIT",
        "MAX_HEIGHT_LIMIT",
        "MAX_ALIASES_LIMIT",
        "MAX_ROOT_FIELDS_LIMIT",
        "MAX_RECURSIVE_SELECTIONS_LIMIT",
        "MAX_DIRECTIVES_LIMIT",
    }
)


def _code(error: GraphQLError) -> str | None:
    code = (error.extensions or {}).get("code")
    return code if isinstance(code, str) else None


def _format(error: GraphQLError, default_code: str) -> ErrorDict:
    formatted: ErrorDict = {"message": error.message}
    if error.locations:
        formatted["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    formatted["extensions"] = {"code": default_code, **(error.extensions or {})}
    return formatted


def _selects_introspection(
    selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode], seen: set[str]
) -> bool:
    Visits.add(len(selection_set.selections))
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode) and selection.name.value in ("__schema", "__type"):
            return True
        if isinstance(selection, InlineFragmentNode) and _selects_introspection(
            selection.selection_set, fragments, seen
        ):
            return True
        if isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
            seen.add(selection.name.value)
            fragment = fragments.get(selection.name.value)
            if fragment is not None and _selects_introspection(fragment.selection_set, fragments, seen):
                return True
    return False


class OperationChecker:
    def __init__(
        self, schema: GraphQLSchema, limits: LimitsConfig, *, introspection: bool, cache_size: int = 1024
    ) -> None:
        self.schema = schema
        self.limits = limits
        self.introspection = introspection
        self.rules = limit_rules(limits)
        self.cache_size = cache_size
        self._cache: OrderedDict[str, DocumentNode | OperationRefused] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def check(self, query: str) -> DocumentNode:
        """The parsed document; :class:`OperationRefused` (400) when a check fails."""
        found = self._cache.get(query)
        if found is None:
            self.misses += 1
            found = self._check(query)
            self._cache[query] = found
            if len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        else:
            self.hits += 1
            self._cache.move_to_end(query)
        if isinstance(found, OperationRefused):
            raise found
        return found

    def _check(self, query: str) -> DocumentNode | OperationRefused:
        limits = self.limits
        try:
            check_lexical_limits(query, max_tokens=limits.parser_max_tokens, max_recursion=limits.parser_max_recursion)
        except LexicalLimitError as lexical:
            extensions: dict[str, object] = {"code": lexical.code}
            if lexical.limit is not None:
                extensions["limit"] = lexical.limit
            return OperationRefused(400, [{"message": lexical.message, "extensions": extensions}])
        try:
            document = parse(query, max_tokens=limits.parser_max_tokens)
        except GraphQLError as error:
            return OperationRefused(400, [_format(error, "GRAPHQL_PARSE_FAILED")])
        errors = first_refusal(document, self.rules, tolerated=lambda e: limits.warn_only and _code(e) in LIMIT_CODES)
        refused = []
        for found in errors:
            if limits.warn_only and _code(found) in LIMIT_CODES:
                log.warning("operation over a limit (warn_only): %s", found.message)
            else:
                refused.append(_format(found, "GRAPHQL_VALIDATION_FAILED"))
        if refused:
            return OperationRefused(400, refused)
        for definition in document.definitions:
            if (
                isinstance(definition, OperationDefinitionNode)
                and self.schema.get_root_type(definition.operation) is None
            ):
                kind = definition.operation.value
                return OperationRefused(
                    400,
                    [
                        {
                            "message": f"The schema has no {kind} type: {kind} operations are not supported.",
                            "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
                        }
                    ],
                )
        if not self.introspection:
            fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
            for definition in document.definitions:
                if isinstance(definition, OperationDefinitionNode) and _selects_introspection(
                    definition.selection_set, fragments, set()
                ):
                    return OperationRefused(
                        400,
                        [
                            {
                                "message": "GraphQL introspection is not allowed by this router "
                                "(__schema and __type are disabled).",
                                "extensions": {"code": "INTROSPECTION_DISABLED"},
                            }
                        ],
                    )
        return document
