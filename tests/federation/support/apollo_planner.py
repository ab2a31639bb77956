"""Apollo's query planner behind our planner interface (``tests/apollo/plan_server.mjs``).

Running our executor on Apollo's own plans separates executor bugs from planner bugs: with these
plans, our Engine must answer exactly as Apollo Gateway does.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from graphql import DocumentNode, print_ast

from router.query_plan import (
    ConditionNode,
    FetchNode,
    FetchRewrite,
    FieldRequirement,
    FlattenNode,
    InlineFragmentRequirement,
    ParallelNode,
    PlanNode,
    QueryPlan,
    Requirement,
    SequenceNode,
)
from tests.federation.support.harness import APOLLO_DIR


class ApolloPlanner:
    def __init__(self, supergraph_sdl: str) -> None:
        self._file = tempfile.NamedTemporaryFile("w", suffix=".graphql", delete=False)  # noqa: SIM115
        self._file.write(supergraph_sdl)
        self._file.close()
        self.process = subprocess.Popen(
            ["node", "plan_server.mjs", self._file.name],
            cwd=APOLLO_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def build_query_plan(self, document: DocumentNode, operation_name: str | None = None) -> QueryPlan:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(json.dumps({"query": print_ast(document), "operationName": operation_name}) + "\n")
        self.process.stdin.flush()
        answer = json.loads(self.process.stdout.readline())
        if "error" in answer:
            raise RuntimeError(f"Apollo's planner failed: {answer['error']}")
        return to_query_plan(answer["plan"])

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        Path(self._file.name).unlink(missing_ok=True)


def to_query_plan(plan: dict[str, Any]) -> QueryPlan:
    node = plan.get("node")
    return QueryPlan(_node(node) if node else None)


def _node(node: dict[str, Any]) -> PlanNode:
    kind = node["kind"]
    if kind == "Sequence":
        return SequenceNode(tuple(_node(n) for n in node["nodes"]))
    if kind == "Parallel":
        return ParallelNode(tuple(_node(n) for n in node["nodes"]))
    if kind == "Flatten":
        inner = _node(node["node"])
        assert isinstance(inner, FetchNode)
        return FlattenNode(tuple(str(p) for p in node["path"]), inner)
    if kind == "Condition":
        return ConditionNode(
            node["condition"],
            _node(node["ifClause"]) if node.get("ifClause") else None,
            _node(node["elseClause"]) if node.get("elseClause") else None,
        )
    if kind == "Fetch":
        return FetchNode(
            service_name=node["serviceName"],
            operation=node["operation"],
            operation_kind="mutation" if node.get("operationKind") == "mutation" else "query",
            operation_name=node.get("operationName"),
            variable_usages=tuple(node.get("variableUsages") or ()),
            requires=tuple(_requirement(r) for r in node.get("requires") or ()),
            input_rewrites=tuple(_rewrite(r) for r in node.get("inputRewrites") or ()),
            output_rewrites=tuple(_rewrite(r) for r in node.get("outputRewrites") or ()),
            id=node.get("id"),
        )
    raise ValueError(f"unsupported Apollo plan node {kind}")


def _requirement(selection: dict[str, Any]) -> Requirement:
    selections = tuple(_requirement(s) for s in selection.get("selections") or ())
    if selection["kind"] == "InlineFragment":
        return InlineFragmentRequirement(selection["typeCondition"], selections)
    return FieldRequirement(selection["name"], selections, selection.get("alias"))


def _rewrite(rewrite: dict[str, Any]) -> FetchRewrite:
    if rewrite["kind"] == "ValueSetter":
        return FetchRewrite(tuple(rewrite["path"]), rewrite["setValueTo"])
    if rewrite["kind"] == "KeyRenamer":
        return FetchRewrite.key_renamer(tuple(rewrite["path"]), rewrite["renameKeyTo"])
    raise ValueError(f"unsupported rewrite {rewrite}")
