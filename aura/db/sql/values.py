"""Checking and converting client values before they reach SQL.

A malformed ID would make PostgreSQL fail the statement and abort the request's
transaction; catching it here gives a clear BAD_USER_INPUT instead.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Any

from aura import errors

_UUID = re.compile(
    r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?"
    r"[0-9a-fA-F]{12}$"
)


def check_id(value: Any, field: str = "id") -> str:
    text = str(value)
    if not _UUID.match(text):
        raise errors.BadUserInput(f"{field}: {text[:80]!r} is not a valid ID")
    return text.lower()


def plain(value: Any, sql_type: str, field: str) -> Any:
    """A client value as the database expects it for a column of ``sql_type``."""
    if value is None:
        return None
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [plain(v, sql_type.removesuffix("[]"), field) for v in value]
    if sql_type == "UUID":
        return check_id(value, field)
    return value
