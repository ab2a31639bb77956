"""Our composition against Apollo's (``@apollo/composition`` via node): for every valid subgraph set the
API schema, the join metadata and the spec links must be the same; Apollo Gateway must load ours."""

from __future__ import annotations

from typing import Any

import pytest

from router.compose import SubgraphInput, compose
from tests.unit.router.compose.cases import VALID
from tests.unit.router.compose.support import (
    api_schema,
    apollo_compose_batch,
    as_inputs,
    gateway_api_schemas,
    graphs,
    join_metadata,
    schema_links,
)

pytestmark = pytest.mark.router


@pytest.fixture(scope="module")
def apollo() -> dict[str, dict[str, Any]]:
    return apollo_compose_batch(VALID)


@pytest.fixture(scope="module")
def ours() -> dict[str, str]:
    result = {}
    for name, subgraphs in VALID.items():
        composed = compose([SubgraphInput(**s) for s in as_inputs(subgraphs)])
        assert composed.errors == [], f"{name}: {[str(e) for e in composed.errors]}"
        assert composed.supergraph_sdl is not None
        result[name] = composed.supergraph_sdl
    return result


@pytest.mark.parametrize("case", sorted(VALID))
def test_supergraph_is_equivalent_to_apollos(
    case: str, apollo: dict[str, dict[str, Any]], ours: dict[str, str]
) -> None:
    # given Apollo's supergraph for the same subgraphs (the case must be valid for Apollo too)
    reference = apollo[case]
    assert "errors" not in reference, reference.get("errors")
    theirs = reference["supergraphSdl"]
    # then ours exposes the same API and carries the same federation metadata
    assert api_schema(ours[case]) == api_schema(theirs)
    assert join_metadata(ours[case]) == join_metadata(theirs)
    assert schema_links(ours[case]) == schema_links(theirs)
    assert graphs(ours[case]) == graphs(theirs)


def test_apollo_gateway_loads_our_supergraphs(apollo: dict[str, dict[str, Any]], ours: dict[str, str]) -> None:
    # when Apollo Gateway loads our supergraphs and Apollo's own
    loaded = gateway_api_schemas(
        {**{f"ours:{k}": v for k, v in ours.items()}, **{f"apollo:{k}": v["supergraphSdl"] for k, v in apollo.items()}}
    )
    for case in VALID:
        mine, reference = loaded[f"ours:{case}"], loaded[f"apollo:{case}"]
        if "error" in reference:
            # Apollo Gateway (unlike Apollo Router) refuses the SECURITY features @authenticated,
            # @requiresScopes and @policy, also in Apollo's own supergraph: ours must be refused alike.
            assert case == "access_control", reference["error"]
            assert "error" in mine
            continue
        # then it accepts every one and serves the same API schema as from Apollo's composition
        assert "error" not in mine, f"{case}: {mine.get('error')}"
        assert mine["apiSchema"] == reference["apiSchema"], case


@pytest.mark.parametrize("case", sorted(VALID))
def test_our_router_loads_our_supergraph(case: str, ours: dict[str, str]) -> None:
    # the router's own supergraph loader accepts what we compose and derives the same API types
    # (it keeps @authenticated/@requiresScopes/@policy definitions for enforcement: not compared)
    from graphql import lexicographic_sort_schema, print_schema

    from router.supergraph import load_supergraph

    loaded = load_supergraph(ours[case])
    printed = print_schema(lexicographic_sort_schema(loaded.api_schema))
    blocks = [
        block
        for block in printed.split("\n\n")
        if not block.startswith("directive @") and not block.startswith(("scalar requiresScopes__", "scalar policy__"))
    ]
    assert "\n\n".join(blocks) == api_schema(ours[case])
