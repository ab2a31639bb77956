"""Reading rover's ``supergraph.yaml``.

The format is Apollo's (``rover supergraph compose --config``)::

    federation_version: =2.9.0
    subgraphs:
      users:
        routing_url: http://127.0.0.1:4001/graphql
        schema:
          file: ./users.graphql            # relative to this yaml file
          # or: subgraph_url: http://...   (+ introspection_headers: {Name: value})
          # or: sdl: "type Query { ... }"

String values may use ``${env.VAR}`` or ``${env.VAR:-default}``. Every error names the key at fault.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from router.compose.errors import ConfigError

_ENV_PATTERN = re.compile(r"\$\{env\.([A-Za-z_][A-Za-z0-9_]*)(?::-(.*?))?\}")
_VERSION_PATTERN = re.compile(r"^=?\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$")


@dataclass(frozen=True)
class SchemaSource:
    """Where a subgraph's SDL comes from: exactly one of ``file``, ``subgraph_url`` or ``sdl``."""

    file: Path | None = None
    subgraph_url: str | None = None
    introspection_headers: Mapping[str, str] = field(default_factory=dict)
    sdl: str | None = None


@dataclass(frozen=True)
class SubgraphConfig:
    name: str
    routing_url: str
    schema: SchemaSource


@dataclass(frozen=True)
class SupergraphConfig:
    path: Path | None
    federation_version: tuple[int, int | None] | None
    subgraphs: tuple[SubgraphConfig, ...]

    def with_introspection_headers(self, headers: Mapping[str, str]) -> SupergraphConfig:
        """The same config, sending ``headers`` with every ``_service`` fetch (the file's own win)."""
        return replace(
            self,
            subgraphs=tuple(
                replace(
                    subgraph,
                    schema=replace(
                        subgraph.schema,
                        introspection_headers={**headers, **subgraph.schema.introspection_headers},
                    ),
                )
                for subgraph in self.subgraphs
            ),
        )


def expand_env(value: str, key: str, environ: Mapping[str, str] | None = None) -> str:
    """Expand ``${env.VAR}`` / ``${env.VAR:-default}`` in ``value``; ``key`` names it in errors."""
    env = os.environ if environ is None else environ

    def replace(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in env:
            return env[name]
        if default is not None:
            return default
        raise ConfigError(f"{key}: environment variable {name} is not set (use ${{env.{name}:-default}} for a default)")

    return _ENV_PATTERN.sub(replace, value)


def parse_federation_version(raw: object) -> tuple[int, int | None]:
    """``=2.9.0`` → (2, 9); ``2`` → (2, None). Only federation 2 is supported."""
    text = str(raw).strip()
    match = _VERSION_PATTERN.match(text)
    if match is None:
        raise ConfigError(f"federation_version: {text!r} is not a version (expected e.g. '=2.9.0' or '2')")
    major = int(match.group(1))
    minor = int(match.group(2)) if match.group(2) is not None else None
    if major != 2:
        raise ConfigError(f"federation_version: {text!r} is not supported; only federation 2 composition is")
    return major, minor


def load_config(path: str | Path, environ: Mapping[str, str] | None = None) -> SupergraphConfig:
    """Read and validate a ``supergraph.yaml`` file."""
    config_path = Path(path)
    try:
        text = config_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {config_path}: {exc.strerror or exc}") from exc
    return parse_config(text, base_dir=config_path.parent, path=config_path, environ=environ)


def parse_config(
    text: str,
    base_dir: Path | None = None,
    path: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> SupergraphConfig:
    """Validate the YAML text of a supergraph config; ``schema.file`` is resolved against ``base_dir``."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path or 'config'}: invalid YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise ConfigError(f"{path or 'config'}: expected a mapping at the top level")
    unknown = set(document) - {"federation_version", "subgraphs"}
    if unknown:
        raise ConfigError(f"{sorted(unknown)[0]}: unknown key (expected federation_version, subgraphs)")
    version = None
    if document.get("federation_version") is not None:
        version = parse_federation_version(_string(document["federation_version"], "federation_version", environ))
    raw_subgraphs = document.get("subgraphs")
    if not isinstance(raw_subgraphs, dict) or not raw_subgraphs:
        raise ConfigError("subgraphs: expected a non-empty mapping of subgraph name to settings")
    subgraphs = tuple(_subgraph(str(name), raw, base_dir or Path.cwd(), environ) for name, raw in raw_subgraphs.items())
    return SupergraphConfig(path=path, federation_version=version, subgraphs=subgraphs)


def _subgraph(name: str, raw: object, base_dir: Path, environ: Mapping[str, str] | None) -> SubgraphConfig:
    prefix = f"subgraphs.{name}"
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", name):
        raise ConfigError(f"{prefix}: invalid subgraph name (letters, digits, '_' and '-', starting with a letter)")
    if not isinstance(raw, dict):
        raise ConfigError(f"{prefix}: expected a mapping with routing_url and schema")
    unknown = set(raw) - {"routing_url", "schema"}
    if unknown:
        raise ConfigError(f"{prefix}.{sorted(unknown)[0]}: unknown key (expected routing_url, schema)")
    schema_raw = raw.get("schema")
    if not isinstance(schema_raw, dict):
        raise ConfigError(f"{prefix}.schema: expected a mapping with one of file, subgraph_url, sdl")
    schema = _schema(prefix + ".schema", schema_raw, base_dir, environ)
    routing_url = raw.get("routing_url")
    if routing_url is None:
        if schema.subgraph_url is None:
            raise ConfigError(f"{prefix}.routing_url: required (unless schema.subgraph_url is given)")
        return SubgraphConfig(name=name, routing_url=schema.subgraph_url, schema=schema)
    return SubgraphConfig(name=name, routing_url=_string(routing_url, prefix + ".routing_url", environ), schema=schema)


def _schema(prefix: str, raw: dict[Any, Any], base_dir: Path, environ: Mapping[str, str] | None) -> SchemaSource:
    sources = [key for key in ("file", "subgraph_url", "sdl") if raw.get(key) is not None]
    unknown = set(raw) - {"file", "subgraph_url", "sdl", "introspection_headers"}
    if unknown:
        key = sorted(unknown)[0]
        raise ConfigError(f"{prefix}.{key}: unsupported schema source (expected file, subgraph_url or sdl)")
    if len(sources) != 1:
        found = ", ".join(sources) or "none"
        raise ConfigError(f"{prefix}: expected exactly one of file, subgraph_url, sdl (found {found})")
    headers_raw = raw.get("introspection_headers") or {}
    if not isinstance(headers_raw, dict):
        raise ConfigError(f"{prefix}.introspection_headers: expected a mapping of header name to value")
    if headers_raw and sources[0] != "subgraph_url":
        raise ConfigError(f"{prefix}.introspection_headers: only allowed with subgraph_url")
    headers = {str(k): _string(v, f"{prefix}.introspection_headers.{k}", environ) for k, v in headers_raw.items()}
    source = sources[0]
    value = _string(raw[source], f"{prefix}.{source}", environ)
    if source == "file":
        file_path = Path(value)
        return SchemaSource(file=file_path if file_path.is_absolute() else base_dir / file_path)
    if source == "subgraph_url":
        if not re.match(r"^https?://", value):
            raise ConfigError(f"{prefix}.subgraph_url: {value!r} is not an http(s) URL")
        return SchemaSource(subgraph_url=value, introspection_headers=headers)
    return SchemaSource(sdl=value)


def _string(value: object, key: str, environ: Mapping[str, str] | None) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ConfigError(f"{key}: expected a string")
    return expand_env(str(value), key, environ)
