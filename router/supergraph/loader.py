"""``load_supergraph``: SDL text → :class:`Supergraph`."""

from __future__ import annotations

from graphql import GraphQLError, GraphQLSchema, GraphQLSyntaxError, build_ast_schema, parse

from .api_schema import ApiSchemaFilter
from .errors import SupergraphError
from .extract import Extractor
from .links import read_links
from .supergraph import Supergraph, check_field_sets


def _error_text(error: GraphQLError) -> str:
    where = ", ".join(f"{loc.line}:{loc.column}" for loc in error.locations or ())
    return f"{where}: {error.message}" if where else error.message


def load_supergraph(sdl: str) -> Supergraph:
    """Parse and check a supergraph SDL (Apollo's format), build its API schema and read its metadata.

    Raises :class:`SupergraphError` with the position (line:column) and the element at fault.
    """
    try:
        document = parse(sdl)
    except GraphQLSyntaxError as error:
        raise SupergraphError(f"syntax error at {_error_text(error)}") from None
    links = read_links(document)
    try:
        schema: GraphQLSchema = build_ast_schema(document)
    except (GraphQLError, TypeError) as error:
        text = _error_text(error) if isinstance(error, GraphQLError) else str(error)
        raise SupergraphError(f"invalid supergraph schema: {text}") from None
    subgraphs, types = Extractor(document, links).run()
    try:
        api_schema = build_ast_schema(ApiSchemaFilter(document, links).filtered())
    except (GraphQLError, TypeError) as error:
        text = _error_text(error) if isinstance(error, GraphQLError) else str(error)
        raise SupergraphError(f"cannot build the API schema: {text}") from None
    supergraph = Supergraph(sdl, schema, api_schema, subgraphs, types, links)
    check_field_sets(supergraph)
    return supergraph
