"""scripts/system-deps.sh: says in one line what the machine lacks, and is silent when nothing is missing."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.foundation

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "system-deps.sh"


def run(tmp_path: Path, *, chromium: bool, nginx: bool) -> subprocess.CompletedProcess[str]:
    """The script in report-only mode, with the two programs present or not (stand-ins in ``tmp_path``)."""
    for name, present in (("chromium", chromium), ("nginx", nginx)):
        path = tmp_path / name
        if present:
            path.write_text("#!/bin/sh\n")
            path.chmod(0o755)
    env = {
        **os.environ,
        "SYSTEM_DEPS": "check",
        "SYSTEM_DEPS_CHROMIUM": str(tmp_path / "chromium"),
        "SYSTEM_DEPS_NGINX": str(tmp_path / "nginx"),
    }
    return subprocess.run(["sh", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=30, check=False)


@pytest.mark.parametrize(
    ("chromium", "nginx", "named"),
    [(False, False, "chromium nginx"), (False, True, "chromium"), (True, False, "nginx")],
)
def test_one_line_names_what_to_install(tmp_path: Path, chromium: bool, nginx: bool, named: str) -> None:
    result = run(tmp_path, chromium=chromium, nginx=nginx)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    assert f"missing {named} " in lines[0]
    assert f"apt-get install {named}`" in lines[0]
    assert result.stderr == ""


def test_silent_when_nothing_is_missing(tmp_path: Path) -> None:
    result = run(tmp_path, chromium=True, nginx=True)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
