"""Federation checks within one subgraph: ``@key``, ``@requires``, ``@provides``, ``@external``,
``@override`` and ``@interfaceObject`` used as the spec says. Also records which fields keys, requires
and provides use, which the merge needs (shareability, ``usedOverridden``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from router.compose.errors import CompositionError
from router.compose.fieldset import analyse_field_set
from router.compose.model import Subgraph, named_type

Coordinate = tuple[str, str]


@dataclass
class SubgraphUsage:
    key_fields: set[Coordinate] = field(default_factory=set)
    required: set[Coordinate] = field(default_factory=set)
    provided: set[Coordinate] = field(default_factory=set)


def _error(
    errors: list[CompositionError], code: str, subgraph: Subgraph, message: str, type_name: str, field: str | None
) -> None:
    errors.append(CompositionError(code, f"[{subgraph.name}] {message}", subgraph.name, type_name, field))


def validate_subgraph(subgraph: Subgraph, errors: list[CompositionError]) -> SubgraphUsage:
    usage = SubgraphUsage()
    for type_def in subgraph.types.values():
        for key in type_def.keys:
            where = f'On type "{type_def.name}", for @key(fields: "{key.fields}")'
            use = analyse_field_set(subgraph, type_def.name, key.fields)
            for problem in use.errors:
                _error(errors, "KEY_INVALID_FIELDS", subgraph, f"{where}: {problem}", type_def.name, None)
            for coordinate in use.with_arguments:
                _error(
                    errors,
                    "KEY_FIELDS_HAS_ARGS",
                    subgraph,
                    f"{where}: field {coordinate} cannot be included because it has arguments",
                    type_def.name,
                    coordinate.split(".")[1],
                )
            for coordinate in use.abstract_fields:
                _error(
                    errors,
                    "KEY_FIELDS_SELECT_INVALID_TYPE",
                    subgraph,
                    f'{where}: field "{coordinate}" is a Interface or Union type which is not allowed in @key',
                    type_def.name,
                    coordinate.split(".")[1],
                )
            if use.has_directives:
                _error(
                    errors,
                    "KEY_DIRECTIVE_IN_FIELDS_ARG",
                    subgraph,
                    f"{where}: directives are not allowed",
                    type_def.name,
                    None,
                )
            usage.key_fields.update((parent, f.name) for parent, f in use.selected)
        if type_def.interface_object and not type_def.keys:
            _error(
                errors,
                "INTERFACE_OBJECT_USAGE_ERROR",
                subgraph,
                f'The @interfaceObject directive can only be applied to entity types but type "{type_def.name}"'
                " has no @key in this subgraph.",
                type_def.name,
                None,
            )
        for fdef in type_def.fields.values():
            where = f'On field "{type_def.name}.{fdef.name}"'
            if fdef.requires is not None:
                use = analyse_field_set(subgraph, type_def.name, fdef.requires)
                for problem in use.errors:
                    _error(
                        errors,
                        "REQUIRES_INVALID_FIELDS",
                        subgraph,
                        f'{where}, for @requires(fields: "{fdef.requires}"): {problem}',
                        type_def.name,
                        fdef.name,
                    )
                for required in use.top_level:
                    if not (required.external or type_def.external):
                        _error(
                            errors,
                            "REQUIRES_FIELDS_MISSING_EXTERNAL",
                            subgraph,
                            f'{where}, for @requires(fields: "{fdef.requires}"): field "{type_def.name}.'
                            f'{required.name}" should not be part of a @requires since it is already provided by'
                            " this subgraph (it is not marked @external)",
                            type_def.name,
                            fdef.name,
                        )
                usage.required.update((parent, f.name) for parent, f in use.selected)
            if fdef.provides is not None:
                target = named_type(fdef.type)
                target_def = subgraph.types.get(target)
                if target_def is None or target_def.kind not in ("object", "interface", "union"):
                    _error(
                        errors,
                        "PROVIDES_ON_NON_OBJECT_FIELD",
                        subgraph,
                        f'{where}: Invalid @provides directive on field "{type_def.name}.{fdef.name}": field has'
                        f' type "{target}" which is not a Composite Type',
                        type_def.name,
                        fdef.name,
                    )
                else:
                    use = analyse_field_set(subgraph, target, fdef.provides)
                    for problem in use.errors:
                        _error(
                            errors,
                            "PROVIDES_INVALID_FIELDS",
                            subgraph,
                            f'{where}, for @provides(fields: "{fdef.provides}"): {problem}',
                            type_def.name,
                            fdef.name,
                        )
                    for parent, provided in use.selected:
                        parent_def = subgraph.types[parent]
                        if not (provided.external or parent_def.external) and parent == target:
                            _error(
                                errors,
                                "PROVIDES_FIELDS_MISSING_EXTERNAL",
                                subgraph,
                                f'{where}, for @provides(fields: "{fdef.provides}"): field "{parent}.'
                                f'{provided.name}" should not be part of a @provides since it is already provided'
                                " by this subgraph (it is not marked @external)",
                                type_def.name,
                                fdef.name,
                            )
                    usage.provided.update((parent, f.name) for parent, f in use.selected)
            if fdef.override is not None:
                if fdef.override == subgraph.name:
                    _error(
                        errors,
                        "OVERRIDE_FROM_SELF_ERROR",
                        subgraph,
                        f'Source and destination subgraphs "{subgraph.name}" are the same for overridden field'
                        f' "{type_def.name}.{fdef.name}"',
                        type_def.name,
                        fdef.name,
                    )
                if fdef.external:
                    _error(
                        errors,
                        "OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE",
                        subgraph,
                        f'@override cannot be used on field "{type_def.name}.{fdef.name}" on subgraph'
                        f' "{subgraph.name}" since "{type_def.name}.{fdef.name}" on "{subgraph.name}" is marked'
                        ' with directive "@external"',
                        type_def.name,
                        fdef.name,
                    )
    if not subgraph.is_fed1:
        _check_unused_externals(subgraph, usage, errors)
    return usage


def _interface_fields(subgraph: Subgraph, type_name: str) -> set[str]:
    type_def = subgraph.types[type_name]
    names: set[str] = set()
    for interface in type_def.interfaces:
        interface_def = subgraph.types.get(interface)
        if interface_def is not None:
            names.update(interface_def.fields)
    return names


def _check_unused_externals(subgraph: Subgraph, usage: SubgraphUsage, errors: list[CompositionError]) -> None:
    used = usage.key_fields | usage.required | usage.provided
    for type_def in subgraph.types.values():
        if type_def.kind != "object":
            continue
        for fdef in type_def.fields.values():
            if not fdef.external or (type_def.name, fdef.name) in used:
                continue
            if fdef.name in _interface_fields(subgraph, type_def.name):
                continue
            _error(
                errors,
                "EXTERNAL_UNUSED",
                subgraph,
                f'Field "{type_def.name}.{fdef.name}" is marked @external but is not used in any federation'
                " directive (@key, @provides, @requires) or to satisfy an interface; the field declaration has no"
                " use and should be removed (or the field should not be @external).",
                type_def.name,
                fdef.name,
            )
