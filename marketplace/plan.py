"""``marketplace plan 'query { … }'``: the query plan of an operation, with no file to make first.

With ``--supergraph FILE`` the plan is made over that supergraph SDL. Without it, the supergraph is
composed the way ``router serve --config supergraph.yaml`` composes it at start: each subgraph of
``supergraph.yaml`` is asked for its SDL (``_service``, with the router's service token, since the
subgraphs answer it to the router only) at the URL the launcher gives the router, so the plan is the
one the running router makes. When nothing answers, one line says so and what to run.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from marketplace.settings import LauncherSettings
from router.compose.composer import compose
from router.compose.config import load_config
from router.compose.errors import ComposeError, SubgraphFetchError
from router.compose.fetch import load_subgraphs
from router.plan_cli import PlanCommandError, plan_text
from router.server.service_token import ServiceTokenCache
from router.supergraph import SupergraphError
from servicekit.internal import internal_secret
from servicekit.settings import load_settings

CONFIG = Path(__file__).resolve().parents[1] / "supergraph.yaml"
SERVICES = ("users", "products", "orders")


class PlanError(Exception):
    """One line for the user: what went wrong and what to do."""


def launcher_environ(settings: LauncherSettings, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment supergraph.yaml is read with: the subgraph URLs the launcher gives the router,
    unless the caller's environment names them already."""
    env = dict(os.environ if environ is None else environ)
    for service in SERVICES:
        env.setdefault(f"MARKETPLACE_{service.upper()}_URL", f"http://{settings.host}:{settings.service_port(service)}")
    return env


def composed_supergraph(config_path: Path, settings: LauncherSettings) -> str:
    """The supergraph SDL composed from the running subgraphs of ``config_path``."""
    try:
        config = load_config(config_path, launcher_environ(settings))
        tokens = ServiceTokenCache(internal_secret(settings.internal_secret, settings.data_dir))
        inputs = load_subgraphs(config.with_introspection_headers({tokens.header: tokens.token()}), timeout=5.0)
    except SubgraphFetchError as error:
        raise PlanError(
            f"cannot compose {config_path.name} from the running subgraphs ({error}); "
            "start them with `make up`, or give --supergraph FILE"
        ) from None
    except ComposeError as error:
        raise PlanError(f"cannot compose {config_path}: {error}") from None
    result = compose(inputs)
    if result.supergraph_sdl is None:
        raise PlanError(f"the subgraphs do not compose: {'; '.join(str(e) for e in result.errors)}")
    return result.supergraph_sdl


def plan(query: str, operation_name: str | None, supergraph: str | None, config: str | None) -> str:
    if supergraph is not None:
        try:
            sdl = Path(supergraph).read_text(encoding="utf-8")
        except OSError as error:
            raise PlanError(f"cannot read {supergraph}: {error.strerror or error}") from None
    else:
        sdl = composed_supergraph(Path(config) if config else CONFIG, load_settings(LauncherSettings))
    try:
        return plan_text(sdl, query, operation_name)
    except (PlanCommandError, SupergraphError) as error:
        raise PlanError(str(error)) from None


def plan_command(query: str, operation_name: str | None, supergraph: str | None, config: str | None) -> int:
    """``query`` is the operation text, ``@FILE`` or ``-`` (stdin). Exit code 0, or 1 with one line on stderr."""
    try:
        if query == "-":
            query = sys.stdin.read()
        elif query.startswith("@"):
            query = Path(query[1:]).read_text(encoding="utf-8")
        print(plan(query, operation_name, supergraph, config))
    except OSError as error:
        print(f"marketplace plan: {error}", file=sys.stderr)
        return 1
    except PlanError as error:
        print(f"marketplace plan: {error}", file=sys.stderr)
        return 1
    return 0
