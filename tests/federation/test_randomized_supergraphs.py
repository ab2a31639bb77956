"""Randomized differential run over generated *supergraphs* (issue 14): hypothesis draws the
subgraphs' shapes (how many, which key each uses: plain ``id``, ``id pid`` with ``pid`` owned
elsewhere, nested ``id cat { id }``; which subgraphs share a ``@shareable`` field; whether a root
field ``@provides`` an external field), composes them with Apollo's composition, and sends queries
generated from the API schema (hypothesis-graphql: aliases, fragments, the ``Item`` interface) to
Apollo Gateway and to our engines: data and the presence of errors must match.

External fields hold a stale value in the subgraph where they are external, so reading one where it
may not be read shows up as a wrong answer. Bounded (a few supergraphs, a few queries each) so it
stays fast.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from graphql import print_schema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import from_schema

from tests.federation.support.harness import deploy
from tests.federation.support.subgraph import FakeSubgraph, keyed

pytestmark = pytest.mark.router

LINK = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", '
    'import: ["@key", "@shareable", "@external", "@provides"])\n'
)
KEYS = ("id", "id pid", "id cat { id }", "id pid cat { id }")
IDS = ("p1", "p2", "p3")


@dataclass(frozen=True)
class Shape:
    size: int  # subgraphs g0..g{size-1}; g0 has the root fields, g1 owns pid, g2 owns cat
    keys: tuple[str, ...]  # the key of Product in g3.. (a mix of fields of g0, g1 and g2)
    sharing: frozenset[int]  # the subgraphs defining the @shareable field s
    provides: bool  # g0's `top` provides s (external in g0)


@st.composite
def shapes(draw: st.DrawFn) -> Shape:
    size = draw(st.integers(min_value=3, max_value=5))
    keys = tuple(draw(st.sampled_from(KEYS)) for _ in range(size - 3))
    provides = draw(st.booleans())
    candidates = list(range(1 if provides else 0, size))
    sharing = frozenset(draw(st.sets(st.sampled_from(candidates), min_size=1)))
    return Shape(size, keys, sharing, provides)


def _value(graph: int, product: str) -> int:
    return 10 * graph + IDS.index(product)


def _truth(product: str) -> dict[str, Any]:
    index = IDS.index(product)
    return {"id": product, "pid": f"P{index}", "cat": {"id": f"c{index % 2}"}, "s": 100 + index}


def build(shape: Shape) -> list[FakeSubgraph]:
    graphs: list[FakeSubgraph] = []
    for i in range(shape.size):
        key = "id" if i < 3 else shape.keys[i - 3]
        fields = ["id: ID!", f"f{i}: Int"]
        stale: dict[str, Any] = {}
        if i == 1:
            fields.append("pid: ID!")
        elif "pid" in key:
            fields.append("pid: ID! @external")
            stale["pid"] = "stale"
        if i == 2:
            fields.append("cat: Cat!")
        elif "cat" in key:
            fields.append("cat: Cat! @external")
            stale["cat"] = {"id": "stale"}
        if i in shape.sharing:
            fields.append("s: Int @shareable")
        elif i == 0 and shape.provides:
            fields.append("s: Int @external")
            stale["s"] = -1
        sdl = LINK + f'type Product @key(fields: "{key}") {{ {" ".join(fields)} }}\n'
        if i == 2 or "cat" in key:
            sdl += "type Cat @shareable { id: ID! }\n"
        records = [{**_truth(p), f"f{i}": _value(i, p), **stale} for p in IDS]
        root: dict[str, Any] = {}
        if i == 0:
            sdl += "interface Item { id: ID! }\n"
            sdl = sdl.replace("type Product @key", "type Product implements Item @key")
            root_fields = "products: [Product!]! items: [Item!]!"
            root = {"products": records, "items": [{**r, "__typename": "Product"} for r in records]}
            if shape.provides:
                root_fields += ' top: [Product!]! @provides(fields: "s")'
                root["top"] = [{**r, "s": _truth(r["id"])["s"]} for r in records]
            sdl += f"type Query {{ {root_fields} }}\n"
        graphs.append(FakeSubgraph(f"g{i}", sdl, root=root, entities={"Product": keyed(records, "id")}))
    return graphs


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(shape=shapes(), data=st.data())
async def test_generated_supergraphs_match_apollo(shape: Shape, data: Any) -> None:
    async with deploy(build(shape)) as deployment:
        schema = print_schema(deployment.engine.api_schema)
        for _ in range(6):
            query = data.draw(from_schema(schema, allow_x00=False))
            theirs = await deployment.apollo(query)
            for planner, engine in deployment.engines.items():
                ours = await engine.execute(query)
                context = f"{shape}\n{planner} planner, query {query}\n"
                context += f"ours:   {json.dumps(ours)}\napollo: {json.dumps(theirs)}"
                assert ours.get("data") == theirs.get("data"), context
                assert bool(ours.get("errors")) == bool(theirs.get("errors")), context
