"""Randomized differential run: valid queries generated from the API schema (hypothesis-graphql)
go to Apollo Gateway and to our engines; data and the presence of errors must match."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from graphql import print_schema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import from_schema

from tests.federation import test_entities as area
from tests.federation.support.harness import Deployment, deploy

pytestmark = pytest.mark.router


@pytest.fixture(scope="module")
async def deployment() -> AsyncIterator[Deployment]:
    async with deploy([area.accounts(), area.products(), area.reviews(), area.inventory()]) as deployed:
        yield deployed


@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(data=st.data())
async def test_generated_queries_match_apollo(deployment: Deployment, data: Any) -> None:
    query = data.draw(from_schema(print_schema(deployment.engine.api_schema), allow_x00=False))
    theirs = await deployment.apollo(query)
    for planner, engine in deployment.engines.items():
        ours = await engine.execute(query)
        context = f"{planner} planner, query {query}\nours:   {json.dumps(ours)}\napollo: {json.dumps(theirs)}"
        assert ours.get("data") == theirs.get("data"), context
        assert bool(ours.get("errors")) == bool(theirs.get("errors")), context
