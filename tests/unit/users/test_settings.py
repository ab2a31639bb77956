"""The users service's settings: OWASP floors for argon2id, signing keys, production rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from servicekit.keys import KeyRing, KeyRingError
from servicekit.settings import SettingsError, build_settings
from subgraphs.users.settings import UsersSettings
from subgraphs.users.tokens import load_key_ring

pytestmark = pytest.mark.users
SECRET = "a-real-internal-secret-of-more-than-32-characters"


def test_the_defaults_meet_the_owasp_minimum() -> None:
    settings = build_settings(UsersSettings)
    assert settings.argon2_memory_kib >= 19 * 1024
    assert settings.argon2_time_cost >= 2
    assert settings.access_token_ttl_seconds == 900


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("MARKETPLACE_USERS_ARGON2_MEMORY_KIB", "8192", "MARKETPLACE_USERS_ARGON2_MEMORY_KIB"),
        ("MARKETPLACE_USERS_ARGON2_TIME_COST", "1", "MARKETPLACE_USERS_ARGON2_TIME_COST"),
        ("MARKETPLACE_USERS_PASSWORD_MAX_LENGTH", "4", "MAX_LENGTH"),
        ("MARKETPLACE_USERS_LOGIN_MAX_FAILURES_PER_ACCOUNT", "0", "MAX_FAILURES_PER_ACCOUNT"),
    ],
)
def test_weak_values_are_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=message):
        build_settings(UsersSettings)


def test_production_requires_signing_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARKETPLACE_ENV", "production")
    monkeypatch.setenv("MARKETPLACE_INTERNAL_SECRET", SECRET)
    with pytest.raises(SettingsError, match="MARKETPLACE_USERS_SIGNING_KEYS"):
        build_settings(UsersSettings)
    pem = KeyRing.generate().active.pem().decode()
    monkeypatch.setenv("MARKETPLACE_USERS_SIGNING_KEYS", pem)
    assert build_settings(UsersSettings).signing_keys == pem


def test_keys_come_from_the_setting_newest_first(tmp_path: Path) -> None:
    newest, older = KeyRing.generate().active, KeyRing.generate().active
    settings = UsersSettings(data_dir=tmp_path, signing_keys=(newest.pem() + older.pem()).decode())
    ring = load_key_ring(settings)
    assert [key.kid for key in ring.keys] == [newest.kid, older.kid]
    assert not (tmp_path / "keys").exists()  # nothing generated when keys are given


def test_keys_are_generated_into_the_data_folder_for_local_runs(tmp_path: Path) -> None:
    settings = UsersSettings(data_dir=tmp_path)
    ring = load_key_ring(settings)
    assert load_key_ring(settings).active.kid == ring.active.kid
    assert len(list((tmp_path / "keys" / "users").glob("*.pem"))) == 1


def test_a_bad_key_setting_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(KeyRingError, match="MARKETPLACE_USERS_SIGNING_KEYS"):
        load_key_ring(UsersSettings(data_dir=tmp_path, signing_keys="not a pem"))
