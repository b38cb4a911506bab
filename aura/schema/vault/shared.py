"""The vault's enum, the relationship fields its types share, and opening sealed
columns."""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry
from strawberry.types import Info

from aura import errors
from aura.auth.crypto import VaultError
from aura.engine.relay import related_field
from aura.schema.common import lazy

HERE = "aura.schema.vault"
WORK = "aura.schema.work"
ACCOUNTS = "aura.schema.accounts"


@strawberry.enum(description="What was done with a secret's value.")
class SecretAccessType(Enum):
    REVEAL = strawberry.enum_value("REVEAL", description="Reading the value (`revealSecret`).")
    ROTATE = strawberry.enum_value("ROTATE", description="Replacing the value (`rotateSecret`).")


def project_field(via: str) -> Any:
    return related_field(
        via, node=lazy("Project", WORK), required=True, description="The project it belongs to."
    )


def secret_field(via: str) -> Any:
    return related_field(via, node=lazy("Secret", HERE), required=True, description="The secret.")


async def open_sealed(
    info: Info, table: str, row: str, column: str, blob: bytes | None
) -> str | None:
    """Decrypt a sealed column for a field; a value that does not open is a server fault
    (masked), never a plaintext of another row."""
    if blob is None:
        return None
    try:
        return await info.context.vault.open(info.context.session, table, row, column, blob)
    except VaultError as exc:
        raise errors.ApiError("this value cannot be decrypted") from exc
