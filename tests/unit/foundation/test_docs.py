"""Docs that match the code: every setting of every process is documented under docs/."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from pydantic import AliasChoices
from pydantic_settings import BaseSettings

pytestmark = pytest.mark.foundation
ROOT = Path(__file__).resolve().parents[3]
SETTINGS_CLASSES = [
    "servicekit.settings:CommonSettings",
    "marketplace.settings:LauncherSettings",
    "subgraphs.users.settings:UsersSettings",
    "subgraphs.products.settings:ProductsSettings",
    "subgraphs.orders.settings:OrdersSettings",
    "router.server.settings:RouterSettings",
    "servicekit.tracing:TracingSettings",
]


def documented_text() -> str:
    return "\n".join(path.read_text() for path in (ROOT / "docs").glob("*.md"))


@pytest.mark.parametrize("dotted", SETTINGS_CLASSES)
def test_every_setting_is_documented(dotted: str) -> None:
    module, _, name = dotted.partition(":")
    cls: type[BaseSettings] = getattr(importlib.import_module(module), name)
    docs = documented_text()
    missing = []
    for field_name, field in cls.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            main = str(alias.choices[0])
            if main not in docs:
                missing.append(main)
        elif field_name != "service_database_url":
            missing.append(field_name)
    assert missing == [], f"undocumented settings of {name}: {missing}"


def test_the_readme_gives_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make up" in readme
    assert "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()
