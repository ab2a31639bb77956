"""State shared by the merge steps: the subgraphs (sorted by name), their usages, collected errors."""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import print_ast

from router.compose.errors import CompositionError
from router.compose.model import Security, Subgraph, TypeDef
from router.compose.validate import SubgraphUsage


@dataclass
class MergeContext:
    subgraphs: list[Subgraph]
    usages: dict[str, SubgraphUsage]
    graph_names: dict[str, str]  # subgraph name → join__Graph value
    errors: list[CompositionError] = field(default_factory=list)

    def error(
        self,
        code: str,
        message: str,
        type_name: str | None = None,
        field_name: str | None = None,
        subgraph: str | None = None,
    ) -> None:
        self.errors.append(CompositionError(code, message, subgraph, type_name, field_name))

    def sources(self, type_name: str) -> list[tuple[Subgraph, TypeDef]]:
        return [(s, s.types[type_name]) for s in self.subgraphs if type_name in s.types]

    def is_subtype_name(self, sub: str, sup: str) -> bool:
        """Is ``sub`` an implementation or member of ``sup`` in some subgraph?"""
        for subgraph in self.subgraphs:
            sup_def = subgraph.types.get(sup)
            sub_def = subgraph.types.get(sub)
            if sup_def is None:
                continue
            if sup_def.kind == "union" and sub in sup_def.members:
                return True
            if sub_def is not None and sup in sub_def.interfaces:
                return True
        return False


def subgraph_list(names: list[str]) -> str:
    """``"a"``, ``"a" and "b"``, ``"a", "b" and "c"``, as Apollo's messages write them."""
    quoted = [f'"{n}"' for n in names]
    if len(quoted) == 1:
        return f"subgraph {quoted[0]}"
    return "subgraphs " + ", ".join(quoted[:-1]) + " and " + quoted[-1]


def merge_security(target: Security, source: Security) -> None:
    target.inaccessible = target.inaccessible or source.inaccessible
    for tag in source.tags:
        if tag not in target.tags:
            target.tags.append(tag)
    target.authenticated = target.authenticated or source.authenticated
    for group in source.requires_scopes:
        if group not in target.requires_scopes:
            target.requires_scopes.append(group)
    for group in source.policies:
        if group not in target.policies:
            target.policies.append(group)
    if source.deprecated_set and not target.deprecated_set:
        target.deprecated_set = True
        target.deprecated = source.deprecated
    seen = {print_ast(node) for node in target.other}
    for node in source.other:
        marker = print_ast(node)
        if marker not in seen:
            target.other.append(node)
            seen.add(marker)


def describe_by_subgraph(word: str, values: list[tuple[str, str]]) -> str:
    """``type "Int" in subgraphs "a" and "c" but type "String" in subgraph "b"`` from (subgraph, value) pairs."""
    groups: dict[str, list[str]] = {}
    for subgraph, value in values:
        groups.setdefault(value, []).append(subgraph)
    parts = [f"{word} {value} in {subgraph_list(names)}" for value, names in groups.items()]
    if len(parts) == 1:
        return parts[0]
    return parts[0] + " but " + " and ".join(parts[1:])
