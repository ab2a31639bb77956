"""scripts/system-deps.sh: says in one line what the machine lacks, and is silent when nothing is missing."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.foundation

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "system-deps.sh"


def executable(path: Path, text: str = "#!/bin/sh\n") -> None:
    path.write_text(text)
    path.chmod(0o755)


def run(
    tmp_path: Path, *, chromium: bool, nginx: bool, mode: str = "check", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The script with the two programs present or not (stand-ins in ``tmp_path``)."""
    for name, present in (("chromium", chromium), ("nginx", nginx)):
        if present:
            executable(tmp_path / name)
    environ = {
        **os.environ,
        "SYSTEM_DEPS": mode,
        "SYSTEM_DEPS_CHROMIUM": str(tmp_path / "chromium"),
        "SYSTEM_DEPS_NGINX": str(tmp_path / "nginx"),
        **(env or {}),
    }
    return subprocess.run(["sh", str(SCRIPT)], env=environ, capture_output=True, text=True, timeout=30, check=False)


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


def test_as_root_it_installs_the_missing_ones_with_apt_get_and_starts_no_service(tmp_path: Path) -> None:
    """Root and apt-get are stand-ins on PATH (``id -u`` says 0; apt-get records its calls and whether
    the policy that forbids service starts was in place), so no package is really installed."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "apt.log"
    policy = tmp_path / "policy-rc.d"
    executable(bin_dir / "id", "#!/bin/sh\necho 0\n")
    executable(
        bin_dir / "apt-get",
        f'#!/bin/sh\necho "$* policy=$(cat {policy} 2>/dev/null | tail -1) frontend=$DEBIAN_FRONTEND" >> {log}\n',
    )
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "SYSTEM_DEPS_POLICY_RC": str(policy)}
    result = run(tmp_path, chromium=False, nginx=True, mode="install", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "system-deps: installing chromium with apt-get\n"
    assert log.read_text().splitlines() == [
        # waits for dpkg's lock when another apt run holds it, instead of failing at once
        "-o DPkg::Lock::Timeout=600 update -qq policy=exit 101 frontend=noninteractive",
        "-o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends chromium policy=exit 101 "
        "frontend=noninteractive",
    ]
    assert not policy.exists()  # the policy was the script's own: removed afterwards


def test_as_root_it_leaves_an_existing_service_policy_alone(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    policy = tmp_path / "policy-rc.d"
    policy.write_text("#!/bin/sh\nexit 0\n")
    executable(bin_dir / "id", "#!/bin/sh\necho 0\n")
    executable(bin_dir / "apt-get")
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "SYSTEM_DEPS_POLICY_RC": str(policy)}
    result = run(tmp_path, chromium=False, nginx=False, mode="install", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "system-deps: installing chromium nginx with apt-get\n"
    assert policy.read_text() == "#!/bin/sh\nexit 0\n"
