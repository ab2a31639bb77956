"""Subgraph isolation: only the router may ask for ``_entities`` and ``_service``.

``_entities`` resolves any entity by key with none of the checks the public root fields make, and
``_service`` reveals the whole subgraph SDL (``@inaccessible`` parts included), so a client that
reaches a subgraph directly must not get them. The router sends a short-lived HS256 service token
(:mod:`servicekit.internal`, header ``X-Marketplace-Service-Token``, subject
``service:router``) with every subgraph request; this Strawberry extension refuses any operation
that selects either field (at the root, directly or through fragments) unless that header holds a
valid router token. Everything else (the public root fields) is untouched.

Add it to a subgraph's schema with the process's internal secret::

    extensions=[router_only_extension(internal_secret(settings.internal_secret, settings.data_dir))]

``enabled=False`` turns the check off (only sensible in development, e.g. to run Apollo's rover
against a subgraph by hand); the secret is shared by every local process through the data folder,
so ``marketplace up`` works with the check on.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from strawberry.extensions import SchemaExtension

from servicekit.errors import MarketplaceError
from servicekit.internal import HEADER, verify_service_token

ROUTER_ONLY_FIELDS = frozenset({"_entities", "_service"})
ROUTER_SERVICE = frozenset({"router"})


def selected_router_only_fields(document: DocumentNode, operation_name: str | None) -> set[str]:
    """The router-only root fields the operation selects (through fragments too)."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [op for op in operations if op.name is not None and op.name.value == operation_name]
    found: set[str] = set()
    seen: set[str] = set()

    def walk(selection_set: SelectionSetNode) -> None:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.name.value in ROUTER_ONLY_FIELDS:
                    found.add(selection.name.value)
            elif isinstance(selection, InlineFragmentNode):
                walk(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
                seen.add(selection.name.value)
                fragment = fragments.get(selection.name.value)
                if fragment is not None:
                    walk(fragment.selection_set)

    for operation in operations:
        walk(operation.selection_set)
    return found


def _headers(context: Any) -> Mapping[str, str]:
    request = getattr(context, "request", None)
    if request is None and isinstance(context, Mapping):
        request = context.get("request")
    headers = getattr(request, "headers", None)
    return headers if headers is not None else {}


class RouterOnlyExtension(SchemaExtension):
    """Refuse ``_entities``/``_service`` without a valid router service token (configure with the factory)."""

    secret: str | None = None
    enabled: bool = True

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if self.enabled and document is not None:
            fields = selected_router_only_fields(document, context.operation_name)
            if fields:
                refusal = self._refusal(_headers(context.context), fields)
                if refusal is not None:
                    context.result = ExecutionResult(data=None, errors=[refusal])
        yield

    def _refusal(self, headers: Mapping[str, str], fields: set[str]) -> GraphQLError | None:
        names = ", ".join(sorted(fields))
        if not self.secret:
            return GraphQLError(
                f"{names} can only be requested by the router (no internal secret is configured).",
                extensions={"code": "FORBIDDEN"},
            )
        try:
            verify_service_token(headers.get(HEADER), self.secret, allowed=ROUTER_SERVICE)
        except MarketplaceError:
            return GraphQLError(f"{names} can only be requested by the router.", extensions={"code": "FORBIDDEN"})
        return None


def router_only_extension(secret: str | None, *, enabled: bool = True) -> type[RouterOnlyExtension]:
    """The extension class for this process: ``secret`` verifies the router's tokens."""
    return type("ConfiguredRouterOnlyExtension", (RouterOnlyExtension,), {"secret": secret, "enabled": enabled})
