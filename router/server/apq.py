"""Automatic persisted queries (Apollo's protocol) and the optional safelist of persisted queries.

APQ: a client sends ``extensions.persistedQuery = {version: 1, sha256Hash}`` without the query;
if the router knows the hash it runs the stored text, else it answers ``PERSISTED_QUERY_NOT_FOUND``
and the client sends hash and query together, which registers it (after checking that the hash
is the query's SHA-256). The store is an in-memory LRU, optionally backed by Redis so that every
router instance shares registrations.

Safelist (Apollo's ``persisted_queries``): operations come from manifest files (Apollo's
``apollo-persisted-query-manifest`` format). With ``safelist.enabled`` only those operations run,
by id or by identical text (``require_id`` refuses text altogether), and APQ registration is off,
since registering new texts would defeat the list.
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from pathlib import Path
from typing import Any, Protocol

import orjson

from router.server.config import ApqConfig, PersistedQueriesConfig
from router.server.errors import RequestError
from router.server.graphql_request import GraphQLRequest

log = logging.getLogger(__name__)


class PersistedQueryNotFound(Exception):
    """The hash is unknown: the client should send the query with it (answered with status 200)."""


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class QueryStore(Protocol):
    async def get(self, key: str) -> str | None: ...

    async def set(self, key: str, query: str) -> None: ...

    async def aclose(self) -> None: ...


class MemoryStore:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._items: OrderedDict[str, str] = OrderedDict()

    async def get(self, key: str) -> str | None:
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
        return found

    async def set(self, key: str, query: str) -> None:
        self._items[key] = query
        self._items.move_to_end(key)
        while len(self._items) > self.limit:
            self._items.popitem(last=False)

    async def aclose(self) -> None:
        return None


class RedisStore:
    """The in-memory LRU in front of Redis; Redis failures degrade to memory only, with a log line."""

    def __init__(self, url: str, memory: MemoryStore, *, ttl: float | None, namespace: str) -> None:
        from redis.asyncio import Redis

        self._redis = Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
        self._memory = memory
        self._ttl = int(ttl) if ttl else None
        self._prefix = f"{namespace}:"

    async def get(self, key: str) -> str | None:
        found = await self._memory.get(key)
        if found is not None:
            return found
        try:
            raw = await self._redis.get(self._prefix + key)
        except Exception as error:  # any Redis failure: answer from memory only
            log.warning("APQ redis lookup failed: %s", error)
            return None
        if raw is None:
            return None
        query = raw.decode() if isinstance(raw, bytes) else str(raw)
        await self._memory.set(key, query)
        return query

    async def set(self, key: str, query: str) -> None:
        await self._memory.set(key, query)
        try:
            await self._redis.set(self._prefix + key, query, ex=self._ttl)
        except Exception as error:
            log.warning("APQ redis store failed: %s", error)

    async def aclose(self) -> None:
        await self._redis.aclose()


def build_store(config: ApqConfig) -> QueryStore:
    memory = MemoryStore(config.router.cache.in_memory.limit)
    redis = config.router.cache.redis
    if redis is None:
        return memory
    return RedisStore(redis.urls[0], memory, ttl=redis.ttl, namespace=redis.namespace)


def load_manifest(path: Path) -> dict[str, str]:
    """``id → body`` from one Apollo persisted-query manifest."""
    try:
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as error:
        raise ValueError(f"cannot read persisted query manifest {path}: {error}") from None
    if not isinstance(data, dict) or data.get("format") != "apollo-persisted-query-manifest":
        raise ValueError(f"{path} is not an apollo-persisted-query-manifest file")
    operations: dict[str, str] = {}
    for index, operation in enumerate(data.get("operations") or []):
        if (
            not isinstance(operation, dict)
            or not isinstance(operation.get("id"), str)
            or not isinstance(operation.get("body"), str)
        ):
            raise ValueError(f"{path}: operations[{index}] needs a string id and body")
        operations[operation["id"]] = operation["body"]
    return operations


def _persisted_hash(extensions: dict[str, Any] | None) -> str | None:
    if not extensions:
        return None
    persisted = extensions.get("persistedQuery")
    if persisted is None:
        return None
    if not isinstance(persisted, dict):
        raise RequestError(400, "extensions.persistedQuery must be an object.", "BAD_REQUEST")
    version = persisted.get("version", 1)
    if version != 1:
        raise RequestError(400, "Unsupported persisted query version.", "PERSISTED_QUERY_VERSION_NOT_SUPPORTED")
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or not digest:
        raise RequestError(400, "extensions.persistedQuery.sha256Hash must be a string.", "BAD_REQUEST")
    return digest


class PersistedQueries:
    """Turns a request into the query text to run, applying APQ and the safelist."""

    def __init__(self, apq: ApqConfig, persisted: PersistedQueriesConfig, store: QueryStore | None = None) -> None:
        self.apq_enabled = apq.enabled and not (persisted.enabled and persisted.safelist.enabled)
        self.store = store or build_store(apq)
        self.safelist_enabled = persisted.enabled and persisted.safelist.enabled
        self.require_id = self.safelist_enabled and persisted.safelist.require_id
        self.log_unknown = persisted.log_unknown
        self.manifest: dict[str, str] = {}
        if persisted.enabled:
            for path in persisted.local_manifests:
                self.manifest.update(load_manifest(path))
        self._bodies = frozenset(body.strip() for body in self.manifest.values())

    async def query_of(self, request: GraphQLRequest) -> str:
        digest = _persisted_hash(request.extensions)
        if digest is not None:
            return await self._by_hash(digest, request.query)
        if request.query is None or not request.query.strip():
            raise RequestError(400, "Must provide query string.", "BAD_REQUEST")
        if self.manifest and request.query.strip() not in self._bodies:
            if self.safelist_enabled:
                raise RequestError(
                    400, "The operation body is not in the safelist of persisted queries.", "QUERY_NOT_IN_SAFELIST"
                )
            if self.log_unknown:
                log.info(
                    "operation not in the persisted query manifests", extra={"query_hash": sha256_hex(request.query)}
                )
        elif self.require_id:
            raise RequestError(400, "This router accepts persisted query ids only.", "PERSISTED_QUERY_ID_REQUIRED")
        return request.query

    async def _by_hash(self, digest: str, query: str | None) -> str:
        listed = self.manifest.get(digest)
        if listed is not None:
            return listed
        if not self.apq_enabled:
            if self.safelist_enabled:
                raise RequestError(400, "Persisted query id not found in the safelist.", "PERSISTED_QUERY_NOT_IN_LIST")
            raise RequestError(400, "PersistedQueryNotSupported", "PERSISTED_QUERY_NOT_SUPPORTED")
        if query is None:
            stored = await self.store.get(digest.lower())
            if stored is None:
                raise PersistedQueryNotFound
            return stored
        if sha256_hex(query) != digest.lower():
            raise RequestError(400, "provided sha does not match query", "PERSISTED_QUERY_HASH_MISMATCH")
        await self.store.set(digest.lower(), query)
        return query

    async def aclose(self) -> None:
        await self.store.aclose()
