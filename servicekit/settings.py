"""Settings shared by every process kind.

Every setting is read from an environment variable with the ``MARKETPLACE_`` prefix
(``MARKETPLACE_DATA_DIR``...). The conventional unprefixed names that operators and hosting
platforms already use (``DATABASE_URL``, ``BROKER_URL``, ``USERS_DATABASE_URL``...) are accepted as
aliases. Nothing else in the code base reads ``os.environ``: a process builds its settings class once
at start through :func:`load_settings`, which turns a bad value into one clear line and exit code 2.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import AliasChoices, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "MARKETPLACE_"
DEFAULT_DATA_DIR = Path(".data")
PLACEHOLDER_SECRETS = frozenset({"changeme", "changethis", "secret", "change-me"})


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


def env_field(default: Any, name: str, *aliases: str, description: str = "") -> Any:
    """A field read from ``MARKETPLACE_<NAME>`` or one of its conventional unprefixed aliases."""
    choices = AliasChoices(f"{ENV_PREFIX}{name}", *aliases)
    return Field(default=default, validation_alias=choices, description=description)


DatabaseUrl = Annotated[str | None, Field(description="SQLAlchemy URL of a PostgreSQL database")]


def normalize_database_url(value: str | None) -> str | None:
    """Accept ``postgres://``/``postgresql://`` URLs and use the asyncpg driver for them."""
    if value is None or value == "":
        return None
    for prefix in ("postgres://", "postgresql://", "postgresql+asyncpg://"):
        if value.startswith(prefix):
            return "postgresql+asyncpg://" + value[len(prefix) :]
    raise ValueError("must be a PostgreSQL URL (postgresql://user@host:port/database)")


class CommonSettings(BaseSettings):
    """What every process kind needs: where data lives, how to log, how to reach the others."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", populate_by_name=True, frozen=True)

    environment: Environment = env_field(Environment.DEVELOPMENT, "ENV", description="development or production")
    data_dir: Path = env_field(DEFAULT_DATA_DIR, "DATA_DIR", description="folder for embedded servers and keys")
    database_url: DatabaseUrl = env_field(None, "DATABASE_URL", "DATABASE_URL")
    broker_url: str | None = env_field(None, "BROKER_URL", "BROKER_URL")
    log_level: str = env_field("INFO", "LOG_LEVEL")
    log_format: LogFormat = env_field(LogFormat.TEXT, "LOG_FORMAT")
    host: str = env_field("127.0.0.1", "HOST")

    users_url: str = env_field("http://127.0.0.1:4001", "USERS_URL", description="base URL of the users subgraph")
    products_url: str = env_field("http://127.0.0.1:4002", "PRODUCTS_URL")
    orders_url: str = env_field("http://127.0.0.1:4003", "ORDERS_URL")
    router_url: str = env_field("http://127.0.0.1:4000", "ROUTER_URL")

    jwt_issuer: str = env_field("marketplace-users", "JWT_ISSUER", description="iss of access tokens")
    jwt_audience: str = env_field("marketplace", "JWT_AUDIENCE", description="aud of access tokens")
    jwks_url: str | None = env_field(
        None, "JWKS_URL", description="where verifiers fetch public keys; default: the users subgraph's JWKS"
    )
    jwt_leeway_seconds: int = env_field(30, "JWT_LEEWAY_SECONDS")
    internal_secret: str | None = env_field(
        None, "INTERNAL_SECRET", description="signs tokens between our own processes; generated locally"
    )
    drain_seconds: float = env_field(0.0, "DRAIN_SECONDS", description="how long /ready fails before stop")
    drain_stop_listening: bool = env_field(
        False, "DRAIN_STOP_LISTENING", description="refuse new connections from the start of the drain"
    )

    @field_validator("database_url", mode="before")
    @classmethod
    def _database_url(cls, value: str | None) -> str | None:
        return normalize_database_url(value)

    @field_validator("broker_url", mode="before")
    @classmethod
    def _broker_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("redis://", "rediss://", "unix://", "amqp://", "amqps://")):
            raise ValueError("must be a redis://, rediss://, unix:// (Redis socket), amqp:// or amqps:// URL")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = str(value).upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @model_validator(mode="after")
    def _production_secrets(self) -> CommonSettings:
        if self.environment is Environment.PRODUCTION:
            secret = self.internal_secret or ""
            if len(secret) < 32 or secret.lower() in PLACEHOLDER_SECRETS:
                raise ValueError(
                    "MARKETPLACE_INTERNAL_SECRET must be set to a random value of 32+ characters in production"
                )
        return self

    @property
    def is_production(self) -> bool:
        return self.environment is Environment.PRODUCTION

    @property
    def effective_jwks_url(self) -> str:
        return self.jwks_url or f"{self.users_url.rstrip('/')}/.well-known/jwks.json"


class SubgraphSettings(CommonSettings):
    """Settings of one subgraph process; each service subclasses it with its port and database alias."""

    service_name: ClassVar[str] = ""
    port: int = 0
    service_database_url: DatabaseUrl = None

    @field_validator("service_database_url", mode="before")
    @classmethod
    def _service_database_url(cls, value: str | None) -> str | None:
        return normalize_database_url(value)

    @field_validator("port")
    @classmethod
    def _port(cls, value: int) -> int:
        if not 0 < value < 65536:
            raise ValueError("must be a TCP port between 1 and 65535")
        return value

    @property
    def effective_database_url(self) -> str | None:
        """This service's own database URL, falling back to the shared ``DATABASE_URL``."""
        return self.service_database_url or self.database_url


class SettingsError(Exception):
    """A setting has a bad value; the message is one line that names the variable."""


S = TypeVar("S", bound=BaseSettings)


def describe_validation_error(cls: type[BaseSettings], error: ValidationError) -> str:
    """Turn pydantic's report into one line naming the environment variable(s) at fault."""
    problems = []
    for item in error.errors():
        field_name = str(item["loc"][0]) if item["loc"] else "?"
        problems.append(f"{env_name(cls, field_name)}: {item['msg']} (got {item.get('input')!r})")
    return "invalid setting: " + "; ".join(problems)


def env_name(cls: type[BaseSettings], field_name: str) -> str:
    """The environment variable(s) of a settings field as documented, e.g. ``MARKETPLACE_X (or X)``."""
    for name, field in cls.model_fields.items():
        alias = field.validation_alias
        choices = [str(c) for c in alias.choices] if isinstance(alias, AliasChoices) else []
        if field_name == name or field_name in choices:
            unique = list(dict.fromkeys(choices)) or [f"{ENV_PREFIX}{name}".upper()]
            return unique[0] + (f" (or {', '.join(unique[1:])})" if len(unique) > 1 else "")
    return field_name.upper()


def build_settings(cls: type[S], **overrides: Any) -> S:
    """Build settings, raising :class:`SettingsError` with one clear line on a bad value."""
    try:
        return cls(**overrides)
    except ValidationError as error:
        raise SettingsError(describe_validation_error(cls, error)) from None


def load_settings(cls: type[S], **overrides: Any) -> S:
    """Build settings at process start; on a bad value print one line and exit with status 2."""
    try:
        return build_settings(cls, **overrides)
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
