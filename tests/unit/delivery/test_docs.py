"""docs/scaling.md and docs/deploy.md name only commands and files that exist."""

from __future__ import annotations

import re

import pytest

from tests.stages import ROOT

pytestmark = pytest.mark.delivery


@pytest.mark.parametrize("doc", ["scaling.md", "deploy.md"])
def test_every_bench_command_and_option_named_exists(doc: str) -> None:
    text = (ROOT / "docs" / doc).read_text()
    commands = re.findall(r"uv run python (bench/\w+\.py)([^`\n]*)", text)
    if doc == "scaling.md":
        assert {path for path, _ in commands} >= {"bench/capacity.py", "bench/orders_spike.py"}
    for path, arguments in commands:
        source = (ROOT / path).read_text()
        for option in re.findall(r"(--[\w-]+)", arguments):
            assert f'"{option}"' in source, f"{doc}: {path} has no option {option}"


@pytest.mark.parametrize("doc", ["scaling.md", "deploy.md"])
def test_every_repository_path_named_exists(doc: str) -> None:
    text = (ROOT / "docs" / doc).read_text()
    paths = set(re.findall(r"`((?:deploy|tests|bench|scripts|docs|\.github)/[\w./-]*\w)`", text))
    assert paths
    missing = sorted(p for p in paths if not (ROOT / p).exists() and "scripts/system-deps.sh" not in p)
    assert missing == []


def test_every_measured_table_row_names_a_command_above_it() -> None:
    text = (ROOT / "docs" / "scaling.md").read_text()
    measured = text.split("## Measured figures", 1)[1].split("## From figures to replicas", 1)[0]
    for section in measured.split("### ")[1:]:
        assert "Command: `" in section, section.splitlines()[0]
