"""Client errors are one INFO line; unexpected errors stay at ERROR with their traceback."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import strawberry
from strawberry.federation import Schema

from servicekit.errors import Conflict, Unauthenticated
from servicekit.graphql_errors import error_codes_extension
from servicekit.observability import ClientErrorsAtInfo


@strawberry.type
class Query:
    @strawberry.field
    def wrong_password(self) -> str:
        raise Unauthenticated("invalid credentials")

    @strawberry.field
    def taken(self) -> str:
        raise Conflict("email already registered")

    @strawberry.field
    def bug(self) -> str:
        raise KeyError("internal detail")


SCHEMA = Schema(query=Query, extensions=[error_codes_extension(mask=True)])


@pytest.fixture
def records(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    logger = logging.getLogger("strawberry.execution")
    log_filter = ClientErrorsAtInfo()
    logger.addFilter(log_filter)
    caplog.set_level(logging.INFO)
    yield caplog
    logger.removeFilter(log_filter)


@pytest.mark.parametrize("query", ["{ wrongPassword }", "{ taken }", "{ nope }", "{ taken(x: 1) }"])
def test_client_errors_are_one_info_line(records: pytest.LogCaptureFixture, query: str) -> None:
    assert SCHEMA.execute_sync(query).errors
    logged = [r for r in records.records if r.name == "strawberry.execution"]
    assert logged
    for record in logged:
        assert record.levelno == logging.INFO
        assert record.exc_info is None
        assert "\n" not in record.getMessage()
        assert record.getMessage().startswith("client error ")


def test_an_unexpected_error_stays_at_error_with_its_traceback(records: pytest.LogCaptureFixture) -> None:
    result = SCHEMA.execute_sync("{ bug }")
    assert result.errors
    assert result.errors[0].message == "internal server error"
    logged = [r for r in records.records if r.name == "strawberry.execution"]
    assert [r.levelno for r in logged] == [logging.ERROR]
    assert logged[0].exc_info is not None
