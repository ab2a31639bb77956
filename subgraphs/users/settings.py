"""Settings of the users subgraph (prefix ``MARKETPLACE_USERS_``; see docs/users.md)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import field_validator, model_validator

from servicekit.settings import SubgraphSettings, env_field

# OWASP's minimum for argon2id: 19 MiB of memory, 2 iterations, 1 lane.
ARGON2_MIN_MEMORY_KIB = 19 * 1024
ARGON2_MIN_TIME_COST = 2


class UsersSettings(SubgraphSettings):
    service_name: ClassVar[str] = "users"

    port: int = env_field(4001, "USERS_PORT")
    service_database_url: str | None = env_field(
        None, "USERS_DATABASE_URL", "USERS_DATABASE_URL", description="falls back to DATABASE_URL"
    )
    signing_keys: str | None = env_field(
        None,
        "USERS_SIGNING_KEYS",
        description="Ed25519 private keys (PEM blocks, newest first) that sign access tokens; "
        "unset: generated into <data dir>/keys/users/",
    )
    access_token_ttl_seconds: int = env_field(900, "USERS_ACCESS_TOKEN_TTL_SECONDS")
    refresh_token_ttl_seconds: int = env_field(30 * 24 * 3600, "USERS_REFRESH_TOKEN_TTL_SECONDS")
    password_min_length: int = env_field(12, "USERS_PASSWORD_MIN_LENGTH")
    password_max_length: int = env_field(128, "USERS_PASSWORD_MAX_LENGTH")
    argon2_memory_kib: int = env_field(ARGON2_MIN_MEMORY_KIB, "USERS_ARGON2_MEMORY_KIB")
    argon2_time_cost: int = env_field(ARGON2_MIN_TIME_COST, "USERS_ARGON2_TIME_COST")
    argon2_parallelism: int = env_field(1, "USERS_ARGON2_PARALLELISM")
    login_window_seconds: int = env_field(900, "USERS_LOGIN_WINDOW_SECONDS")
    # See docs/users.md: per account and per address count only attempts from addresses not known for the account.
    login_max_failures_per_account: int = env_field(10, "USERS_LOGIN_MAX_FAILURES_PER_ACCOUNT")
    login_max_failures_per_address: int = env_field(50, "USERS_LOGIN_MAX_FAILURES_PER_ADDRESS")
    login_max_failures_per_account_and_address: int = env_field(5, "USERS_LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS")
    login_known_address_days: int = env_field(90, "USERS_LOGIN_KNOWN_ADDRESS_DAYS")

    @field_validator(
        "access_token_ttl_seconds",
        "refresh_token_ttl_seconds",
        "password_min_length",
        "argon2_parallelism",
        "login_window_seconds",
        "login_max_failures_per_account",
        "login_max_failures_per_address",
        "login_max_failures_per_account_and_address",
        "login_known_address_days",
    )
    @classmethod
    def _positive(cls, value: int) -> int:
        if value < 1:
            raise ValueError("must be 1 or more")
        return value

    @field_validator("argon2_memory_kib")
    @classmethod
    def _memory(cls, value: int) -> int:
        if value < ARGON2_MIN_MEMORY_KIB:
            raise ValueError(f"must be at least {ARGON2_MIN_MEMORY_KIB} KiB (OWASP's minimum for argon2id)")
        return value

    @field_validator("argon2_time_cost")
    @classmethod
    def _time_cost(cls, value: int) -> int:
        if value < ARGON2_MIN_TIME_COST:
            raise ValueError(f"must be at least {ARGON2_MIN_TIME_COST} (OWASP's minimum for argon2id)")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> UsersSettings:
        if self.password_max_length < self.password_min_length:
            raise ValueError("MARKETPLACE_USERS_PASSWORD_MAX_LENGTH must not be below the minimum length")
        if self.is_production and not self.signing_keys:
            raise ValueError(
                "MARKETPLACE_USERS_SIGNING_KEYS must hold the Ed25519 signing key(s) in production, "
                "so that every instance signs with the same keys"
            )
        return self
