"""Errors the HTTP layer answers with a status code and a GraphQL-shaped body."""

from __future__ import annotations

from typing import Any

ErrorDict = dict[str, Any]


class RequestError(Exception):
    """A request refused before execution: ``status`` and one GraphQL error with ``code``."""

    def __init__(self, status: int, message: str, code: str, **extensions: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.extensions = extensions

    def error(self) -> ErrorDict:
        return {"message": self.message, "extensions": {"code": self.code, **self.extensions}}

    def body(self) -> dict[str, Any]:
        return {"errors": [self.error()]}


def error(message: str, code: str, **extensions: Any) -> ErrorDict:
    return {"message": message, "extensions": {"code": code, **extensions}}


class OperationRefused(Exception):
    """An operation refused before execution with one or more GraphQL errors."""

    def __init__(self, status: int, errors: list[ErrorDict]) -> None:
        super().__init__(errors[0]["message"] if errors else "refused")
        self.status = status
        self.errors = errors

    def body(self) -> dict[str, Any]:
        return {"errors": self.errors}
