"""Accounts domain: root queries and mutations for users."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from aura.db.mapping import entity
from aura.resolvers import crud
from aura.schema.accounts import (
    CreateUserInput,
    UpdateUserInput,
    User,
    UserFilter,
    UserOrderBy,
)
from aura.schema.relay import by_id_field, connection_field, instantiate
from aura.schema.selection import columns_for, node_fields


@strawberry.type
class AccountsQuery:
    user = by_id_field(
        "users", node=User, description="A user by ID (yourself, or anyone for admins)."
    )
    users = connection_field(
        "users",
        node=User,
        filter=UserFilter,
        order=UserOrderBy,
        description="Users you can see: yourself, or everyone for admins.",
    )

    @strawberry.field(description="The signed-in user.")
    async def me(self, info: Info) -> User:
        principal = info.context.session.principal
        users = entity("users")
        columns = columns_for(users, node_fields(info, connection=False))
        loader = info.context.loaders.by_key("users", columns, "id")
        # The session resolves the principal first, so an unknown user fails there.
        row = await loader.load(principal.user_id if principal else "")
        return instantiate(User, row)


@strawberry.type
class AccountsMutation:
    create_user = crud.create_field(
        "users",
        input=CreateUserInput,
        node=User,
        description="Create a user (administrators only).",
    )

    update_user = crud.update_field(
        "users",
        input=UpdateUserInput,
        node=User,
        description="Change a user: yourself (not your role), or anyone for administrators.",
    )

    delete_user = crud.delete_field(
        "users",
        description="Delete a user and everything they own (administrators only). Returns its ID.",
    )
