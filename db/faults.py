"""Which database errors mean "the connection was lost" rather than "the statement was refused".

A lost connection (the server restarted, ``pg_terminate_backend``, a network cut, a pool connection
that died while idle) leaves the outcome of the statement in doubt; a refused statement (a constraint,
bad input) does not. Only the first kind may be settled by asking again.
"""

from __future__ import annotations

import asyncpg
from sqlalchemy.exc import DBAPIError

# SQLSTATE class 08 is "connection exception"; 57P01-57P03: administrator/crash shutdown, cannot connect now.
LOST_SQLSTATES = frozenset({"57P01", "57P02", "57P03"})


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
        if "connection is closed" in str(cause) or "not yet accepting connections" in str(cause):
            return True
    return False
