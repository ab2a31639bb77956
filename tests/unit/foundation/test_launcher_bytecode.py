"""The launcher's children keep compiled bytecode (in the data folder) when PYTHONDONTWRITEBYTECODE is set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from marketplace.stack import ROOT, bytecode_env

pytestmark = pytest.mark.foundation


def test_without_the_variable_the_children_inherit_python_defaults(tmp_path: Path) -> None:
    assert bytecode_env(tmp_path, {}) == {}
    assert bytecode_env(tmp_path, {"PYTHONDONTWRITEBYTECODE": ""}) == {}


def test_with_the_variable_a_child_writes_its_bytecode_under_the_data_folder(tmp_path: Path) -> None:
    caller = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    child = {**caller, **bytecode_env(tmp_path, caller)}
    probe = "import marketplace.edge_config"
    subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=child, check=True)
    written = list((tmp_path / "bytecode").rglob("edge_config.*.pyc"))
    assert len(written) == 1
    assert written[0].is_relative_to(tmp_path / "bytecode" / str(ROOT).lstrip("/") / "marketplace")
