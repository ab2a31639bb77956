"""Known-bad subgraph sets are refused with Apollo's error codes; every error is reported, each naming
the subgraph, type and field at fault."""

from __future__ import annotations

from typing import Any

import pytest

from router.compose import CompositionFailed, SubgraphInput, compose, compose_or_raise
from tests.unit.router.compose.bad_cases import INVALID, MULTIPLE, MULTIPLE_CODES
from tests.unit.router.compose.support import SubgraphSet, apollo_compose_batch, as_inputs

pytestmark = pytest.mark.router


def _ours(subgraphs: SubgraphSet) -> Any:
    return compose([SubgraphInput(**s) for s in as_inputs(subgraphs)])


@pytest.fixture(scope="module")
def apollo() -> dict[str, dict[str, Any]]:
    cases = {name: subgraphs for name, (subgraphs, _) in INVALID.items()}
    cases["multiple"] = MULTIPLE
    return apollo_compose_batch(cases)


@pytest.mark.parametrize("case", sorted(INVALID))
def test_refused_with_apollos_code(case: str, apollo: dict[str, dict[str, Any]]) -> None:
    subgraphs, code = INVALID[case]
    apollo_codes = {e["code"] for e in apollo[case].get("errors", [])}
    assert code in apollo_codes, f"the case is not refused by Apollo with {code}: {apollo[case]}"
    result = _ours(subgraphs)
    assert result.supergraph_sdl is None
    our_codes = {e.code for e in result.errors}
    assert code in our_codes, [str(e) for e in result.errors]
    # and we report nothing Apollo would not
    assert our_codes <= apollo_codes


def test_all_errors_are_collected(apollo: dict[str, dict[str, Any]]) -> None:
    result = _ours(MULTIPLE)
    assert {e.code for e in result.errors} == MULTIPLE_CODES
    assert {e["code"] for e in apollo["multiple"]["errors"]} == MULTIPLE_CODES


def test_errors_name_subgraph_type_and_field() -> None:
    sharing = next(e for e in _ours(INVALID["non_shareable_field"][0]).errors)
    assert (sharing.code, sharing.type_name, sharing.field) == ("INVALID_FIELD_SHARING", "T", "name")
    assert 'resolved from subgraphs "a" and "b"' in sharing.message
    key = next(e for e in _ours(INVALID["key_unknown_field"][0]).errors)
    assert (key.subgraph, key.type_name) == ("a", "T")
    assert key.message.startswith('[a] On type "T", for @key(fields: "nope")')
    mismatch = next(e for e in _ours(INVALID["field_type_mismatch"][0]).errors)
    assert (mismatch.type_name, mismatch.field) == ("P", "x")
    assert 'type "Int" in subgraph "a" but type "String" in subgraph "b"' in mismatch.message


def test_syntax_errors_name_the_subgraph() -> None:
    # (Apollo's composeServices takes parsed documents, so its parser fails before composition.)
    result = _ours([("users", "type Query { a: }"), ("b", "type Query { b: Int }")])
    (error,) = result.errors
    assert (error.code, error.subgraph) == ("INVALID_GRAPHQL", "users")
    assert error.message.startswith("[users] Syntax Error")


def test_compose_or_raise() -> None:
    with pytest.raises(CompositionFailed) as raised:
        compose_or_raise(as_inputs_set(INVALID["non_shareable_field"][0]))
    assert raised.value.errors[0].code == "INVALID_FIELD_SHARING"


def as_inputs_set(subgraphs: SubgraphSet) -> list[SubgraphInput]:
    return [SubgraphInput(**s) for s in as_inputs(subgraphs)]
