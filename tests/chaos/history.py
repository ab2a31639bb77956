"""A Jepsen-style history of the operations a chaos test attempted, and the checks over it.

Every operation is recorded with what the client finally saw (after its one retry): ``ok`` (2xx),
``fail`` (a definite refusal, 4xx) or ``info`` (unknown: 5xx or no answer, the write may or may not
have happened). Invariants are checked over the whole history and the database afterwards.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Operation:
    kind: str  # graphql-read, rest-read, login, order
    started: float
    ended: float = 0.0
    status: int = 0  # the final HTTP status; 0: no answer
    attempts: int = 1
    first_status: int = 0
    key: str | None = None  # an order's Idempotency-Key
    order_id: str | None = None
    quantity: int = 0
    product_id: str | None = None
    error: str = ""
    first_error: str = ""  # what went wrong at the first attempt, if it got no answer

    @property
    def outcome(self) -> str:
        if 200 <= self.status < 300:
            return "ok"
        if 400 <= self.status < 500 and self.status != 429:
            return "fail"
        return "info"


@dataclass
class History:
    operations: list[Operation] = field(default_factory=list)

    def add(self, operation: Operation) -> None:
        self.operations.append(operation)

    def of(self, kind: str) -> list[Operation]:
        return [op for op in self.operations if op.kind == kind]

    @property
    def requests(self) -> int:
        return sum(op.attempts for op in self.operations)

    def failed(self, *kinds: str) -> list[Operation]:
        """Operations of these kinds that did not succeed even after the client's retry."""
        return [op for op in self.operations if op.kind in kinds and op.outcome != "ok"]

    def retried(self) -> int:
        return sum(1 for op in self.operations if op.attempts > 1)

    def non_2xx_seen(self) -> int:
        """Answers that were not 2xx at the first attempt (what a client without a retry would see)."""
        return sum(1 for op in self.operations if not 200 <= op.first_status < 300)

    def non_2xx_answers(self) -> list[Operation]:
        """Operations whose first attempt got an HTTP answer that was not 2xx (a connection closed
        before any answer, e.g. a reused keep-alive connection the server had just closed, is not one)."""
        return [op for op in self.operations if op.first_status and not 200 <= op.first_status < 300]

    def unanswered_first(self) -> int:
        return sum(1 for op in self.operations if op.first_status == 0)

    def accepted_orders(self) -> dict[str, Operation]:
        return {op.order_id: op for op in self.of("order") if op.outcome == "ok" and op.order_id}

    def summary(self) -> str:
        outcomes = Counter((op.kind, op.outcome) for op in self.operations)
        parts = [f"{kind} {outcome} {count}" for (kind, outcome), count in sorted(outcomes.items())]
        statuses = Counter(op.status for op in self.operations if op.outcome != "ok")
        return (
            f"operations {len(self.operations)}, requests {self.requests}, retried {self.retried()}, "
            f"non-2xx at first try {self.non_2xx_seen()} | "
            + ", ".join(parts)
            + f" | not ok by status {dict(statuses)}"
        )
