"""Encryption keys (administrators only) and what rotating one did."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from aura.engine.relay import OrderBy, entity_type
from aura.engine.scopes import in_domain
from aura.schema import docs
from aura.schema.filters import BooleanFilter, DateTimeFilter, IDFilter

# -- encryption keys -------------------------------------------------------------------


@entity_type("encryption_keys", domain="vault")
@strawberry.type(
    description=(
        "A data key of the vault (administrators only). Values are encrypted with a data "
        "key, and data keys with the master key, which only the server holds; the key "
        "material itself is never exposed. One key is active: new values use it."
    )
)
class EncryptionKey:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    key_name: str = strawberry.field(description="A readable name (creation time, id prefix).")
    algorithm: str = strawberry.field(description="Cipher of the values (AES-256-GCM).")
    is_active: bool = strawberry.field(description="New values are encrypted with this key.")
    rotation_count: int = strawberry.field(
        description="How many rotations preceded this key (0 for the first)."
    )
    last_rotated_at: datetime | None = strawberry.field(
        description="When this key was replaced by a newer one; null while active."
    )
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)


@strawberry.input(description="Conditions on encryption keys.")
class EncryptionKeyFilter:
    id: IDFilter | None = None
    is_active: BooleanFilter | None = None
    created_at: DateTimeFilter | None = None
    and_: list[EncryptionKeyFilter] | None = strawberry.field(default=None, name="and")
    or_: list[EncryptionKeyFilter] | None = strawberry.field(default=None, name="or")
    not_: EncryptionKeyFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields encryption keys can be ordered by.")
class EncryptionKeyOrderField(Enum):
    CREATED_AT = "created_at"
    ROTATION_COUNT = "rotation_count"


@strawberry.input(description="One ordering term for encryption keys.")
class EncryptionKeyOrderBy(OrderBy[EncryptionKeyOrderField]):
    pass


@in_domain("vault")
@strawberry.type(description="What `rotateEncryptionKey` did.")
class KeyRotation:
    key_id: strawberry.ID = strawberry.field(description="The new active data key.")
    secrets: int = strawberry.field(description="Secrets re-encrypted under it.")
    user_tokens: int = strawberry.field(description="Provider tokens re-encrypted under it.")
    system_settings: int = strawberry.field(
        description="Secret system settings re-encrypted under it."
    )
    batches: int = strawberry.field(description="Short transactions the re-encryption took.")
    seconds: float = strawberry.field(description="Duration of the whole rotation.")
