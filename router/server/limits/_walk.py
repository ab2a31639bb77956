"""Shared helpers of the operation-limit rules."""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from graphql import ASTValidationRule, GraphQLError, OperationDefinitionNode

R = TypeVar("R", bound="LimitRule")
INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})


class LimitRule(ASTValidationRule):
    """A rule with an integer ``limit``; :meth:`with_limit` makes a configured subclass."""

    limit: ClassVar[int] = 0
    code: ClassVar[str] = ""
    what: ClassVar[str] = ""

    @classmethod
    def with_limit(cls: type[R], limit: int) -> type[R]:
        return type(cls.__name__, (cls,), {"limit": limit})

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
        raise NotImplementedError()

    def refuse(self, node: OperationDefinitionNode, measured: str) -> None:
        name = f" {node.name.value!r}" if node.name else ""
        self.report_error(
            GraphQLError(
                f"Maximum {self.what} limit exceeded in operation{name}: {measured}, limit {self.limit}.",
                node,
                extensions={"code": self.code, "limit": self.limit},
            )
        )


class Visits:
    """How many selections the limit walks have visited since the last :meth:`reset`.

    One integer add per selection: tests and ``bench/limits.py`` read it to show that the checks
    cost a number of steps proportional to the document's size, whatever its fragments do.
    """

    count: ClassVar[int] = 0

    @classmethod
    def add(cls, n: int = 1) -> None:
        cls.count += n

    @classmethod
    def reset(cls) -> int:
        count, cls.count = cls.count, 0
        return count


class LimitReached(Exception):
    """Raised inside a walk to stop as soon as the limit is passed."""


def operation_node(node: Any) -> OperationDefinitionNode:
    assert isinstance(node, OperationDefinitionNode)
    return node
