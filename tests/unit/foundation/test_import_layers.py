"""The import layers, checked over every import statement of the repository (function-level and
``TYPE_CHECKING`` imports included):

- the router's engine (every part of ``router/`` but its HTTP layers: compose, supergraph, query
  planner, execution, validation and the modules at the top of ``router/``) imports nothing of the
  marketplace: no ``servicekit``, ``db``, ``subgraphs``, ``marketplace``, nor the router's own HTTP
  layers (``router.server``, ``router.rest``);
- the router's HTTP layers (``router.server``, ``router.rest``, the ``router`` CLI) import only
  ``servicekit`` of the marketplace;
- the shared layers import no service, no router, no launcher, and ``servicekit`` not ``db`` either;
- the subgraphs never import the router;
- nothing but the launcher itself and the tests imports the launcher (``marketplace``).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.foundation

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("router", "servicekit", "db", "subgraphs", "marketplace", "bench", "tests")
MARKETPLACE = ("servicekit", "db", "subgraphs", "marketplace")
HTTP = ("router.server", "router.rest", "router.cli", "router.__main__")


def engine_modules() -> tuple[str, ...]:
    """Every module and package directly under ``router/`` that is not one of its HTTP layers: a new
    part of the router belongs to the engine (and is held to its rule) unless it is added to ``HTTP``."""
    names = {
        f"router.{path.stem}"
        for path in (ROOT / "router").iterdir()
        # packages, namespace ones (no __init__.py, as router/execution) included
        if (path.suffix == ".py" and path.stem != "__init__") or (path.is_dir() and any(path.glob("*.py")))
    }
    return tuple(sorted(name for name in names if name not in HTTP))


ENGINE = engine_modules()

# (importers, what they must not import)
RULES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (ENGINE, (*MARKETPLACE, "router.server", "router.rest")),
    (HTTP, ("db", "subgraphs", "marketplace")),
    (("servicekit",), ("db", "subgraphs", "router", "marketplace")),
    (("db",), ("subgraphs", "router", "marketplace")),
    (("subgraphs",), ("router", "marketplace")),
    (("router", "bench"), ("marketplace",)),
)


@dataclass(frozen=True)
class Edge:
    importer: str
    imported: str
    where: str

    def __str__(self) -> str:
        return f"{self.where}: {self.importer} imports {self.imported}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> Iterator[Edge]:
    importer = module_name(path)
    package = importer if path.name == "__init__.py" else importer.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Edge(importer, alias.name, where)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            yield Edge(importer, target, where)
            for alias in node.names:  # ``from router import server`` imports router.server
                yield Edge(importer, f"{target}.{alias.name}", where)


def all_imports() -> list[Edge]:
    edges: list[Edge] = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "node_modules" not in path.parts:
                edges.extend(imports_of(path))
    return edges


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


@pytest.fixture(scope="module")
def edges() -> list[Edge]:
    return all_imports()


def test_the_engine_is_every_part_of_the_router_but_its_http_layers() -> None:
    assert {
        "router.compose",
        "router.supergraph",
        "router.query_planner",
        "router.execution",
        "router.validation",
        "router.engine",
        "router.plan_cli",
    } <= set(ENGINE)
    assert not any(within(name, HTTP) for name in ENGINE)


def test_the_scan_sees_the_imports_it_must_judge(edges: list[Edge]) -> None:
    """The rules below are only as good as the scan: it must see the known cross-package imports,
    function-level and relative ones included."""
    seen = {(edge.importer, edge.imported) for edge in edges}
    assert ("router.server.app", "router.rest") in seen  # from router.rest import ...
    assert ("router.display", "router.query_plan") in seen  # from .query_plan import ... (relative)
    assert any(e.importer.startswith("router.server") and within(e.imported, ("servicekit",)) for e in edges)
    assert ("marketplace.cli", "marketplace.up") in seen  # inside a function
    assert len(edges) > 1000


@pytest.mark.parametrize(("importers", "forbidden"), RULES, ids=lambda value: "+".join(value))
def test_import_layers(edges: list[Edge], importers: tuple[str, ...], forbidden: tuple[str, ...]) -> None:
    violations = [str(e) for e in edges if within(e.importer, importers) and within(e.imported, forbidden)]
    assert violations == [], "\n".join(violations)


def test_a_router_process_loads_no_database_or_subgraph_library() -> None:
    """A killed router serves again sooner when its start imports only what it runs: SQLAlchemy and
    Strawberry (about half of the start's import time) belong to the subgraphs, not the router."""
    probe = (
        "import sys, router.server.app, router.cli;"
        "print(','.join(sorted(m for m in ('sqlalchemy', 'strawberry', 'asyncpg', 'alembic') if m in sys.modules)))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == ""
