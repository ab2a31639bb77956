"""The differential harness: the same subgraphs behind our Engine and behind Apollo Gateway.

``deploy(subgraphs)`` serves each test subgraph on a free 127.0.0.1 port, composes the supergraph
with Apollo's own composition (``tests/apollo/compose.mjs``), starts Apollo Gateway
(``tests/apollo/gateway.mjs``) on it and builds our ``Engine`` on the same supergraph. ``compare``
sends one request to both and asserts the responses are equal: ``data`` exactly, and the errors by
message and path (Apollo reports null-propagation errors under ``extensions.valueCompletion``;
those count as errors too).
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import tempfile
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import httpx

from router.engine import Engine
from tests.federation.support.subgraph import FakeSubgraph
from tests.support.servers import free_port, serve_app

APOLLO_DIR = Path(__file__).resolve().parents[2] / "apollo"

ErrorMode = Literal["messages", "paths", "presence"]


def compose(subgraphs: Sequence[FakeSubgraph]) -> str:
    """The supergraph SDL for ``subgraphs`` (their ``url`` set), composed by Apollo."""
    payload = json.dumps([{"name": g.name, "url": g.url, "sdl": g.sdl} for g in subgraphs])
    result = subprocess.run(
        ["node", "compose.mjs"],
        input=payload,
        capture_output=True,
        text=True,
        cwd=APOLLO_DIR,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"Apollo composition failed:\n{result.stderr}")
    return result.stdout


class ApolloGatewayProcess:
    """``node gateway.mjs`` on a free port, stopped on ``close``."""

    def __init__(self, supergraph_sdl: str) -> None:
        self._file = tempfile.NamedTemporaryFile("w", suffix=".graphql", delete=False)  # noqa: SIM115
        self._file.write(supergraph_sdl)
        self._file.close()
        port = free_port()
        self.process = subprocess.Popen(
            ["node", "gateway.mjs", self._file.name, str(port)],
            cwd=APOLLO_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], 60)
        line = self.process.stdout.readline() if ready else ""
        if not line.startswith("listening"):
            self.close()
            raise RuntimeError(f"Apollo Gateway did not start: {line!r}")
        self.url = f"http://127.0.0.1:{port}/"

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
        Path(self._file.name).unlink(missing_ok=True)


@dataclass
class Deployment:
    subgraphs: dict[str, FakeSubgraph]
    supergraph_sdl: str
    engines: dict[str, Engine]
    gateway_url: str
    client: httpx.AsyncClient

    @property
    def engine(self) -> Engine:
        """Our planner's engine when it runs (else the engine on Apollo's plans)."""
        return self.engines.get("ours") or next(iter(self.engines.values()))

    async def ours(
        self, query: str, variables: dict[str, Any] | None = None, operation_name: str | None = None
    ) -> dict[str, Any]:
        return await self.engine.execute(query, variables, operation_name)

    async def apollo(
        self, query: str, variables: dict[str, Any] | None = None, operation_name: str | None = None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = variables
        if operation_name is not None:
            body["operationName"] = operation_name
        response = await self.client.post(self.gateway_url, json=body)
        result: dict[str, Any] = response.json()
        return result

    async def compare(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        operation_name: str | None = None,
        *,
        errors: ErrorMode = "messages",
    ) -> dict[str, Any]:
        """Run through Apollo Gateway and each of our engines, assert equal responses, return ours."""
        theirs = await self.apollo(query, variables, operation_name)
        ours: dict[str, Any] = {}
        for planner, engine in self.engines.items():
            ours = await engine.execute(query, variables, operation_name)
            assert ours.get("data") == theirs.get("data"), (
                f"data differs ({planner} planner):\nours:   {ours}\napollo: {theirs}"
            )
            assert _errors(ours, errors) == _errors(theirs, errors), (
                f"errors differ ({planner} planner):\nours:   {ours}\napollo: {theirs}"
            )
        return ours


def _errors(response: dict[str, Any], mode: ErrorMode) -> Any:
    errors = list(response.get("errors") or [])
    errors += (response.get("extensions") or {}).get("valueCompletion") or []
    if mode == "presence":
        return bool(errors)
    if mode == "paths":
        return sorted(json.dumps(e.get("path")) for e in errors)
    return sorted(json.dumps([e.get("message"), e.get("path")]) for e in errors)


@asynccontextmanager
async def deploy(
    subgraphs: Sequence[FakeSubgraph], edit: Callable[[str], str] | None = None
) -> AsyncIterator[Deployment]:
    """Serve ``subgraphs`` behind Apollo Gateway and behind our engines (see ``planners``).

    ``edit`` rewrites the composed supergraph first: for shapes Apollo's composition refuses but a
    supergraph can still carry (a field reachable only through a ``resolvable: false`` key)."""
    with ExitStack() as stack:
        for graph in subgraphs:
            graph.url = stack.enter_context(serve_app(graph.asgi_app()))
        supergraph_sdl = compose(subgraphs)
        if edit is not None:
            edited = edit(supergraph_sdl)
            assert edited != supergraph_sdl, "the edit changed nothing"
            supergraph_sdl = edited
        gateway = ApolloGatewayProcess(supergraph_sdl)
        stack.callback(gateway.close)
        engines: dict[str, Engine] = {}
        for planner_name in planners():
            planner = None
            if planner_name == "apollo":
                from tests.federation.support.apollo_planner import ApolloPlanner

                planner = ApolloPlanner(supergraph_sdl)
                stack.callback(planner.close)
            engines[planner_name] = Engine(supergraph_sdl, subgraph_timeout=5.0, planner=planner)
        async with httpx.AsyncClient(timeout=30) as client:
            try:
                yield Deployment({g.name: g for g in subgraphs}, supergraph_sdl, engines, gateway.url, client)
            finally:
                for engine in engines.values():
                    await engine.aclose()


def planners() -> list[str]:
    """Which planners our engines use: ``ours`` and ``apollo`` (Apollo's plans, our executor).

    ``FEDERATION_PLANNERS=ours`` (or ``apollo``) narrows the run to one.
    """
    chosen = os.environ.get("FEDERATION_PLANNERS", "ours,apollo")
    return [p.strip() for p in chosen.split(",") if p.strip() in ("ours", "apollo")]
