"""A pytest plugin for test_stages: writes every collected test's marker names to $MARKER_DUMP (JSON)."""

from __future__ import annotations

import json
import os

import pytest


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    target = os.environ.get("MARKER_DUMP")
    if target:
        dump = {item.nodeid: sorted({mark.name for mark in item.iter_markers()}) for item in session.items}
        with open(target, "w", encoding="utf-8") as handle:
            json.dump(dump, handle)
