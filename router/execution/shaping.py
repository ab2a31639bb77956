"""Shape the merged subgraph data exactly to the client's operation.

The data merged from the fetches holds more than the client asked for (keys, ``__typename``,
required fields, planner aliases) and nothing guarantees its order. Shaping walks the client's
operation over it: only the requested response keys, in document order, ``__typename`` as the API
schema names the type, fragments applied by the object's ``__typename``, ``@skip``/``@include``
applied, leaf values checked against their type, and GraphQL null propagation: a ``null`` in a
non-null position nulls the nearest nullable parent and records an error at the field's path.

The operation is compiled once per prepared operation (and per combination of the boolean variables
that ``@skip``/``@include`` read) into rows, one per field, lazily per selection and concrete
``__typename`` met in the data. The walker reads those rows until a selection has shaped
``compile_after`` objects; from then on it calls the function :mod:`.shaping_codegen` writes from
them, which does the same with a third of the bytecode. Writing it costs about a millisecond per
selection, which an operation run once never pays.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from graphql import (
    BooleanValueNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
)

from router.execution.shaping_codegen import (
    BUBBLE,
    ROW_ANY_LEAF,
    ROW_INTROSPECTION,
    ROW_LEAF,
    ROW_OBJECT,
    ROW_TYPENAME,
    ROW_VALUE,
    ObjectShaper,
    compile_object_shaper,
)

LeafCheck = Callable[[Any], bool]
ErrorDict = dict[str, Any]

_LEAF: Final = 0
_LIST: Final = 1
_COMPOSITE: Final = 2

# Per field: (what, response key, field name, type, the value types a leaf accepts without calling its
# check (``NoneType`` too where the leaf is nullable), leaf check, non-null, the selection of an object
# field). :mod:`.shaping_codegen` writes a selection's rows out as one function.
_Row = tuple[int, str, str, "_Type | None", frozenset[type], "LeafCheck | None", bool, "_SelectionShape | None"]
_Compiled = tuple[str | None, list["_FieldPlan"], list[_Row], ObjectShaper]

# Objects a selection shapes by reading its rows before its function is written (see the docstring).
COMPILE_AFTER: Final = 64

# A response path as the walker builds it: linked (parent path, key or index), None at the root, so a
# step down costs one tuple instead of an append and a pop; made a list only for an error.
_Path = tuple[Any, str | int] | None

_NONE_TYPE: Final = type(None)

INTROSPECTION_FIELDS: Final = frozenset({"__schema", "__type"})


class _Type:
    """The compiled output type of a field: leaf (with its value check), list, or composite.

    ``accept``: for a leaf, the exact value types that pass its check (a set lookup instead of a call:
    ``str`` for ``String``); other values go through ``check``.
    """

    __slots__ = ("accept", "check", "inner", "kind", "non_null", "selection", "type_name")

    def __init__(
        self,
        kind: int,
        non_null: bool,
        type_name: str,
        inner: _Type | None = None,
        check: LeafCheck | None = None,
        selection: _SelectionShape | None = None,
    ) -> None:
        self.kind = kind
        self.non_null = non_null
        self.type_name = type_name
        self.inner = inner
        self.check = check
        self.selection = selection
        self.accept: frozenset[type] = _ACCEPTED.get(check, frozenset()) if check is not None else frozenset()


class _FieldPlan:
    __slots__ = ("is_introspection", "is_typename", "key", "name", "type")

    def __init__(self, key: str, name: str, type_: _Type | None, is_typename: bool, is_introspection: bool) -> None:
        self.key = key
        self.name = name
        self.type = type_
        self.is_typename = is_typename
        self.is_introspection = is_introspection


def _int_check(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and value.is_integer()


def _float_check(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _string_check(value: Any) -> bool:
    return isinstance(value, str)


def _id_check(value: Any) -> bool:
    return isinstance(value, str) or _int_check(value)


def _bool_check(value: Any) -> bool:
    return isinstance(value, bool)


_BUILTIN_CHECKS: Final[dict[str, LeafCheck]] = {
    "Int": _int_check,
    "Float": _float_check,
    "String": _string_check,
    "ID": _id_check,
    "Boolean": _bool_check,
}


# The value types each built-in check accepts as they are (bool is not an Int: ``type(True) is bool``).
_ACCEPTED: Final[dict[LeafCheck, frozenset[type]]] = {
    _int_check: frozenset({int}),
    _float_check: frozenset({int, float}),
    _string_check: frozenset({str}),
    _id_check: frozenset({str, int}),
    _bool_check: frozenset({bool}),
}


def _enum_check(values: frozenset[str]) -> LeafCheck:
    def check(value: Any) -> bool:
        return isinstance(value, str) and value in values

    return check


class _SelectionShape:
    """The selection sets of one field (merged), compiled per runtime object type on demand."""

    __slots__ = ("_by_type", "compiler", "selection_sets", "static_type")

    def __init__(
        self,
        compiler: _Compiler,
        static_type: GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType,
        selection_sets: Sequence[SelectionSetNode],
    ) -> None:
        self.compiler = compiler
        self.static_type = static_type
        self.selection_sets = selection_sets
        self._by_type: dict[str | None, _Compiled | None] = {}

    def for_typename(self, typename: Any) -> _Compiled | None:
        """The fields to output for an object whose ``__typename`` is ``typename``.

        Returns ``(object type name or None, fields)``, or ``None`` when ``typename`` names no
        composite type of the API schema (the object is then invalid).
        """
        key = typename if isinstance(typename, str) else None
        try:
            return self._by_type[key]
        except KeyError:
            pass
        compiled = self.compiler.compile_fields(self, key)
        self._by_type[key] = compiled
        return compiled


class _Compiler:
    """Compiles an operation's selections for one combination of ``@skip``/``@include`` values."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        compile_after: int,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.compile_after = compile_after

    def included(self, node: FieldNode | InlineFragmentNode | FragmentSpreadNode) -> bool:
        for directive in node.directives or ():
            name = directive.name.value
            if name not in ("skip", "include"):
                continue
            value: Any = None
            for argument in directive.arguments or ():
                if argument.name.value == "if":
                    arg_value = argument.value
                    if isinstance(arg_value, VariableNode):
                        value = self.variables.get(arg_value.name.value)
                    elif isinstance(arg_value, BooleanValueNode):
                        value = arg_value.value
            if name == "skip" and value is True:
                return False
            if name == "include" and value is not True:
                return False
        return True

    def applies(self, condition: str | None, runtime: Any) -> bool:
        if condition is None or runtime is None:
            return True
        if condition == runtime.name:
            return True
        condition_type = self.schema.get_type(condition)
        if isinstance(condition_type, GraphQLInterfaceType | GraphQLUnionType):
            return bool(self.schema.is_sub_type(condition_type, runtime))
        return False

    def collect(self, selection_sets: Sequence[SelectionSetNode], runtime: Any) -> dict[str, list[FieldNode]]:
        fields: dict[str, list[FieldNode]] = {}

        def visit(selection_set: SelectionSetNode) -> None:
            for selection in selection_set.selections:
                if isinstance(selection, FieldNode):
                    if self.included(selection):
                        key = selection.alias.value if selection.alias else selection.name.value
                        fields.setdefault(key, []).append(selection)
                elif isinstance(selection, InlineFragmentNode):
                    condition = selection.type_condition.name.value if selection.type_condition else None
                    if self.included(selection) and self.applies(condition, runtime):
                        visit(selection.selection_set)
                elif isinstance(selection, FragmentSpreadNode):
                    fragment = self.fragments.get(selection.name.value)
                    if (
                        fragment is not None
                        and self.included(selection)
                        and self.applies(fragment.type_condition.name.value, runtime)
                    ):
                        visit(fragment.selection_set)

        for selection_set in selection_sets:
            visit(selection_set)
        return fields

    def compile_fields(self, shape: _SelectionShape, typename: str | None) -> _Compiled | None:
        static = shape.static_type
        runtime: Any = static
        if typename is not None and typename != static.name:
            found = self.schema.get_type(typename)
            if not isinstance(found, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType):
                return None
            runtime = found
        collected = self.collect(shape.selection_sets, runtime)
        plans: list[_FieldPlan] = []
        for key, nodes in collected.items():
            name = nodes[0].name.value
            if name == "__typename":
                plans.append(_FieldPlan(key, name, None, True, False))
                continue
            if name in INTROSPECTION_FIELDS:
                plans.append(_FieldPlan(key, name, None, False, True))
                continue
            definition = self.field_definition(runtime, static, name)
            if definition is None:
                continue
            sub_sets = [n.selection_set for n in nodes if n.selection_set is not None]
            plans.append(_FieldPlan(key, name, self.compile_type(definition.type, sub_sets), False, False))
        object_name = runtime.name if isinstance(runtime, GraphQLObjectType) else None
        rows = [_row(plan) for plan in plans]
        return object_name, plans, rows, _RowReader(self, shape, typename, object_name, plans, rows)

    @staticmethod
    def field_definition(runtime: Any, static: Any, name: str) -> GraphQLField | None:
        for candidate in (runtime, static):
            fields = getattr(candidate, "fields", None)
            if fields is not None and name in fields:
                found: GraphQLField = fields[name]
                return found
        return None

    def compile_type(self, type_: GraphQLOutputType, sub_sets: Sequence[SelectionSetNode]) -> _Type:
        non_null = isinstance(type_, GraphQLNonNull)
        named: Any = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        if isinstance(named, GraphQLList):
            inner = self.compile_type(named.of_type, sub_sets)
            return _Type(_LIST, non_null, inner.type_name, inner=inner)
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType):
            selection = _SelectionShape(self, named, sub_sets)
            return _Type(_COMPOSITE, non_null, named.name, selection=selection)
        check: LeafCheck | None = None
        if isinstance(named, GraphQLEnumType):
            check = _enum_check(frozenset(named.values))
        elif isinstance(named, GraphQLScalarType):
            check = _BUILTIN_CHECKS.get(named.name)
        return _Type(_LEAF, non_null, named.name, check=check)


class _RowReader:
    """Shapes the objects of one selection and ``__typename`` by reading its rows, until it is hot.

    After ``compile_after`` objects it writes the selection's function and puts it in its place, so
    the next object (this one too) is shaped by that function.
    """

    __slots__ = ("compiler", "key", "object_name", "parent_name", "plans", "rows", "shape", "uses")

    def __init__(
        self,
        compiler: _Compiler,
        shape: _SelectionShape,
        key: str | None,
        object_name: str | None,
        plans: list[_FieldPlan],
        rows: list[_Row],
    ) -> None:
        self.compiler = compiler
        self.shape = shape
        self.key = key
        self.object_name = object_name
        self.parent_name = object_name or shape.static_type.name
        self.plans = plans
        self.rows = rows
        self.uses = 0

    def __call__(self, walker: _Walker, obj: Mapping[str, Any], path: _Path, typename: Any) -> Any:
        self.uses += 1
        if self.uses <= self.compiler.compile_after:
            return walker.read_rows(obj, self.shape, path, typename, self.object_name, self.parent_name, self.rows)
        shaper = compile_object_shaper(
            self.rows,
            shape=self.shape,
            object_name=self.object_name,
            parent_name=self.parent_name,
            typename_output=_object_type_name(self.compiler.schema, self.key) or self.object_name,
        )
        self.shape._by_type[self.key] = (self.object_name, self.plans, self.rows, shaper)
        return shaper(walker, obj, path, typename)


class OperationShape:
    """A client operation compiled for shaping; ``shape`` is called once per request."""

    def __init__(
        self,
        schema: GraphQLSchema,
        operation: OperationDefinitionNode,
        fragments: Mapping[str, FragmentDefinitionNode],
        *,
        compile_after: int | None = None,
    ) -> None:
        self.schema = schema
        self.operation = operation
        self.fragments = fragments
        self.compile_after = COMPILE_AFTER if compile_after is None else compile_after
        root = schema.get_root_type(operation.operation)
        if root is None:
            raise ValueError(f"the schema has no {operation.operation.value} type")
        self.root_type: GraphQLObjectType = root
        self.condition_variables: tuple[str, ...] = tuple(sorted(_condition_variables(operation, fragments)))
        self._roots: dict[tuple[Any, ...], _SelectionShape] = {}

    def _root_for(self, variables: Mapping[str, Any]) -> _SelectionShape:
        key = tuple(variables.get(name) for name in self.condition_variables)
        root = self._roots.get(key)
        if root is None:
            compiler = _Compiler(self.schema, self.fragments, variables, self.compile_after)
            root = _SelectionShape(compiler, self.root_type, [self.operation.selection_set])
            self._roots[key] = root
        return root

    def introspection_selected(self, variables: Mapping[str, Any]) -> bool:
        compiled = self._root_for(variables).for_typename(None)
        return compiled is not None and any(f.is_introspection for f in compiled[1])

    def shape(
        self,
        data: Mapping[str, Any] | None,
        variables: Mapping[str, Any],
        errors: list[ErrorDict],
        *,
        report_null_errors: bool = True,
        introspection: Mapping[str, Any] | None = None,
    ) -> dict[str, Any] | None:
        """Return the client's ``data``; append null-propagation errors to ``errors``."""
        walker = _Walker(errors, report_null_errors, introspection or {})
        root = self._root_for(variables)
        result = walker.complete_object(data or {}, root, None)
        return None if result is BUBBLE else result


class _Walker:
    __slots__ = ("errors", "introspection", "report")

    def __init__(self, errors: list[ErrorDict], report: bool, introspection: Mapping[str, Any]) -> None:
        self.errors = errors
        self.report = report
        self.introspection = introspection

    def error(self, message: str, path: _Path) -> None:
        if self.report:
            self.errors.append({"message": message, "path": _as_list(path), "extensions": {"code": "INVALID_GRAPHQL"}})

    def complete_object(self, obj: Mapping[str, Any], shape: _SelectionShape, path: _Path) -> Any:
        """Shape one object by the function compiled for its selection and ``__typename``."""
        typename = obj.get("__typename")
        compiled = shape._by_type.get(typename if type(typename) is str else None)
        if compiled is None:
            compiled = shape.for_typename(typename)
            if compiled is None:
                self.error(f"Invalid __typename found for object at {_describe(path, shape.static_type.name)}.", path)
                return BUBBLE
        return compiled[3](self, obj, path, typename)

    def read_rows(
        self,
        obj: Mapping[str, Any],
        shape: _SelectionShape,
        path: _Path,
        typename: Any,
        object_name: str | None,
        parent_name: str,
        rows: list[_Row],
    ) -> Any:
        """Shape ``obj`` by reading its selection's rows: what the written function does, one row at a time."""
        out: dict[str, Any] = {}
        for row in rows:
            what, key, _, _, accept, _, non_null, selection = row
            if what == ROW_INTROSPECTION:
                out[key] = self.introspection.get(key)
                continue
            try:
                value = obj[key]
            except KeyError:
                value = None
            if what == ROW_TYPENAME:
                named = self.typename_field(shape, value, key, typename, object_name)
                if named is None:
                    return BUBBLE
                out[key] = named
                continue
            if what == ROW_LEAF:
                if type(value) in accept:
                    out[key] = value
                    continue
            elif what == ROW_ANY_LEAF:
                if value is not None:
                    out[key] = value
                    continue
            elif what == ROW_OBJECT and type(value) is dict:
                value = self.complete_object(value, selection, (path, key))  # type: ignore[arg-type]
                if value is BUBBLE:
                    if non_null:
                        return BUBBLE
                    value = None
                out[key] = value
                continue
            value = self.settle(row, value, (path, key), parent_name)
            if value is BUBBLE:
                return BUBBLE
            out[key] = value
        return out

    def settle(self, row: _Row, value: Any, path: _Path, parent_name: str) -> Any:
        """A field its compiled test did not settle: its output, or ``BUBBLE`` (its object becomes null).

        A leaf's own check, a null (an error where the field is non-null), or the value completed
        against its type (an invalid one is an error, and a null where the field is nullable).
        """
        what, _, name, type_, _, check, non_null, _ = row
        if what == ROW_LEAF and check(value):  # type: ignore[misc]
            return value
        if value is None:
            if non_null:
                self.error(f"Cannot return null for non-nullable field {parent_name}.{name}.", path)
                return BUBBLE
            return None
        assert type_ is not None
        result = self.complete_value(value, type_, path, parent_name, name)
        if result is BUBBLE and not non_null:
            return None
        return result

    @staticmethod
    def typename_field(
        shape: _SelectionShape, value: Any, key: str, typename: Any, object_name: str | None
    ) -> str | None:
        """An aliased ``__typename``: the object type the data names, else the compiled one (``None``: invalid)."""
        if value is None and key != "__typename":
            value = typename
        return _object_type_name(shape.compiler.schema, value) or object_name

    def complete_value(self, value: Any, type_: _Type, path: _Path, parent_name: str, field_name: str) -> Any:
        """Complete a non-null ``value``; return the output or ``BUBBLE`` (errors recorded)."""
        kind = type_.kind
        if kind == _COMPOSITE:
            if not isinstance(value, dict):
                self.error(f"Invalid value found for field {parent_name}.{field_name}.", path)
                return BUBBLE
            selection = type_.selection
            assert selection is not None
            return self.complete_object(value, selection, path)
        if kind == _LIST:
            if not isinstance(value, list):
                self.error(f"Invalid value found for field {parent_name}.{field_name}.", path)
                return BUBBLE
            inner = type_.inner
            assert inner is not None
            inner_kind = inner.kind
            inner_non_null = inner.non_null
            accept = inner.accept
            check = inner.check
            inner_selection = inner.selection
            by_type = inner_selection._by_type if inner_selection is not None else {}
            items: list[Any] = []
            for index, item in enumerate(value):
                if item is None:
                    if inner_non_null:
                        self.error(
                            "Cannot return null for non-nullable array element of type "
                            f"{inner.type_name} at index {index}.",
                            (path, index),
                        )
                        return BUBBLE
                    items.append(None)
                    continue
                if inner_kind == _COMPOSITE:
                    if type(item) is dict:  # complete_object's dispatch, inline
                        typename = item.get("__typename")
                        compiled = by_type.get(typename if type(typename) is str else None)
                        if compiled is None:
                            result = self.complete_object(item, inner_selection, (path, index))  # type: ignore[arg-type]
                        else:
                            result = compiled[3](self, item, (path, index), typename)
                        if result is BUBBLE:
                            if inner_non_null:
                                return BUBBLE
                            result = None
                        items.append(result)
                        continue
                elif inner_kind == _LEAF and (type(item) in accept or check is None or check(item)):
                    items.append(item)
                    continue
                result = self.complete_value(item, inner, (path, index), parent_name, field_name)
                if result is BUBBLE:
                    if inner_non_null:
                        return BUBBLE
                    result = None
                items.append(result)
            return items
        # An invalid leaf (a valid one never reaches here).
        self.error(f"Invalid value found for field {parent_name}.{field_name}.", path)
        return BUBBLE


def _object_type_name(schema: GraphQLSchema, value: Any) -> str | None:
    """The object type ``value`` names in the API schema, if it names one."""
    if isinstance(value, str):
        found = schema.get_type(value)
        if isinstance(found, GraphQLObjectType):
            return found.name
    return None


def _as_list(path: _Path) -> list[str | int]:
    """A linked path as the list an error carries."""
    keys: list[str | int] = []
    while path is not None:
        path, key = path
        keys.append(key)
    keys.reverse()
    return keys


def _row(plan: _FieldPlan) -> _Row:
    if plan.is_typename:
        return (ROW_TYPENAME, plan.key, plan.name, None, frozenset(), None, False, None)
    if plan.is_introspection:
        return (ROW_INTROSPECTION, plan.key, plan.name, None, frozenset(), None, False, None)
    type_ = plan.type
    assert type_ is not None
    accept = type_.accept
    if type_.kind == _LEAF:
        what = ROW_LEAF if type_.check is not None else ROW_ANY_LEAF
        if not type_.non_null:
            accept = accept | {_NONE_TYPE}  # a null leaf where one may be: kept, with no test of its own
    else:
        what = ROW_OBJECT if type_.kind == _COMPOSITE else ROW_VALUE
    return (what, plan.key, plan.name, type_, accept, type_.check, type_.non_null, type_.selection)


def _describe(path: _Path, type_name: str) -> str:
    if path is not None and isinstance(path[1], str):
        return f"field {type_name}.{path[1]}"
    return f"array element of type {type_name}"


def _condition_variables(
    operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> set[str]:
    names: set[str] = set()

    def visit(selection_set: SelectionSetNode | None) -> None:
        if selection_set is None:
            return
        for selection in selection_set.selections:
            for directive in selection.directives or ():
                if directive.name.value in ("skip", "include"):
                    for argument in directive.arguments or ():
                        if isinstance(argument.value, VariableNode):
                            names.add(argument.value.name.value)
            if isinstance(selection, FieldNode | InlineFragmentNode):
                visit(selection.selection_set)

    visit(operation.selection_set)
    for fragment in fragments.values():
        visit(fragment.selection_set)
    return names
