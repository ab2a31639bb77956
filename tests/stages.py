"""The stages of the test pipeline: each service alone, then the whole system end to end.

``make test`` runs every stage in order, ``make test-<stage>`` one of them, and the GitHub workflow one
per job, so what runs here is what the pipeline runs there. Each stage is one pytest process selecting
its tests with a marker expression. A test belongs to exactly one stage (``tests/unit/delivery/
test_stages.py`` checks that over the collected suite):

- the end-to-end stages take every test marked ``e2e``, ``browser`` or ``chaos`` (the later of them
  wins), whatever service markers it also carries: they need the whole stack, nginx or a browser;
- the service stages take the rest, the first listed service marker winning; the ``foundation`` stage
  also takes the tests that carry no stage marker at all, so no test is left out.

A stage that selects no test (pytest's exit code 5, e.g. ``chaos`` before any chaos test exists) passes.

    python -m tests.stages                      # every stage, in order
    python -m tests.stages users router -- -q   # some stages; arguments after -- go to pytest
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("foundation", "users", "products", "orders", "router")
WHOLE_SYSTEM = ("e2e", "browser", "chaos")
NO_TESTS_COLLECTED = 5


@dataclass(frozen=True)
class Stage:
    name: str
    expression: str


def _any(markers: tuple[str, ...]) -> str:
    return "(" + " or ".join(markers) + ")"


def build_stages() -> tuple[Stage, ...]:
    stages: list[Stage] = []
    for index, service in enumerate(SERVICES):
        earlier = SERVICES[:index]
        if index == 0:
            # foundation, plus every test without any stage marker
            expression = f"not {_any(SERVICES[1:] + WHOLE_SYSTEM)}"
        else:
            expression = f"{service} and not {_any(earlier + WHOLE_SYSTEM)}"
        stages.append(Stage(service, expression))
    for index, marker in enumerate(WHOLE_SYSTEM):
        later = WHOLE_SYSTEM[index + 1 :]
        stages.append(Stage(marker, f"{marker} and not {_any(later)}" if later else marker))
    return tuple(stages)


STAGES = build_stages()
STAGE_NAMES = tuple(stage.name for stage in STAGES)


@dataclass
class Outcome:
    stage: str
    seconds: float
    exit_code: int
    passed: int = 0
    failed: int = 0
    skipped: int = 0

    @property
    def ok(self) -> bool:
        return self.exit_code in (0, NO_TESTS_COLLECTED)


def _count(report: Path, outcome: Outcome) -> None:
    """Add up the stage's JUnit report (absent when pytest stopped before running anything)."""
    if not report.exists() or report.stat().st_size == 0:
        return
    root = ET.parse(report).getroot()  # noqa: S314 - pytest's own report of this run
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    for suite in suites:
        tests = int(suite.get("tests", 0))
        failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped = int(suite.get("skipped", 0))
        outcome.failed += failed
        outcome.skipped += skipped
        outcome.passed += tests - failed - skipped


def run_stage(stage: Stage, pytest_args: list[str]) -> Outcome:
    print(f"\n=== stage {stage.name}: pytest -m '{stage.expression}'", flush=True)
    with tempfile.TemporaryDirectory(prefix="stage-") as folder:
        report = Path(folder) / "junit.xml"
        command = [sys.executable, "-m", "pytest", "-m", stage.expression, f"--junitxml={report}", *pytest_args]
        started = time.monotonic()
        exit_code = subprocess.call(command, cwd=ROOT)
        outcome = Outcome(stage.name, time.monotonic() - started, exit_code)
        _count(report, outcome)
    note = " (no test selected)" if exit_code == NO_TESTS_COLLECTED else ""
    print(f"=== stage {stage.name}: exit {exit_code}{note} in {outcome.seconds:.1f}s", flush=True)
    return outcome


def main(argv: list[str]) -> int:
    names, pytest_args = (argv[: argv.index("--")], argv[argv.index("--") + 1 :]) if "--" in argv else (argv, [])
    unknown = [name for name in names if name not in STAGE_NAMES]
    if unknown:
        print(f"unknown stage(s) {unknown}; stages: {', '.join(STAGE_NAMES)}", file=sys.stderr)
        return 2
    selected = [stage for stage in STAGES if not names or stage.name in names]
    outcomes: list[Outcome] = []
    for stage in selected:
        outcomes.append(run_stage(stage, pytest_args))
        if not outcomes[-1].ok:
            break  # a later stage builds on this one, as the pipeline's jobs do
    print("\n=== stage durations")
    for outcome in outcomes:
        status = "ok" if outcome.ok else f"FAILED (exit {outcome.exit_code})"
        print(f"  {outcome.stage:<11} {outcome.seconds:7.1f}s  {outcome.passed:4d} passed  {status}")
    skipped_stages = [stage.name for stage in selected[len(outcomes) :]]
    if skipped_stages:
        print(f"  not run after the failure: {', '.join(skipped_stages)}")
    passed = sum(outcome.passed for outcome in outcomes)
    failed = sum(outcome.failed for outcome in outcomes)
    skipped = sum(outcome.skipped for outcome in outcomes)
    # One closing line over all stages: the last stage alone may rightly have selected no test.
    print(f"stages: {passed} passed, {failed} failed, {skipped} skipped")
    return 0 if all(outcome.ok for outcome in outcomes) and len(outcomes) == len(selected) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
