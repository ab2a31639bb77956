"""The workflow's path filters (dorny/paths-filter, picomatch globs), read for the delivery tests."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from tests.stages import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


def load_workflow(path: Path = WORKFLOW) -> dict[Any, Any]:
    loaded = yaml.safe_load(path.read_text())
    assert isinstance(loaded, dict)
    return loaded


def filters(workflow: dict[Any, Any]) -> dict[str, list[str]]:
    step = next(s for s in workflow["jobs"]["changes"]["steps"] if s.get("id") == "filter")
    parsed = yaml.safe_load(step["with"]["filters"])
    assert isinstance(parsed, dict)
    return parsed


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    """A glob as the filter reads it: ``**`` any number of folders, ``*`` and ``?`` within one name."""
    parts, index = [], 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            parts.append("(?:.*/)?")
            index += 3
        elif pattern.startswith("**", index):
            parts.append(".*")
            index += 2
        elif pattern[index] == "*":
            parts.append("[^/]*")
            index += 1
        elif pattern[index] == "?":
            parts.append("[^/]")
            index += 1
        else:
            parts.append(re.escape(pattern[index]))
            index += 1
    return re.compile("".join(parts))


def matches(pattern: str, path: str) -> bool:
    return _regex(pattern).fullmatch(path) is not None


def matching_filters(workflow_filters: dict[str, list[str]], path: str) -> set[str]:
    return {name for name, patterns in workflow_filters.items() if any(matches(p, path) for p in patterns)}
