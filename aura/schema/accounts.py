"""Accounts domain contract: users and their roles."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from aura.db import enums
from aura.schema.common import lazy
from aura.schema.filters import BooleanFilter, DateTimeFilter, EnumFilter, IDFilter, StringFilter
from aura.schema.relay import OrderBy, connection_field, entity_type

UserRole = strawberry.enum(
    enums.UserRole,
    description=(
        "What a user may do. PENDING: registered, awaiting approval, sees only themself. "
        "USER: owns projects and everything in them. MANAGER: a USER who also leads a team. "
        "ADMIN: sees and changes everything."
    ),
)

_WORK = "aura.schema.work"


@entity_type("users")
@strawberry.type(description="A person (or agent operator) with an account.")
class User:
    id: strawberry.ID
    email: str = strawberry.field(description="Unique, case-insensitive login address.")
    display_name: str | None = strawberry.field(description="Name shown to other people.")
    role: UserRole = strawberry.field(description="Access level.")  # type: ignore[valid-type]
    must_reset_password: bool = strawberry.field(
        description="The user must choose a new password at next sign-in."
    )
    created_at: datetime
    updated_at: datetime

    projects = connection_field(
        "projects",
        via="users.projects",
        node=lazy("Project", _WORK),
        filter=lazy("ProjectFilter", _WORK),
        order=lazy("ProjectOrderBy", _WORK),
        description="Projects this user owns.",
    )


@strawberry.input(description="Conditions on users; all given fields must match.")
class UserFilter:
    id: IDFilter | None = None
    email: StringFilter | None = None
    display_name: StringFilter | None = None
    role: EnumFilter[UserRole] | None = None  # type: ignore[valid-type]
    must_reset_password: BooleanFilter | None = None
    created_at: DateTimeFilter | None = None
    updated_at: DateTimeFilter | None = None
    and_: list[UserFilter] | None = strawberry.field(default=None, name="and")
    or_: list[UserFilter] | None = strawberry.field(default=None, name="or")
    not_: UserFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields users can be ordered by.")
class UserOrderField(Enum):
    EMAIL = "email"
    DISPLAY_NAME = "display_name"
    ROLE = "role"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


@strawberry.input(description="One ordering term for users.")
class UserOrderBy(OrderBy[UserOrderField]):
    pass


@strawberry.input(description="A new user. Only administrators create users directly.")
class CreateUserInput:
    email: str
    display_name: str | None = strawberry.UNSET
    role: UserRole = strawberry.field(  # type: ignore[valid-type]
        default=enums.UserRole.PENDING, description="Defaults to PENDING."
    )
    must_reset_password: bool | None = strawberry.UNSET


@strawberry.input(description="Changes to a user; omitted fields stay as they are.")
class UpdateUserInput:
    email: str | None = strawberry.UNSET
    display_name: str | None = strawberry.UNSET
    role: UserRole | None = strawberry.field(  # type: ignore[valid-type]
        default=strawberry.UNSET, description="Administrators only."
    )
    must_reset_password: bool | None = strawberry.UNSET
