"""A simplified version of Apollo's satisfiability check (``SATISFIABILITY_ERROR``).

Apollo proves every query of the API schema can be planned. We check the common failure: a query
reaches an object type in subgraph G (following fields G resolves, from the root of any subgraph), and
asks a field G does not resolve, while no chain of ``@key`` jumps from G leads to a subgraph that does.
A jump G → S on type T needs a resolvable ``@key`` of T in S whose top-level fields G resolves.

Deliberately conservative (it never refuses what Apollo accepts, as far as our differential tests
show): fields reachable through ``@provides``, ``@requires`` chains, interface types and
``@interfaceObject`` fields are not checked.
"""

from __future__ import annotations

from collections import deque

from router.compose.context import MergeContext, subgraph_list
from router.compose.model import Subgraph, TypeDef, named_type
from router.compose.supermodel import SType, Supergraph

_ROOTS = ("Query", "Mutation", "Subscription")
State = tuple[str, str]  # (subgraph name, type name)


def _resolves(subgraph: Subgraph, type_def: TypeDef, field_name: str, provided: set[tuple[str, str]]) -> bool:
    fdef = type_def.fields.get(field_name)
    if fdef is None:
        return False
    return not (fdef.external or type_def.external) or (type_def.name, field_name) in provided


def _field_resolvers(ctx: MergeContext, supergraph: Supergraph, stype: SType, field_name: str) -> set[str] | None:
    """Subgraphs that resolve the field, or None when the field is not checked."""
    field = stype.fields[field_name]
    if field.bare_join or field.meta.inaccessible:
        return None
    by_enum = {g.enum_name: g.name for g in supergraph.graphs}
    if not field.joins:
        return {s.name for s, _ in ctx.sources(stype.name)}
    return {by_enum[j.graph] for j in field.joins if not j.external and not j.used_overridden}


def _key_jumps(ctx: MergeContext, state: State) -> list[str]:
    subgraph_name, type_name = state
    origin = next(s for s in ctx.subgraphs if s.name == subgraph_name)
    origin_type = origin.types[type_name]
    provided = ctx.usages[subgraph_name].provided
    targets = []
    for subgraph, type_def in ctx.sources(type_name):
        if subgraph.name == subgraph_name:
            continue
        for key in type_def.keys:
            if not key.resolvable:
                continue
            depth, names = 0, []
            for part in key.fields.replace("{", " { ").replace("}", " } ").split():
                depth += (part == "{") - (part == "}")
                if depth == 0 and part not in ("{", "}"):
                    names.append(part)
            if all(_resolves(origin, origin_type, name, provided) for name in names):
                targets.append(subgraph.name)
                break
    return targets


def check_satisfiability(ctx: MergeContext, supergraph: Supergraph) -> None:
    """Walk the API schema from the roots, tracking which subgraphs can be "at" each position."""
    by_name = {s.name: s for s in ctx.subgraphs}
    seen: set[tuple[str, frozenset[str]]] = set()
    queue: deque[tuple[str, frozenset[str], list[str]]] = deque()
    for root in _ROOTS:
        holders = frozenset(s.name for s in ctx.subgraphs if root in s.types and s.types[root].fields)
        if holders:
            queue.append((root, holders, []))
    reported: set[tuple[str, str]] = set()
    while queue:
        type_name, holders, path = queue.popleft()
        if (type_name, holders) in seen:
            continue
        seen.add((type_name, holders))
        stype = supergraph.types.get(type_name)
        if stype is None or stype.kind != "object":
            continue
        is_root = type_name in _ROOTS
        options: set[str] = set(holders)
        if not is_root:
            for holder in holders:
                options |= _reachable_by_keys(ctx, (holder, type_name))
        for field_name, field in stype.fields.items():
            resolvers = _field_resolvers(ctx, supergraph, stype, field_name)
            if resolvers is None:
                continue
            able = {
                name
                for name in options
                if type_name in by_name[name].types
                and _resolves(by_name[name], by_name[name].types[type_name], field_name, ctx.usages[name].provided)
            }
            if not able and resolvers and (type_name, field_name) not in reported:
                reported.add((type_name, field_name))
                _report(ctx, type_name, field_name, sorted(holders), sorted(resolvers), [*path, field_name])
                continue
            target = supergraph.types.get(named_type(field.type))
            if target is None or not able:
                continue
            if target.kind == "object":
                queue.append((target.name, frozenset(able), [*path, field_name]))
            elif target.kind in ("interface", "union"):
                for candidate in supergraph.types.values():
                    if candidate.kind != "object":
                        continue
                    knowing = frozenset(
                        name for name in able if _knows_member(by_name[name], target.name, candidate.name)
                    )
                    if knowing:
                        queue.append((candidate.name, knowing, [*path, field_name, f"... on {candidate.name}"]))


def _knows_member(subgraph: Subgraph, abstract: str, member: str) -> bool:
    abstract_def, member_def = subgraph.types.get(abstract), subgraph.types.get(member)
    if abstract_def is None or member_def is None or member_def.kind != "object":
        return False
    return member in abstract_def.members or abstract in member_def.interfaces


def _reachable_by_keys(ctx: MergeContext, start: State) -> set[str]:
    seen = {start[0]}
    queue = deque([start])
    while queue:
        state = queue.popleft()
        if state[1] not in next(s for s in ctx.subgraphs if s.name == state[0]).types:
            continue
        for jump in _key_jumps(ctx, state):
            if jump not in seen:
                seen.add(jump)
                queue.append((jump, state[1]))
    return seen


def _report(
    ctx: MergeContext, type_name: str, field_name: str, holders: list[str], resolvers: list[str], path: list[str]
) -> None:
    query = _query_text(path)
    ctx.error(
        "SATISFIABILITY_ERROR",
        f"The following supergraph API query:\n{query}\ncannot be satisfied by the subgraphs because:\n"
        f'- from {subgraph_list(holders)}: cannot find field "{type_name}.{field_name}" and cannot move to'
        f' {subgraph_list(resolvers)}, which has it, through a resolvable @key of "{type_name}" whose fields'
        " are available.",
        type_name,
        field_name,
        holders[0],
    )


def _query_text(selections: list[str]) -> str:
    lines = ["{"]
    for depth, selection in enumerate(selections, start=1):
        suffix = "" if depth == len(selections) else " {"
        lines.append("  " * depth + selection + suffix)
    for depth in range(len(selections) - 1, 0, -1):
        lines.append("  " * depth + "}")
    lines.append("}")
    return "\n".join(lines)
