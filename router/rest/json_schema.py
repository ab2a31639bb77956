"""GraphQL types → JSON Schema (draft 2020-12, as OpenAPI 3.1 uses it).

Inputs are described from their types (named input objects and enums become components); outputs
are described from the operation's selection set, so a response schema lists exactly the keys the
route returns, by their response names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLFloat,
    GraphQLID,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInt,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLString,
    GraphQLUnionType,
    InlineFragmentNode,
    SelectionSetNode,
    Undefined,
)

from router.rest.coercion import SCALAR_FORMATS
from router.rest.constraints import Constraints

Schema = dict[str, Any]
NO_CONTROL_CHARACTERS = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$"
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


def scalar_schema(scalar: GraphQLScalarType) -> Schema:
    if scalar is GraphQLInt:
        return {"type": "integer", "format": "int32", "minimum": INT_MIN, "maximum": INT_MAX}
    if scalar is GraphQLFloat:
        return {"type": "number"}
    if scalar is GraphQLBoolean:
        return {"type": "boolean"}
    if scalar in (GraphQLString, GraphQLID):
        return {"type": "string"}
    if scalar.name in SCALAR_FORMATS:
        return {"type": "string", "format": SCALAR_FORMATS[scalar.name][0]}
    schema: Schema = {}
    if scalar.description:
        schema["description"] = scalar.description
    return schema


def with_keywords(schema: Schema, keywords: Schema) -> Schema:
    """``schema`` with constraint keywords added (inside ``anyOf`` [schema, null] when nullable).

    A second ``pattern`` (e.g. an email's) is combined with the control-character one by ``allOf``.
    """
    if not keywords:
        return schema
    if keywords.get("nonNull"):
        keywords = {k: v for k, v in keywords.items() if k != "nonNull"}
        schema = non_null(schema)
    if "anyOf" in schema and len(schema["anyOf"]) == 2 and schema["anyOf"][1] == {"type": "null"}:
        return {**schema, "anyOf": [with_keywords(schema["anyOf"][0], keywords), schema["anyOf"][1]]}
    merged = {**schema, **keywords}
    if "pattern" in keywords and "pattern" in schema and keywords["pattern"] != schema["pattern"]:
        merged["pattern"] = schema["pattern"]
        merged["allOf"] = [*merged.get("allOf", []), {"pattern": keywords["pattern"]}]
    return merged


def non_null(schema: Schema) -> Schema:
    """``schema`` without ``null`` (the inverse of :func:`nullable`)."""
    kind = schema.get("type")
    if isinstance(kind, list):
        rest = [k for k in kind if k != "null"]
        return {**schema, "type": rest[0] if len(rest) == 1 else rest}
    if "anyOf" in schema and len(schema["anyOf"]) == 2 and schema["anyOf"][1] == {"type": "null"}:
        return dict(schema["anyOf"][0])
    return schema


def nullable(schema: Schema) -> Schema:
    """``schema`` or ``null``."""
    if not schema:
        return schema
    kind = schema.get("type")
    if isinstance(kind, str) and "enum" not in schema and "$ref" not in schema:
        return {**schema, "type": [kind, "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


class Components:
    """Named schemas collected while describing inputs (``#/components/schemas/...``)."""

    def __init__(self, schema: GraphQLSchema, constraints: Constraints | None = None) -> None:
        self.schema = schema
        self.schemas: dict[str, Schema] = {}
        self.constraints = constraints or Constraints()

    def ref(self, named: GraphQLNamedType) -> Schema:
        if named.name not in self.schemas:
            self.schemas[named.name] = {}  # placeholder first: input objects may be recursive
            self.schemas[named.name] = self._describe(named)
        return {"$ref": f"#/components/schemas/{named.name}"}

    def _describe(self, named: GraphQLNamedType) -> Schema:
        if isinstance(named, GraphQLEnumType):
            schema: Schema = {"type": "string", "enum": list(named.values)}
        elif isinstance(named, GraphQLInputObjectType):
            properties = {
                name: with_keywords(self.input_schema(field.type), self.constraints.for_input(named.name, name))
                for name, field in named.fields.items()
            }
            for name, field in named.fields.items():
                if field.description:
                    properties[name] = {**properties[name], "description": field.description}
            required = [
                name
                for name, field in named.fields.items()
                if isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined
            ]
            schema = {"type": "object", "properties": properties, "additionalProperties": False}
            if required:
                schema["required"] = required
            schema.update(self.constraints.for_object(named.name))
        else:
            raise TypeError(f"{named.name} is not an enum or input object")
        if named.description:
            schema["description"] = named.description
        return schema

    def input_schema(self, type_: GraphQLInputType) -> Schema:
        if isinstance(type_, GraphQLNonNull):
            return self._input_nonnull(type_.of_type)
        return nullable(self._input_nonnull(type_))

    def _input_nonnull(self, type_: Any) -> Schema:
        if isinstance(type_, GraphQLList):
            return {"type": "array", "items": self.input_schema(type_.of_type)}
        if isinstance(type_, GraphQLScalarType):
            schema = scalar_schema(type_)
            if type_ in (GraphQLString, GraphQLID):
                # servicekit.clean_input refuses control characters in every text input.
                schema["pattern"] = NO_CONTROL_CHARACTERS
            return schema
        if isinstance(type_, GraphQLEnumType | GraphQLInputObjectType):
            return self.ref(type_)
        raise TypeError(f"{type_} is not an input type")

    def output_schema(
        self,
        type_: GraphQLOutputType,
        selection_set: SelectionSetNode | None,
        fragments: Mapping[str, FragmentDefinitionNode],
    ) -> Schema:
        if isinstance(type_, GraphQLNonNull):
            return self._output_nonnull(type_.of_type, selection_set, fragments)
        return nullable(self._output_nonnull(type_, selection_set, fragments))

    def _output_nonnull(
        self, type_: Any, selection_set: SelectionSetNode | None, fragments: Mapping[str, FragmentDefinitionNode]
    ) -> Schema:
        if isinstance(type_, GraphQLList):
            return {"type": "array", "items": self.output_schema(type_.of_type, selection_set, fragments)}
        if isinstance(type_, GraphQLScalarType):
            return scalar_schema(type_)
        if isinstance(type_, GraphQLEnumType):
            return self.ref(type_)
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType):
            return self._selection(type_, selection_set, fragments)
        raise TypeError(f"{type_} is not an output type")

    def _selection(
        self,
        parent: GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType,
        selection_set: SelectionSetNode | None,
        fragments: Mapping[str, FragmentDefinitionNode],
    ) -> Schema:
        properties: dict[str, Schema] = {}
        required: dict[str, None] = {}

        def walk(selections: SelectionSetNode | None, on: Any, always: bool) -> None:
            for selection in selections.selections if selections else ():
                conditional = not always or bool(selection.directives)
                if isinstance(selection, FieldNode):
                    key = selection.alias.value if selection.alias else selection.name.value
                    if selection.name.value == "__typename":
                        properties[key] = {"type": "string"}
                    else:
                        field = on.fields[selection.name.value]
                        schema = self.output_schema(field.type, selection.selection_set, fragments)
                        if field.description and "$ref" not in schema:
                            schema = {**schema, "description": field.description}
                        properties.setdefault(key, schema)
                    if not conditional:
                        required[key] = None
                    continue
                if isinstance(selection, InlineFragmentNode):
                    condition = selection.type_condition.name.value if selection.type_condition else on.name
                    inner_selections = selection.selection_set
                elif isinstance(selection, FragmentSpreadNode):
                    fragment = fragments[selection.name.value]
                    condition = fragment.type_condition.name.value
                    inner_selections = fragment.selection_set
                else:  # pragma: no cover - graphql-core has no other selection kinds
                    continue
                same = condition == on.name or (
                    isinstance(on, GraphQLObjectType) and any(i.name == condition for i in on.interfaces)
                )
                target = on if same else (self.schema.get_type(condition) or on)
                walk(inner_selections, target, always and same and not selection.directives)

        walk(selection_set, parent, isinstance(parent, GraphQLObjectType))
        schema: Schema = {"type": "object", "properties": properties}
        if required:
            schema["required"] = list(required)
        return schema
