"""Loading REST declarations: ``.graphql`` files of named operations carrying ``@rest``.

Everything that can be checked before serving is checked here, so that a bad declaration stops the
router's start with one message naming the file and the operation rather than failing a request.
Fragments are shared by all files of the folder.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    Undefined,
    extend_schema,
    get_named_type,
    is_input_type,
    is_leaf_type,
    parse,
    print_ast,
    type_from_ast,
    value_from_ast,
    visit,
)
from graphql.execution.values import get_directive_values
from graphql.language import Visitor

from router.rest.directive import BODY_METHODS, REST_DIRECTIVE_SDL, REST_SCHEMA_NAMES, SUCCESS_STATUSES, RestSpec
from router.validation import validate

DEFAULT_DIRECTORY = Path(__file__).parent / "operations"

Source = Literal["path", "query", "body", "field", "header"]

_SEGMENT = re.compile(r"^(?:[A-Za-z0-9._~-]+|\{([A-Za-z_][A-Za-z0-9_]*)\})$")
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")


class DeclarationError(Exception):
    """A REST declaration is unusable; the message names the file and the operation."""


@dataclass(frozen=True, slots=True)
class VariableSpec:
    """One operation variable and where a request gives its value."""

    name: str
    type: GraphQLInputType
    sources: tuple[Source, ...]
    required: bool
    default: Any = Undefined
    header: str | None = None
    scheme: str | None = None


@dataclass(frozen=True, slots=True)
class Pagination:
    """Response keys of a limit/offset page, for ``Link`` headers."""

    limit_key: str | None
    offset_key: str | None
    total_key: str


@dataclass(frozen=True)
class Declaration:
    name: str
    source: Path
    spec: RestSpec
    query: str
    operation: OperationDefinitionNode
    fragments: Mapping[str, FragmentDefinitionNode]
    root_field: FieldNode
    root_key: str
    root_type: GraphQLOutputType
    parent_type: GraphQLObjectType
    variables: Mapping[str, VariableSpec]
    pagination: Pagination | None = None
    path_params: tuple[str, ...] = field(default=())

    @property
    def is_mutation(self) -> bool:
        return self.operation.operation == OperationType.MUTATION

    @property
    def is_subscription(self) -> bool:
        """Served as ``text/event-stream`` (see :mod:`router.rest.events`)."""
        return self.operation.operation == OperationType.SUBSCRIPTION

    def variables_from(self, source: Source) -> list[VariableSpec]:
        return [v for v in self.variables.values() if source in v.sources]


def rest_schema(api_schema: GraphQLSchema) -> GraphQLSchema:
    """The API schema with ``@rest`` and its input types, for validating declarations."""
    taken = [name for name in REST_SCHEMA_NAMES if api_schema.get_type(name) or api_schema.get_directive(name)]
    if taken:
        raise DeclarationError(f"the API schema already defines {', '.join(taken)}: rename it to serve REST routes")
    return extend_schema(api_schema, parse(REST_DIRECTIVE_SDL))


def load_declarations(directory: Path | str, api_schema: GraphQLSchema) -> list[Declaration]:
    """Every declaration in ``directory/*.graphql``, checked against ``api_schema``."""
    folder = Path(directory)
    files = sorted(folder.glob("*.graphql"))
    if not files:
        raise DeclarationError(f"{folder}: no .graphql declarations found")
    documents = [(path, _parse_file(path)) for path in files]
    return build_declarations(documents, api_schema)


def build_declarations(documents: Iterable[tuple[Path, DocumentNode]], api_schema: GraphQLSchema) -> list[Declaration]:
    schema = rest_schema(api_schema)
    fragments: dict[str, FragmentDefinitionNode] = {}
    operations: list[tuple[Path, OperationDefinitionNode]] = []
    for path, document in documents:
        for definition in document.definitions:
            if isinstance(definition, FragmentDefinitionNode):
                name = definition.name.value
                if name in fragments:
                    raise DeclarationError(f"{path}: fragment {name} is defined twice")
                fragments[name] = definition
            elif isinstance(definition, OperationDefinitionNode):
                operations.append((path, definition))
            else:
                raise DeclarationError(f"{path}: only operations and fragments may be declared")
    declarations: list[Declaration] = []
    names: dict[str, Path] = {}
    routes: dict[tuple[str, str], str] = {}
    for path, operation in operations:
        if operation.name is None:
            raise DeclarationError(f"{path}: every REST operation needs a name (line {_line(operation)})")
        name = operation.name.value
        if name in names:
            raise DeclarationError(f"{path}: operation {name} is also declared in {names[name]}")
        names[name] = path
        try:
            declaration = _declaration(path, operation, fragments, schema, api_schema)
        except _Invalid as error:
            raise DeclarationError(f"{path}: operation {name}: {error}") from None
        route = (declaration.spec.method, _route_shape(declaration.spec.path))
        if route in routes:
            raise DeclarationError(
                f"{path}: operation {name}: {route[0]} {declaration.spec.path} is already served by {routes[route]}"
            )
        routes[route] = name
        declarations.append(declaration)
    return declarations


class _Invalid(Exception):
    pass


def _parse_file(path: Path) -> DocumentNode:
    try:
        return parse(path.read_text(), no_location=False)
    except OSError as error:
        raise DeclarationError(f"{path}: cannot read: {error.strerror or error}") from None
    except GraphQLError as error:
        raise DeclarationError(f"{path}: {error.message} ({_where(error)})") from None


def _where(error: GraphQLError) -> str:
    if error.locations:
        loc = error.locations[0]
        return f"line {loc.line}, column {loc.column}"
    return "unknown location"


def _line(node: Any) -> int:
    return int(node.loc.start_token.line) if node.loc is not None else 0


def _route_shape(path: str) -> str:
    return PLACEHOLDER.sub("{}", path)


def _used_fragments(
    operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> list[FragmentDefinitionNode]:
    found: dict[str, FragmentDefinitionNode] = {}
    pending: list[Any] = [operation]
    names: list[str] = []

    class Spreads(Visitor):
        def enter_fragment_spread(self, spread: FragmentSpreadNode, *_: Any) -> None:
            names.append(spread.name.value)

    while pending:
        names.clear()
        visit(pending.pop(), Spreads())
        for name in list(names):
            if name in fragments and name not in found:
                found[name] = fragments[name]
                pending.append(fragments[name])
    return [found[name] for name in sorted(found)]


def _declaration(
    path: Path,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    schema: GraphQLSchema,
    api_schema: GraphQLSchema,
) -> Declaration:
    used = _used_fragments(operation, fragments)
    document = DocumentNode(definitions=(operation, *used))
    errors = validate(schema, document)
    if errors:
        raise _Invalid("; ".join(f"{e.message} ({_where(e)})" for e in errors))
    rest_nodes = [d for d in operation.directives or () if d.name.value == "rest"]
    if len(rest_nodes) != 1:
        raise _Invalid("needs exactly one @rest(method:, path:) directive")
    directive = schema.get_directive("rest")
    assert directive is not None
    arguments = get_directive_values(directive, operation)
    assert arguments is not None
    spec = RestSpec.from_arguments(arguments)
    if operation.operation == OperationType.SUBSCRIPTION and spec.method != "GET":
        raise _Invalid("a subscription is served as a GET route (a text/event-stream)")
    if operation.operation == OperationType.SUBSCRIPTION and (spec.status != 200 or spec.location is not None):
        raise _Invalid("a subscription route answers 200 (a text/event-stream), without location")
    stripped = OperationDefinitionNode(
        operation=operation.operation,
        name=operation.name,
        variable_definitions=operation.variable_definitions,
        directives=tuple(d for d in operation.directives or () if d.name.value != "rest"),
        selection_set=operation.selection_set,
    )
    sent = DocumentNode(definitions=(stripped, *used))
    leftover = validate(api_schema, sent)
    if leftover:
        raise _Invalid("; ".join(e.message for e in leftover))
    parent = api_schema.get_root_type(operation.operation)
    assert isinstance(parent, GraphQLObjectType)
    root_field = _root_field(operation)
    root_definition = parent.fields[root_field.name.value]
    variables = _variables(operation, spec, schema)
    _check_spec(spec, operation)
    root_key = root_field.alias.value if root_field.alias else root_field.name.value
    top_keys = _top_level_fields(root_field, root_definition.type, fragments)
    _check_location(spec, top_keys, root_definition.type)
    return Declaration(
        name=operation.name.value if operation.name else "",
        source=path,
        spec=spec,
        query=print_ast(sent),
        operation=stripped,
        fragments={f.name.value: f for f in used},
        root_field=root_field,
        root_key=root_key,
        root_type=root_definition.type,
        parent_type=parent,
        variables=variables,
        pagination=_pagination(variables, top_keys),
        path_params=tuple(PLACEHOLDER.findall(spec.path)),
    )


def _root_field(operation: OperationDefinitionNode) -> FieldNode:
    selections = operation.selection_set.selections
    if len(selections) != 1 or not isinstance(selections[0], FieldNode) or selections[0].name.value.startswith("__"):
        raise _Invalid("a REST operation selects exactly one root field (its value is the response body)")
    root = selections[0]
    if root.directives:
        raise _Invalid("the root field of a REST operation cannot be conditional (@include/@skip)")
    return root


def _variables(operation: OperationDefinitionNode, spec: RestSpec, schema: GraphQLSchema) -> dict[str, VariableSpec]:
    definitions = {d.variable.name.value: d for d in operation.variable_definitions or ()}
    path_names = PLACEHOLDER.findall(spec.path)
    headers = {h.variable: h for h in spec.headers}
    for name in [*path_names, *headers, *([spec.body] if spec.body else [])]:
        if name not in definitions:
            raise _Invalid(f"@rest refers to ${name}, which the operation does not declare")
    if len(set(path_names)) != len(path_names):
        raise _Invalid(f"path {spec.path} names a variable twice")
    has_body = spec.method in BODY_METHODS
    specs: dict[str, VariableSpec] = {}
    for name, definition in definitions.items():
        found = type_from_ast(schema, definition.type)
        assert found is not None
        assert is_input_type(found)
        var_type = cast(GraphQLInputType, found)
        default = Undefined
        if definition.default_value is not None:
            default = value_from_ast(definition.default_value, var_type)
        required = isinstance(var_type, GraphQLNonNull) and definition.default_value is None
        header = headers.get(name)
        sources: tuple[Source, ...]
        if name in path_names:
            if header is not None or name == spec.body:
                raise _Invalid(f"${name} is a path parameter and cannot also come from a header or the body")
            sources = ("path",)
        elif name == spec.body:
            if header is not None:
                raise _Invalid(f"${name} is the body and cannot also come from a header")
            sources = ("body",)
        elif header is not None:
            if header.also_in_body and not (has_body and spec.body is None):
                raise _Invalid(f"alsoInBody on ${name} needs a {'/'.join(sorted(BODY_METHODS))} route without body:")
            sources = ("header", "field") if header.also_in_body else ("header",)
        elif has_body and spec.body is None:
            sources = ("field",)
        else:
            sources = ("query",)
        _check_variable_type(name, var_type, sources)
        specs[name] = VariableSpec(
            name=name,
            type=var_type,
            sources=sources,
            required=required,
            default=default,
            header=header.name if header else None,
            scheme=header.scheme if header else None,
        )
    return specs


def _check_variable_type(name: str, var_type: GraphQLInputType, sources: tuple[Source, ...]) -> None:
    inner = var_type.of_type if isinstance(var_type, GraphQLNonNull) else var_type
    if "path" in sources or "header" in sources:
        if not is_leaf_type(inner):
            raise _Invalid(f"${name} comes from the {sources[0]} and so must be a scalar or enum")
    elif "query" in sources:
        item = inner.of_type if isinstance(inner, GraphQLList) else inner
        item = item.of_type if isinstance(item, GraphQLNonNull) else item
        if not is_leaf_type(item):
            raise _Invalid(
                f"${name} is a query parameter and so must be a scalar, an enum or a list of them; "
                "bind input objects with body:, or use one variable per field"
            )
    elif "body" in sources and not isinstance(get_named_type(var_type), GraphQLInputObjectType):
        raise _Invalid(f"${name} receives the JSON body and so must be an input object type")


def _check_spec(spec: RestSpec, operation: OperationDefinitionNode) -> None:
    if not spec.path.startswith("/") or spec.path == "/":
        raise _Invalid(f"path {spec.path!r} must start with / and name a resource")
    for segment in spec.path[1:].split("/"):
        if not _SEGMENT.match(segment):
            raise _Invalid(f"path {spec.path!r}: segment {segment!r} must be plain text or one {{variable}}")
    if spec.status not in SUCCESS_STATUSES:
        raise _Invalid(f"status {spec.status} is not one of {sorted(SUCCESS_STATUSES)}")
    if spec.method == "GET":
        if operation.operation == OperationType.MUTATION:
            raise _Invalid("GET routes must be queries or subscriptions (a GET never changes anything)")
        if spec.status != 200:
            raise _Invalid("GET routes answer 200")
    if spec.body is not None and spec.method not in BODY_METHODS:
        raise _Invalid(f"{spec.method} routes have no body, so body: cannot be used")
    for binding in spec.headers:
        if not _HEADER_NAME.match(binding.name):
            raise _Invalid(f"{binding.name!r} is not a valid header name")
    if spec.location is not None and spec.status not in (201, 202):
        raise _Invalid("location: is for 201 and 202 responses")
    if spec.status in (201, 202) and spec.location is None:
        raise _Invalid(f"status {spec.status} needs location: (the URL of what was created or queued)")


def _top_level_fields(
    root: FieldNode, root_type: GraphQLOutputType, fragments: Mapping[str, FragmentDefinitionNode]
) -> dict[str, str]:
    """Response key -> field name of the fields always selected at the top of the root field."""
    found: dict[str, str] = {}
    named = get_named_type(root_type)

    def walk(selection_set: SelectionSetNode | None) -> None:
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                if not selection.directives:
                    found[selection.alias.value if selection.alias else selection.name.value] = selection.name.value
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                if not selection.directives and (condition is None or condition.name.value == named.name):
                    walk(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = fragments.get(selection.name.value)
                if fragment and not selection.directives and fragment.type_condition.name.value == named.name:
                    walk(fragment.selection_set)

    walk(root.selection_set)
    return found


def _check_location(spec: RestSpec, top_keys: Mapping[str, str], root_type: GraphQLOutputType) -> None:
    if spec.location is None:
        return
    if not spec.location.startswith("/"):
        raise _Invalid(f"location {spec.location!r} must be an absolute path")
    named = get_named_type(root_type)
    for key in PLACEHOLDER.findall(spec.location):
        if key not in top_keys or not isinstance(named, GraphQLObjectType):
            raise _Invalid(f"location {spec.location!r} needs {key} selected on the root field")
        field_type = named.fields[top_keys[key]].type
        if not is_leaf_type(get_named_type(field_type)) or not isinstance(field_type, GraphQLNonNull):
            raise _Invalid(f"location {spec.location!r}: {key} must be a non-null scalar")


def _pagination(variables: Mapping[str, VariableSpec], top_keys: Mapping[str, str]) -> Pagination | None:
    limit, offset = variables.get("limit"), variables.get("offset")
    if limit is None or offset is None or "query" not in limit.sources or "query" not in offset.sources:
        return None
    by_name = {name: key for key, name in top_keys.items()}
    if "totalCount" not in by_name:
        return None
    return Pagination(limit_key=by_name.get("limit"), offset_key=by_name.get("offset"), total_key=by_name["totalCount"])
