"""``router serve``: run the router over a supergraph file or a composed ``supergraph.yaml``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from router.rest import DEFAULT_DIRECTORY as REST_DECLARATIONS
from router.rest import DeclarationError
from router.server.app import HTTP_PROTOCOL, RouterOptions, create_router_app
from router.server.auth import RouterAuthenticator
from router.server.config import ConfigFileError, RouterConfig, load_router_config
from router.server.gc_tuning import freeze_startup_heap
from router.server.reload import ComposeSource, FileSource, SupergraphSource
from router.server.service_token import ServiceTokenCache
from router.server.settings import RouterSettings
from router.server.workers import Supervisor, serve_worker, usable_cores, worker_index
from servicekit.internal import internal_secret
from servicekit.observability import configure_logging
from servicekit.settings import load_settings
from servicekit.tracing import TracingSettings

log = logging.getLogger(__name__)


def add_serve_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser("serve", help="serve the supergraph over HTTP (GraphQL, GraphiQL, health, metrics)")
    source = serve.add_mutually_exclusive_group(required=True)
    source.add_argument("--supergraph", metavar="FILE", help="a supergraph SDL file (Apollo's format)")
    source.add_argument("--config", metavar="FILE", help="a supergraph.yaml (rover's format), composed at start")
    serve.add_argument(
        "--router-config", metavar="FILE", help="router.yaml (default: MARKETPLACE_ROUTER_CONFIG, else built-ins)"
    )
    serve.add_argument("--host", help="listen address (default: supergraph.listen, else MARKETPLACE_HOST)")
    serve.add_argument(
        "--port", type=int, help="listen port (default: supergraph.listen, else MARKETPLACE_ROUTER_PORT)"
    )
    serve.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="worker processes sharing the port (default: router.yaml's workers, else 1 in development "
        "and the usable cores in production)",
    )
    serve.add_argument("--no-hot-reload", action="store_true", help="do not watch the supergraph source for changes")
    rest = serve.add_mutually_exclusive_group()
    rest.add_argument(
        "--rest-declarations", metavar="DIR", help="folder of @rest operations (default: the built-in REST shims)"
    )
    rest.add_argument("--no-rest", action="store_true", help="serve no REST routes, /openapi.json or /docs")
    serve.add_argument(
        "--poll-interval",
        type=float,
        help="seconds between hot-reload checks (default: MARKETPLACE_ROUTER_POLL_SECONDS)",
    )


def _listen(args: argparse.Namespace, config: RouterConfig, settings: RouterSettings) -> tuple[str, int]:
    host, port = settings.host, settings.router_port
    if config.supergraph.listen:
        listen_host, _, listen_port = config.supergraph.listen.rpartition(":")
        host, port = listen_host.strip("[]"), int(listen_port)
    return args.host or host, args.port or port


def use_uvloop() -> bool:
    """Run the server on uvloop when it is installed (``uvicorn[standard]`` brings it).

    :func:`servicekit.serve.serve` starts uvicorn's ``Server`` under ``asyncio.run``, which
    skips uvicorn's own loop choice, so without this the router would run on the standard asyncio
    loop. Measured on the bench's cases b and c (the subgraph calls alone, in-process), the standard
    loop costs 35-80 µs more CPU per request, about 8%; the HTTP server's own socket work adds to that.
    """
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvicorn[standard] is a dependency
        return False
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return True


def serve_command(args: argparse.Namespace) -> int:
    settings = load_settings(RouterSettings)
    configure_logging(settings)
    try:
        config = load_router_config(args.router_config or settings.router_config)
    except ConfigFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    workers = args.workers if args.workers is not None else config.workers
    if workers is None:
        workers = usable_cores() if settings.is_production else 1
    if workers < 1:
        print("error: --workers: must be a positive number of worker processes", file=sys.stderr)
        return 2
    index = worker_index()
    if workers > 1 and index is None:
        host, port = _listen(args, config, settings)
        return Supervisor(list(getattr(args, "raw_argv", sys.argv[1:])), workers, host, port).run()
    secret = internal_secret(settings.internal_secret, settings.data_dir)
    tokens = ServiceTokenCache(secret)
    source: SupergraphSource
    if args.supergraph:
        source = FileSource(args.supergraph)
    else:
        source = ComposeSource(args.config, headers=lambda: {tokens.header: tokens.token()})
    jwt = config.authentication.jwt
    authenticator = RouterAuthenticator(
        jwt,
        default_jwks_url=settings.effective_jwks_url,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        leeway=settings.jwt_leeway_seconds,
    )
    interval = args.poll_interval or settings.router_poll_seconds
    options = RouterOptions(
        production=settings.is_production,
        authenticator=authenticator,
        internal_secret=secret,
        reload_interval=None if args.no_hot_reload else interval,
        rest_declarations=None if args.no_rest else Path(args.rest_declarations or REST_DECLARATIONS),
        tracing=load_settings(TracingSettings),
        worker=index,
    )
    try:
        app = create_router_app(source, config, options)
    except DeclarationError as error:  # names the .graphql file and the operation
        print(f"error: bad REST declaration: {error}", file=sys.stderr)
        return 1
    except Exception as error:  # a schema that cannot be loaded: one clear line, no traceback
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        print(f"error: cannot load the supergraph from {source.description}: {first}", file=sys.stderr)
        return 1
    host, port = _listen(args, config, settings)
    from servicekit.serve import serve

    use_uvloop()
    freeze_startup_heap()
    if index is not None:
        log.info("router worker %d (pid %d) listening on http://%s:%d", index, os.getpid(), host, port)
        serve_worker(
            app, index, host=host, port=port, drain_seconds=settings.drain_seconds, log_level=settings.log_level
        )
        return 0
    log.info("router listening on http://%s:%d", host, port)
    serve(
        app,
        host=host,
        port=port,
        drain_seconds=settings.drain_seconds,
        log_level=settings.log_level,
        stop_listening_first=settings.drain_stop_listening,
        http=HTTP_PROTOCOL,
    )
    return 0
