"""Subgraph SDLs → supergraph SDL: the composition pipeline, one stage per module.

read (``subgraph``) → check each subgraph (``validate``) → upgrade Federation-1 subgraphs (``fed1``) →
merge types and fields (``merge``, ``merge_fields``) → whole-graph checks (``postcheck``) → print
(``printer``). Errors from every stage are collected; printing happens only when there are none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from router.compose.context import MergeContext
from router.compose.errors import CompositionError, CompositionFailed
from router.compose.fed1 import upgrade_fed1
from router.compose.inputs import SubgraphInput
from router.compose.merge import merge_types
from router.compose.model import Subgraph
from router.compose.postcheck import check_supergraph
from router.compose.printer import print_supergraph
from router.compose.satisfiability import check_satisfiability
from router.compose.subgraph import read_subgraph
from router.compose.supermodel import Graph, Supergraph, graph_enum_names
from router.compose.validate import SubgraphUsage, validate_subgraph


@dataclass
class CompositionResult:
    supergraph_sdl: str | None
    errors: list[CompositionError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.supergraph_sdl is not None and not self.errors


def compose(inputs: Sequence[SubgraphInput]) -> CompositionResult:
    errors: list[CompositionError] = []
    names = [s.name for s in inputs]
    for name in sorted({n for n in names if names.count(n) > 1}):
        errors.append(CompositionError("INVALID_SUBGRAPH_NAME", f'A subgraph named "{name}" is given twice', name))
    if not inputs:
        errors.append(CompositionError("NO_QUERIES", "No subgraphs to compose"))
    subgraphs: list[Subgraph] = []
    for source in sorted(inputs, key=lambda s: s.name):
        subgraph = read_subgraph(source, errors)
        if subgraph is not None:
            subgraphs.append(subgraph)
    if errors:
        return CompositionResult(None, errors)
    usages: dict[str, SubgraphUsage] = {s.name: validate_subgraph(s, errors) for s in subgraphs}
    if errors:
        return CompositionResult(None, errors)
    upgrade_fed1(subgraphs, usages)
    graph_names = graph_enum_names([s.name for s in subgraphs])
    ctx = MergeContext(subgraphs=subgraphs, usages=usages, graph_names=graph_names, errors=errors)
    types = merge_types(ctx)
    version = max((max(s.federation_version, (2, 0)) for s in subgraphs), default=(2, 0))
    supergraph = Supergraph(
        graphs=[Graph(graph_names[s.name], s.name, s.url) for s in subgraphs],
        types=types,
        federation_version=version,
    )
    if not errors:
        check_supergraph(ctx, supergraph)
    if not errors:
        check_satisfiability(ctx, supergraph)
    if errors:
        return CompositionResult(None, errors)
    return CompositionResult(print_supergraph(supergraph), [])


def compose_or_raise(inputs: Sequence[SubgraphInput]) -> str:
    result = compose(inputs)
    if result.supergraph_sdl is None:
        raise CompositionFailed(result.errors)
    return result.supergraph_sdl
