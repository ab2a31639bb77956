"""The products subgraph's SDL, compared with the reviewed snapshot, and composed by Apollo.

After an intended schema change, refresh the snapshot with
``uv run python -c "from subgraphs.products.schema import schema; print(schema.as_str())" \
> tests/unit/products/products.graphql`` and review the diff.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from graphql import build_schema

from subgraphs.products.schema import schema

pytestmark = pytest.mark.products

HERE = Path(__file__).parent
APOLLO = HERE.parents[1] / "apollo"
USERS_STUB = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Query { me: User }
type User @key(fields: "id") { id: ID! email: String! }
"""


def test_sdl_matches_the_snapshot() -> None:
    assert schema.as_str() + "\n" == (HERE / "products.graphql").read_text()


def test_internal_operations_are_inaccessible() -> None:
    sdl = schema.as_str()
    for line in sdl.splitlines():
        if line.strip().startswith(("reserveStock(", "releaseStock(")):
            assert line.rstrip().endswith("@inaccessible"), line
    for name in ("StockReservation", "StockReservationLine", "StockReservationItemInput", "StockReservationStatus"):
        assert any(
            line.startswith(("type ", "input ", "enum ")) and f" {name} @inaccessible" in line
            for line in sdl.splitlines()
        ), name


def test_apollo_composes_it_with_a_users_subgraph() -> None:
    node = shutil.which("node")
    assert node is not None, "node is required for the Apollo composition check"
    services = [
        {"name": "products", "url": "http://127.0.0.1:4002/graphql", "sdl": schema.as_str()},
        {"name": "users", "url": "http://127.0.0.1:4001/graphql", "sdl": USERS_STUB},
    ]
    result = subprocess.run(
        [node, str(APOLLO / "compose.mjs")],
        input=json.dumps(services),
        capture_output=True,
        text=True,
        cwd=APOLLO,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    supergraph = build_schema(result.stdout, assume_valid_sdl=True)
    mutation = supergraph.mutation_type
    assert mutation is not None
    reserve = mutation.fields["reserveStock"]
    assert reserve.ast_node is not None
    assert "inaccessible" in {directive.name.value for directive in reserve.ast_node.directives}
