"""The router's configuration file (``router.yaml``), modelled on Apollo Router's keys.

Where Apollo Router has a key, we use its name and meaning (``supergraph.listen``, ``cors``,
``headers``, ``limits``, ``traffic_shaping``, ``authentication.jwt.jwks``, ``csrf``,
``include_subgraph_errors``, ``homepage``, ``sandbox``, ``batching``, ``apq``,
``persisted_queries``, ``tls.subgraph``); docs/router.md lists what differs. Unknown keys are refused, so a typo
fails the start instead of being silently ignored.

Several defaults depend on the environment (``MARKETPLACE_ENV``): a value left unset (``None``)
here is resolved by :meth:`RouterConfig.resolved` — introspection, GraphiQL and subgraph error
details are on in development and off in production.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator

from router.execution.subgraph_tls import SubgraphTls, SubgraphTlsError, load_subgraph_tls

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}
_SIZE = re.compile(r"^\s*(\d+)\s*(b|kb|kib|mb|mib|gb|gib)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"b": 1, "kb": 1000, "kib": 1024, "mb": 1000**2, "mib": 1024**2, "gb": 1000**3, "gib": 1024**3}


class ConfigFileError(Exception):
    """The router configuration is unusable; the message is one line naming the key at fault."""


def parse_duration(value: Any) -> float:
    """Seconds from ``30``, ``"30s"``, ``"500ms"``, ``"2m"`` (Apollo writes durations as strings)."""
    if isinstance(value, bool):
        raise ValueError("must be a duration such as 30s or 500ms")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if match is None:
            raise ValueError("must be a duration such as 30s or 500ms")
        seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if seconds <= 0:
        raise ValueError("must be a positive duration")
    return seconds


def _optional_duration(value: Any) -> float | None:
    return None if value is None else parse_duration(value)


# Fields in seconds, written in Apollo's duration notation (``Optional``: or ``null``).
Duration = Annotated[float, BeforeValidator(parse_duration)]
OptionalDuration = Annotated[float | None, BeforeValidator(_optional_duration)]


def parse_size(value: Any) -> int:
    """Bytes from ``2000000`` or ``"2MB"``/``"800KiB"``."""
    if isinstance(value, bool):
        raise ValueError("must be a size in bytes")
    if isinstance(value, int):
        size = value
    else:
        match = _SIZE.match(str(value))
        if match is None:
            raise ValueError("must be a size such as 2000000 or 2MB")
        size = int(match.group(1)) * _SIZE_UNITS[(match.group(2) or "b").lower()]
    if size <= 0:
        raise ValueError("must be positive")
    return size


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SupergraphSection(Section):
    listen: str | None = None
    path: str = "/graphql"
    introspection: bool | None = None
    # @defer over multipart/SSE (Apollo's key; off by default here, see docs/router.md)
    defer_support: bool = False

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        if not value.startswith("/") or value == "/":
            raise ValueError("must be an absolute path other than / (e.g. /graphql)")
        return value.rstrip("/")

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str | None) -> str | None:
        if value is None:
            return None
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("must be HOST:PORT, e.g. 127.0.0.1:4000")
        return value


class CorsConfig(Section):
    allow_any_origin: bool = False
    origins: list[str] = Field(default_factory=list)
    match_origins: list[str] = Field(default_factory=list)
    allow_credentials: bool = False
    allow_headers: list[str] = Field(default_factory=list)
    expose_headers: list[str] = Field(default_factory=list)
    methods: list[str] = Field(default_factory=lambda: ["GET", "POST", "OPTIONS"])
    max_age: OptionalDuration = None

    @field_validator("match_origins")
    @classmethod
    def _regexes(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"{pattern!r} is not a regular expression: {error}") from None
        return value


class PropagateRule(Section):
    named: str | None = None
    matching: str | None = None
    rename: str | None = None
    default: str | None = None

    @model_validator(mode="after")
    def _one_of(self) -> PropagateRule:
        if (self.named is None) == (self.matching is None):
            raise ValueError("propagate needs exactly one of named or matching")
        if self.matching is not None and (self.rename or self.default):
            raise ValueError("rename and default apply to a named header only")
        return self


class InsertRule(Section):
    name: str
    value: str


class RemoveRule(Section):
    named: str | None = None
    matching: str | None = None

    @model_validator(mode="after")
    def _one_of(self) -> RemoveRule:
        if (self.named is None) == (self.matching is None):
            raise ValueError("remove needs exactly one of named or matching")
        return self


class HeaderRule(Section):
    """One of Apollo's header rules: ``propagate``, ``insert`` or ``remove``."""

    propagate: PropagateRule | None = None
    insert: InsertRule | None = None
    remove: RemoveRule | None = None

    @model_validator(mode="after")
    def _one_of(self) -> HeaderRule:
        if sum(x is not None for x in (self.propagate, self.insert, self.remove)) != 1:
            raise ValueError("each header rule is exactly one of propagate, insert or remove")
        return self


class HeaderRules(Section):
    request: list[HeaderRule] = Field(default_factory=list)


class HeadersConfig(Section):
    """``all`` rules apply to every subgraph; ``subgraphs.<name>`` rules run after them for that subgraph."""

    all: HeaderRules = Field(default_factory=HeaderRules)
    subgraphs: dict[str, HeaderRules] = Field(default_factory=dict)


class LimitsConfig(Section):
    """Request limits. Apollo's network/parser defaults; operation limits on by default here."""

    http_max_request_bytes: int = 2_000_000
    http_max_uri_bytes: int = 65_536
    parser_max_tokens: int = 15_000
    parser_max_recursion: int = 100
    max_depth: int | None = 15
    max_height: int | None = 200
    max_aliases: int | None = 100
    max_root_fields: int | None = 20
    max_recursive_selections: int | None = 400
    max_directives: int | None = 100
    warn_only: bool = False

    @field_validator("http_max_request_bytes", "http_max_uri_bytes", mode="before")
    @classmethod
    def _bytes(cls, value: Any) -> int:
        return parse_size(value)

    @field_validator(
        "parser_max_tokens",
        "parser_max_recursion",
        "max_depth",
        "max_height",
        "max_aliases",
        "max_root_fields",
        "max_recursive_selections",
        "max_directives",
    )
    @classmethod
    def _positive(cls, value: int | None) -> int | None:
        if value is not None and value <= 0:
            raise ValueError("must be a positive integer (or null for no limit)")
        return value


class RateLimit(Section):
    """Apollo's ``global_rate_limit``: at most ``capacity`` requests per ``interval`` (a token bucket
    holding ``capacity`` tokens, refilled at ``capacity`` per ``interval``; router/server/rate_limit.py)."""

    capacity: int = Field(ge=1)
    interval: Duration


class RetryConfig(Section):
    """Apollo Router 1.x's ``experimental_retry`` (a tower retry budget): here the budget the router's own
    retries of an unanswered query fetch are spent from (router/server/retry_budget.py)."""

    min_per_sec: float = Field(default=10, ge=0)
    ttl: Duration = 10.0
    retry_percent: float = Field(default=0.2, ge=0, le=1000)
    retry_mutations: bool = False

    @field_validator("ttl")
    @classmethod
    def _ttl_range(cls, ttl: float) -> float:
        if not 1.0 <= ttl <= 60.0:
            raise ValueError("must be between 1s and 60s")
        return ttl

    @field_validator("retry_mutations")
    @classmethod
    def _no_mutation_retries(cls, retry_mutations: bool) -> bool:
        if retry_mutations:
            raise ValueError(
                "not supported: a mutation is never sent twice by this router (the subgraph may have acted on"
                " it); clients retry with an Idempotency-Key"
            )
        return retry_mutations


class SubgraphShaping(Section):
    timeout: OptionalDuration = None
    # Apollo's key: identical query fetches in flight at once share one subgraph request (never mutations).
    # ``None`` under ``subgraphs.<name>``: as ``all``; ``all`` defaults to on.
    deduplicate_query: bool | None = None
    # Apollo's key: requests sent to the subgraph (each subgraph its own budget, ``all``'s or its own);
    # a fetch over it is not sent and fails with REQUEST_RATE_LIMITED. Deduplicated fetches count once.
    global_rate_limit: RateLimit | None = None
    # Apollo Router 1.x's key: the budget of retries of query fetches that failed before any answer
    # (``None`` under ``subgraphs.<name>``: as ``all``; ``all`` defaults to tower's 10/s, 10 s, 20 %).
    experimental_retry: RetryConfig | None = None


class AdaptiveConcurrency(Section):
    # Ours: how many operations a worker executes at once follows how busy its event loop's thread is
    # (router/server/admission.py): never fewer than ``minimum``, fewer than all in flight while it is
    # busy, more while it idles with operations waiting.
    enabled: bool = True
    minimum: int = Field(default=8, ge=1)


class RouterShaping(Section):
    # Ours (Apollo has none): identical client queries in flight at once share one execution; "identical"
    # covers the operation, its variables and every header that reaches a subgraph or decides authorization.
    deduplicate_requests: bool = True
    # Apollo's key and default: an operation still running after this long is cancelled (its subgraph
    # requests with it) and answered 504 GATEWAY_TIMEOUT. ``null``: no limit. Subscriptions are not bound
    # by it; each part of a @defer response has its own.
    timeout: OptionalDuration = 30.0
    adaptive_concurrency: AdaptiveConcurrency = Field(default_factory=AdaptiveConcurrency)
    # Apollo's key: client requests to the router (all its workers together); over it, 429
    # REQUEST_RATE_LIMITED with Retry-After. /health, /ready and /metrics are not counted.
    global_rate_limit: RateLimit | None = None
    # Apollo's key: client requests in progress at once (all workers together); past it, 503
    # REQUEST_CONCURRENCY_LIMITED at once. A request counts until its response starts (a stream's first
    # part); WebSockets, /health, /ready and /metrics are not counted. None: no limit.
    concurrency_limit: int | None = Field(default=None, ge=1)


class TrafficShapingConfig(Section):
    router: RouterShaping = Field(default_factory=RouterShaping)
    all: SubgraphShaping = Field(default_factory=SubgraphShaping)
    subgraphs: dict[str, SubgraphShaping] = Field(default_factory=dict)

    def deduplicates(self, subgraph: str) -> bool:
        own = self.subgraphs.get(subgraph)
        if own is not None and own.deduplicate_query is not None:
            return own.deduplicate_query
        return self.all.deduplicate_query is not False

    def rate_limit_for(self, subgraph: str) -> RateLimit | None:
        own = self.subgraphs.get(subgraph)
        if own is not None and own.global_rate_limit is not None:
            return own.global_rate_limit
        return self.all.global_rate_limit

    def retry_for(self, subgraph: str) -> RetryConfig:
        own = self.subgraphs.get(subgraph)
        if own is not None and own.experimental_retry is not None:
            return own.experimental_retry
        return self.all.experimental_retry or RetryConfig()

    def timeout_for(self, subgraph: str, default: float = 30.0) -> float:
        own = self.subgraphs.get(subgraph)
        if own is not None and own.timeout is not None:
            return own.timeout
        return self.all.timeout if self.all.timeout is not None else default


class TlsClientAuthentication(Section):
    # Apollo's keys; here paths of PEM files (Apollo takes the PEM text, usually as ``${file.…}``).
    certificate_chain: Path
    key: Path


class SubgraphTlsSettings(Section):
    # PEM file of the authorities trusted (besides the system's) for https:// subgraphs.
    certificate_authorities: Path | None = None
    # The certificate the router presents to a subgraph that asks for one (mutual TLS).
    client_authentication: TlsClientAuthentication | None = None


class SubgraphTlsConfig(Section):
    all: SubgraphTlsSettings = Field(default_factory=SubgraphTlsSettings)
    # Per subgraph; a key set here replaces the same key of ``all``.
    subgraphs: dict[str, SubgraphTlsSettings] = Field(default_factory=dict)

    def for_subgraph(self, name: str) -> SubgraphTlsSettings:
        own = self.subgraphs.get(name)
        if own is None:
            return self.all
        return SubgraphTlsSettings(
            certificate_authorities=own.certificate_authorities or self.all.certificate_authorities,
            client_authentication=own.client_authentication or self.all.client_authentication,
        )

    def settings(self) -> list[tuple[str, SubgraphTlsSettings]]:
        """Every configured block with its key (``tls.subgraph.all``, ``tls.subgraph.subgraphs.<name>``)."""
        found = [("tls.subgraph.all", self.all)]
        found += [(f"tls.subgraph.subgraphs.{name}", own) for name, own in self.subgraphs.items()]
        return found


class TlsConfig(Section):
    subgraph: SubgraphTlsConfig = Field(default_factory=SubgraphTlsConfig)


class JwksSource(Section):
    url: str
    issuer: str | None = None
    algorithms: list[str] | None = None


class JwtConfig(Section):
    enabled: bool = True
    jwks: list[JwksSource] = Field(default_factory=list)
    header_name: str = "authorization"
    header_value_prefix: str = "Bearer"
    audience: str | None = None


class AuthenticationConfig(Section):
    jwt: JwtConfig = Field(default_factory=JwtConfig)


class AuthorizationDirectives(Section):
    enabled: bool = True


class AuthorizationConfig(Section):
    require_authentication: bool = False
    directives: AuthorizationDirectives = Field(default_factory=AuthorizationDirectives)


class CsrfConfig(Section):
    unsafe_disabled: bool = False
    required_headers: list[str] = Field(default_factory=lambda: ["x-apollo-operation-name", "apollo-require-preflight"])


class IncludeSubgraphErrors(Section):
    all: bool | None = None
    subgraphs: dict[str, bool] = Field(default_factory=dict)


class Toggle(Section):
    enabled: bool | None = None


class BatchingConfig(Section):
    enabled: bool = False
    mode: Literal["batch_http_link"] = "batch_http_link"
    maximum_size: int = 10

    @field_validator("maximum_size")
    @classmethod
    def _size(cls, value: int) -> int:
        if value <= 0:
            raise ValueError("must be a positive integer")
        return value


class InMemoryCache(Section):
    limit: int = 512


class RedisCache(Section):
    urls: list[str]
    ttl: OptionalDuration = None
    namespace: str = "apq"


class ApqCache(Section):
    in_memory: InMemoryCache = Field(default_factory=InMemoryCache)
    redis: RedisCache | None = None


class ApqRouter(Section):
    cache: ApqCache = Field(default_factory=ApqCache)


class ApqConfig(Section):
    enabled: bool = True
    router: ApqRouter = Field(default_factory=ApqRouter)


class Safelist(Section):
    enabled: bool = False
    require_id: bool = False


class PersistedQueriesConfig(Section):
    enabled: bool = False
    log_unknown: bool = False
    safelist: Safelist = Field(default_factory=Safelist)
    local_manifests: list[Path] = Field(default_factory=list)

    @model_validator(mode="after")
    def _manifests(self) -> PersistedQueriesConfig:
        if self.enabled and not self.local_manifests:
            raise ValueError("persisted queries need at least one file in local_manifests")
        return self


class OtlpHttp(Section):
    headers: dict[str, str] = Field(default_factory=dict)


class OtlpExporter(Section):
    """Apollo's ``telemetry.exporters.tracing.otlp``; only the HTTP protocol (protobuf) is supported.

    ``endpoint`` is a base URL (``/v1/traces`` is added) or ``default``: then the OpenTelemetry
    environment's endpoint, else ``http://127.0.0.1:4318``.
    """

    enabled: bool = False
    endpoint: str = "default"
    protocol: Literal["http"] = "http"
    http: OtlpHttp = Field(default_factory=OtlpHttp)

    @field_validator("protocol", mode="before")
    @classmethod
    def _protocol(cls, value: Any) -> Any:
        if value == "grpc":
            raise ValueError("only the http protocol is supported (OTLP over HTTP with protobuf)")
        return value

    @field_validator("endpoint")
    @classmethod
    def _endpoint(cls, value: str) -> str:
        if value != "default" and not value.startswith(("http://", "https://")):
            raise ValueError("must be default or an http(s):// URL")
        return value


class TracingCommon(Section):
    service_name: str | None = None


class TracingExporters(Section):
    common: TracingCommon = Field(default_factory=TracingCommon)
    otlp: OtlpExporter = Field(default_factory=OtlpExporter)


class Exporters(Section):
    tracing: TracingExporters = Field(default_factory=TracingExporters)


class TelemetryConfig(Section):
    exporters: Exporters = Field(default_factory=Exporters)


class SubscriptionConfig(Section):
    """Federated subscriptions (Apollo Router's ``subscription`` key; see router/server/subscriptions)."""

    enabled: bool = True
    # Caps: open subscriptions in the whole router, and per client connection (a WebSocket; an SSE
    # or multipart request always carries one). Past a cap a new subscription gets a clear error.
    max_opened_subscriptions: int = Field(default=10_000, ge=1)
    max_per_connection: int = Field(default=100, ge=1)
    heartbeat_interval: Duration = 15.0  # seconds between keep-alives (WebSocket ping, SSE comment, multipart {})
    connection_init_timeout: Duration = 10.0  # a WebSocket client must send connection_init within this


class RouterConfig(Section):
    # Worker processes of `router serve` (``--workers`` wins); unset: 1 in development, the usable cores in production.
    workers: int | None = None
    supergraph: SupergraphSection = Field(default_factory=SupergraphSection)
    cors: CorsConfig = Field(default_factory=CorsConfig)
    headers: HeadersConfig = Field(default_factory=HeadersConfig)
    limits: LimitsConfig = Field(default_factory=LimitsConfig)
    traffic_shaping: TrafficShapingConfig = Field(default_factory=TrafficShapingConfig)
    authentication: AuthenticationConfig = Field(default_factory=AuthenticationConfig)
    authorization: AuthorizationConfig = Field(default_factory=AuthorizationConfig)
    csrf: CsrfConfig = Field(default_factory=CsrfConfig)
    include_subgraph_errors: IncludeSubgraphErrors = Field(default_factory=IncludeSubgraphErrors)
    homepage: Toggle = Field(default_factory=Toggle)
    sandbox: Toggle = Field(default_factory=Toggle)
    batching: BatchingConfig = Field(default_factory=BatchingConfig)
    apq: ApqConfig = Field(default_factory=ApqConfig)
    persisted_queries: PersistedQueriesConfig = Field(default_factory=PersistedQueriesConfig)
    telemetry: TelemetryConfig = Field(default_factory=TelemetryConfig)
    subscription: SubscriptionConfig = Field(default_factory=SubscriptionConfig)
    tls: TlsConfig = Field(default_factory=TlsConfig)
    # Proxies whose X-Forwarded-For / Forwarded headers are believed (addresses or networks); none by default.
    trusted_proxies: list[str] = Field(default_factory=list)

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, values: list[str]) -> list[str]:
        for value in values:
            try:
                ipaddress.ip_network(value.strip(), strict=False)
            except ValueError:
                raise ValueError(f"{value!r} is not an IP address or network") from None
        return values

    @field_validator("workers")
    @classmethod
    def _workers(cls, value: int | None) -> int | None:
        if value is not None and value < 1:
            raise ValueError("must be a positive number of worker processes")
        return value

    def resolved(self, *, production: bool) -> RouterConfig:
        """A copy where every environment-dependent default (``None``) has its value."""
        development = not production
        supergraph = self.supergraph.model_copy(
            update={
                "introspection": development if self.supergraph.introspection is None else self.supergraph.introspection
            }
        )
        sandbox = Toggle(enabled=development if self.sandbox.enabled is None else self.sandbox.enabled)
        homepage = Toggle(enabled=True if self.homepage.enabled is None else self.homepage.enabled)
        errors = self.include_subgraph_errors
        include = IncludeSubgraphErrors(
            all=development if errors.all is None else errors.all, subgraphs=dict(errors.subgraphs)
        )
        return self.model_copy(
            update={
                "supergraph": supergraph,
                "sandbox": sandbox,
                "homepage": homepage,
                "include_subgraph_errors": include,
            }
        )

    @property
    def introspection(self) -> bool:
        return bool(self.supergraph.introspection)

    @property
    def graphiql(self) -> bool:
        return bool(self.sandbox.enabled)

    def includes_errors_of(self, subgraph: str | None) -> bool:
        own = self.include_subgraph_errors.subgraphs.get(subgraph) if subgraph else None
        return bool(self.include_subgraph_errors.all) if own is None else own


# Apollo Router's traffic-shaping keys this router does not implement: a config written for Apollo gets
# a refusal that says so, rather than "unknown key" (docs/router.md lists what is supported).
UNSUPPORTED_APOLLO_KEYS = frozenset({"compression", "experimental_http2"})


def describe(error: ValidationError) -> str:
    """One line naming each bad key (``limits.max_depth: must be ...``)."""
    problems = []
    for item in error.errors():
        location = ".".join(str(part) for part in item["loc"]) or "(top level)"
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key"
            if item["loc"][:1] == ("traffic_shaping",) and item["loc"][-1] in UNSUPPORTED_APOLLO_KEYS:
                message = "Apollo Router's key, not supported by this router (see docs/router.md, router.yaml)"
        problems.append(f"{location}: {message}")
    return "; ".join(problems)


def parse_router_config(raw: Any, source: str = "router configuration") -> RouterConfig:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigFileError(f"{source}: the top level must be a mapping of keys")
    try:
        return RouterConfig.model_validate(raw)
    except ValidationError as error:
        raise ConfigFileError(f"{source}: {describe(error)}") from None


def load_router_config(path: str | Path | None) -> RouterConfig:
    """The configuration in ``path`` (YAML), or the defaults when no file is given."""
    if path is None:
        return RouterConfig()
    file = Path(path)
    try:
        text = file.read_text()
    except OSError as error:
        raise ConfigFileError(f"cannot read router configuration {file}: {error.strerror or error}") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ConfigFileError(f"{file}: not valid YAML: {str(error).splitlines()[0]}") from None
    config = parse_router_config(raw, str(file))
    base = file.parent
    manifests = [m if m.is_absolute() else base / m for m in config.persisted_queries.local_manifests]
    if manifests:
        config = config.model_copy(
            update={"persisted_queries": config.persisted_queries.model_copy(update={"local_manifests": manifests})}
        )
    config = config.model_copy(update={"tls": _tls_from(config.tls, base)})
    for key, settings in config.tls.subgraph.settings():
        try:
            subgraph_tls(settings)
        except SubgraphTlsError as error:
            raise ConfigFileError(f"{file}: {key}: {error}") from None
    return config


def _tls_from(tls: TlsConfig, base: Path) -> TlsConfig:
    """``tls`` with every relative file path taken from the configuration file's folder."""

    def resolved(settings: SubgraphTlsSettings) -> SubgraphTlsSettings:
        def at(path: Path) -> Path:
            return path if path.is_absolute() else base / path

        client = settings.client_authentication
        authorities = settings.certificate_authorities
        return SubgraphTlsSettings(
            certificate_authorities=None if authorities is None else at(authorities),
            client_authentication=None
            if client is None
            else TlsClientAuthentication(certificate_chain=at(client.certificate_chain), key=at(client.key)),
        )

    subgraph = SubgraphTlsConfig(
        all=resolved(tls.subgraph.all),
        subgraphs={name: resolved(own) for name, own in tls.subgraph.subgraphs.items()},
    )
    return TlsConfig(subgraph=subgraph)


def subgraph_tls(settings: SubgraphTlsSettings) -> SubgraphTls | None:
    """The TLS settings the fetcher uses, read from the files ``settings`` names (``SubgraphTlsError``)."""
    client = settings.client_authentication
    return load_subgraph_tls(
        settings.certificate_authorities,
        client.certificate_chain if client is not None else None,
        client.key if client is not None else None,
    )
