"""The GitHub workflow: valid against the workflow JSON schema (check-jsonschema's vendored copy, offline),
and every make target, pytest stage, path filter and file it names exists here."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.stages import ROOT, SERVICES, STAGE_NAMES
from tests.unit.delivery.path_filters import WORKFLOW, filters, load_workflow, matches, matching_filters

pytestmark = pytest.mark.delivery
IMAGES = ("users", "products", "orders", "router")
OFFLINE = {"HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9", "NO_PROXY": ""}
# Files no service job reads: the end-to-end job, which runs on every change, takes these tests.
END_TO_END_ONLY = ("tests/e2e/**", "tests/chaos/**", ".gitignore")


@pytest.fixture(scope="module")
def workflow() -> dict[Any, Any]:
    return load_workflow()


def check_jsonschema(path: Path) -> subprocess.CompletedProcess[str]:
    command = [Path(sys.executable).parent / "check-jsonschema", "--builtin-schema", "vendor.github-workflows"]
    return subprocess.run(
        [*map(str, command), str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, **OFFLINE},  # the schema ships inside the package: no network needed
        timeout=60,
        check=False,
    )


def test_the_workflow_validates_against_the_github_workflow_schema() -> None:
    result = check_jsonschema(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_rejects_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "ci.yml"
    broken.write_text(WORKFLOW.read_text().replace("runs-on: ubuntu-24.04", "run-on: ubuntu-24.04", 1))
    result = check_jsonschema(broken)
    assert result.returncode != 0
    assert "run-on" in result.stdout + result.stderr


def run_scripts(workflow: dict[Any, Any]) -> list[str]:
    return [step["run"] for job in workflow["jobs"].values() for step in job.get("steps", []) if "run" in step]


def expand(text: str, service: str) -> str:
    return text.replace("${{ matrix.service }}", service)


def test_every_make_target_named_exists(workflow: dict[Any, Any]) -> None:
    services = [name for name in filters(workflow) if name != "shared"]
    targets = set()
    for script in run_scripts(workflow):
        for service in services:
            targets |= set(re.findall(r"\bmake ([\w${}. -]+?)(?:\s+[A-Z_]+=|$|\n|;|&)", expand(script, service)))
    targets = {word for target in targets for word in target.split() if not word.startswith("-")}
    assert {"lint", "test-e2e", "test-integration", "system-deps"} | {f"test-{s}" for s in services} <= targets
    for target in sorted(targets):
        result = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True, check=False)
        assert result.returncode == 0, f"make {target}: {result.stderr}"


def test_the_service_jobs_run_the_stages_make_test_runs(workflow: dict[Any, Any]) -> None:
    services = [name for name in filters(workflow) if name != "shared"]
    assert tuple(services) == SERVICES  # the matrix offers every service stage, in make test's order
    pick = next(s for s in workflow["jobs"]["changes"]["steps"] if s.get("id") == "pick")["run"]
    assert "all='" + str(list(SERVICES)).replace("'", '"').replace(" ", "") + "'" in pick
    makefile = (ROOT / "Makefile").read_text()
    e2e_stages = re.search(r"^test-e2e:.*\n\t\$\(STAGES\) ([\w ]+) --", makefile, re.M)
    assert e2e_stages is not None
    assert tuple(e2e_stages.group(1).split()) == STAGE_NAMES[len(SERVICES) :]  # e2e, browser, chaos
    markers = {m for script in run_scripts(workflow) for m in re.findall(r"-m\s+['\"]?(\w+)", script)}
    assert markers <= set(STAGE_NAMES) | {"integration"}


def test_every_path_filter_matches_files_and_every_file_it_names_exists(workflow: dict[Any, Any]) -> None:
    for name, patterns in filters(workflow).items():
        for pattern in patterns:
            assert any(ROOT.glob(pattern)), f"filter {name}: {pattern} matches no file"
    named = set()
    for script in run_scripts(workflow):
        named |= set(re.findall(r"\b((?:deploy|tests|scripts)/[\w./-]+\w)", script))
    for job in workflow["jobs"].values():
        named |= {value for key, value in job.get("env", {}).items() if str(value).startswith("deploy/")}
        for step in job.get("steps", []):
            for key in ("file", "cache-dependency-path"):
                value = step.get("with", {}).get(key)
                if value:
                    named |= {expand(value, service) for service in IMAGES}
    assert {"deploy/k8s/overlays/prod", "deploy/k8s/smoke.sh", "Dockerfile.router"} <= named
    missing = sorted(path for path in named if not (ROOT / path).exists())
    assert missing == []


def test_the_glob_reading_matches_as_the_path_filter_does() -> None:
    assert matches("servicekit/**", "servicekit/a/b.py")
    assert matches("tests/support/**", "tests/support/x.py")
    assert not matches("tests/support/**", "tests/supports.py")
    assert matches("Dockerfile.*", "Dockerfile.users")
    assert not matches("Dockerfile.*", "deploy/Dockerfile.users")
    assert not matches("tests/conftest.py", "tests/unit/conftest.py")
    assert matches("**/conftest.py", "tests/unit/conftest.py")


def test_every_tracked_file_is_in_a_path_filter(workflow: dict[Any, Any]) -> None:
    """A change to any file runs some job besides end to end (or is one of the few only it reads)."""
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    files = listed.splitlines()
    assert "tests/stages.py" in files
    left_out = [
        path
        for path in files
        if not matching_filters(filters(workflow), path) and not any(matches(p, path) for p in END_TO_END_ONLY)
    ]
    assert left_out == []


def test_images_are_cached_tagged_with_the_commit_and_pushed_on_main_only(workflow: dict[Any, Any]) -> None:
    job = workflow["jobs"]["images"]
    assert job["strategy"]["matrix"]["service"] == list(IMAGES)
    build = next(s for s in job["steps"] if s.get("uses", "").startswith("docker/build-push-action"))
    assert "${{ github.sha }}" in build["with"]["tags"]
    assert build["with"]["cache-from"].startswith("type=gha")
    assert build["with"]["cache-to"].startswith("type=gha")
    assert "refs/heads/main" in job["env"]["PUSH"]
    for service in IMAGES:
        assert (ROOT / expand(build["with"]["file"], service)).is_file()


def test_end_to_end_runs_after_the_services_and_deploy_after_everything(workflow: dict[Any, Any]) -> None:
    jobs = workflow["jobs"]
    assert "service" in jobs["e2e"]["needs"]
    assert set(jobs["deploy"]["needs"]) == {"e2e", "images"}
    assert jobs["deploy"]["environment"]["name"] == "production"  # gated by the environment's reviewers
    assert "refs/heads/main" in jobs["deploy"]["if"]
    steps = jobs["deploy"]["steps"]
    rollback = next(s for s in steps if "rollout undo" in s.get("run", ""))
    assert rollback["if"].startswith("failure()")
    smoke = [s for s in steps if "smoke.sh" in s.get("run", "")]
    assert smoke
    assert steps.index(smoke[0]) < steps.index(rollback)
    for service in SERVICES[1:]:
        assert service in jobs["deploy"]["env"]["DEPLOYMENTS"].split()


def test_ci_run_runs_the_workflow_stages_in_the_workflow_order(workflow: dict[Any, Any]) -> None:
    """.ci/run: lint, then `make test` (every stage: each service alone, then end to end), then the
    integration tests on the embedded servers, as the lint, service and end-to-end jobs run them."""
    script = (ROOT / ".ci" / "run").read_text()
    lines = [line.strip() for line in script.replace("\\\n", " ").splitlines()]  # continuations joined
    commands = [line for line in lines if not line.startswith(("#", "step ", "echo "))]
    made = [re.search(r"\bmake ([\w-]+)", line) for line in commands]
    targets = [found.group(1) for found in made if found]
    assert targets[:3] == ["lint", "test", "test-integration"], targets
    embedded = next(line for line in commands if "make test-integration" in line)
    assert "env -u TEST_DATABASE_URL -u TEST_REDIS_URL -u TEST_RABBITMQ_URL" in embedded
    jobs = workflow["jobs"]
    assert "make lint" in run_scripts({"jobs": {"lint": jobs["lint"]}})
    assert {"lint", "service"} <= set(jobs["e2e"]["needs"])
    e2e = run_scripts({"jobs": {"e2e": jobs["e2e"]}})
    assert [line.split(" PYTEST_ARGS")[0].split()[-1] for line in e2e if "make test" in line] == [
        "test-e2e",
        "test-integration",
    ]
    assert "env -u TEST_DATABASE_URL -u TEST_REDIS_URL -u TEST_RABBITMQ_URL" in e2e[-1]
