"""The pipeline's stages (tests/stages.py) run every collected test exactly once.

The whole suite is collected once in a child pytest (``--collect-only``) that records each test's
markers; each stage's expression is then evaluated the way ``pytest -m`` evaluates it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from collections import Counter

import pytest
from _pytest.mark.expression import Expression

from tests.stages import ROOT, SERVICES, STAGES, WHOLE_SYSTEM, main
from tests.unit.delivery.path_filters import filters, load_workflow, matching_filters

pytestmark = pytest.mark.delivery
PLUGIN = ("-p", "tests.unit.delivery.marker_dump")


def _selects(expression: str, markers: set[str]) -> bool:
    def matcher(name: str, /, **kwargs: str | int | bool | None) -> bool:
        return name in markers

    return Expression.compile(expression).evaluate(matcher)


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    dump = tmp_path_factory.mktemp("markers") / "markers.json"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *PLUGIN],
        cwd=ROOT,
        env={**os.environ, "MARKER_DUMP": str(dump)},
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    tests = {nodeid: set(markers) for nodeid, markers in json.loads(dump.read_text()).items()}
    # the child's own count line, e.g. "796 tests collected in 12.0s"
    assert f"{len(tests)} test" in result.stdout.strip().splitlines()[-1]
    return tests


def test_every_collected_test_runs_in_exactly_one_stage(collected: dict[str, set[str]]) -> None:
    assert len(collected) > 100
    runs: Counter[str] = Counter()
    per_stage: dict[str, int] = {}
    for stage in STAGES:
        chosen = [nodeid for nodeid, markers in collected.items() if _selects(stage.expression, markers)]
        per_stage[stage.name] = len(chosen)
        runs.update(chosen)
    print("tests per stage:", per_stage, "total", len(collected))
    never = sorted(set(collected) - set(runs))
    twice = sorted(nodeid for nodeid, count in runs.items() if count > 1)
    assert never == [], never[:20]
    assert twice == [], twice[:20]
    for service in SERVICES[1:]:  # each service's stage has tests of its own
        assert per_stage[service] > 0, service
    assert this_test_id() in collected


def this_test_id() -> str:
    return "tests/unit/delivery/test_stages.py::test_every_collected_test_runs_in_exactly_one_stage"


def test_a_change_to_a_test_runs_the_job_of_its_stage(collected: dict[str, set[str]]) -> None:
    """The workflow's path filters send a change to a test file, or to a conftest.py above it, to the job
    of the service stage the test runs in (the end-to-end job runs on every change)."""
    workflow_filters = filters(load_workflow())
    assert set(SERVICES) | {"shared"} <= set(workflow_filters)
    missed = set()
    for nodeid, markers in collected.items():
        stage = next(stage.name for stage in STAGES if _selects(stage.expression, markers))
        if stage not in SERVICES:
            continue
        path = nodeid.split("::", 1)[0]
        folder = (ROOT / path).parent
        files = {path} | {
            str((parent / "conftest.py").relative_to(ROOT))
            for parent in (folder, *folder.parents)
            if parent.is_relative_to(ROOT / "tests") and (parent / "conftest.py").is_file()
        }
        for file in files:
            if not matching_filters(workflow_filters, file) & {stage, "shared"}:
                missed.add(f"{file} (stage {stage})")
    assert sorted(missed) == []


def test_a_test_with_several_markers_goes_to_the_first_service_or_the_last_whole_system_stage() -> None:
    def stages_of(*markers: str) -> list[str]:
        return [stage.name for stage in STAGES if _selects(stage.expression, set(markers))]

    assert stages_of() == ["foundation"]
    assert stages_of("integration", "parametrize") == ["foundation"]
    assert stages_of("users", "products") == ["users"]
    assert stages_of("orders", "integration") == ["orders"]
    assert stages_of("router", "e2e") == ["e2e"]
    assert stages_of("router", "e2e", "browser") == ["browser"]
    assert stages_of("e2e", "browser", "chaos", "users") == ["chaos"]


def test_every_stage_marker_is_registered() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    registered = {line.split(":")[0].strip() for line in config["tool"]["pytest"]["ini_options"]["markers"]}
    assert set(SERVICES + WHOLE_SYSTEM) <= registered


def test_the_runner_rejects_an_unknown_stage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nope"]) == 2
    assert "unknown stage" in capsys.readouterr().err


def test_a_stage_selecting_no_test_passes_and_the_closing_line_counts_all_stages(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # chaos may select nothing on this branch; a deselecting -k makes sure no test runs in either case.
    # A light child pytest: one file, no conftest, no third-party plugins.
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    args = ["-q", "-p", "no:cacheprovider", "--noconftest", "tests/unit/delivery/test_stages.py"]
    args += ["-k", "no_test_named_like_this"]
    code = main(["chaos", "--", *args])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "(no test selected)" in out
    assert out.strip().splitlines()[-1] == "stages: 0 passed, 0 failed, 0 skipped"
