"""Starlette routes serving the declared operations, ``/openapi.json`` and ``/docs``."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

import orjson
from graphql import GraphQLSchema
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from router.rest.constraints import load_constraints
from router.rest.declarations import DEFAULT_DIRECTORY, Declaration, load_declarations
from router.rest.directive import BODY_METHODS
from router.rest.docs import docs_routes
from router.rest.events import Subscribe, serve_events
from router.rest.mapping import map_request
from router.rest.openapi import openapi_document
from router.rest.problems import RequestProblem, problem_response, request_problem_response
from router.rest.responses import render_result

log = logging.getLogger(__name__)

Execute = Callable[[str, Mapping[str, Any], str | None, Mapping[str, str]], Awaitable[Mapping[str, Any]]]
ForwardHeaders = Callable[[Request], Mapping[str, str]]

# Headers passed to the engine when the server gives no rule of its own: the caller's credential and
# the request's identity for logs and traces.
# Starlette routes a function endpoint for GET only unless told otherwise; the endpoint answers 405 itself.
_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

DEFAULT_FORWARDED_HEADERS = ("authorization", "x-request-id", "traceparent", "tracestate")


def default_forward_headers(request: Request) -> dict[str, str]:
    return {name: request.headers[name] for name in DEFAULT_FORWARDED_HEADERS if name in request.headers}


class RestApi:
    """The REST layer: declarations loaded and checked once, then served as routes."""

    def __init__(
        self,
        api_schema: GraphQLSchema,
        execute: Execute,
        declarations_dir: Path | str | None = None,
        *,
        forward_headers: ForwardHeaders | None = None,
        max_body_bytes: int = 2_000_000,
        openapi_path: str = "/openapi.json",
        docs_path: str | None = "/docs",
        subscribe: Subscribe | None = None,
        heartbeat: float = 15.0,
        title: str = "Marketplace REST API",
        version: str = "1.0.0",
    ) -> None:
        self.api_schema = api_schema
        self.execute = execute
        self.declarations = load_declarations(declarations_dir or DEFAULT_DIRECTORY, api_schema)
        self.constraints = load_constraints(Path(declarations_dir or DEFAULT_DIRECTORY))
        self.forward_headers = forward_headers or default_forward_headers
        self.max_body_bytes = max_body_bytes
        self.openapi_path = openapi_path
        self.docs_path = docs_path
        self.subscribe = subscribe
        self.heartbeat = heartbeat
        self.title = title
        self.openapi = openapi_document(
            self.declarations, api_schema, title=title, version=version, constraints=self.constraints
        )
        self._openapi_body = orjson.dumps(self.openapi)

    def routes(self) -> list[BaseRoute]:
        by_path: dict[str, dict[str, Declaration]] = {}
        for declaration in self.declarations:
            by_path.setdefault(declaration.spec.path, {})[declaration.spec.method] = declaration
        routes: list[BaseRoute] = [Route(self.openapi_path, self._openapi, methods=["GET"], name="rest_openapi")]
        if self.docs_path is not None:
            routes += docs_routes(self.docs_path, self.openapi_path, self.title)
        for path, methods in by_path.items():
            routes.append(Route(path, self._endpoint(methods), methods=_ALL_METHODS, name=f"rest:{path}"))
        prefixes = sorted({path.strip("/").split("/")[0] for path in by_path})
        for prefix in prefixes:
            if f"/{prefix}" not in by_path:
                routes.append(Route(f"/{prefix}", self._unknown_route, methods=_ALL_METHODS))
            routes.append(Route(f"/{prefix}/{{rest:path}}", self._unknown_route, methods=_ALL_METHODS))
        return routes

    async def _openapi(self, _: Request) -> Response:
        return Response(self._openapi_body, media_type="application/json")

    async def _unknown_route(self, request: Request) -> Response:
        path = request.url.path
        return problem_response(404, f"no route {path}", instance=path, code="NOT_FOUND")

    def _endpoint(self, methods: Mapping[str, Declaration]) -> Callable[[Request], Awaitable[Response]]:
        allowed = sorted([*methods, *(["HEAD"] if "GET" in methods else [])])
        allow = ", ".join([*allowed, "OPTIONS"])

        async def endpoint(request: Request) -> Response:
            method = "GET" if request.method == "HEAD" else request.method
            declaration = methods.get(method)
            if declaration is None:
                if request.method == "OPTIONS":
                    return Response(status_code=204, headers={"Allow": allow})
                return problem_response(
                    405,
                    f"{request.method} is not allowed on {request.url.path}; allowed: {allow}",
                    instance=request.url.path,
                    code="METHOD_NOT_ALLOWED",
                    headers={"Allow": allow},
                )
            return await self.serve(declaration, request)

        return endpoint

    async def serve(self, declaration: Declaration, request: Request) -> Response:
        instance = request.url.path
        query = request.query_params.multi_items()
        try:
            body = await self._body(request) if declaration.spec.method in BODY_METHODS else b""
            mapped = map_request(
                declaration,
                request.path_params,
                query,
                request.headers,
                body,
                request.headers.get("content-type"),
                self.constraints,
            )
        except RequestProblem as problem:
            return request_problem_response(problem, instance)
        variables = mapped.variables
        headers = {
            name: value
            for name, value in self.forward_headers(request).items()
            if name.lower() not in mapped.consumed_headers
        }
        if declaration.is_subscription:
            if self.subscribe is None:
                return problem_response(404, f"no route {instance}", instance=instance, code="NOT_FOUND")
            return await serve_events(
                declaration, self.subscribe, variables, headers, instance=instance, heartbeat=self.heartbeat
            )
        try:
            result = await self.execute(declaration.query, variables, declaration.name, headers)
        except Exception:
            log.exception("REST operation %s failed", declaration.name)
            return problem_response(500, "internal server error", instance=instance, code="INTERNAL_SERVER_ERROR")
        return render_result(
            declaration,
            result,
            instance=instance,
            query=query,
            variables=variables,
            if_none_match=request.headers.get("if-none-match"),
        )

    async def _body(self, request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            raise self._too_large()
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.max_body_bytes:
                raise self._too_large()
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_large(self) -> RequestProblem:
        return RequestProblem(
            f"the request body is larger than {self.max_body_bytes} bytes", status=413, location="body"
        )


def rest_routes(
    api_schema: GraphQLSchema,
    execute: Execute,
    declarations_dir: Path | str | None = None,
    **options: Any,
) -> list[BaseRoute]:
    """The REST routes to mount in the router's Starlette app (see docs/rest.md).

    Raises :class:`~router.rest.declarations.DeclarationError` when a declaration is unusable.
    """
    return RestApi(api_schema, execute, declarations_dir, **options).routes()
