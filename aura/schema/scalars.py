"""Scalars whose meaning the API fixes more tightly than Strawberry's defaults."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import dateutil.parser
import strawberry

DESCRIPTION = (
    "An instant: an ISO 8601 / RFC 3339 date and time with its UTC offset, e.g. "
    "`2024-05-01T12:00:00Z` or `2024-05-01T14:00:00+02:00`. Values without an offset, "
    "and instants outside the years 0001-9999 in UTC, are refused as invalid values. "
    "Read back as the same instant in UTC (`2024-05-01T12:00:00+00:00`)."
)


def parse_datetime(value: Any) -> datetime:
    """An aware datetime in UTC, or ValueError: the instant must be unambiguous and
    representable after conversion (``0001-01-01T00:00:00+01:00`` is in year 0)."""
    if not isinstance(value, str):
        raise ValueError("a DateTime is a string such as 2024-05-01T12:00:00Z")
    try:
        parsed = dateutil.parser.isoparse(value)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"not an ISO 8601 date and time: {value!r}") from exc
    if parsed.utcoffset() is None:
        raise ValueError(f"{value!r} has no UTC offset: add Z or ±hh:mm")
    try:
        return parsed.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError(f"{value!r} is outside the years 0001-9999 in UTC") from exc


def serialize_datetime(value: datetime) -> str:
    if value.utcoffset() is None:  # a server fault: an instant the database never wrote
        raise ValueError(f"a naive datetime has no instant: {value!r}")
    return value.isoformat()


DateTime = strawberry.scalar(
    name="DateTime",
    description=DESCRIPTION,
    serialize=serialize_datetime,
    parse_value=parse_datetime,
)
