from __future__ import annotations

from pathlib import Path

import pytest
from graphql import GraphQLSchema, build_schema

from router.rest import DEFAULT_DIRECTORY, Declaration, load_declarations

CONTRACT = Path(__file__).resolve().parents[2] / "integration" / "rest" / "contract_schema.graphql"


@pytest.fixture(scope="session")
def api_schema() -> GraphQLSchema:
    return build_schema(CONTRACT.read_text())


@pytest.fixture(scope="session")
def declarations(api_schema: GraphQLSchema) -> dict[str, Declaration]:
    return {d.name: d for d in load_declarations(DEFAULT_DIRECTORY, api_schema)}
