"""Schemathesis run from inside a test: every operation of an OpenAPI document served over HTTP.

(schemathesis' ``from_fixture`` pytest loader does not work with pytest 9, and ``from_url`` at import
time would need the server before the test starts it, so each operation gets a Hypothesis test
built and run here.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import FlakyStrategyDefinition, Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import positive_data_acceptance

# Refusals of schema-valid requests that no JSON Schema can state (docs/rest.md, "Constraints beyond
# the types"): they compare two values of one request. A 422 carrying exactly one of these messages
# is a correct answer; any other refusal of a schema-valid request is still a failure.
CROSS_FIELD_RULES = (
    ("filter.minPrice", "minPrice must not be greater than maxPrice"),
    ("items.", "appears more than once"),
)


def _cross_field_refusal(response: Any) -> bool:
    if response.status_code != 422:
        return False
    try:
        errors = response.json().get("errors") or []
    except ValueError:
        return False
    return len(errors) == 1 and any(
        str(errors[0].get("extensions", {}).get("field", "")).startswith(field) and text in errors[0].get("message", "")
        for field, text in CROSS_FIELD_RULES
    )


def positive_data_acceptance_but_cross_field_rules(ctx: Any, response: Any, case: Any) -> bool | None:
    """schemathesis' ST202, except for the two cross-field rules above."""
    if _cross_field_refusal(response):
        return None
    return positive_data_acceptance(ctx, response, case)


def _run(operation: Any, mode: GenerationMode, headers: dict[str, str], max_examples: int) -> None:
    # Every check schemathesis has, positive data acceptance (ST202) included: the document states
    # every constraint the API enforces, so a schema-valid request is accepted (but for the two
    # cross-field rules of CROSS_FIELD_RULES).
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=max_examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def run(case: Any) -> None:
        case.call_and_validate(
            headers=headers,
            excluded_checks=[positive_data_acceptance],
            additional_checks=[positive_data_acceptance_but_cross_field_rules],
        )

    run()


def fuzz(
    openapi_url: str,
    *,
    headers: Mapping[str, str] | None = None,
    max_examples: int = 25,
    modes: tuple[GenerationMode, ...] = (GenerationMode.POSITIVE,),
) -> list[str]:
    """Failures found (one entry per operation and mode); empty when the API keeps its promises."""
    schema = schemathesis.openapi.from_url(openapi_url)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"invalid operation in the document: {result}"
        operation = result.ok()
        operations += 1
        for mode in modes:
            try:
                _run(operation, mode, dict(headers or {}), max_examples)
            except Unsatisfiable:
                continue  # no invalid request exists for this operation (e.g. one string path parameter)
            except (Exception, BaseExceptionGroup) as error:
                failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}): {error}")
    assert operations > 0, "the document has no operations"
    return failures


def fuzz_stateful(
    openapi_url: str, *, headers: Mapping[str, str] | None = None, max_examples: int = 10, steps: int = 6
) -> list[str]:
    """Scenarios that follow the document's links (create, then read, change, delete what was made),
    so that success responses are checked too; failures found (empty when none)."""
    schema = schemathesis.openapi.from_url(openapi_url)
    machine = schema.as_state_machine()
    sent = dict(headers or {})
    found: list[str] = []

    class Scenarios(machine):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": sent}

        def step(self, input: Any) -> Any:
            try:
                return super().step(input)
            except (Exception, BaseExceptionGroup) as error:
                # Kept as first seen: Hypothesis' replay of a failing scenario may differ (the
                # server's data changed) and then reports only "inconsistent data generation".
                found.append(str(error))
                raise

        def validate_response(self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any) -> None:
            case.validate_response(
                response,
                excluded_checks=[positive_data_acceptance],
                additional_checks=[positive_data_acceptance_but_cross_field_rules],
                transport_kwargs=kwargs or None,
            )

    try:
        Scenarios.run(
            settings=settings(
                max_examples=max_examples,
                stateful_step_count=steps,
                # No shrinking: the scenarios change the server's data, so replays differ.
                phases=[Phase.explicit, Phase.reuse, Phase.generate],
                deadline=None,
                suppress_health_check=list(HealthCheck),
                database=None,
            )
        )
    except FlakyStrategyDefinition:
        if found:
            return [f"stateful (as first seen): {found[0]}"]
        # No step failed: Hypothesis replayed a scenario's choices against a server whose data the
        # earlier scenarios changed (links follow the responses), so the replay drew differently.
        # That is a property of stateful testing against a live server, not a finding.
        return []
    except (Exception, BaseExceptionGroup) as error:
        return [f"stateful: {error}", *(f"stateful (as first seen): {text}" for text in found[:1])]
    return []
