"""The orders subgraph's request context: the caller, the service dependencies and the loaders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from subgraphs.common.auth import TokenVerifier
from subgraphs.common.context import RequestContext, authenticate
from subgraphs.orders.loaders import OrderLoaders, build_loaders
from subgraphs.orders.service.orders import OrdersDeps


@dataclass
class OrdersContext(RequestContext):
    deps: OrdersDeps | None = None
    loaders: OrderLoaders | None = None

    @property
    def orders(self) -> OrdersDeps:
        assert self.deps is not None, "the orders app is not started"
        return self.deps

    @property
    def order_loaders(self) -> OrderLoaders:
        assert self.loaders is not None, "the orders app is not started"
        return self.loaders


async def build_context(request: Request, response: Any, verifier: TokenVerifier, deps: OrdersDeps) -> OrdersContext:
    principal, error = await authenticate(request, verifier)
    return OrdersContext(
        request=request,
        response=response,
        principal=principal,
        auth_error=error,
        deps=deps,
        loaders=build_loaders(deps.sessions),
    )
