"""Creating the first admin (admins can otherwise only be created by an admin).

``python -m subgraphs.users.admin --email a@example.com --name Admin`` reads the password from
standard input (so it never shows in the process list or the shell history) and prints the new
account's id. It uses the users service's settings (``MARKETPLACE_USERS_DATABASE_URL`` or
``DATABASE_URL``); the schema must already be migrated (``marketplace migrate``).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Sequence

from db.engine import create_engine, session_factory
from servicekit.errors import MarketplaceError
from servicekit.settings import load_settings
from subgraphs.users.app import passwords_from
from subgraphs.users.service import accounts
from subgraphs.users.settings import UsersSettings


async def create_admin(settings: UsersSettings, *, email: str, name: str, password: str) -> str:
    """Create an ADMIN account directly in the database; returns its id."""
    database_url = settings.effective_database_url
    if database_url is None:
        raise ValueError("set MARKETPLACE_USERS_DATABASE_URL or DATABASE_URL")
    engine = create_engine(database_url, pool_size=1, max_overflow=0)
    try:
        user = await accounts.create_user(
            session_factory(engine), passwords_from(settings), email=email, name=name, password=password, role="ADMIN"
        )
    finally:
        await engine.dispose()
    return str(user.id)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m subgraphs.users.admin", description="create an admin account")
    parser.add_argument("--email", required=True)
    parser.add_argument("--name", required=True)
    args = parser.parse_args(argv)
    password = getpass.getpass("password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    settings = load_settings(UsersSettings)
    try:
        user_id = asyncio.run(create_admin(settings, email=args.email, name=args.name, password=password))
    except (MarketplaceError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(user_id)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
