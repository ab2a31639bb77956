"""Which database errors mean "the connection was lost" rather than "the statement was refused".

A lost connection (the server restarted, ``pg_terminate_backend``, a network cut, a pool connection
that died while idle) leaves the outcome of the statement in doubt; a refused statement (a constraint,
bad input) does not. Only the first kind may be settled by asking again.

:func:`mark_lost_connections_as_disconnects` teaches an engine the same: SQLAlchemy then drops such a
connection from its pool (and pre-ping replaces it) instead of handing it out again.
"""

from __future__ import annotations

import asyncpg
from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

# SQLSTATE class 08 is "connection exception"; 57P01-57P03: administrator/crash shutdown, cannot connect
# now; 53300: too many connections (no connection was made: as retryable as a server that restarts).
LOST_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300"})
LOST_MESSAGES = (
    "connection is closed",
    "connection was closed",
    "not yet accepting connections",
    "too many clients already",
    # asyncpg, on a connection the server terminated while it was idle in the pool: its protocol is
    # left mid-state and every later use fails with this. The connection is dead, not busy.
    "another operation",
)


def _causes(error: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def is_connection_loss(error: BaseException) -> bool:
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    for cause in _causes(error):
        if isinstance(cause, (OSError, asyncpg.exceptions.ConnectionDoesNotExistError, asyncpg.InterfaceError)):
            return True
        sqlstate = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
        if isinstance(sqlstate, str) and (sqlstate.startswith("08") or sqlstate in LOST_SQLSTATES):
            return True
        message = str(cause)
        if any(sign in message for sign in LOST_MESSAGES):
            return True
    return False


def mark_lost_connections_as_disconnects(engine: AsyncEngine) -> None:
    """Make the pool invalidate a connection on any lost-connection error, pre-ping included."""

    @event.listens_for(engine.sync_engine, "handle_error")
    def _lost(context: ExceptionContext) -> None:
        if not context.is_disconnect and is_connection_loss(context.original_exception):
            context.is_disconnect = True
