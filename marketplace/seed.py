"""``marketplace seed``: demo users and products, through the products service's bulk seeder."""

from __future__ import annotations

import asyncio
import importlib
import sys

from marketplace.embedded import backends
from marketplace.settings import LauncherSettings
from servicekit.settings import load_settings


def seed_command(users: int, products: int, progress: bool | None = None) -> int:
    """``progress``: the bars on stderr; ``None``: on large seeds, when stderr is a terminal."""
    if users < 1 or products < 0:
        print("error: --users must be at least 1 and --products at least 0", file=sys.stderr)
        return 2
    try:
        seeder = importlib.import_module("subgraphs.products.seed")
    except ModuleNotFoundError:
        print("error: the products service is not available in this checkout", file=sys.stderr)
        return 2
    settings = load_settings(LauncherSettings)
    with backends(settings.data_dir, settings.database_url, "unix:///unused") as found:
        result = asyncio.run(seeder.seed(found.database_url, users=users, products=products, progress=progress))
    print(result)
    return 0
