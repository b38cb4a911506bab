"""Accounts domain: users and their lifecycle, opaque access tokens."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from aura import errors
from aura.auth import opaque, scopes
from aura.auth.principal import Principal
from aura.db.mapping import entity
from aura.db.sql.values import check_id
from aura.db.tables.accounts import oauth_tokens
from aura.engine import crud
from aura.engine.relay import ID_ARGUMENT, by_id_field, connection_field, instantiate
from aura.engine.selection import columns_for, node_fields
from aura.schema.accounts import (
    AccessToken,
    AccessTokenFilter,
    AccessTokenOrderBy,
    CreateUserInput,
    IssueAccessTokenInput,
    IssuedAccessToken,
    RegisterInput,
    Registration,
    UpdateUserInput,
    User,
    UserFilter,
    UserOrderBy,
    UserRole,
)

MIN_TTL = 60
MAX_TTL = 365 * 24 * 3600
REGISTRATION_SCOPES = ["write"]
REGISTRATION_TTL = 3600
REGISTRATION_REFRESH_TTL = 30 * 24 * 3600

# Every column of a token but its hashes: what AccessToken can show.
_TOKEN_COLUMNS = ", ".join(c.name for c in oauth_tokens.columns if not c.name.endswith("_hash"))

_ISSUE = f"""
INSERT INTO oauth_tokens (user_id, name, client_id, access_token_hash, refresh_token_hash,
                          scopes, expires_at, refresh_expires_at)
VALUES (aura.current_user_id(), $1, $2, $3, $4, $5::text[],
        now() + make_interval(secs => $6::int),
        now() + make_interval(secs => $7::int))
RETURNING {_TOKEN_COLUMNS}
"""

_REFRESH_REFUSALS = {
    "invalid": "unknown refresh token",
    "reused": "this refresh token was already used: every token of its family is now "
    "revoked; sign in again",
    "revoked": "this token has been revoked",
    "expired": "this refresh token has expired",
    "disabled": "this account is disabled",
}


def _user_columns(info: Info) -> str:
    return ", ".join(columns_for(entity("users"), node_fields(info, connection=False)))


async def _admin_update(info: Info, id_: strawberry.ID, **changes: Any) -> User:
    """One administrator change to an account, checked and applied by the database."""
    key = check_id(id_)
    row = await info.context.session.fetchrow(
        f"SELECT {_user_columns(info)} FROM aura.admin_update_user($1::uuid, $2::jsonb)",
        key,
        changes,
    )
    if row is None:  # pragma: no cover - the function raises NOT_FOUND itself
        raise errors.NotFound(f"no user with id {key}")
    return instantiate(User, row)


def _ttl(value: int, field: str, *, at_least: int = MIN_TTL) -> int:
    if not at_least <= value <= MAX_TTL:
        raise errors.BadUserInput(f"{field} must be between {at_least} and {MAX_TTL} seconds")
    return value


def _issued(row: Any, access: str, refresh: str | None) -> IssuedAccessToken:
    token = instantiate(AccessToken, row)
    return IssuedAccessToken(
        access_token=access,
        refresh_token=refresh,
        token_type="Bearer",
        expires_at=row["expires_at"],
        token=token,
    )


def _switch_to(info: Info, principal: Principal) -> None:
    """The rest of the request acts as ``principal`` (a token just issued to it).

    The API refuses such a field unless it is alone in its request
    (``aura.engine.scopes.SWITCHING``), so the rest is only its own result.
    """
    session = info.context.session
    if session.begun:
        raise errors.BadUserInput(
            "send this mutation alone in its request, without other data access"
        )
    session.act_as(principal)
    info.context.principal = principal


def _pair_principal(
    user_id: str, token_id: str, access: str, expires_at: datetime, token_scopes: Iterable[str]
) -> Principal:
    return Principal(
        user_id=str(user_id),
        token_id=str(token_id),
        # Exactly the issued token's scopes: switching never widens what it may do.
        scopes=frozenset(token_scopes),
        expires_at=expires_at.timestamp(),
        token_hash=opaque.digest(access).hex(),
    )


async def _token_row(info: Info, token_id: str) -> Any:
    row = await info.context.session.fetchrow(
        f"SELECT {_TOKEN_COLUMNS} FROM oauth_tokens WHERE id = $1", token_id
    )
    if row is None:
        raise errors.NotFound(f"no access token with id {token_id}")
    return row


@strawberry.type
class AccountsQuery:
    user = by_id_field(
        "users", node=User, description="A user by ID (yourself, or anyone for admins)."
    )
    users = connection_field(
        "users",
        node=User,
        filter=UserFilter,
        order=UserOrderBy,
        description="Users you can see: yourself, or everyone for admins.",
    )

    @strawberry.field(
        description="The signed-in user: role, mustResetPassword, disabledAt, manager, …"
    )
    async def me(self, info: Info) -> User:
        principal = info.context.session.principal
        users = entity("users")
        columns = columns_for(users, node_fields(info, connection=False))
        loader = info.context.loaders.by_key("users", columns, "id")
        # The session resolves the principal first, so an unknown user fails there.
        row = await loader.load(principal.user_id if principal else "")
        return instantiate(User, row)

    access_token = by_id_field(
        "oauth_tokens",
        node=AccessToken,
        description="One of your access tokens by ID (anyone's for admins); never its secret.",
    )
    access_tokens = connection_field(
        "oauth_tokens",
        node=AccessToken,
        filter=AccessTokenFilter,
        order=AccessTokenOrderBy,
        description="Your access tokens, revoked and expired ones included (everyone's "
        "for admins); never their secrets.",
    )


@strawberry.type
class AccountsMutation:
    create_user = crud.create_field(
        "users",
        input=CreateUserInput,
        node=User,
        description="Create a user (administrators only).",
    )

    update_user = crud.update_field(
        "users",
        input=UpdateUserInput,
        node=User,
        description="Change a user: your own email and displayName, or anything of anyone "
        "for administrators (role and mustResetPassword are theirs to change: FORBIDDEN).",
    )

    delete_user = crud.delete_field(
        "users",
        description="Delete a user and everything they own (administrators only). Returns its ID.",
    )

    # -- lifecycle ----------------------------------------------------------------------

    @strawberry.mutation(
        description="Sign up: creates a PENDING account and returns its first token pair "
        "(shown once). Send it without a token, as the only field of its request "
        "(BAD_USER_INPUT otherwise). A PENDING user sees only themself until "
        "an administrator approves them. The email must be unused (CONFLICT otherwise)."
    )
    async def register(
        self,
        info: Info,
        input: Annotated[
            RegisterInput,
            strawberry.argument(description="Your email, and optionally your display name."),
        ],
    ) -> Registration:
        if info.context.session.principal is not None:
            raise errors.Forbidden("you are signed in: register without a token")
        email = input.email.strip()
        access, refresh = (
            opaque.new_token(opaque.ACCESS_PREFIX),
            opaque.new_token(opaque.REFRESH_PREFIX),
        )
        rows = await info.context.session.fetch_alone(
            "SELECT * FROM aura.register_user($1, $2, $3, $4, $5::text[], "
            "now() + make_interval(secs => $6::int), now() + make_interval(secs => $7::int))",
            email,
            input.display_name,
            opaque.digest(access),
            opaque.digest(refresh),
            REGISTRATION_SCOPES,
            REGISTRATION_TTL,
            REGISTRATION_REFRESH_TTL,
        )
        user_id, token_id = rows[0]["user_id"], rows[0]["token_id"]
        expires = datetime.now(UTC) + timedelta(seconds=REGISTRATION_TTL)
        _switch_to(info, _pair_principal(user_id, token_id, access, expires, REGISTRATION_SCOPES))
        token = await _token_row(info, token_id)
        user = await info.context.session.fetchrow(
            f"SELECT {', '.join(entity('users').columns)} FROM users WHERE id = $1", user_id
        )
        return Registration(
            user=instantiate(User, user), credentials=_issued(token, access, refresh)
        )

    @strawberry.mutation(
        description="Approve a PENDING user: they become USER (administrators only; "
        "BAD_USER_INPUT if the user is not PENDING)."
    )
    async def approve_user(self, info: Info, id: ID_ARGUMENT) -> User:
        return await _admin_update(info, id, approve=True)

    @strawberry.mutation(
        description="Set a user's role (administrators only; an administrator cannot "
        "demote themself). Takes effect at the user's next request."
    )
    async def set_user_role(
        self,
        info: Info,
        id: ID_ARGUMENT,
        role: Annotated[UserRole, strawberry.argument(description="The new role.")],  # type: ignore[valid-type]
    ) -> User:
        return await _admin_update(info, id, role=str(role.value))  # type: ignore[attr-defined]

    @strawberry.mutation(
        description="Disable an account (administrators only): every token of the user, "
        "JWT or access token, is refused from now on, open subscriptions included."
    )
    async def disable_user(self, info: Info, id: ID_ARGUMENT) -> User:
        return await _admin_update(info, id, disabled=True)

    @strawberry.mutation(
        description="Enable a disabled account again (administrators only); tokens that "
        "have not expired or been revoked work again."
    )
    async def enable_user(self, info: Info, id: ID_ARGUMENT) -> User:
        return await _admin_update(info, id, disabled=False)

    @strawberry.mutation(
        description="Require (or stop requiring) the user to choose a new password at next "
        "sign-in (administrators only)."
    )
    async def set_must_reset_password(
        self,
        info: Info,
        id: ID_ARGUMENT,
        value: Annotated[
            bool,
            strawberry.argument(
                description="true: require a new password; false: stop requiring it."
            ),
        ],
    ) -> User:
        return await _admin_update(info, id, must_reset_password=value)

    @strawberry.mutation(
        description="Put a user in a manager's team, or take them out with null "
        "(administrators only). The manager must be a MANAGER or ADMIN."
    )
    async def set_user_manager(
        self,
        info: Info,
        id: ID_ARGUMENT,
        manager_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="The manager (a MANAGER or ADMIN); null takes the user out of any team."
            ),
        ],
    ) -> User:
        manager = None if manager_id is None else check_id(manager_id, "managerId")
        return await _admin_update(info, id, manager_id=manager)

    # -- access tokens ------------------------------------------------------------------

    @strawberry.mutation(
        description="Issue an access token for yourself. The response is the only time "
        "its secrets are shown; Aura stores only their hashes."
    )
    async def issue_access_token(
        self,
        info: Info,
        input: Annotated[
            IssueAccessTokenInput,
            strawberry.argument(description="Name, scopes and lifetimes of the token."),
        ],
    ) -> IssuedAccessToken:
        name = input.name.strip()
        if not name:
            raise errors.BadUserInput("name must not be blank")
        try:
            wanted = scopes.normalize(input.scopes)
        except ValueError as exc:
            raise errors.BadUserInput(f"scopes: {exc}") from None
        held = info.context.session.principal.scopes if info.context.session.principal else None
        if held is not None and not scopes.covers(held, wanted):
            raise errors.Forbidden("an access token cannot issue a token with more scopes")
        expires_in = _ttl(input.expires_in, "expiresIn")
        refresh_in = (
            _ttl(input.refresh_expires_in, "refreshExpiresIn", at_least=expires_in)
            if input.refreshable
            else None
        )
        access = opaque.new_token(opaque.ACCESS_PREFIX)
        refresh = opaque.new_token(opaque.REFRESH_PREFIX) if input.refreshable else None
        row = await info.context.session.fetchrow(
            _ISSUE,
            name,
            input.client_id,
            opaque.digest(access),
            None if refresh is None else opaque.digest(refresh),
            wanted,
            expires_in,
            refresh_in,
        )
        return _issued(row, access, refresh)

    @strawberry.mutation(
        description="Exchange a refresh token for a new token pair (rotation): the refresh "
        "token is spent, the old access token lives until it expires. Presenting a spent "
        "refresh token again revokes every token of its family (UNAUTHENTICATED). The new "
        "pair has the old one's scopes. Send it as the only field of its request, selecting "
        "only the pair (not `token.user`), else BAD_USER_INPUT before anything runs; no "
        "Authorization header is needed (nor used)."
    )
    async def refresh_access_token(
        self,
        info: Info,
        refresh_token: Annotated[
            str,
            strawberry.argument(
                description="The refresh token (`aura_rt_…`) of the pair to replace; "
                "each works once."
            ),
        ],
    ) -> IssuedAccessToken:
        access = opaque.new_token(opaque.ACCESS_PREFIX)
        refresh = opaque.new_token(opaque.REFRESH_PREFIX)
        if not refresh_token.startswith(opaque.REFRESH_PREFIX):
            raise errors.Unauthenticated(_REFRESH_REFUSALS["invalid"])
        rows = await info.context.session.fetch_alone(
            "SELECT * FROM aura.refresh_access_token($1, $2, $3)",
            opaque.digest(refresh_token),
            opaque.digest(access),
            opaque.digest(refresh),
        )
        outcome = rows[0]
        if outcome["status"] != "ok":
            raise errors.Unauthenticated(_REFRESH_REFUSALS[outcome["status"]])
        # The new pair has the old one's scopes (the database copies them); none until
        # its row, read as the new principal, says which.
        pair = _pair_principal(
            outcome["user_id"], outcome["token_id"], access, outcome["expires_at"], ()
        )
        _switch_to(info, pair)
        row = await _token_row(info, outcome["token_id"])
        info.context.principal = info.context.session.principal = replace(
            pair, scopes=frozenset(row["scopes"])
        )
        return _issued(row, access, refresh)

    @strawberry.mutation(
        description="Revoke an access token (yours, or anyone's for admins) and every token "
        "of its refresh family, at once: requests and subscriptions using them stop. "
        "Revoking a revoked token changes nothing."
    )
    async def revoke_access_token(self, info: Info, id: ID_ARGUMENT) -> AccessToken:
        row = await info.context.session.fetchrow(
            f"SELECT {_TOKEN_COLUMNS} FROM aura.revoke_token($1::uuid)", check_id(id)
        )
        return instantiate(AccessToken, row)
