"""Subgraph errors in production: validation messages lose their "Did you mean" hints."""

from __future__ import annotations

import strawberry
from strawberry.federation import Schema

from servicekit.graphql_errors import error_codes_extension
from servicekit.suggestions import without_suggestions


@strawberry.type
class Query:
    @strawberry.field
    def email(self) -> str:
        return "ada@example.com"


def test_without_suggestions_drops_every_form_of_hint() -> None:
    assert without_suggestions("Cannot query field 'emial' on type 'Query'. Did you mean 'email'?") == (
        "Cannot query field 'emial' on type 'Query'."
    )
    assert (
        without_suggestions("Unknown type 'Strin'. Did you mean 'String', 'Int', or 'ID'?") == "Unknown type 'Strin'."
    )
    assert without_suggestions("Value 'X' does not exist. Did you mean the enum value 'Y'? Then...") == (
        "Value 'X' does not exist. Then..."
    )


def test_a_masked_subgraph_suggests_nothing_and_an_unmasked_one_does() -> None:
    for mask, hinted in ((True, False), (False, True)):
        schema = Schema(query=Query, extensions=[error_codes_extension(mask=mask)])
        result = schema.execute_sync("{ emial }")
        assert result.errors
        assert result.errors[0].extensions == {"code": "GRAPHQL_VALIDATION_FAILED"}
        assert ("Did you mean" in result.errors[0].message) is hinted
