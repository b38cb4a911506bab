"""Checking and converting client values before they reach SQL.

A malformed ID would make PostgreSQL fail the statement and abort the request's
transaction; catching it here gives a clear BAD_USER_INPUT instead.
"""

from __future__ import annotations

import math
import re
from enum import Enum
from typing import Any

import orjson

from aura import errors

# orjson encodes JSON parameters (aura.db.pool) and the loaders' statement keys; what it
# refuses, PostgreSQL could not take either (text must be UTF-8).
_UNENCODABLE = {
    "surrogates": "holds a lone surrogate such as \\ud800, which is not text",
    "64-bit": "holds an integer beyond 64 bits",
    "Recursion": "nests more than 254 levels deep",
}

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


def unencodable(value: Any) -> str | None:
    """Why ``value`` cannot be sent to the database (None when it can).

    Filters and JSON inputs check this once, when they are read, so that every path
    (root or nested loader, query or subscription) refuses the same values the same way.
    """
    try:
        orjson.dumps(value, default=str)
    except orjson.JSONEncodeError as error:
        message = str(error)
        return next((why for key, why in _UNENCODABLE.items() if key in message), message)
    return None


def non_finite(value: Any) -> bool:
    """Does ``value`` hold NaN or an infinity (which JSON cannot represent)?"""
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(non_finite(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(non_finite(v) for v in value)
    return False


def encodable(value: Any, field: str) -> Any:
    """``value``, or ``BAD_USER_INPUT`` naming ``field`` when the database cannot take it."""
    why = unencodable(value)
    if why is not None:
        raise errors.BadUserInput(f"{field}: the value {why}")
    return value
