"""Progressive override (``@override(from:, label:)``, federation 2.7): which subgraph resolves a field
depends on whether its label is on for the request.

In the supergraph the overriding subgraph's ``@join__field`` carries ``override`` and ``overrideLabel``,
and the original subgraph's carries the same ``overrideLabel`` alone. Label off (the loaded
supergraph's view, :attr:`~router.supergraph.model.FieldInGraph.resolvable`): the original subgraph
resolves the field. Label on: the overriding one does, and the original keeps the field only as a
plain override leaves it (``usedOverridden``: still readable for its keys and ``@requires``, never routed
to).

Labels written ``percent(x)`` are on for ``x`` % of requests, drawn per request, as Apollo Router does;
any other label is one only a coprocessor could turn on, and stays off here.
"""

from __future__ import annotations

import dataclasses
import re

from .model import FieldMetadata, TypeMetadata
from .supergraph import Supergraph

_PERCENT = re.compile(r"^percent\((\d{1,3}(?:\.\d+)?)\)$")


def percent_labels(supergraph: Supergraph) -> tuple[tuple[str, float], ...]:
    """The ``percent(x)`` labels of the supergraph's overrides, with ``x`` (0 to 100), sorted by label."""
    found: dict[str, float] = {}
    for meta in supergraph.types.values():
        for field in meta.fields.values():
            for in_graph in field.graphs.values():
                label = in_graph.override_label
                if label is None or label in found:
                    continue
                match = _PERCENT.match(label)
                if match is not None:
                    found[label] = min(100.0, float(match.group(1)))
    return tuple(sorted(found.items()))


def with_labels_on(supergraph: Supergraph, labels: frozenset[str]) -> Supergraph:
    """The supergraph as planned when ``labels`` are on: their overrides in force (see the module docstring).

    The schemas and every unchanged type are shared with ``supergraph``; only the types with a field
    under one of ``labels`` are copied.
    """
    types: dict[str, TypeMetadata] = {}
    for name, meta in supergraph.types.items():
        changed: dict[str, FieldMetadata] = {}
        for field_name, field in meta.fields.items():
            if not any(g.override_label in labels for g in field.graphs.values()):
                continue
            graphs = {}
            for graph, in_graph in field.graphs.items():
                if in_graph.override_label not in labels:
                    graphs[graph] = in_graph
                elif in_graph.override is not None:  # the overriding subgraph: resolves the field now
                    graphs[graph] = dataclasses.replace(in_graph, override_label=None)
                else:  # the original subgraph: overridden, as by a plain @override it still uses
                    graphs[graph] = dataclasses.replace(in_graph, override_label=None, used_overridden=True)
            changed[field_name] = FieldMetadata(field.parent, field.name, graphs)
        types[name] = dataclasses.replace(meta, fields={**meta.fields, **changed}) if changed else meta
    return dataclasses.replace(supergraph, types=types, _possible={})
