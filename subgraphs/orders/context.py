"""The orders subgraph's request context: the caller, the service dependencies and the loaders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from servicekit.auth import Principal, bearer_token
from servicekit.context import RequestContext
from servicekit.errors import MarketplaceError
from subgraphs.orders.changes import OrderChanges
from subgraphs.orders.loaders import OrderLoaders, build_loaders
from subgraphs.orders.service.orders import OrdersDeps
from subgraphs.orders.tokens import VerifiedTokens


@dataclass
class OrdersContext(RequestContext):
    deps: OrdersDeps | None = None
    loaders: OrderLoaders | None = None
    # Subscriptions: the process's change hub, the token verifier (a WebSocket client may send its
    # token in connection_init) and that payload, which Strawberry sets on the context.
    changes: OrderChanges | None = None
    tokens: VerifiedTokens | None = None
    connection_params: dict[str, Any] | None = None

    @property
    def orders(self) -> OrdersDeps:
        assert self.deps is not None, "the orders app is not started"
        return self.deps

    @property
    def order_loaders(self) -> OrderLoaders:
        assert self.loaders is not None, "the orders app is not started"
        return self.loaders


async def authenticate(request: Request, tokens: VerifiedTokens) -> tuple[Principal | None, MarketplaceError | None]:
    """Like :func:`servicekit.context.authenticate`, through the verified-token cache."""
    try:
        token = bearer_token(request.headers.get("authorization"))
        if token is None:
            return None, None
        return await tokens.verify(token), None
    except MarketplaceError as error:
        return None, error


async def build_context(
    request: Request, response: Any, tokens: VerifiedTokens, deps: OrdersDeps, changes: OrderChanges | None = None
) -> OrdersContext:
    principal, error = await authenticate(request, tokens)
    return OrdersContext(
        request=request,
        response=response,
        principal=principal,
        auth_error=error,
        deps=deps,
        loaders=build_loaders(deps.sessions),
        changes=changes,
        tokens=tokens,
    )
