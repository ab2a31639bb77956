"""The error tree shared by every subgraph (and the router's REST layer).

Each error carries the ``extensions.code`` of the API contract. graphql-core copies an original
exception's ``extensions`` onto the GraphQL error it builds, so raising one of these in a resolver
is all a service does; :class:`ErrorCodesExtension` masks anything else as ``INTERNAL_SERVER_ERROR``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    BAD_USER_INPUT = "BAD_USER_INPUT"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    RATE_LIMITED = "RATE_LIMITED"
    UNAVAILABLE = "UNAVAILABLE"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"


class MarketplaceError(Exception):
    """Base of every expected error; ``extensions`` is what clients see beside the message."""

    code: ErrorCode = ErrorCode.INTERNAL_SERVER_ERROR
    default_message = "internal server error"

    def __init__(self, message: str | None = None, **details: Any) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)
        self.extensions: dict[str, Any] = {"code": self.code.value, **details}


class BadUserInput(MarketplaceError):
    """Input that fails validation. ``field`` names the offending input field when there is one."""

    code = ErrorCode.BAD_USER_INPUT
    default_message = "invalid input"

    def __init__(self, message: str | None = None, *, field: str | None = None, **details: Any) -> None:
        if field is not None:
            details["field"] = field
        super().__init__(message, **details)


class Unauthenticated(MarketplaceError):
    code = ErrorCode.UNAUTHENTICATED
    default_message = "authentication required"


class Forbidden(MarketplaceError):
    code = ErrorCode.FORBIDDEN
    default_message = "not allowed"


class NotFound(MarketplaceError):
    code = ErrorCode.NOT_FOUND
    default_message = "not found"


class Conflict(MarketplaceError):
    code = ErrorCode.CONFLICT
    default_message = "conflict with the current state"


class RateLimited(MarketplaceError):
    """Too many attempts; ``retry_after`` seconds is also exposed as ``extensions.retryAfter``."""

    code = ErrorCode.RATE_LIMITED
    default_message = "too many attempts, try again later"

    def __init__(self, message: str | None = None, *, retry_after: int, **details: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, retryAfter=retry_after, **details)


class Unavailable(MarketplaceError):
    code = ErrorCode.UNAVAILABLE
    default_message = "service temporarily unavailable"
