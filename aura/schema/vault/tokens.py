"""Your provider tokens (OAuth tokens of other services)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from aura.auth.keyring import user_token_identity
from aura.engine.relay import OrderBy, entity_type
from aura.schema import docs
from aura.schema.filters import DateTimeFilter, StringFilter, StringListFilter
from aura.schema.vault.shared import open_sealed

# -- user (provider) tokens ------------------------------------------------------------


@entity_type("user_tokens", domain="vault")
@strawberry.type(
    description=(
        "Your token for a third-party provider (Google, GitHub, …), stored encrypted. "
        "Only you can read your tokens; administrators cannot."
    )
)
class UserToken:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    user_id: strawberry.ID = strawberry.field(
        description="The user the token belongs to (always you)."
    )
    provider: str = strawberry.field(description="The provider, unique per user (`google`).")
    token_type: str = strawberry.field(description="Usually `Bearer`.")
    scopes: list[str] = strawberry.field(description="Scopes the provider granted.")
    expires_at: datetime | None = strawberry.field(description="When the access token expires.")
    metadata: JSON = strawberry.field(description=docs.METADATA)
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    async def _token(self, info: Info, column: str) -> str | None:
        row = self.__dict__
        identity = user_token_identity(row["user_id"], row["provider"])
        return await open_sealed(info, "user_tokens", identity, column, row[column])

    @strawberry.field(description="The access token (decrypted for you).")
    async def access_token(self, info: Info) -> str:
        return await self._token(info, "encrypted_access_token") or ""

    @strawberry.field(description="The refresh token, if the provider gave one.")
    async def refresh_token(self, info: Info) -> str | None:
        return await self._token(info, "encrypted_refresh_token")

    @strawberry.field(description="The access token has expired (`expiresAt` is past).")
    def is_expired(self) -> bool:
        expires = self.__dict__.get("expires_at")
        return expires is not None and expires <= datetime.now(UTC)


@strawberry.input(description="Conditions on your provider tokens.")
class UserTokenFilter:
    provider: StringFilter | None = None
    scopes: StringListFilter | None = None
    expires_at: DateTimeFilter | None = None
    and_: list[UserTokenFilter] | None = strawberry.field(default=None, name="and")
    or_: list[UserTokenFilter] | None = strawberry.field(default=None, name="or")
    not_: UserTokenFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields provider tokens can be ordered by.")
class UserTokenOrderField(Enum):
    PROVIDER = "provider"
    EXPIRES_AT = "expires_at"
    CREATED_AT = "created_at"


@strawberry.input(description="One ordering term for provider tokens.")
class UserTokenOrderBy(OrderBy[UserTokenOrderField]):
    pass


@strawberry.input(
    description=(
        "Your tokens for a provider: stored (encrypted) or replaced. Omitted optional "
        "fields are cleared on replacement, like a fresh OAuth grant."
    )
)
class UpsertUserTokenInput:
    provider: str = strawberry.field(
        description="The provider's name (`google`); stored lower case, one token set per provider."
    )
    access_token: str = strawberry.field(
        description="The provider's access token: not blank, at most 65,536 characters."
    )
    refresh_token: str | None = strawberry.field(
        default=None, description="The provider's refresh token, if it gave one."
    )
    expires_at: datetime | None = strawberry.field(
        default=None, description="When the access token expires, if known."
    )
    scopes: list[str] | None = strawberry.field(
        default=None, description="Scopes the provider granted; none when omitted."
    )
    token_type: str | None = strawberry.field(default=None, description="`Bearer` when omitted.")
    metadata: JSON | None = strawberry.field(
        default=None, description="Free-form JSON for clients; `{}` when omitted."
    )
