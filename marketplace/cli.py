"""The ``marketplace`` command: ``up``, ``restart``, ``migrate``, ``serve``, ``worker``, ``seed``, ``plan``."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from collections.abc import Sequence

from db.migrate import SERVICES, migrate_all
from db.wait import DatabaseUnavailable
from marketplace.settings import LauncherSettings
from servicekit.settings import load_settings


def _replicas(value: str) -> int:
    number = int(value)
    if not 1 <= number <= 9:
        raise argparse.ArgumentTypeError("must be between 1 and 9")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="marketplace", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="start every service on its port (embedded servers by default)")
    up.add_argument("--replicas", type=_replicas, default=1, help="instances of every service (ports +100 each)")
    restart = commands.add_parser("restart", help="rolling restart of the running `marketplace up`")
    restart.add_argument("service", nargs="?", help="router, worker, users, products or orders; default: all")
    migrate = commands.add_parser("migrate", help="wait for the database, then migrate every schema to head")
    migrate.add_argument("services", nargs="*", metavar="SERVICE", help=f"any of {', '.join(SERVICES)}; default: all")
    migrate.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the database")
    serve = commands.add_parser("serve", help="run one subgraph")
    serve.add_argument("service", choices=SERVICES)
    serve.add_argument("--port", type=int)
    commands.add_parser("worker", help="run the order workers and the sweeper")
    seed = commands.add_parser("seed", help="fill the catalogue with demo users and products (idempotent)")
    seed.add_argument("--users", type=int, default=100)
    seed.add_argument("--products", type=int, default=1000)
    seed.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bars with their rate on stderr (default: on seeds of 10000 rows or more, on a terminal)",
    )
    plan = commands.add_parser(
        "plan", help="print the query plan of an operation (composed from the running subgraphs by default)"
    )
    plan.add_argument("query", help="the GraphQL operation text, '@FILE' to read it from a file, or '-' for stdin")
    plan.add_argument("--supergraph", metavar="FILE", help="plan over this supergraph SDL instead of composing one")
    plan.add_argument("--config", metavar="FILE", help="composition config (default: the repository's supergraph.yaml)")
    plan.add_argument("--operation-name")
    return parser


def _migrate(services: Sequence[str], timeout: float) -> int:
    settings = load_settings(LauncherSettings)
    chosen = list(services) or list(SERVICES)
    unknown = [service for service in chosen if service not in SERVICES]
    if unknown:
        print(f"error: unknown service {', '.join(unknown)}; expected {', '.join(SERVICES)}", file=sys.stderr)
        return 2
    if settings.database_url is None and not any(settings.service_database_url(s) for s in chosen):
        from marketplace.embedded import backends

        with backends(settings.data_dir, None, "unix:///unused") as found:
            asyncio.run(migrate_all(dict.fromkeys(chosen, found.database_url), chosen, timeout))
        return 0
    urls = {service: settings.service_database_url(service) or "" for service in chosen}
    missing = [service for service, url in urls.items() if not url]
    if missing:
        print(f"error: no database URL for {', '.join(missing)}", file=sys.stderr)
        return 2
    try:
        asyncio.run(migrate_all(urls, chosen, timeout))
    except DatabaseUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"migrated {', '.join(chosen)}")
    return 0


def _call(module: str, function: str, *args: object, **kwargs: object) -> int:
    try:
        target = getattr(importlib.import_module(module), function)
    except (ModuleNotFoundError, AttributeError):
        print(f"error: {module}.{function} is not available in this checkout", file=sys.stderr)
        return 2
    result = target(*args, **kwargs)
    return int(result or 0)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "up":
        from marketplace.up import up

        return up(load_settings(LauncherSettings), args.replicas)
    if args.command == "restart":
        from marketplace.rolling import request_restart

        return request_restart(load_settings(LauncherSettings), args.service)
    if args.command == "migrate":
        return _migrate(args.services, args.timeout)
    if args.command == "serve":
        from marketplace.serve import serve_service

        return serve_service(args.service, args.port)
    if args.command == "worker":
        from marketplace.serve import settings_class

        return _call("subgraphs.orders.worker", "main", load_settings(settings_class("orders")))
    if args.command == "seed":
        from marketplace.seed import seed_command

        return seed_command(args.users, args.products, args.progress)
    if args.command == "plan":
        from marketplace.plan import plan_command

        return plan_command(args.query, args.operation_name, args.supergraph, args.config)
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())
