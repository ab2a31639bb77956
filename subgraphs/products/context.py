"""The request context of the products subgraph: caller, database routing, loaders, service token."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from servicekit.auth import TokenVerifier
from servicekit.context import RequestContext, authenticate
from servicekit.internal import HEADER, verify_service_token
from subgraphs.products.database import ProductsDatabase, ReadRouting
from subgraphs.products.loaders import Loaders

READ_SOURCE_HEADER = "X-Marketplace-Read-Source"


@dataclass(kw_only=True)
class ProductsContext(RequestContext):
    db: ProductsDatabase
    routing: ReadRouting
    loaders: Loaders
    internal_secret: str = field(repr=False)
    reservation_services: frozenset[str]

    def require_service(self) -> str:
        """The calling service's name when it presented a valid token of an allowed service."""
        token = self.request.headers.get(HEADER)
        return verify_service_token(token, self.internal_secret, allowed=self.reservation_services)


async def build_context(
    request: Request,
    response: Any,
    *,
    db: ProductsDatabase,
    verifier: TokenVerifier,
    internal_secret: str,
    reservation_services: frozenset[str],
) -> ProductsContext:
    principal, auth_error = await authenticate(request, verifier)
    routing = ReadRouting(user_id=principal.user_id if principal else None)
    return ProductsContext(
        request=request,
        response=response,
        principal=principal,
        auth_error=auth_error,
        db=db,
        routing=routing,
        loaders=Loaders(db, routing),
        internal_secret=internal_secret,
        reservation_services=reservation_services,
    )
