"""A schema-driven federation subgraph for tests: SDL + resolvers + entity lookups, served over HTTP.

One class covers every feature area: the SDL is given verbatim (Federation 2 ``@link`` or Federation 1
``extend type``), the same text goes to Apollo's composition, and graphql-core answers the queries,
including ``_entities`` and ``_service``. Field values come from the parent object (a ``dict``) unless
a resolver is registered as ``"Type.field"``; a value in the parent that is callable is called with
the field's arguments. Entities are looked up per ``__typename`` by an ``EntityResolver``.

The subgraph records every request it receives, so tests can check how many calls the router made
and what representations it sent; ``fail_status`` and ``delay_seconds`` inject failures, and ``hold``
keeps requests waiting until the test sees what it needs in flight (no race with the machine's speed).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from inspect import isawaitable
from typing import Any

import orjson
from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLResolveInfo,
    GraphQLSchema,
    build_ast_schema,
    execute,
    parse,
    validate,
)
from graphql.language import (
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

Resolver = Callable[..., Any]
EntityResolver = Callable[[dict[str, Any]], Any]
Record = dict[str, Any]


def keyed(records: Iterable[Record], *key_fields: str) -> EntityResolver:
    """An entity resolver finding the record whose ``key_fields`` equal the representation's.

    The representation's other fields (``@requires``/``@external`` values) are merged over the record,
    so field resolvers can read them from the parent.
    """
    index: dict[tuple[Any, ...], Record] = {}
    for record in records:
        index[tuple(_freeze(record.get(name)) for name in key_fields)] = record

    def resolve(representation: dict[str, Any]) -> Any:
        key = tuple(_freeze(representation.get(name)) for name in key_fields)
        found = index.get(key)
        if found is None:
            return None
        merged = {**found, **representation}
        if "__typename" in found:  # an entity interface is asked for by the interface's name
            merged["__typename"] = found["__typename"]
        return merged

    return resolve


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


_FEDERATION_ADDITIONS = """
scalar _Any
type _Service { sdl: String }
"""


@dataclass
class FakeSubgraph:
    name: str
    sdl: str
    resolvers: Mapping[str, Resolver] = field(default_factory=dict)
    entities: Mapping[str, EntityResolver] = field(default_factory=dict)
    root: Mapping[str, Any] = field(default_factory=dict)
    fail_status: int | None = None
    delay_seconds: float = 0.0
    # Set by a test: every request, once recorded, waits until this event is set (then its delay).
    hold: threading.Event | None = None
    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    record_requests: bool = True
    _schema: GraphQLSchema | None = None
    _documents: dict[str, DocumentNode | list[GraphQLError]] = field(default_factory=dict)

    @property
    def schema(self) -> GraphQLSchema:
        if self._schema is None:
            self._schema = _build_subgraph_schema(self.sdl)
        return self._schema

    def entity_calls(self) -> list[list[dict[str, Any]]]:
        """The representations of each ``_entities`` request received so far."""
        return [
            r["variables"]["representations"] for r in self.requests if "representations" in (r.get("variables") or {})
        ]

    async def execute(
        self, query: str, variables: dict[str, Any] | None = None, operation_name: str | None = None
    ) -> dict[str, Any]:
        document = self._documents.get(query)
        if document is None:
            try:
                parsed = parse(query)
            except GraphQLError as error:
                document = [error]
            else:
                errors = validate(self.schema, parsed)
                document = errors if errors else parsed
            self._documents[query] = document
        if isinstance(document, list):
            return {"errors": [e.formatted for e in document]}
        result = execute(
            self.schema,
            document,
            root_value=self.root,
            variable_values=variables,
            operation_name=operation_name,
            field_resolver=self._resolve_field,
            type_resolver=_resolve_type,
        )
        if isawaitable(result):
            result = await result
        response: dict[str, Any] = {"data": result.data}
        if result.errors:
            response["errors"] = [e.formatted for e in result.errors]
        return response

    def _resolve_field(self, parent: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
        type_name = info.parent_type.name
        field_name = info.field_name
        if field_name == "_entities" and type_name == "Query":
            return [self._resolve_entity(rep) for rep in args["representations"]]
        if field_name == "_service" and type_name == "Query":
            return {"sdl": self.sdl}
        resolver = self.resolvers.get(f"{type_name}.{field_name}")
        if resolver is not None:
            return resolver(parent, **args)
        if isinstance(parent, Mapping):
            value = parent.get(field_name)
            if callable(value):
                return value(**args)
            return value
        return getattr(parent, field_name, None)

    def _resolve_entity(self, representation: dict[str, Any]) -> Any:
        typename = representation.get("__typename")
        resolver = self.entities.get(typename) if isinstance(typename, str) else None
        if resolver is None:
            raise GraphQLError(f"{self.name} cannot resolve entities of type {typename!r}")
        found = resolver(representation)
        if isinstance(found, dict) and "__typename" not in found:
            found = {**found, "__typename": typename}
        return found

    def asgi_app(self) -> Starlette:
        async def graphql_endpoint(request: Request) -> Response:
            body = orjson.loads(await request.body())
            if self.record_requests:
                self.requests.append({**body, "headers": dict(request.headers)})
            # Read each time: the next test's reset (hold = None) frees what a failed test left held.
            while (hold := self.hold) is not None and not hold.is_set():
                await asyncio.sleep(0.005)
            if self.delay_seconds:
                await asyncio.sleep(self.delay_seconds)
            if self.fail_status is not None:
                return Response(b"subgraph unavailable", status_code=self.fail_status)
            result = await self.execute(body["query"], body.get("variables"), body.get("operationName"))
            return Response(orjson.dumps(result), media_type="application/json")

        return Starlette(routes=[Route("/", graphql_endpoint, methods=["POST"])])


def _resolve_type(value: Any, info: GraphQLResolveInfo, abstract_type: Any) -> str | None:
    if isinstance(value, Mapping):
        typename = value.get("__typename")
        return typename if isinstance(typename, str) else None
    return None


def _build_subgraph_schema(sdl: str) -> GraphQLSchema:
    """Build an executable schema from subgraph SDL plus the federation fields.

    Federation 1 subgraphs may ``extend`` types they never define; those extensions become definitions.
    Directives (``@key`` and friends) are kept in the AST and otherwise ignored.
    """
    document = parse(sdl)
    defined = {
        d.name.value
        for d in document.definitions
        if isinstance(d, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode)
    }
    definitions: list[Any] = []
    for definition in document.definitions:
        name = getattr(getattr(definition, "name", None), "value", None)
        if isinstance(definition, ObjectTypeExtensionNode) and name not in defined:
            definition = ObjectTypeDefinitionNode(
                name=definition.name,
                interfaces=definition.interfaces,
                directives=definition.directives,
                fields=definition.fields,
            )
            defined.add(definition.name.value)
        elif isinstance(definition, InterfaceTypeExtensionNode) and name not in defined:
            definition = InterfaceTypeDefinitionNode(
                name=definition.name,
                interfaces=definition.interfaces,
                directives=definition.directives,
                fields=definition.fields,
            )
            defined.add(definition.name.value)
        definitions.append(definition)
    entity_types = [
        d.name.value
        for d in definitions
        if isinstance(d, ObjectTypeDefinitionNode | ObjectTypeExtensionNode)
        and any(directive.name.value == "key" for directive in d.directives or ())
    ]
    entity_types = list(dict.fromkeys(entity_types))
    additions = _FEDERATION_ADDITIONS
    query_fields = "_service: _Service!"
    if entity_types:
        additions += f"union _Entity = {' | '.join(entity_types)}\n"
        query_fields += "\n_entities(representations: [_Any!]!): [_Entity]!"
    if "Query" in defined:
        additions += f"extend type Query {{ {query_fields} }}\n"
    else:
        additions += f"type Query {{ {query_fields} }}\n"
    extra = parse(additions)
    merged = document.__class__(definitions=[*definitions, *extra.definitions])
    return build_ast_schema(merged, assume_valid_sdl=True)
