"""The planner's modules import each other one way: no cycle in the import graph of
``router/query_planner`` (read with ``ast``; imports under ``TYPE_CHECKING`` and inside functions
count too, since a cycle there is still two modules that must change together)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.router

PACKAGE = "router.query_planner"
ROOT = Path(__file__).resolve().parents[4] / "router" / "query_planner"


def _imports(path: Path) -> set[str]:
    """The modules of the package that ``path`` imports."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:
                base = f"{PACKAGE}.{node.module}" if node.module else PACKAGE
            elif node.level == 0 and node.module:
                base = node.module
            else:
                continue
            if base == PACKAGE:
                found.update(f"{PACKAGE}.{alias.name}" for alias in node.names)
            elif base.startswith(PACKAGE + "."):
                found.add(base)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith(PACKAGE + "."))
    return found


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    modules = {f"{PACKAGE}.{p.stem}": p for p in root.glob("*.py") if p.stem != "__init__"}
    return {name: _imports(path) & modules.keys() for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a list of modules (first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    stack: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        stack.append(module)
        for target in sorted(graph.get(module, ())):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state:
                found = visit(target)
                if found is not None:
                    return found
        stack.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state:
            found = visit(module)
            if found is not None:
                return found
    return None


def test_the_planner_import_graph_has_no_cycle() -> None:
    graph = import_graph()
    assert f"{PACKAGE}.planning_traversal" in graph
    assert f"{PACKAGE}.requirements" in graph[f"{PACKAGE}.planning_traversal"]
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_helpers_sit_below_the_traversal() -> None:
    graph = import_graph()
    for helper in ("feasibility", "reentry", "requirements", "traversal_api"):
        assert f"{PACKAGE}.planning_traversal" not in graph[f"{PACKAGE}.{helper}"], helper


def test_the_cycle_finder_finds_a_cycle(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("from .b import x\n")
    (tmp_path / "b.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .a import y\n")
    (tmp_path / "c.py").write_text("from . import a\n")
    graph = import_graph(tmp_path)
    assert find_cycle(graph) == [f"{PACKAGE}.a", f"{PACKAGE}.b", f"{PACKAGE}.a"]
    assert find_cycle({k: v for k, v in graph.items() if k != f"{PACKAGE}.b"}) is None
