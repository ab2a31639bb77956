"""The ``router`` command. Subcommands register themselves in :func:`build_parser`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="router", description="The marketplace federation router.")
    commands = parser.add_subparsers(dest="command", required=True)
    compose = commands.add_parser("compose", help="compose a supergraph from a supergraph.yaml (rover's format)")
    compose.add_argument("config", help="path to supergraph.yaml")
    compose.add_argument("-o", "--output", help="write the supergraph SDL to this file instead of stdout")
    from router.server.cli import add_serve_parser

    add_serve_parser(commands)
    from router.plan_cli import add_plan_parser

    add_plan_parser(commands)
    return parser


def router_token_header() -> dict[str, str]:
    """Our subgraphs answer ``_service`` only to the router: compose with the router's service token."""
    from router.server.settings import RouterSettings
    from servicekit.internal import HEADER, internal_secret, mint_service_token
    from servicekit.settings import load_settings

    settings = load_settings(RouterSettings)
    return {HEADER: mint_service_token(internal_secret(settings.internal_secret, settings.data_dir), "router")}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # `router serve --workers N` starts its workers with the same arguments.
    args.raw_argv = list(argv) if argv is not None else sys.argv[1:]
    if args.command == "compose":
        from router.compose.cli import compose_command

        return compose_command(args.config, args.output, headers=router_token_header())
    if args.command == "serve":
        from router.server.cli import serve_command

        return serve_command(args)
    if args.command == "plan":
        from router.plan_cli import run_plan

        return run_plan(args)
    return 2  # pragma: no cover - argparse rejects unknown commands
