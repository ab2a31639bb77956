"""Constraints beyond GraphQL's types, stated in /openapi.json and checked before an operation runs.

They live in ``constraints.yaml`` beside the declarations: per input object field (``inputs``), per
operation variable (``variables``) and per body (``bodies``: ``oneOf`` branches of required
fields). A route that refused a value its OpenAPI document allows (or the reverse) would break
every generated client; stating a constraint here makes the document say it and the REST layer
enforce it with a 400 problem document naming the parameter, whatever the subgraph would answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from graphql import GraphQLInputObjectType, GraphQLInputType, GraphQLList, GraphQLNonNull

Keywords = dict[str, Any]
FILE_NAME = "constraints.yaml"
_KNOWN = frozenset({"minimum", "maximum", "minLength", "maxLength", "pattern", "minItems", "maxItems", "nonNull"})
_KNOWN_OBJECT = frozenset({"minProperties"})


@dataclass(frozen=True)
class Constraints:
    inputs: Mapping[str, Mapping[str, Keywords]] = field(default_factory=dict)
    variables: Mapping[str, Mapping[str, Keywords]] = field(default_factory=dict)
    bodies: Mapping[str, Keywords] = field(default_factory=dict)
    objects: Mapping[str, Keywords] = field(default_factory=dict)

    def for_input(self, type_name: str, field_name: str) -> Keywords:
        return dict(self.inputs.get(type_name, {}).get(field_name, {}))

    def for_object(self, type_name: str) -> Keywords:
        return dict(self.objects.get(type_name, {}))

    def for_variable(self, operation: str, variable: str) -> Keywords:
        return dict(self.variables.get(operation, {}).get(variable, {}))


def load_constraints(directory: Path) -> Constraints:
    path = directory / FILE_NAME
    if not path.exists():
        return Constraints()
    raw = yaml.safe_load(path.read_text()) or {}
    for section in ("inputs", "variables"):
        for owner, fields in (raw.get(section) or {}).items():
            for name, keywords in fields.items():
                unknown = set(keywords) - _KNOWN
                if unknown:
                    raise ValueError(f"{path}: {section}.{owner}.{name}: unknown keywords {sorted(unknown)}")
    for owner, keywords in (raw.get("objects") or {}).items():
        if set(keywords) - _KNOWN_OBJECT:
            raise ValueError(f"{path}: objects.{owner}: unknown keywords {sorted(set(keywords) - _KNOWN_OBJECT)}")
    return Constraints(
        raw.get("inputs") or {}, raw.get("variables") or {}, raw.get("bodies") or {}, raw.get("objects") or {}
    )


def violation(value: Any, keywords: Keywords) -> str | None:
    """Why ``value`` breaks ``keywords`` (JSON Schema's meaning: each applies to its own type), or None.

    ``nonNull`` is ours (not JSON Schema): the field is nullable in GraphQL but the subgraph refuses
    an explicit null, so the document leaves ``null`` out of its type.
    """
    if value is None:
        return "must not be null" if keywords.get("nonNull") else None
    if isinstance(value, list):
        if "minItems" in keywords and len(value) < keywords["minItems"]:
            return f"must have at least {keywords['minItems']} items"
        if "maxItems" in keywords and len(value) > keywords["maxItems"]:
            return f"must have at most {keywords['maxItems']} items"
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in keywords and value < keywords["minimum"]:
            return f"must be {keywords['minimum']} or more"
        if "maximum" in keywords and value > keywords["maximum"]:
            return f"must be {keywords['maximum']} or less"
    if isinstance(value, str):
        length = len(value)
        if "minLength" in keywords and length < keywords["minLength"]:
            return f"must have at least {keywords['minLength']} characters"
        if "maxLength" in keywords and length > keywords["maxLength"]:
            return f"must have at most {keywords['maxLength']} characters"
        if "pattern" in keywords and not re.search(keywords["pattern"], value):
            return "is not in the expected form (see the pattern in /openapi.json)"
    return None


def input_violation(value: Any, type_: GraphQLInputType, constraints: Constraints, label: str) -> str | None:
    """The first constraint an input value breaks, as ``label.field: reason``."""
    if value is None:
        return None
    named = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if isinstance(named, GraphQLList) and isinstance(value, list):
        for index, item in enumerate(value):
            found = input_violation(item, named.of_type, constraints, f"{label}[{index}]")
            if found:
                return found
    elif isinstance(named, GraphQLInputObjectType) and isinstance(value, Mapping):
        least = constraints.for_object(named.name).get("minProperties")
        if least is not None and len(value) < least:
            return f"{label or 'body'} must give at least {least} field{'s' if least > 1 else ''}"
        for name, definition in named.fields.items():
            if name not in value:
                continue
            where = f"{label}.{name}" if label else name
            reason = violation(value[name], constraints.for_input(named.name, name))
            if reason:
                return f"{where} {reason}"
            found = input_violation(value[name], definition.type, constraints, where)
            if found:
                return found
    return None


def body_violation(body: Mapping[str, Any], keywords: Keywords) -> str | None:
    """``oneOf`` branches of required fields: exactly one branch must have all its fields (non-null);
    ``not: {required: [...]}``: those fields must not all be given (non-null)."""
    excluded = keywords.get("not", {}).get("required")
    if excluded and all(body.get(name) is not None for name in excluded):
        return (
            f"give at most one of {' or '.join(excluded)}" if len(excluded) == 2 else f"do not give all of {excluded}"
        )
    branches = keywords.get("oneOf")
    if not branches:
        return None
    matched = [b for b in branches if all(body.get(name) is not None for name in b.get("required", ()))]
    if len(matched) == 1:
        return None
    names = " or ".join("+".join(b.get("required", ())) for b in branches)
    return f"give exactly one of {names}"
