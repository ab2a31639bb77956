"""Per-request context shared by the subgraphs: who is calling, and the request it came with.

The bearer token is verified once per request, when the context is built. A bad token does not
fail the whole request: it is kept as ``auth_error`` and raised by the first resolver that needs a
caller, so public fields still answer and protected ones say precisely what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from servicekit.auth import Principal, TokenVerifier, bearer_token
from servicekit.errors import Forbidden, MarketplaceError, Unauthenticated
from servicekit.internal import HEADER, client_address


@dataclass
class RequestContext:
    request: Request
    response: Any = None
    principal: Principal | None = None
    auth_error: MarketplaceError | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    # The internal secret, to read the client's address from the router's token (None: the peer).
    internal_secret: str | None = None

    @property
    def request_id(self) -> str:
        return str(self.request.scope.get("state", {}).get("request_id", "-"))

    @property
    def client_address(self) -> str:
        """The caller's address: from the router's signed service token, else the TCP peer (see
        :func:`servicekit.internal.client_address`); computed once per request."""
        found = self.extras.get("client_address")
        if found is None:
            peer = self.request.client.host if self.request.client else None
            token = self.request.headers.get(HEADER)
            found = self.extras["client_address"] = client_address(token, self.internal_secret, peer)
        return str(found)

    def require_principal(self) -> Principal:
        if self.auth_error is not None:
            raise self.auth_error
        if self.principal is None:
            raise Unauthenticated()
        return self.principal

    def require_self_or_admin(self, user_id: str) -> Principal:
        principal = self.require_principal()
        if not principal.can_act_for(user_id):
            raise Forbidden("you may only act on your own account")
        return principal


async def authenticate(request: Request, verifier: TokenVerifier) -> tuple[Principal | None, MarketplaceError | None]:
    """Verify the request's bearer token, if any, without raising."""
    try:
        token = bearer_token(request.headers.get("authorization"))
        if token is None:
            return None, None
        return await verifier.verify(token), None
    except MarketplaceError as error:
        return None, error
