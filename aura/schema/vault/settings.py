"""System settings (secret ones sealed)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.types import Info

from aura.engine.relay import OrderBy, entity_type
from aura.schema.filters import BooleanFilter, DateTimeFilter, StringFilter
from aura.schema.vault.shared import open_sealed

# -- system settings -------------------------------------------------------------------


@entity_type("system_settings", domain="vault")
@strawberry.type(
    description=(
        "A system-wide setting (`ai_provider`, `llm_model`, `openrouter_key`, …). Members "
        "read plain settings; secret ones are stored encrypted and only administrators "
        "see them. Only administrators change settings."
    )
)
class SystemSetting:
    key: str = strawberry.field(description="Unique key (lower case, `a-z0-9_.-`).")
    is_secret: bool = strawberry.field(description="Stored encrypted, visible to admins only.")
    description: str | None = strawberry.field(description="What the setting controls, if written.")
    updated_by: strawberry.ID | None = strawberry.field(description="Who last changed it.")
    updated_at: datetime = strawberry.field(description="When it last changed.")

    @strawberry.field(name="value", description="The value (decrypted when secret).")
    async def resolve_value(self, info: Info) -> str:
        row = self.__dict__
        if not row["is_secret"]:
            return str(row["value"])
        value = await open_sealed(
            info, "system_settings", row["key"], "encrypted_value", row["encrypted_value"]
        )
        return value or ""


@strawberry.input(description="Conditions on system settings.")
class SystemSettingFilter:
    key: StringFilter | None = None
    is_secret: BooleanFilter | None = None
    updated_at: DateTimeFilter | None = None
    and_: list[SystemSettingFilter] | None = strawberry.field(default=None, name="and")
    or_: list[SystemSettingFilter] | None = strawberry.field(default=None, name="or")
    not_: SystemSettingFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields system settings can be ordered by.")
class SystemSettingOrderField(Enum):
    KEY = "key"
    UPDATED_AT = "updated_at"


@strawberry.input(description="One ordering term for system settings.")
class SystemSettingOrderBy(OrderBy[SystemSettingOrderField]):
    pass


@strawberry.input(description="A setting to create or replace (administrators only).")
class SetSystemSettingInput:
    key: str = strawberry.field(
        description="The setting's key: a lower-case letter, then `a-z0-9_.-`; an existing "
        "key's setting is replaced."
    )
    value: str = strawberry.field(description="The value, at most 65,536 characters.")
    description: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="What the setting controls. Omitted: an existing description is kept; "
        "null removes it.",
    )
    secret: bool | None = strawberry.field(
        default=None,
        description=(
            "Store it encrypted and visible to admins only. Keys ending in `_key`, "
            "`_secret`, `_token` or `_password` are always secret."
        ),
    )
