"""Small helpers shared by the domain schema modules."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from graphql import GraphQLError
from strawberry.scalars import JSON

from aura.db.sql.values import non_finite, unencodable


def lazy(type_name: str, module: str) -> Any:
    """A reference to a type defined later or in another domain module."""
    return Annotated[type_name, strawberry.lazy(module)]


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
SCALAR_OVERRIDES: dict[object, Any] = {JSON: JSONScalar}
