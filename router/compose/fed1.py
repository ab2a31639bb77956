"""Reading Federation-1 subgraphs the way Apollo upgrades them to Federation 2.

Fed1 had no ``@shareable``: a value type or a key field could be defined in several services, and an
owning service's field could be ``@provides``-ed elsewhere. Fed1 also wrote ``@external`` on the key
fields of ``extend type`` and allowed unused ``@external`` fields. Apollo's upgrader turns these into
their Fed2 meaning before merging; this module does the same on our model.
"""

from __future__ import annotations

from collections.abc import Sequence

from router.compose.model import Subgraph
from router.compose.validate import SubgraphUsage


def upgrade_fed1(subgraphs: Sequence[Subgraph], usages: dict[str, SubgraphUsage]) -> None:
    defined_as_base = {
        name for subgraph in subgraphs for name, type_def in subgraph.types.items() if not type_def.extension
    }
    provided_anywhere = {coordinate for usage in usages.values() for coordinate in usage.provided}
    resolved_by: dict[tuple[str, str], int] = {}
    for subgraph in subgraphs:
        for type_def in subgraph.types.values():
            for fdef in type_def.fields.values():
                if not fdef.external:
                    coordinate = (type_def.name, fdef.name)
                    resolved_by[coordinate] = resolved_by.get(coordinate, 0) + 1
    for subgraph in subgraphs:
        _unfake_key_externals(subgraph, usages[subgraph.name])
        if not subgraph.is_fed1:
            continue
        usage = usages[subgraph.name]
        used = usage.key_fields | usage.required | usage.provided
        for type_def in subgraph.types.values():
            if type_def.extension and type_def.name in defined_as_base:
                type_def.extension = False
            if type_def.name in ("Query", "Mutation", "Subscription"):
                type_def.extension = False
            if type_def.kind != "object":
                continue
            interface_fields = {
                name
                for interface in type_def.interfaces
                if interface in subgraph.types
                for name in subgraph.types[interface].fields
            }
            for name, fdef in list(type_def.fields.items()):
                coordinate = (type_def.name, name)
                if fdef.external and coordinate in usage.key_fields and coordinate not in usage.required:
                    fdef.external = False
                if fdef.external and coordinate not in used and name not in interface_fields:
                    del type_def.fields[name]
                    continue
                if not fdef.external and (resolved_by.get(coordinate, 0) > 1 or coordinate in provided_anywhere):
                    fdef.shareable = True


def _unfake_key_externals(subgraph: Subgraph, usage: SubgraphUsage) -> None:
    """``@external`` on a key field of a type extension is a Fed1 habit meaning nothing ("fake external"):
    the subgraph does resolve its own key fields. Apollo ignores it in Fed1 and Fed2 subgraphs alike."""
    for type_def in subgraph.types.values():
        if not type_def.extension:
            continue
        for fdef in type_def.fields.values():
            if fdef.external and (type_def.name, fdef.name) in usage.key_fields:
                fdef.external = False
