"""The selection set of one subgraph fetch, built up by the traversal, and its printing.

Unlike graphql-core's immutable AST, this is a mutable ordered tree so fields can be merged in as
the traversal meets them. Items are keyed by response key (fields) or by type condition plus
directives (inline fragments); two fields with one response key must be the same field with the
same arguments, otherwise the caller aliases one of them (see :meth:`FetchSelectionSet.conflicts`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from graphql import (
    ArgumentNode,
    DirectiveNode,
    ListValueNode,
    ObjectValueNode,
    ValueNode,
    VariableNode,
    print_ast,
)

from router.query_plan import FieldRequirement, InlineFragmentRequirement, Requirement


def arguments_text(arguments: Iterable[ArgumentNode]) -> str:
    parts = [f"{a.name.value}:{print_ast(a.value)}" for a in arguments]
    return f"({','.join(parts)})" if parts else ""


def directives_text(directives: Iterable[DirectiveNode]) -> str:
    return "".join(f"@{d.name.value}{arguments_text(d.arguments or ())}" for d in directives)


class FetchField:
    """One field of a fetch. ``runtime_type``: set when only objects of that concrete type asked for
    it while the subgraph selects it on a wider type (an ``@interfaceObject`` sees ``... on User``
    and ``... on Admin`` as one type); an alias made for it is renamed back for those objects only."""

    __slots__ = ("alias", "arguments", "directives", "name", "runtime_type", "selections")

    def __init__(
        self,
        name: str,
        alias: str | None,
        arguments: tuple[ArgumentNode, ...],
        directives: tuple[DirectiveNode, ...],
        selections: FetchSelectionSet | None,
        runtime_type: str | None = None,
    ) -> None:
        self.name = name
        self.alias = alias
        self.arguments = arguments
        self.directives = directives
        self.selections = selections
        self.runtime_type = runtime_type

    @property
    def response_key(self) -> str:
        return self.alias or self.name

    def signature(self) -> tuple[str, str]:
        return self.name, arguments_text(self.arguments)


class FetchFragment:
    __slots__ = ("directives", "selections", "type_condition")

    def __init__(self, type_condition: str | None, directives: tuple[DirectiveNode, ...]) -> None:
        self.type_condition = type_condition
        self.directives = directives
        self.selections = FetchSelectionSet()


FetchItem = FetchField | FetchFragment


class FetchSelectionSet:
    __slots__ = ("items",)

    def __init__(self) -> None:
        self.items: dict[str, FetchItem] = {}

    def __iter__(self) -> Iterator[FetchItem]:
        return iter(self.items.values())

    def __bool__(self) -> bool:
        return bool(self.items)

    def add_field(
        self,
        name: str,
        alias: str | None = None,
        arguments: tuple[ArgumentNode, ...] = (),
        directives: tuple[DirectiveNode, ...] = (),
        *,
        composite: bool = False,
        front: bool = False,
        runtime_type: str | None = None,
    ) -> FetchField:
        """The field (merged with an equal one already here). Another field under the same response
        key (other name or arguments) is kept beside it, not merged: ``aliasing`` aliases it before
        the fetch is printed."""
        key = alias or name
        slot, existing = self._find(key, (name, arguments_text(arguments)))
        if front and existing is not None and next(iter(self.items)) != slot:
            self.items = {slot: existing, **{k: v for k, v in self.items.items() if k != slot}}
        if existing is not None:
            if existing.directives != directives:
                # Wanted both conditionally and otherwise (or under different conditions): fetch it always.
                existing.directives = tuple(d for d in existing.directives if d in directives)
            if composite and existing.selections is None:
                existing.selections = FetchSelectionSet()
            if existing.runtime_type != runtime_type:
                existing.runtime_type = None  # wanted for several types: selected for all
            return existing
        item = FetchField(name, alias, arguments, directives, FetchSelectionSet() if composite else None, runtime_type)
        if front:
            self.items = {slot: item, **self.items}
        else:
            self.items[slot] = item
        return item

    def _find(self, key: str, signature: tuple[str, str]) -> tuple[str, FetchField | None]:
        """``(slot, field)``: the slot holding the field of ``signature`` under response ``key``, or
        the free slot for it (fields clashing on one key take slots ``key``, ``key\x001``, ...)."""
        slot, counter = key, 0
        while True:
            existing = self.items.get(slot)
            if not isinstance(existing, FetchField):
                return slot, None
            if existing.signature() == signature:
                return slot, existing
            counter += 1
            slot = f"{key}\x00{counter}"

    def add_fragment(
        self, type_condition: str | None, directives: tuple[DirectiveNode, ...] = (), *, front: bool = False
    ) -> FetchFragment:
        key = f"...{type_condition or ''}{directives_text(directives)}"
        existing = self.items.get(key)
        if isinstance(existing, FetchFragment):
            return existing
        item = FetchFragment(type_condition, directives)
        if front:
            self.items = {key: item, **self.items}
        else:
            self.items[key] = item
        return item

    def rename(self, field: FetchField, alias: str) -> None:
        """Select ``field`` (one of this set's items) as ``alias`` instead, keeping its place."""
        field.alias = alias
        self.items = {(alias if value is field else key): value for key, value in self.items.items()}

    def merge(self, other: FetchSelectionSet) -> None:
        """Add every selection of ``other`` (deeply) to this one."""
        for item in other.items.values():
            if isinstance(item, FetchField):
                added = self.add_field(
                    item.name,
                    item.alias,
                    item.arguments,
                    item.directives,
                    composite=item.selections is not None,
                    runtime_type=item.runtime_type,
                )
                if item.selections is not None and added.selections is not None:
                    added.selections.merge(item.selections)
            else:
                self.add_fragment(item.type_condition, item.directives).selections.merge(item.selections)

    def print(self) -> str:
        """Compact GraphQL text (``{a b:c(x:1) ...on T{d}}``), as sent to subgraphs."""
        parts: list[str] = []
        for item in self.items.values():
            if isinstance(item, FetchField):
                head = f"{item.alias}:{item.name}" if item.alias else item.name
                text = head + arguments_text(item.arguments) + directives_text(item.directives)
                if item.selections is not None:
                    text += item.selections.print()
            else:
                condition = f"on {item.type_condition}" if item.type_condition else ""
                text = f"...{condition}{directives_text(item.directives)}{item.selections.print()}"
            parts.append(text)
        return "{" + " ".join(parts) + "}"

    def variables(self, into: dict[str, None] | None = None) -> dict[str, None]:
        """Names of the variables used, in first-use order."""
        found: dict[str, None] = {} if into is None else into
        for item in self.items.values():
            for directive in item.directives:
                for argument in directive.arguments or ():
                    _collect_variables(argument.value, found)
            if isinstance(item, FetchField):
                for argument in item.arguments:
                    _collect_variables(argument.value, found)
            if item.selections is not None:
                item.selections.variables(found)
        return found

    def requirements(self) -> tuple[Requirement, ...]:
        """This selection as representation requirements (``alias`` = where the value is read from)."""
        out: list[Requirement] = []
        for item in self.items.values():
            if isinstance(item, FetchField):
                sub = item.selections.requirements() if item.selections is not None else ()
                out.append(FieldRequirement(item.name, sub, item.alias))
            else:
                out.append(InlineFragmentRequirement(item.type_condition or "", item.selections.requirements()))
        return tuple(out)


def _collect_variables(value: ValueNode, found: dict[str, None]) -> None:
    if isinstance(value, VariableNode):
        found.setdefault(value.name.value, None)
    elif isinstance(value, ListValueNode):
        for item in value.values:
            _collect_variables(item, found)
    elif isinstance(value, ObjectValueNode):
        for field in value.fields:
            _collect_variables(field.value, found)
