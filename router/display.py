"""Print a :class:`~router.query_plan.QueryPlan` in Apollo's text form (as its
``prettyFormatQueryPlan`` does), so plans compare as readable snapshots.

Like Apollo's text form (JS and Rust alike), fetches show their operation, so a planner alias shows
as ``name__alias_0: name``, but not their input/output rewrites; :func:`rewrite_json` gives a
rewrite in the form of Apollo's JSON plans (``{"kind": "KeyRenamer", "path": [...],
"renameKeyTo": "name"}``).
"""

from __future__ import annotations

from graphql import FieldNode, OperationDefinitionNode, SelectionSetNode, parse, print_ast

from .query_plan import (
    ConditionNode,
    FetchNode,
    FetchRewrite,
    FieldRequirement,
    FlattenNode,
    ParallelNode,
    PlanNode,
    QueryPlan,
    Requirement,
    SequenceNode,
)

INDENT = "  "


def format_query_plan(plan: QueryPlan) -> str:
    if plan.node is None:
        return "QueryPlan {}"
    return "QueryPlan {" + _children([plan.node], "") + "}"


def rewrite_json(rewrite: FetchRewrite) -> dict[str, object]:
    """A rewrite as Apollo's JSON query plans write it (``inputRewrites``/``outputRewrites``)."""
    if rewrite.kind == "KeyRenamer":
        return {"kind": "KeyRenamer", "path": list(rewrite.path), "renameKeyTo": rewrite.rename_key_to}
    return {"kind": "ValueSetter", "path": list(rewrite.path), "setValueTo": rewrite.value}


def _children(nodes: list[PlanNode], indentation: str) -> str:
    inner = indentation + INDENT
    out = "\n"
    for node in nodes:
        out += inner + _node(node, inner) + ",\n"
    return out + indentation


def _block(text: str, indentation: str) -> str:
    """Re-indent graphql's two-space printing under ``indentation``."""
    lines = text.strip().split("\n")
    return "\n".join(indentation + line for line in lines)


def _requirements_text(requirements: tuple[Requirement, ...]) -> str:
    parts: list[str] = []
    for requirement in requirements:
        if isinstance(requirement, FieldRequirement):
            sub = _requirements_text(requirement.selections) if requirement.selections else ""
            parts.append(requirement.name + sub)
        else:
            parts.append(f"... on {requirement.type_condition} {_requirements_text(requirement.selections)}")
    return "{ " + " ".join(parts) + " }"


def _operation_selection(operation: str) -> SelectionSetNode:
    document = parse(operation, no_location=True)
    definition = document.definitions[0]
    assert isinstance(definition, OperationDefinitionNode)
    selection_set = definition.selection_set
    first = selection_set.selections[0] if selection_set.selections else None
    if (
        definition.operation.value == "query"
        and isinstance(first, FieldNode)
        and first.name.value == "_entities"
        and first.selection_set is not None
    ):
        return first.selection_set
    return selection_set


def _fetch(node: FetchNode, indentation: str) -> str:
    inner = indentation + INDENT
    id_text = f", id: {node.id}" if node.id else ""
    out = f'Fetch(service: "{node.service_name}"{id_text}) {{\n'
    if node.requires:
        out += _block(print_ast(parse(_requirements_text(node.requires), no_location=True)), inner) + " =>\n"
    out += _block(print_ast(_operation_selection(node.operation)), inner) + "\n" + indentation + "}"
    return out


def _node(node: PlanNode, indentation: str) -> str:
    inner = indentation + INDENT
    if isinstance(node, FetchNode):
        return _fetch(node, indentation)
    if isinstance(node, FlattenNode):
        return f'Flatten(path: "{".".join(node.path)}") {{' + _children([node.node], indentation) + "}"
    if isinstance(node, (SequenceNode, ParallelNode)):
        return f"{node.kind} {{" + _children(list(node.nodes), indentation) + "}"
    assert isinstance(node, ConditionNode)
    if node.if_clause is not None and node.else_clause is not None:
        deeper = inner + INDENT
        return (
            f"Condition(if: ${node.condition}) {{\n{inner}Then {{\n{deeper}{_node(node.if_clause, deeper)}\n"
            f"{inner}}} Else {{\n{deeper}{_node(node.else_clause, deeper)}\n{inner}}}\n{indentation}}}"
        )
    if node.if_clause is not None:
        return f"Include(if: ${node.condition}) {{\n{inner}{_node(node.if_clause, inner)}\n{indentation}}}"
    assert node.else_clause is not None
    return f"Skip(if: ${node.condition}) {{\n{inner}{_node(node.else_clause, inner)}\n{indentation}}}"
