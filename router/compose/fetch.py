"""Getting each subgraph's SDL: from a file, inline, or ``{ _service { sdl } }`` over HTTP."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from router.compose.config import SubgraphConfig, SupergraphConfig
from router.compose.errors import SubgraphFetchError
from router.compose.inputs import SubgraphInput

SERVICE_SDL_QUERY = "query SubgraphIntrospectQuery { _service { sdl } }"
DEFAULT_TIMEOUT = 10.0


def _sdl_from_response(name: str, url: str, response: httpx.Response) -> str:
    where = f"subgraph {name!r} ({url})"
    if response.status_code != 200:
        raise SubgraphFetchError(f"{where}: _service {{ sdl }} answered HTTP {response.status_code}")
    try:
        body: Any = response.json()
    except ValueError as exc:
        raise SubgraphFetchError(f"{where}: _service {{ sdl }} answered with a body that is not JSON") from exc
    if not isinstance(body, dict):
        raise SubgraphFetchError(f"{where}: _service {{ sdl }} answered with a body that is not a JSON object")
    errors = body.get("errors")
    if errors:
        first = errors[0].get("message") if isinstance(errors[0], dict) else errors[0]
        raise SubgraphFetchError(f"{where}: _service {{ sdl }} failed: {first}")
    sdl = ((body.get("data") or {}).get("_service") or {}).get("sdl")
    if not isinstance(sdl, str):
        raise SubgraphFetchError(
            f"{where}: the response has no data._service.sdl string (is it a federation subgraph?)"
        )
    return sdl


def fetch_sdl(name: str, url: str, headers: Mapping[str, str] | None = None, timeout: float = DEFAULT_TIMEOUT) -> str:
    """Fetch one subgraph's SDL; errors name the subgraph and URL."""
    try:
        with httpx.Client(timeout=timeout) as client:
            response = client.post(url, json={"query": SERVICE_SDL_QUERY}, headers=dict(headers or {}))
    except httpx.HTTPError as exc:
        raise SubgraphFetchError(f"subgraph {name!r} ({url}): cannot fetch _service {{ sdl }}: {exc}") from exc
    return _sdl_from_response(name, url, response)


async def fetch_sdl_async(
    name: str,
    url: str,
    headers: Mapping[str, str] | None = None,
    client: httpx.AsyncClient | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> str:
    """The async twin of :func:`fetch_sdl`, for callers already inside an event loop."""
    try:
        if client is None:
            async with httpx.AsyncClient(timeout=timeout) as own:
                response = await own.post(url, json={"query": SERVICE_SDL_QUERY}, headers=dict(headers or {}))
        else:
            response = await client.post(url, json={"query": SERVICE_SDL_QUERY}, headers=dict(headers or {}))
    except httpx.HTTPError as exc:
        raise SubgraphFetchError(f"subgraph {name!r} ({url}): cannot fetch _service {{ sdl }}: {exc}") from exc
    return _sdl_from_response(name, url, response)


def load_subgraph(subgraph: SubgraphConfig, timeout: float = DEFAULT_TIMEOUT) -> SubgraphInput:
    """The SDL of one configured subgraph, wherever the config says it lives."""
    source = subgraph.schema
    if source.sdl is not None:
        sdl = source.sdl
    elif source.file is not None:
        try:
            sdl = source.file.read_text(encoding="utf-8")
        except OSError as exc:
            raise SubgraphFetchError(
                f"subgraph {subgraph.name!r}: cannot read schema file {source.file}: {exc.strerror or exc}"
            ) from exc
    else:
        assert source.subgraph_url is not None
        sdl = fetch_sdl(subgraph.name, source.subgraph_url, source.introspection_headers, timeout)
    return SubgraphInput(name=subgraph.name, url=subgraph.routing_url, sdl=sdl)


def load_subgraphs(config: SupergraphConfig, timeout: float = DEFAULT_TIMEOUT) -> list[SubgraphInput]:
    return [load_subgraph(subgraph, timeout) for subgraph in config.subgraphs]
