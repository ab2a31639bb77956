"""The users subgraph's schema: queries, mutations and the federation ``User`` entity.

Authorization, in one place: anonymous callers may only sign up, log in and check credentials;
``me`` and ``user(id)`` need a signed-in caller; a user reads private fields of and changes only
their own account, an admin every account; only an admin creates admins or changes roles.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry import federation
from strawberry.extensions import AddValidationRules, SchemaExtension
from strawberry.types import Info

from servicekit.auth import bearer_token
from servicekit.errors import BadUserInput, Forbidden, NotFound
from servicekit.graphql_errors import error_codes_extension
from servicekit.router_only import router_only_extension
from subgraphs.users.context import UsersContext
from subgraphs.users.service import accounts, credentials, throttle
from subgraphs.users.types import AuthPayload, CreateUserInput, CredentialsValidity, Role, UpdateUserInput, User

UsersInfo = Info[UsersContext, Any]


async def resolve_me(info: UsersInfo) -> User | None:
    actor = await info.context.require_actor()
    row = await info.context.loaders.users.load(actor.user_id)
    return None if row is None else User.from_row(row)


async def resolve_user(info: UsersInfo, id: strawberry.ID) -> User | None:
    info.context.prefetch_caller()
    row_pending = info.context.loaders.users.load(str(id))
    await info.context.require_actor()
    row = await row_pending
    return None if row is None or row.deleted_at is not None else User.from_row(row)


def _canonical(user_id: strawberry.ID) -> str:
    """The id in its canonical (lower-case UUID) spelling, so ``ABC…`` and ``abc…`` are the same account."""
    parsed = accounts.parse_id(str(user_id))
    return str(parsed) if parsed is not None else str(user_id)


def _one_of(**values: str | None) -> tuple[str, str]:
    given = [(name, value) for name, value in values.items() if value is not None]
    if len(given) != 1:
        names = " or ".join(values)
        raise BadUserInput(f"give exactly one of {names}", field=next(iter(values)))
    return given[0]


async def _may_change(info: UsersInfo, user_id: str, role: Role | None) -> None:
    actor = await info.context.require_actor()
    if not actor.can_act_for(user_id):
        raise Forbidden("you may only change your own account")
    if role is not None and not actor.is_admin:
        raise Forbidden("only an admin may change roles")


async def create_user(info: UsersInfo, input: CreateUserInput) -> User:
    ctx = info.context
    if input.role is Role.ADMIN:
        actor = await ctx.require_actor()
        if not actor.is_admin:
            raise Forbidden("only an admin may create an admin")
    creds = ctx.credentials
    row = await accounts.create_user(
        creds.sessions,
        creds.passwords,
        email=input.email,
        name=input.name,
        password=input.password,
        role=(input.role or Role.USER).value,
    )
    await throttle.mark_known(creds.sessions, user_id=str(row.id), address=ctx.client_address)
    return User.from_row(row, creator_view=True)


async def update_user(info: UsersInfo, id: strawberry.ID, input: UpdateUserInput) -> User:
    ctx = info.context
    user_id = _canonical(id)
    await _may_change(info, user_id, input.role)
    row = await accounts.update_user(
        ctx.credentials.sessions,
        ctx.credentials.passwords,
        user_id,
        email=input.email,
        name=input.name,
        password=input.password,
        role=input.role.value if input.role is not None else None,
    )
    ctx.forget(user_id)
    return User.from_row(row)


async def delete_user(info: UsersInfo, id: strawberry.ID) -> bool:
    ctx = info.context
    user_id = _canonical(id)
    await _may_change(info, user_id, None)
    if not await accounts.delete_user(ctx.credentials.sessions, user_id):
        raise NotFound("no such user")
    ctx.forget(user_id)
    return True


async def authenticate(
    info: UsersInfo, user_id: strawberry.ID, password: str | None = None, refresh_token: str | None = None
) -> AuthPayload:
    ctx = info.context
    kind, secret = _one_of(password=password, refreshToken=refresh_token)
    if kind == "password":
        result = await credentials.login_with_password(ctx.credentials, str(user_id), secret, ctx.client_address)
    else:
        result = await credentials.login_with_refresh_token(ctx.credentials, str(user_id), secret)
    return AuthPayload(
        access_token=result.access_token,
        refresh_token=result.refresh_token,
        token_type=result.token_type,
        expires_in=result.expires_in,
    )


async def validate_credentials(
    info: UsersInfo, user_id: strawberry.ID, token: str | None = None, password: str | None = None
) -> CredentialsValidity:
    ctx = info.context
    if token is None and password is None:
        token = bearer_token(ctx.request.headers.get("authorization"))
    kind, secret = _one_of(token=token, password=password)
    if kind == "password":
        validity = await credentials.check_password(ctx.credentials, str(user_id), secret, ctx.client_address)
    else:
        validity = await credentials.check_token(ctx.credentials, ctx.verifier, str(user_id), secret)
    return CredentialsValidity(valid=validity.valid, expires_at=validity.expires_at)


@strawberry.type
class Query:
    me: User | None = strawberry.field(resolver=resolve_me, description="The signed-in user.")
    user: User | None = strawberry.field(
        resolver=resolve_user,
        description="A user's profile (private fields only for the user and admins); null when there is none.",
    )


@strawberry.type
class Mutation:
    create_user: User = strawberry.mutation(
        resolver=create_user, description="Sign up (no token needed). Only an admin may create an ADMIN."
    )
    update_user: User = strawberry.mutation(
        resolver=update_user, description="Change the given fields of an account (yours, or any as an admin)."
    )
    delete_user: bool = strawberry.mutation(
        resolver=delete_user,
        description="Delete an account (yours, or any as an admin): it can no longer log in or use its tokens.",
    )
    authenticate: AuthPayload = strawberry.mutation(
        resolver=authenticate,
        description="Log in with a password, or exchange a refresh token (single use) for new tokens.",
    )
    validate_credentials: CredentialsValidity = strawberry.mutation(
        resolver=validate_credentials,
        description="Whether a token (the argument, else the Authorization header) "
        "or a password is valid for this user.",
    )


def build_schema(
    *, mask_errors: bool = False, introspection: bool = True, router_secret: str | None = None
) -> federation.Schema:
    """The users schema; with ``router_secret``, ``_entities``/``_service`` answer only the router."""
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [error_codes_extension(mask=mask_errors)]
    if router_secret is not None:
        extensions.append(router_only_extension(router_secret))
    if not introspection:
        rules = AddValidationRules([NoSchemaIntrospectionCustomRule])
        extensions.append(lambda: rules)
    return federation.Schema(query=Query, mutation=Mutation, types=[User], extensions=extensions)


schema = build_schema()
