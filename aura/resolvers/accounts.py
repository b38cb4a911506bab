"""Accounts domain: users and their lifecycle, opaque access tokens."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from aura import errors
from aura.auth import opaque, passwords, scopes
from aura.auth.principal import Principal
from aura.db.mapping import entity
from aura.db.sql.values import check_id
from aura.db.tables.accounts import oauth_tokens
from aura.engine import crud
from aura.engine.ratelimit import RateLimited
from aura.engine.relay import ID_ARGUMENT, by_id_field, connection_field, instantiate
from aura.engine.selection import columns_for, node_fields
from aura.schema.accounts import (
    AccessToken,
    AccessTokenFilter,
    AccessTokenOrderBy,
    CreateUserInput,
    IssueAccessTokenInput,
    IssuedAccessToken,
    PasswordReset,
    RegisterInput,
    Registration,
    SignIn,
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


# -- signing in ------------------------------------------------------------------------

SIGN_IN_SCOPES = ["read", "write"]
SIGN_IN_TTL = 3600
SIGN_IN_REFRESH_TTL = 30 * 24 * 3600
# One answer for an unknown email, a wrong password and a user without a password.
WRONG_CREDENTIALS = "wrong email or password"
_RESET_REFUSALS = {
    "invalid": "unknown password reset token",
    "used": "this password reset token was already used",
    "expired": "this password reset token has expired: ask for a new one",
    "disabled": "this account is disabled",
}


def _client_address(info: Info) -> str:
    client = getattr(info.context.request, "client", None)
    return client.host if client else "-"


def _throttle(info: Info, login: str | None) -> None:
    """RATE_LIMITED when the client's address (or this login) is over its budget."""
    guard = info.context.sign_in
    wait = guard.addresses.acquire(_client_address(info))
    if wait:
        raise RateLimited(
            f"too many sign-in attempts from this address: retry in {wait:.0f} s", wait
        )
    wait = guard.logins.locked(login) if login is not None else 0.0
    if wait:
        raise RateLimited(f"too many failed sign-ins for this email: retry in {wait:.0f} s", wait)


def _new_password(password: str, email: str | None) -> None:
    try:
        passwords.check_policy(password, email)
    except passwords.PolicyError as exc:
        raise errors.BadUserInput(f"newPassword: {exc}") from None


def _reset_link(info: Info, token: str) -> str | None:
    base = info.context.settings.password_reset_url
    return None if not base else base + token


_PASSWORD_ARGUMENT = strawberry.argument(description="The account's password.")


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

    # -- signing in ---------------------------------------------------------------------

    @strawberry.mutation(
        description="Sign in with email and password: returns the account and a new token "
        "pair (shown once). Send it as the only field of its request, selecting only the "
        "account and the pair (BAD_USER_INPUT otherwise); any Authorization header is "
        "ignored. A wrong password, an unknown email and an account without a password "
        "get the same UNAUTHENTICATED answer. Attempts are limited per client address and, "
        "after repeated failures, per email (RATE_LIMITED with `retryAfter`)."
    )
    async def sign_in(
        self,
        info: Info,
        email: Annotated[str, strawberry.argument(description="The account's email.")],
        password: Annotated[str, _PASSWORD_ARGUMENT],
    ) -> SignIn:
        login = email.strip()
        _throttle(info, login)
        guard = info.context.sign_in
        session = info.context.session
        found = await session.fetch_alone("SELECT * FROM aura.password_credentials($1)", login)
        encoded = found[0]["password_hash"] if found else None
        if len(password) > passwords.MAX_LENGTH or not await passwords.verify_password_async(
            encoded, password
        ):
            guard.logins.failed(login)
            raise errors.Unauthenticated(WRONG_CREDENTIALS)
        access, refresh = (
            opaque.new_token(opaque.ACCESS_PREFIX),
            opaque.new_token(opaque.REFRESH_PREFIX),
        )
        rows = await session.fetch_alone(
            "SELECT * FROM aura.password_sign_in($1, $2, $3, $4, $5::text[], $6, $7)",
            found[0]["user_id"],
            encoded,
            opaque.digest(access),
            opaque.digest(refresh),
            SIGN_IN_SCOPES,
            SIGN_IN_TTL,
            SIGN_IN_REFRESH_TTL,
        )
        outcome = rows[0]
        if outcome["status"] == "invalid":  # the password changed meanwhile
            guard.logins.failed(login)
            raise errors.Unauthenticated(WRONG_CREDENTIALS)
        if outcome["status"] != "ok":
            raise errors.Unauthenticated("this account is disabled")
        guard.logins.succeeded(login)
        user_id = found[0]["user_id"]
        pair = _pair_principal(
            user_id, outcome["token_id"], access, outcome["expires_at"], SIGN_IN_SCOPES
        )
        _switch_to(info, pair)
        token = await _token_row(info, outcome["token_id"])
        user = await session.fetchrow(
            f"SELECT {', '.join(entity('users').columns)} FROM users WHERE id = $1", user_id
        )
        return SignIn(user=instantiate(User, user), credentials=_issued(token, access, refresh))

    @strawberry.mutation(
        description="Sign out: revokes the access token of this request and every token of "
        "its refresh family (its refresh token included). Returns true. BAD_USER_INPUT "
        "for a signed JWT, which cannot be revoked (it expires)."
    )
    async def sign_out(self, info: Info) -> bool:
        principal = info.context.session.principal
        if principal is None:
            raise errors.Unauthenticated("sign in: send 'Authorization: Bearer <token>'")
        if principal.token_id is None:
            raise errors.BadUserInput(
                "this request is signed with a JWT, which cannot be revoked: it ends when it "
                "expires"
            )
        await info.context.session.fetchval(
            "SELECT count(*) FROM aura.revoke_token($1::uuid)", principal.token_id
        )
        return True

    @strawberry.mutation(
        description="Change your password. Clears `mustResetPassword`, and revokes your "
        "other access tokens (all but the family of the one making this request). The new "
        "password needs at least 10 characters and must not be your email "
        "(BAD_USER_INPUT); a wrong current password is UNAUTHENTICATED. Attempts count "
        "towards the sign-in limits."
    )
    async def change_password(
        self,
        info: Info,
        current_password: Annotated[str, strawberry.argument(description="Your password now.")],
        new_password: Annotated[str, strawberry.argument(description="The new password.")],
    ) -> User:
        session = info.context.session
        principal = session.principal
        if principal is None:
            raise errors.Unauthenticated("sign in: send 'Authorization: Bearer <token>'")
        login = f"user:{principal.user_id}"
        _throttle(info, login)
        encoded = await session.fetchval("SELECT aura.current_password_hash()")
        if len(current_password) > passwords.MAX_LENGTH or not (
            await passwords.verify_password_async(encoded, current_password)
        ):
            info.context.sign_in.logins.failed(login)
            raise errors.Unauthenticated("the current password is wrong")
        columns = ", ".join(entity("users").columns)
        email = await session.fetchval("SELECT email FROM users WHERE id = $1", principal.user_id)
        _new_password(new_password, email)
        hashed = await passwords.hash_password_async(new_password)
        await session.execute("SELECT aura.set_password($1::uuid, $2)", principal.user_id, hashed)
        info.context.sign_in.logins.succeeded(login)
        row = await session.fetchrow(
            f"SELECT {columns} FROM users WHERE id = $1", principal.user_id
        )
        return instantiate(User, row)

    @strawberry.mutation(
        description="Issue a one-time password reset token for the account with this email "
        "(administrators only; NOT_FOUND for an unknown email). Aura sends no mail: hand "
        "the token or link to the user. It works once, for AURA_PASSWORD_RESET_TTL seconds "
        "(an hour by default); issuing another invalidates the earlier ones. "
        "`aura reset-password EMAIL` does the same from the command line."
    )
    async def request_password_reset(
        self,
        info: Info,
        email: Annotated[str, strawberry.argument(description="The account's email.")],
    ) -> PasswordReset:
        token = passwords.reset_token()
        row = await info.context.session.fetchrow(
            "SELECT * FROM aura.create_password_reset($1, $2, $3)",
            email.strip(),
            passwords.token_digest(token),
            info.context.settings.password_reset_ttl,
        )
        return PasswordReset(
            token=token,
            link=_reset_link(info, token),
            email=row["email"],
            expires_at=row["expires_at"],
        )

    @strawberry.mutation(
        description="Set a new password with a reset token (no Authorization needed). The "
        "token is spent; `mustResetPassword` is cleared and every token of the account is "
        "revoked: sign in again with the new password. BAD_USER_INPUT for an unknown, used "
        "or expired token, or a password that does not meet the policy (at least 10 "
        "characters, not the email). Returns true."
    )
    async def reset_password(
        self,
        info: Info,
        token: Annotated[str, strawberry.argument(description="The reset token (`aura_pr_…`).")],
        new_password: Annotated[str, strawberry.argument(description="The new password.")],
    ) -> bool:
        _throttle(info, None)
        session = info.context.session
        digest = passwords.token_digest(token.strip())
        target = (await session.fetch_alone("SELECT * FROM aura.reset_password($1, NULL)", digest))[
            0
        ]
        if target["status"] != "ok":
            raise errors.BadUserInput(_RESET_REFUSALS[target["status"]])
        _new_password(new_password, target["email"])
        hashed = await passwords.hash_password_async(new_password)
        spent = (
            await session.fetch_alone("SELECT * FROM aura.reset_password($1, $2)", digest, hashed)
        )[0]
        if spent["status"] != "ok":  # spent concurrently
            raise errors.BadUserInput(_RESET_REFUSALS[spent["status"]])
        return True

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
