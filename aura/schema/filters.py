"""Operator inputs for filtering, shared by every entity's ``…Filter`` input.

Each entity's filter lists its fields explicitly with one of these operator types;
the generic translation to SQL lives in ``aura.db.sql.filters``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Generic, TypeVar

import strawberry
from strawberry.scalars import JSON

from aura.engine.scalars import BigInt

T = TypeVar("T")


@strawberry.input
class Equality(Generic[T]):
    eq: T | None = strawberry.field(default=None, description="Equal to.")
    ne: T | None = strawberry.field(default=None, description="Not equal to (nulls never match).")
    in_: list[T] | None = strawberry.field(
        default=None, name="in", description="Equal to one of the values."
    )
    not_in: list[T] | None = strawberry.field(
        default=None, description="Equal to none of the values (nulls never match)."
    )
    is_null: bool | None = strawberry.field(
        default=None, description="true: the field has no value; false: it has one."
    )


@strawberry.input
class Comparison(Equality[T], Generic[T]):
    lt: T | None = strawberry.field(default=None, description="Less than.")
    lte: T | None = strawberry.field(default=None, description="Less than or equal to.")
    gt: T | None = strawberry.field(default=None, description="Greater than.")
    gte: T | None = strawberry.field(default=None, description="Greater than or equal to.")


@strawberry.input(description="Conditions on an ID.")
class IDFilter(Equality[strawberry.ID]):
    pass


@strawberry.input(description="Conditions on an integer.")
class IntFilter(Comparison[int]):
    pass


@strawberry.input(
    description="Conditions on a 64-bit integer (values as strings of digits, or integers)."
)
class BigIntFilter(Comparison[BigInt]):
    pass


@strawberry.input(description="Conditions on a floating-point number.")
class FloatFilter(Comparison[float]):
    pass


@strawberry.input(description="Conditions on a date and time (ISO 8601).")
class DateTimeFilter(Comparison[datetime]):
    pass


@strawberry.input(description="Conditions on a text field. Comparisons use byte order.")
class StringFilter(Comparison[str]):
    like: str | None = strawberry.field(
        default=None, description="SQL LIKE pattern, case-sensitive (% any run, _ one char)."
    )
    ilike: str | None = strawberry.field(
        default=None, description="SQL LIKE pattern, case-insensitive."
    )
    starts_with: str | None = strawberry.field(default=None, description="Starts with.")


@strawberry.input(description="Conditions on a true/false field.")
class BooleanFilter:
    eq: bool | None = strawberry.field(default=None, description="Equal to.")
    ne: bool | None = strawberry.field(default=None, description="Not equal to.")
    is_null: bool | None = strawberry.field(default=None, description="Has no value.")


@strawberry.input(description="Conditions on a list of strings.")
class StringListFilter:
    contains: list[str] | None = strawberry.field(
        default=None, description="Holds every one of these values."
    )
    contained_by: list[str] | None = strawberry.field(
        default=None, description="Holds only values from this list."
    )
    overlaps: list[str] | None = strawberry.field(
        default=None, description="Holds at least one of these values."
    )
    is_null: bool | None = strawberry.field(default=None, description="Has no value.")


@strawberry.input(description="Conditions on a JSON object.")
class JSONFilter:
    contains: JSON | None = strawberry.field(
        default=None, description='Contains this JSON (PostgreSQL @>), e.g. {"labels": ["ui"]}.'
    )
    contained_by: JSON | None = strawberry.field(
        default=None, description="Is contained in this JSON (PostgreSQL <@)."
    )
    has_key: str | None = strawberry.field(default=None, description="Has this top-level key.")
    is_null: bool | None = strawberry.field(default=None, description="Has no value.")


@strawberry.input(description="Conditions on an enumerated value.")
class EnumFilter(Equality[T], Generic[T]):
    pass
