from __future__ import annotations

from pathlib import Path

import pytest

from marketplace.settings import LauncherSettings
from servicekit.settings import CommonSettings, SettingsError, build_settings, load_settings
from subgraphs.products.settings import ProductsSettings

pytestmark = pytest.mark.foundation


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("MARKETPLACE_") or name.endswith("DATABASE_URL") or name == "BROKER_URL":
            monkeypatch.delenv(name)


def test_defaults_need_no_settings() -> None:
    settings = build_settings(LauncherSettings)
    assert settings.database_url is None
    assert settings.broker_url is None
    assert settings.data_dir == Path(".data")
    assert (settings.router_port, settings.users_port, settings.products_port, settings.orders_port) == (
        4000,
        4001,
        4002,
        4003,
    )


def test_conventional_names_are_accepted_and_urls_get_the_async_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://app@db:5432/shop")
    monkeypatch.setenv("BROKER_URL", "amqp://guest:guest@mq:5672/")
    settings = build_settings(CommonSettings)
    assert settings.database_url == "postgresql+asyncpg://app@db:5432/shop"
    assert settings.broker_url == "amqp://guest:guest@mq:5672/"


def test_a_service_url_overrides_the_shared_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://app@db/shop")
    monkeypatch.setenv("PRODUCTS_DATABASE_URL", "postgresql://app@products-db/products")
    assert build_settings(ProductsSettings).effective_database_url == "postgresql+asyncpg://app@products-db/products"
    monkeypatch.delenv("PRODUCTS_DATABASE_URL")
    assert build_settings(ProductsSettings).effective_database_url == "postgresql+asyncpg://app@db/shop"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("MARKETPLACE_DATABASE_URL", "mysql://root@db/shop", "must be a PostgreSQL URL"),
        ("BROKER_URL", "kafka://broker:9092", "must be a redis://"),
        ("MARKETPLACE_LOG_LEVEL", "loud", "must be one of DEBUG"),
        ("MARKETPLACE_ENV", "staging", "MARKETPLACE_ENV"),
        ("MARKETPLACE_PRODUCTS_PORT", "70000", "between 1 and 65535"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as failure:
        build_settings(ProductsSettings)
    message = str(failure.value)
    assert "\n" not in message
    assert expected in message
    assert name.removeprefix("MARKETPLACE_") in message


def test_production_refuses_a_missing_or_placeholder_internal_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARKETPLACE_ENV", "production")
    with pytest.raises(SettingsError, match="MARKETPLACE_INTERNAL_SECRET"):
        build_settings(CommonSettings)
    monkeypatch.setenv("MARKETPLACE_INTERNAL_SECRET", "changeme")
    with pytest.raises(SettingsError, match="MARKETPLACE_INTERNAL_SECRET"):
        build_settings(CommonSettings)
    monkeypatch.setenv("MARKETPLACE_INTERNAL_SECRET", "x" * 40)
    assert build_settings(CommonSettings).is_production


def test_load_settings_exits_with_status_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MARKETPLACE_LOG_FORMAT", "xml")
    with pytest.raises(SystemExit) as exit_info:
        load_settings(CommonSettings)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("error: invalid setting: MARKETPLACE_LOG_FORMAT")
