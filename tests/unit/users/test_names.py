"""A user's name: what the service accepts is exactly what the OpenAPI document's pattern promises."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from servicekit.errors import BadUserInput
from subgraphs.users.service.accounts import NAME_MAX_LENGTH, clean_name

pytestmark = pytest.mark.users

CONSTRAINTS = Path(__file__).resolve().parents[3] / "router" / "rest" / "operations" / "constraints.yaml"
PATTERN = re.compile(yaml.safe_load(CONSTRAINTS.read_text())["inputs"]["CreateUserInput"]["name"]["pattern"])


def accepted(name: str) -> bool:
    try:
        clean_name(name)
    except BadUserInput:
        return False
    return True


def test_runs_of_whitespace_are_stored_as_one_space() -> None:
    assert clean_name("  Ada \t  Lovelace\n") == "Ada Lovelace"


def test_the_limit_counts_the_name_as_sent_less_the_whitespace_around_it() -> None:
    assert clean_name("  " + "a" * NAME_MAX_LENGTH + "  ") == "a" * NAME_MAX_LENGTH
    assert not accepted("a" * (NAME_MAX_LENGTH + 1))
    # 212 as sent, 62 once collapsed: refused, as the document's pattern says
    assert not accepted("a" + " " * 150 + "b" * 61)
    # combining marks are characters: 201 code points is over the limit, whatever they render as
    assert not accepted("e\u0301" * 100 + "x")


names = st.text(alphabet=st.sampled_from(["a", "\u0301", "\U0001f600", " ", "\t", "\u3000"]), max_size=260)


@given(names)
def test_the_service_accepts_exactly_what_the_openapi_pattern_allows(name: str) -> None:
    assert accepted(name) == (PATTERN.search(name) is not None)
