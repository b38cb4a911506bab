"""Accounts domain contract: users, their roles and lifecycle, and access tokens."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from aura.db import enums
from aura.engine.relay import OrderBy, connection_field, entity_type, related_field
from aura.engine.scopes import in_domain
from aura.schema import docs
from aura.schema.common import lazy
from aura.schema.filters import (
    BooleanFilter,
    DateTimeFilter,
    EnumFilter,
    IDFilter,
    StringFilter,
    StringListFilter,
)

UserRole = strawberry.enum(
    enums.UserRole,
    description=(
        "What a user may do. PENDING: registered, awaiting approval, sees only themself "
        "(and their access tokens). USER: owns projects and everything in them. MANAGER: a "
        "USER who also leads a team: reads bonus windows and the time tracking of the "
        "projects their team members own (`teamTimeEntries`). ADMIN: sees and changes "
        "everything, approves, promotes and disables users. Only administrators change roles."
    ),
)

_WORK = "aura.schema.work"
_HERE = "aura.schema.accounts"


@entity_type("users", domain="accounts")
@strawberry.type(description="A person (or agent operator) with an account.")
class User:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    email: str = strawberry.field(description="Unique, case-insensitive login address.")
    display_name: str | None = strawberry.field(description="Name shown to other people.")
    role: UserRole = strawberry.field(description="Access level.")  # type: ignore[valid-type]
    must_reset_password: bool = strawberry.field(
        description="The user must choose a new password at next sign-in."
    )
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)
    manager_id: strawberry.ID | None = strawberry.field(
        description="The manager whose team this user belongs to (set by `setUserManager`)."
    )
    disabled_at: datetime | None = strawberry.field(
        description="When an administrator disabled the account; null while it is enabled. "
        "A disabled user's tokens (JWTs and access tokens) are refused."
    )

    manager = related_field(
        "users.manager",
        node=lazy("User", _HERE),
        description="The user's manager, if any (visible to the user themself and admins).",
    )
    access_tokens = connection_field(
        "oauth_tokens",
        via="users.access_tokens",
        node=lazy("AccessToken", _HERE),
        filter=lazy("AccessTokenFilter", _HERE),
        order=lazy("AccessTokenOrderBy", _HERE),
        description="The user's opaque access tokens (yours, or anyone's for admins).",
    )


@strawberry.input(description="Conditions on users; all given fields must match.")
class UserFilter:
    id: IDFilter | None = None
    email: StringFilter | None = None
    display_name: StringFilter | None = None
    role: EnumFilter[UserRole] | None = None  # type: ignore[valid-type]
    must_reset_password: BooleanFilter | None = None
    manager_id: IDFilter | None = None
    disabled_at: DateTimeFilter | None = None
    created_at: DateTimeFilter | None = None
    updated_at: DateTimeFilter | None = None
    and_: list[UserFilter] | None = strawberry.field(default=None, name="and")
    or_: list[UserFilter] | None = strawberry.field(default=None, name="or")
    not_: UserFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields users can be ordered by.")
class UserOrderField(Enum):
    EMAIL = "email"
    DISPLAY_NAME = "display_name"
    ROLE = "role"
    DISABLED_AT = "disabled_at"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


@strawberry.input(description="One ordering term for users.")
class UserOrderBy(OrderBy[UserOrderField]):
    pass


@strawberry.input(description="A new user. Only administrators create users directly.")
class CreateUserInput:
    email: str
    display_name: str | None = strawberry.UNSET
    role: UserRole = strawberry.field(  # type: ignore[valid-type]
        default=enums.UserRole.PENDING, description="Defaults to PENDING."
    )
    must_reset_password: bool | None = strawberry.UNSET


@strawberry.input(description="Changes to a user; omitted fields stay as they are.")
class UpdateUserInput:
    email: str | None = strawberry.UNSET
    display_name: str | None = strawberry.UNSET
    role: UserRole | None = strawberry.field(  # type: ignore[valid-type]
        default=strawberry.UNSET, description="Administrators only."
    )
    must_reset_password: bool | None = strawberry.UNSET


@strawberry.input(description="Self-registration: the new account starts PENDING.")
class RegisterInput:
    email: str = strawberry.field(description="Login address; unique, case-insensitive.")
    display_name: str | None = strawberry.field(default=None, description="Name shown to others.")


# -- access tokens (seed 001 oauth_tokens) ------------------------------------------------

SCOPES_DESCRIPTION = (
    "What the token may do: `read` (read everything its user can), `write` (read and "
    "change it), or per domain `<domain>:read` / `<domain>:write` with a domain among "
    "accounts, work, orchestration, teams (e.g. `work:write`, `orchestration:read`). A "
    "query needs read access to every domain whose fields it selects, a mutation write "
    "access to its own domain; otherwise the request is refused with FORBIDDEN before "
    "anything runs."
)


@entity_type("oauth_tokens", domain="accounts")
@strawberry.type(
    description="An opaque access token for agents, MCP servers and scripts "
    "(`Authorization: Bearer aura_at_…`). Its secret is shown once, when issued; Aura "
    "keeps only a hash of it."
)
class AccessToken:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    user_id: strawberry.ID = strawberry.field(description="The user the token acts for.")
    name: str = strawberry.field(description="What the token is for (`ci-agent`, `mcp`).")
    client_id: str | None = strawberry.field(description="The OAuth client, if any.")
    token_type: str = strawberry.field(description="Always `Bearer`.")
    scopes: list[str] = strawberry.field(description=SCOPES_DESCRIPTION)
    family_id: strawberry.ID = strawberry.field(
        description="The first token of its refresh chain: refreshing creates a new token "
        "in the same family, and revoking one token revokes its whole family."
    )
    parent_id: strawberry.ID | None = strawberry.field(
        description="The token this one was refreshed from."
    )
    expires_at: datetime = strawberry.field(description="When the access token stops working.")
    refresh_expires_at: datetime | None = strawberry.field(
        description="Until when its refresh token can be exchanged (null: not refreshable)."
    )
    refreshed_at: datetime | None = strawberry.field(
        description="When its refresh token was exchanged (it cannot be exchanged again: "
        "a second attempt revokes the family)."
    )
    last_used_at: datetime | None = strawberry.field(
        description="Last request made with it (recorded at most once a minute)."
    )
    revoked_at: datetime | None = strawberry.field(description="When it was revoked, if it was.")
    revoked_reason: str | None = strawberry.field(
        description="REVOKED (by `revokeAccessToken` or `signOut`), REFRESH_TOKEN_REUSED (a "
        "refresh token of its family was presented twice) or PASSWORD_CHANGED (its user's "
        "password was changed or reset)."
    )
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    user = related_field(
        "oauth_tokens.user", node=lazy("User", _HERE), description="The user it acts for."
    )


@strawberry.input(description="Conditions on access tokens; all given fields must match.")
class AccessTokenFilter:
    id: IDFilter | None = None
    user_id: IDFilter | None = None
    name: StringFilter | None = None
    client_id: StringFilter | None = None
    scopes: StringListFilter | None = None
    family_id: IDFilter | None = None
    expires_at: DateTimeFilter | None = None
    last_used_at: DateTimeFilter | None = None
    revoked_at: DateTimeFilter | None = None
    created_at: DateTimeFilter | None = None
    and_: list[AccessTokenFilter] | None = strawberry.field(default=None, name="and")
    or_: list[AccessTokenFilter] | None = strawberry.field(default=None, name="or")
    not_: AccessTokenFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields access tokens can be ordered by.")
class AccessTokenOrderField(Enum):
    NAME = "name"
    EXPIRES_AT = "expires_at"
    LAST_USED_AT = "last_used_at"
    CREATED_AT = "created_at"


@strawberry.input(description="One ordering term for access tokens.")
class AccessTokenOrderBy(OrderBy[AccessTokenOrderField]):
    pass


@strawberry.input(description="A new access token for yourself.")
class IssueAccessTokenInput:
    name: str = strawberry.field(description="What the token is for; not blank.")
    scopes: list[str] = strawberry.field(
        default_factory=lambda: ["read"],
        description=SCOPES_DESCRIPTION + " Defaults to `read`. A request made with an "
        "access token can only issue tokens with no more than its own scopes.",
    )
    expires_in: int = strawberry.field(
        default=3600,
        description="Seconds until the access token expires: 60 to 31,536,000 (a year). "
        "Defaults to an hour.",
    )
    refreshable: bool = strawberry.field(
        default=True, description="Also issue a refresh token (valid for `refreshExpiresIn`)."
    )
    refresh_expires_in: int = strawberry.field(
        default=30 * 24 * 3600,
        description="Seconds until the refresh token expires, at least `expiresIn`, at most "
        "a year. Defaults to 30 days; each refresh starts a new period of the same length.",
    )
    client_id: str | None = strawberry.field(default=None, description="The OAuth client, if any.")


@in_domain("accounts")
@strawberry.type(
    description="A freshly issued token pair. `accessToken` and `refreshToken` are shown "
    "this once and cannot be retrieved later: store them now."
)
class IssuedAccessToken:
    access_token: str = strawberry.field(
        description="Send as `Authorization: Bearer <accessToken>`."
    )
    refresh_token: str | None = strawberry.field(
        description="Exchange with `refreshAccessToken` for a new pair, once."
    )
    token_type: str = strawberry.field(description="Always `Bearer`.")
    expires_at: datetime = strawberry.field(description="When the access token expires.")
    token: AccessToken = strawberry.field(description="The token's record (without secrets).")


@in_domain("accounts")
@strawberry.type(description="A new PENDING account and its first token pair.")
class Registration:
    user: User = strawberry.field(description="The new account, PENDING until approved.")
    credentials: IssuedAccessToken = strawberry.field(
        description="An access token for the new account (scopes read and write; a PENDING "
        "user sees only themself until an administrator approves them)."
    )


# -- signing in (aura.auth.passwords) -------------------------------------------------------


@in_domain("accounts")
@strawberry.type(description="A successful password sign-in: the account and a new token pair.")
class SignIn:
    user: User = strawberry.field(
        description="The signed-in account. When `mustResetPassword` is true, the new "
        "token can only call `changePassword`, `signOut` and `me` until the password is "
        "changed (FORBIDDEN otherwise)."
    )
    credentials: IssuedAccessToken = strawberry.field(
        description="An access token (scopes read and write, valid an hour) and its "
        "refresh token (30 days; exchange it with `refreshAccessToken`)."
    )


@in_domain("accounts")
@strawberry.type(
    description="A one-time password reset token, shown this once (Aura keeps only its "
    "hash). Give it to its user; `resetPassword` spends it."
)
class PasswordReset:
    token: str = strawberry.field(description="The reset token (`aura_pr_…`).")
    link: str | None = strawberry.field(
        description="AURA_PASSWORD_RESET_URL with the token appended; null when unset."
    )
    email: str = strawberry.field(description="The account the token resets.")
    expires_at: datetime = strawberry.field(
        description="When the token stops working (AURA_PASSWORD_RESET_TTL after issue)."
    )
