"""User lifecycle: register (PENDING) → approve → promote → disable; roles only by admins,
enforced by the database too."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from tests import factories
from tests.conftest import Client, People, User

REGISTER = """
mutation($input: RegisterInput!) {
  register(input: $input) {
    user { id email role mustResetPassword disabledAt }
    credentials { accessToken refreshToken token { id scopes userId } }
  }
}"""
USER = "id role disabledAt mustResetPassword managerId"


async def admin_call(client: Client, mutation: str, **args: Any) -> Any:
    params = ", ".join(f"{k}: ${k}" for k in args)
    types = {"id": "ID!", "role": "UserRole!", "value": "Boolean!", "managerId": "ID"}
    declared = ", ".join(f"${k}: {types[k]}" for k in args)
    return await client.gql(f"mutation({declared}) {{ {mutation}({params}) {{ {USER} }} }}", args)


async def test_register_approve_promote_disable(
    client: Client, people: People, db: asyncpg.Connection
):
    anonymous = client.as_(None)
    admin = client.as_(people.admin)
    # given: a self-registered user
    registered = (
        await anonymous.gql(REGISTER, {"input": {"email": "Zoe@Example.com", "displayName": "Zoe"}})
    ).ok()["register"]
    user = registered["user"]
    assert user["role"] == "PENDING"
    assert user["disabledAt"] is None
    assert registered["credentials"]["token"]["userId"] == user["id"]
    access = registered["credentials"]["accessToken"]
    zoe = client.as_(User(user["id"], "zoe@example.com", "PENDING", access))
    # then: PENDING sees only themself
    assert (await zoe.gql("{ me { id role } }")).ok()["me"] == {"id": user["id"], "role": "PENDING"}
    assert (await zoe.gql("{ users { totalCount } }")).ok()["users"]["totalCount"] == 1
    await factories.project(client, "alices")
    assert (await zoe.gql("{ projects { totalCount } }")).ok()["projects"]["totalCount"] == 0
    refused = await zoe.gql('mutation { createProject(input: {name: "mine"}) { id } }')
    assert refused.codes == ["FORBIDDEN"]
    # and cannot approve themself
    assert (await admin_call(zoe, "approveUser", id=user["id"])).codes == ["FORBIDDEN"]
    # when: an admin approves
    approved = (await admin_call(admin, "approveUser", id=user["id"])).ok()["approveUser"]
    assert approved["role"] == "USER"
    assert await db.fetchval("SELECT role FROM users WHERE id = $1", user["id"]) == "USER"
    # then: the same token now acts as a USER
    assert (await factories.project(zoe, "mine"))["ownerId"] == user["id"]
    # approving twice is bad input
    assert (await admin_call(admin, "approveUser", id=user["id"])).codes == ["BAD_USER_INPUT"]
    # when: promoted
    promoted = (await admin_call(admin, "setUserRole", id=user["id"], role="MANAGER")).ok()
    assert promoted["setUserRole"]["role"] == "MANAGER"
    assert (await zoe.gql("{ me { role } }")).ok()["me"]["role"] == "MANAGER"
    # when: disabled, every token stops at once (opaque and JWT)
    zoe_jwt = client.as_(User(user["id"], "zoe@example.com", "MANAGER", _jwt(user["id"])))
    assert (await zoe_jwt.gql("{ me { id } }")).ok()
    disabled = (await admin_call(admin, "disableUser", id=user["id"])).ok()["disableUser"]
    assert disabled["disabledAt"] is not None
    for who in (zoe, zoe_jwt):
        response = await who.gql("{ me { id } }")
        assert response.codes == ["UNAUTHENTICATED"]
        assert "disabled" in response.errors[0]["message"]
    refresh = await anonymous.gql(
        "mutation($t: String!) { refreshAccessToken(refreshToken: $t) { accessToken } }",
        {"t": registered["credentials"]["refreshToken"]},
    )
    assert refresh.codes == ["UNAUTHENTICATED"]
    assert await db.fetchval("SELECT aura.principal_active($1, NULL)", user["id"]) is False
    # when: enabled again
    enabled = (await admin_call(admin, "enableUser", id=user["id"])).ok()["enableUser"]
    assert enabled["disabledAt"] is None
    assert (await zoe.gql("{ me { id } }")).ok()


def _jwt(user_id: str) -> str:
    from aura.auth.tokens import mint
    from tests.conftest import JWT_SECRET

    return mint(JWT_SECRET, user_id)


async def test_register_refuses_bad_and_taken_emails(client: Client, people: People):
    anonymous = client.as_(None)
    taken = await anonymous.gql(REGISTER, {"input": {"email": "ALICE@example.com"}})
    assert taken.codes == ["CONFLICT"]
    bad = await anonymous.gql(REGISTER, {"input": {"email": "not an email"}})
    assert bad.codes == ["BAD_USER_INPUT"]
    signed_in = await client.gql(REGISTER, {"input": {"email": "new@example.com"}})
    assert signed_in.codes == ["FORBIDDEN"]


async def test_must_reset_password_and_me(client: Client, people: People):
    admin = client.as_(people.admin)
    response = await admin_call(admin, "setMustResetPassword", id=people.alice.id, value=True)
    assert response.ok()["setMustResetPassword"]["mustResetPassword"] is True
    me = (await client.gql("{ me { email role mustResetPassword disabledAt } }")).ok()["me"]
    assert me == {
        "email": "alice@example.com",
        "role": "USER",
        "mustResetPassword": True,
        "disabledAt": None,
    }
    cleared = await admin_call(admin, "setMustResetPassword", id=people.alice.id, value=False)
    assert cleared.ok()["setMustResetPassword"]["mustResetPassword"] is False


@pytest.mark.parametrize(
    ("mutation", "args"),
    [
        ("setUserRole", {"role": "ADMIN"}),
        ("disableUser", {}),
        ("enableUser", {}),
        ("setMustResetPassword", {"value": True}),
        ("setUserManager", {"managerId": None}),
        ("approveUser", {}),
    ],
)
async def test_non_admins_cannot_manage_users(
    client: Client, people: People, db: asyncpg.Connection, mutation: str, args: dict
):
    for who in (people.alice, people.bob):
        response = await admin_call(client.as_(who), mutation, id=people.alice.id, **args)
        assert response.codes == ["FORBIDDEN"], (mutation, who.email)
    row = await db.fetchrow("SELECT role, disabled_at FROM users WHERE id = $1", people.alice.id)
    assert row["role"] == "USER"
    assert row["disabled_at"] is None


async def test_role_changes_are_refused_by_the_database(
    client: Client, people: People, db: asyncpg.Connection
):
    # through updateUser
    response = await client.gql(
        "mutation($id: ID!) { updateUser(id: $id, input: {role: ADMIN}) { role } }",
        {"id": people.alice.id},
    )
    assert response.codes == ["FORBIDDEN"]
    # directly as the request role, with and without a principal
    for statement, error in [
        ("UPDATE users SET role = 'ADMIN' WHERE id = $1", asyncpg.RaiseError),
        ("UPDATE users SET disabled_at = NULL, manager_id = NULL WHERE id = $1", None),
    ]:
        async with db.transaction():
            await db.execute(f"SELECT aura.begin_request('{people.alice.id}'::uuid, 1000)")
            if error is not None:
                with pytest.raises(asyncpg.PostgresError, match="only administrators"):
                    await db.execute(statement, people.alice.id)
            else:
                await db.execute(statement, people.alice.id)  # unchanged values pass
    with pytest.raises(asyncpg.PostgresError, match="only administrators"):
        await _as_request(
            db,
            f"SELECT aura.begin_request('{people.bob.id}'::uuid, 1000)",
            people.bob.id,
            "UPDATE users SET disabled_at = now() WHERE id = $1",
        )
    async with db.transaction():
        await db.execute("SET LOCAL ROLE aura_app")
        changed = await db.execute("UPDATE users SET role = 'ADMIN'")
        assert changed == "UPDATE 0"  # without a principal, no row is even visible
    with pytest.raises(asyncpg.PostgresError, match="only administrators"):
        await _as_request(
            db,
            f"SET LOCAL ROLE aura_app; SELECT set_config('aura.user_id', '{people.bob.id}', true)",
            people.bob.id,
            "UPDATE users SET role = 'ADMIN' WHERE id = $1",
        )
    assert await db.fetchval("SELECT role FROM users WHERE id = $1", people.alice.id) == "USER"


async def _as_request(db: asyncpg.Connection, begin: str, user_id: str, statement: str) -> None:
    async with db.transaction():
        await db.execute(begin)
        await db.execute(statement, user_id)


async def test_admins_cannot_lock_themselves_out(client: Client, people: People):
    admin = client.as_(people.admin)
    assert (await admin_call(admin, "disableUser", id=people.admin.id)).codes == ["BAD_USER_INPUT"]
    demote = await admin_call(admin, "setUserRole", id=people.admin.id, role="USER")
    assert demote.codes == ["BAD_USER_INPUT"]
    missing = await admin_call(admin, "disableUser", id="00000000-0000-0000-0000-000000000000")
    assert missing.codes == ["NOT_FOUND"]


async def test_role_change_and_disable_notify(
    client: Client, people: People, db: asyncpg.Connection
):
    heard: list[str] = []
    await db.add_listener("aura_auth", lambda *args: heard.append(args[3]))
    admin = client.as_(people.admin)
    (await admin_call(admin, "setUserRole", id=people.bob.id, role="MANAGER")).ok()
    (await admin_call(admin, "disableUser", id=people.alice.id)).ok()
    (await admin_call(admin, "setMustResetPassword", id=people.bob.id, value=True)).ok()
    await db.execute("SELECT 1")
    assert heard == [
        f'{{"user_id" : "{people.bob.id}"}}',
        f'{{"user_id" : "{people.alice.id}"}}',
    ]
