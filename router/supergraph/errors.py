"""The one error of this package: a supergraph that cannot be loaded."""

from __future__ import annotations

from graphql import Node, SourceLocation, get_location


class SupergraphError(Exception):
    """The supergraph SDL is malformed or inconsistent; the message says where (line:column, element)."""


def where(node: Node | None, element: str = "") -> str:
    """``"12:3 (User.name)"``: the position of ``node`` in its source and the schema element named."""
    position = ""
    if node is not None and node.loc is not None:
        location: SourceLocation = get_location(node.loc.source, node.loc.start)
        position = f"{location.line}:{location.column}"
    if element:
        return f"{position} ({element})" if position else element
    return position or "<unknown position>"
