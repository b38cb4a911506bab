"""Scalars whose meaning the API fixes more tightly than Strawberry's defaults."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, NewType

import dateutil.parser
import strawberry
from graphql import GraphQLError
from strawberry.scalars import JSON

from aura.db.sql.values import non_finite, unencodable

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


BIGINT_DESCRIPTION = (
    "A 64-bit signed integer (-9223372036854775808 to 9223372036854775807), such as a "
    'GitHub ID. Sent as a string of decimal digits (`"9007199254740993"`) so that '
    "JavaScript, whose numbers keep only 53 bits, never rounds it; accepted as such a "
    "string or as an integer. Anything else (a fraction, an exponent, a value out of "
    "range) is refused as BAD_USER_INPUT."
)
BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1
_DIGITS = re.compile(r"-?[0-9]{1,20}")


def _bad(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})


def parse_bigint(value: Any) -> int:
    """An int within PostgreSQL's bigint, from a string of digits or an integer."""
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        number = int(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        raise _bad(f"BigInt cannot represent {value!r}: give an integer or a string of digits")
    if not BIGINT_MIN <= number <= BIGINT_MAX:
        raise _bad(f"BigInt {value!r} is outside the 64-bit range")
    return number


def serialize_bigint(value: int) -> str:
    return str(int(value))


# Fields and inputs are typed ``BigInt`` (an int in Python); the schema maps it to the
# scalar (``SCALAR_MAP``), as it maps ``datetime`` to DateTime.
BigInt = NewType("BigInt", int)
BigIntScalar = strawberry.scalar(
    name="BigInt",
    description=BIGINT_DESCRIPTION,
    serialize=serialize_bigint,
    parse_value=parse_bigint,
)


def _json_input(value: Any) -> Any:
    """A JSON input value, from variables or (through ``parse_literal``) the document.

    Python's JSON parser and graphql-core's literals yield what JSON cannot hold (``NaN``,
    ``1e400`` as infinity), which the database driver would store as null; orjson (which
    encodes JSON parameters) refuses lone surrogates, integers beyond 64 bits and
    nesting past 254 levels. All are ``BAD_USER_INPUT`` here, before any resolver runs.
    """
    why = unencodable(value)
    if why is None and non_finite(value):
        why = "holds NaN or an infinity (e.g. 1e400), which JSON cannot represent"
    if why is not None:
        raise GraphQLError(f"JSON value {why}", extensions={"code": "BAD_USER_INPUT"})
    return value


# Strawberry's JSON scalar (same name, description and SDL), with checked inputs; the
# schema uses it in place of ``strawberry.scalars.JSON`` (``scalar_overrides``).
JSONScalar = strawberry.scalar(
    name="JSON",
    description=(
        "The `JSON` scalar type represents JSON values as specified by "
        "[ECMA-404]"
        "(https://ecma-international.org/wp-content/uploads/ECMA-404_2nd_edition_december_2017.pdf)."
    ),
    specified_by_url=(
        "https://ecma-international.org/wp-content/uploads/ECMA-404_2nd_edition_december_2017.pdf"
    ),
    serialize=lambda value: value,
    parse_value=_json_input,
)


_NUMBERS = frozenset({int, float})  # exactly: a bool is an int to isinstance


def _parse_vector(value: Any) -> list[float]:
    """A list of numbers, read in one pass: graphql-core would coerce a ``[Float!]``
    element by element, most of a vector search's CPU time. The knowledge resolvers check
    its dimension and that every number is finite, and make it single precision
    (``aura.ai.embedder.check_vector``); integers stay integers until then."""
    # The element types collected in C: a tenth of the time of an isinstance per element.
    if not isinstance(value, list) or not set(map(type, value)) <= _NUMBERS:
        raise ValueError("a Vector is a list of numbers, e.g. [0.12, -0.5, 0.33]")
    return value


# An embedding's Python annotation; GraphQL's ``Vector`` scalar (``scalar_overrides``).
Embedding = NewType("Embedding", list)
VectorScalar = strawberry.scalar(
    name="Vector",
    description=(
        "An embedding: a JSON list of numbers, e.g. `[0.12, -0.5, 0.33]`. In input, exactly "
        "as many as the installation's dimension (`AURA_EMBEDDING_DIMENSION`), all finite: "
        "BAD_USER_INPUT otherwise."
    ),
    serialize=lambda value: value,
    parse_value=_parse_vector,
)
SCALAR_OVERRIDES: dict[object, Any] = {JSON: JSONScalar, Embedding: VectorScalar}

# Python types → the scalars above, for StrawberryConfig(scalar_map=...).
SCALAR_MAP: dict[object, Any] = {datetime: DateTime, BigInt: BigIntScalar}
