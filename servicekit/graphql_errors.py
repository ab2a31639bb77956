"""A Strawberry extension that gives every error an ``extensions.code``.

Errors raised as :class:`MarketplaceError` keep their code and message. Validation errors get
``GRAPHQL_VALIDATION_FAILED`` (in production without their "Did you mean" suggestions). A lost
database connection is ``UNAVAILABLE`` (retryable, 503 in REST), never an internal error. Anything
else is unexpected: Strawberry logs it with its traceback (client errors are turned into one INFO
line by :class:`servicekit.observability.ClientErrorsAtInfo`) and, in production, its message is
replaced so that internals never reach a client.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from servicekit.db_faults import is_connection_loss
from servicekit.errors import ErrorCode, MarketplaceError
from servicekit.suggestions import without_suggestions

log = logging.getLogger(__name__)


def with_code(error: GraphQLError, *, mask: bool) -> GraphQLError:
    extensions = dict(error.extensions or {})
    if "code" in extensions:
        return error
    original = error.original_error
    if original is None:
        extensions["code"] = "GRAPHQL_VALIDATION_FAILED"
        message = without_suggestions(error.message) if mask else error.message
    elif isinstance(original, MarketplaceError):
        extensions.update(original.extensions)
        message = original.message
    elif is_connection_loss(original):
        # The database went away under the request (restart, failover, a terminated backend): the
        # pool has dropped the connection, so the same request a moment later works. Say so.
        log.warning("database connection lost during a request: %s", type(original).__name__)
        extensions["code"] = ErrorCode.UNAVAILABLE.value
        message = "the database connection was lost; retry the request"
    else:
        extensions["code"] = ErrorCode.INTERNAL_SERVER_ERROR.value
        message = "internal server error" if mask else error.message
    return GraphQLError(message, nodes=error.nodes, path=error.path, original_error=original, extensions=extensions)


class ErrorCodesExtension(SchemaExtension):
    """Attach ``extensions.code`` to every error; mask unexpected ones when ``mask`` is set."""

    mask: bool = False

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [with_code(error, mask=self.mask) for error in result.errors]


def error_codes_extension(*, mask: bool) -> type[ErrorCodesExtension]:
    """The extension class configured for this process (production masks unexpected errors)."""
    return type("ConfiguredErrorCodesExtension", (ErrorCodesExtension,), {"mask": mask})
