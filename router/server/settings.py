"""The router process's environment settings (``MARKETPLACE_*``); the rest lives in ``router.yaml``."""

from __future__ import annotations

from pathlib import Path

from pydantic import field_validator

from servicekit.settings import CommonSettings, env_field


class RouterSettings(CommonSettings):
    router_port: int = env_field(4000, "ROUTER_PORT", description="the router's port")
    router_config: Path | None = env_field(
        None, "ROUTER_CONFIG", description="path of router.yaml (default: none, built-in defaults)"
    )
    router_poll_seconds: float = env_field(
        10.0, "ROUTER_POLL_SECONDS", description="how often hot reload checks the supergraph source"
    )

    @field_validator("router_port")
    @classmethod
    def _port(cls, value: int) -> int:
        if not 0 < value < 65536:
            raise ValueError("must be a TCP port between 1 and 65535")
        return value

    @field_validator("router_poll_seconds")
    @classmethod
    def _poll(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("must be a positive number of seconds")
        return value
