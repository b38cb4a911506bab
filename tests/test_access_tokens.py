"""Opaque access tokens over HTTP: issue, use, scopes, refresh with rotation, reuse
detection, revocation, expiry, last use; only hashes in the database."""

from __future__ import annotations

import hashlib
from typing import Any

import asyncpg
import pytest

from aura.auth import opaque
from aura.auth.authenticate import authenticate
from aura.auth.tokens import InvalidToken
from tests import factories
from tests.conftest import JWT_SECRET, Client, People, User

ISSUE = """
mutation($input: IssueAccessTokenInput!) {
  issueAccessToken(input: $input) {
    accessToken refreshToken tokenType expiresAt
    token { id name scopes familyId expiresAt refreshExpiresAt lastUsedAt revokedAt userId }
  }
}"""
REFRESH = """
mutation($t: String!) {
  refreshAccessToken(refreshToken: $t) {
    accessToken refreshToken token { id familyId parentId scopes name }
  }
}"""
REVOKE = "mutation($id: ID!) { revokeAccessToken(id: $id) { id revokedAt revokedReason } }"
ME = "{ me { id email role } }"


async def issue(client: Client, **fields: Any) -> dict[str, Any]:
    response = await client.gql(ISSUE, {"input": {"name": "ci-agent", **fields}})
    return response.ok()["issueAccessToken"]  # type: ignore[no-any-return]


def bearer(user: User, token: str) -> User:
    return User(user.id, user.email, user.role, token)


async def test_issue_then_use_the_token(client: Client, people: People, db: asyncpg.Connection):
    # given
    issued = await issue(client, scopes=["write"])
    # then: the secret is shown once, with a recognizable prefix; the row holds its hash
    assert issued["accessToken"].startswith("aura_at_")
    assert issued["refreshToken"].startswith("aura_rt_")
    assert issued["tokenType"] == "Bearer"
    token = issued["token"]
    assert token["userId"] == people.alice.id
    assert token["familyId"] == token["id"]
    row = await db.fetchrow("SELECT * FROM oauth_tokens WHERE id = $1", token["id"])
    assert row["access_token_hash"] == hashlib.sha256(issued["accessToken"].encode()).digest()
    # when: the token is used as a bearer
    agent = client.as_(bearer(people.alice, issued["accessToken"]))
    me = (await agent.gql(ME)).ok()["me"]
    project = await factories.project(agent, "via-token")
    # then
    assert me["id"] == people.alice.id
    assert await db.fetchval("SELECT owner_id FROM projects WHERE id = $1", project["id"]) == (
        people.alice.id
    )
    assert await db.fetchval(
        "SELECT last_used_at IS NOT NULL FROM oauth_tokens WHERE id = $1", token["id"]
    )


async def test_plaintext_appears_nowhere_in_the_database(
    client: Client, people: People, db: asyncpg.Connection
):
    # given: tokens issued, used and refreshed
    first = await issue(client, scopes=["read", "work:write"])
    agent = client.as_(bearer(people.alice, first["accessToken"]))
    (await agent.gql(ME)).ok()
    second = (await client.as_(None).gql(REFRESH, {"t": first["refreshToken"]})).ok()
    secrets = [
        first["accessToken"],
        first["refreshToken"],
        second["refreshAccessToken"]["accessToken"],
        second["refreshAccessToken"]["refreshToken"],
    ]
    # when: every text, bytea and json column of every table is scanned
    columns = await db.fetch(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'public' AND data_type IN "
        "('text', 'character varying', 'bytea', 'jsonb', 'json', 'ARRAY')"
    )
    assert any(c["table_name"] == "oauth_tokens" for c in columns)
    for column in columns:
        table, name = column["table_name"], column["column_name"]
        as_bytes = column["data_type"] == "bytea"
        condition = (
            f'position($1::bytea in "{name}")' if as_bytes else f'strpos("{name}"::text, $1)'
        )
        for secret in secrets:
            body = secret.split("_", 2)[2]
            found = await db.fetchval(
                f'SELECT count(*) FROM "{table}" WHERE {condition} > 0',
                body.encode() if as_bytes else body,
            )
            # then
            assert found == 0, (table, name)


async def test_read_only_token_cannot_mutate(client: Client, people: People):
    # given
    issued = await issue(client, scopes=["read"])
    agent = client.as_(bearer(people.alice, issued["accessToken"]))
    # when
    response = await agent.gql(
        'mutation { createProject(input: {name: "nope"}) { id } }',
        headers={"accept": "application/json"},
    )
    # then: refused before any SQL
    assert response.codes == ["FORBIDDEN"]
    assert "work:write" in response.errors[0]["extensions"]["missingScopes"]
    assert response.statements == 0
    assert (await agent.gql(ME)).ok()["me"]["id"] == people.alice.id


async def test_domain_scopes(client: Client, people: People):
    # given: a token that may write work data but read nothing else
    project = await factories.project(client, "scoped")
    issued = await issue(client, scopes=["work:write"])
    agent = client.as_(bearer(people.alice, issued["accessToken"]))
    # when / then: work is allowed
    task = await factories.task(agent, project["id"], "scoped task")
    assert task["projectId"] == project["id"]
    # accounts (me) and orchestration (plans) are not, also when nested
    assert (await agent.gql(ME)).codes == ["FORBIDDEN"]
    nested = await agent.gql("{ projects { nodes { plans { nodes { id } } } } }")
    assert nested.codes == ["FORBIDDEN"]
    owner = await agent.gql("{ projects { nodes { owner { email } } } }")
    assert owner.codes == ["FORBIDDEN"]
    # and it cannot mint itself a broader token
    broader = await agent.gql(ISSUE, {"input": {"name": "x", "scopes": ["write"]}})
    assert broader.codes == ["FORBIDDEN"]


async def test_bad_token_input(client: Client):
    for fields, message in [
        ({"scopes": ["admin"]}, "unknown scope"),
        ({"scopes": []}, "at least one scope"),
        ({"expiresIn": 5}, "expiresIn"),
        ({"expiresIn": 7200, "refreshExpiresIn": 3600}, "refreshExpiresIn"),
        ({"name": "  "}, "name"),
    ]:
        response = await client.gql(ISSUE, {"input": {"name": "x", **fields}})
        assert response.codes == ["BAD_USER_INPUT"], fields
        assert message in response.errors[0]["message"]


async def test_refresh_rotates_and_reuse_revokes_the_family(
    client: Client, people: People, db: asyncpg.Connection
):
    # given
    first = await issue(client, scopes=["read"])
    anonymous = client.as_(None)
    # when: the refresh token is exchanged
    second = (await anonymous.gql(REFRESH, {"t": first["refreshToken"]})).ok()["refreshAccessToken"]
    # then: a new pair in the same family, same scopes; the old access token still works
    assert second["token"]["familyId"] == first["token"]["id"]
    assert second["token"]["parentId"] == first["token"]["id"]
    assert second["token"]["scopes"] == ["read"]
    new_agent = client.as_(bearer(people.alice, second["accessToken"]))
    assert (await new_agent.gql(ME)).ok()["me"]["id"] == people.alice.id
    # when: the spent refresh token is presented again (a leaked copy)
    reused = await anonymous.gql(REFRESH, {"t": first["refreshToken"]})
    # then: refused, and every token of the family is revoked, the newest included
    assert reused.codes == ["UNAUTHENTICATED"]
    assert "already used" in reused.errors[0]["message"]
    rows = await db.fetch(
        "SELECT revoked_at, revoked_reason FROM oauth_tokens WHERE family_id = $1",
        first["token"]["id"],
    )
    assert len(rows) == 2
    assert all(r["revoked_reason"] == "REFRESH_TOKEN_REUSED" for r in rows)
    assert (await new_agent.gql(ME)).codes == ["UNAUTHENTICATED"]
    # and the newest refresh token no longer works either
    again = await anonymous.gql(REFRESH, {"t": second["refreshToken"]})
    assert again.codes == ["UNAUTHENTICATED"]


async def test_unknown_refresh_token(client: Client):
    for token in ["aura_rt_nothing", "garbage"]:
        response = await client.as_(None).gql(REFRESH, {"t": token})
        assert response.codes == ["UNAUTHENTICATED"]


async def test_revoke_applies_at_once_and_notifies(
    client: Client, people: People, db: asyncpg.Connection
):
    # given: a token in use, and a listener on aura_auth
    issued = await issue(client)
    agent = client.as_(bearer(people.alice, issued["accessToken"]))
    assert (await agent.gql(ME)).ok()
    heard: list[str] = []
    await db.add_listener("aura_auth", lambda *args: heard.append(args[3]))
    # when
    revoked = (await client.gql(REVOKE, {"id": issued["token"]["id"]})).ok()["revokeAccessToken"]
    # then
    assert revoked["revokedAt"]
    assert revoked["revokedReason"] == "REVOKED"
    response = await agent.gql(ME)
    assert response.codes == ["UNAUTHENTICATED"]
    assert "revoked" in response.errors[0]["message"]
    refresh = await client.as_(None).gql(REFRESH, {"t": issued["refreshToken"]})
    assert refresh.codes == ["UNAUTHENTICATED"]
    await db.execute("SELECT 1")
    assert f'"token_id" : "{issued["token"]["id"]}"' in heard[0]
    assert people.alice.id in heard[0]
    principal_active = await db.fetchval(
        "SELECT aura.principal_active($1, $2)", people.alice.id, issued["token"]["id"]
    )
    assert principal_active is False


async def test_expired_token_is_refused(client: Client, people: People, db: asyncpg.Connection):
    # given
    issued = await issue(client)
    agent = client.as_(bearer(people.alice, issued["accessToken"]))
    assert (await agent.gql(ME)).ok()
    # when
    await db.execute(
        "UPDATE oauth_tokens SET expires_at = now() - interval '1 second' WHERE id = $1",
        issued["token"]["id"],
    )
    # then (the server cached the token's facts, the database still says no)
    response = await agent.gql(ME)
    assert response.codes == ["UNAUTHENTICATED"]
    assert "expired" in response.errors[0]["message"]


async def test_last_used_is_throttled(client: Client, people: People, db: asyncpg.Connection):
    issued = await issue(client)
    agent = client.as_(bearer(people.alice, issued["accessToken"]))
    (await agent.gql(ME)).ok()
    first = await db.fetchval(
        "SELECT last_used_at FROM oauth_tokens WHERE id = $1", issued["token"]["id"]
    )
    (await agent.gql(ME)).ok()
    assert (
        await db.fetchval(
            "SELECT last_used_at FROM oauth_tokens WHERE id = $1", issued["token"]["id"]
        )
        == first
    )
    # a minute later, the next use is recorded
    await db.execute(
        "UPDATE oauth_tokens SET last_used_at = now() - interval '2 minutes' WHERE id = $1",
        issued["token"]["id"],
    )
    (await agent.gql(ME)).ok()
    assert (
        await db.fetchval(
            "SELECT last_used_at > now() - interval '1 minute' FROM oauth_tokens WHERE id = $1",
            issued["token"]["id"],
        )
        is True
    )


async def test_tokens_stay_with_their_owner(client: Client, people: People, db: asyncpg.Connection):
    # given
    issued = await issue(client)
    token_id = issued["token"]["id"]
    bob = client.as_(people.bob)
    # then: bob sees nothing of it, by ID, list, nested field or mutation
    by_id = await bob.gql("query($id: ID!) { accessToken(id: $id) { id } }", {"id": token_id})
    assert by_id.ok()["accessToken"] is None
    assert (await bob.gql("{ accessTokens { totalCount } }")).ok()["accessTokens"][
        "totalCount"
    ] == 0
    nested = await bob.gql(
        "query($id: ID!) { user(id: $id) { accessTokens { nodes { id } } } }",
        {"id": people.alice.id},
    )
    assert nested.ok()["user"] is None
    assert (await bob.gql(REVOKE, {"id": token_id})).codes == ["NOT_FOUND"]
    assert await db.fetchval("SELECT revoked_at FROM oauth_tokens WHERE id = $1", token_id) is None
    # alice sees it through me, the admin through the user
    mine = await client.gql("{ me { accessTokens { nodes { id } } } }")
    assert [n["id"] for n in mine.ok()["me"]["accessTokens"]["nodes"]] == [token_id]
    admin = client.as_(people.admin)
    listed = await admin.gql(
        "query($id: ID!) { user(id: $id) { accessTokens { totalCount } } }",
        {"id": people.alice.id},
    )
    assert listed.ok()["user"]["accessTokens"]["totalCount"] == 1
    # and a raw insert for someone else is refused by the database
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await _insert_as(db, people.bob.id, people.alice.id)


async def _insert_as(db: asyncpg.Connection, principal: str, owner: str) -> None:
    """A raw insert of a token for ``owner`` in a request of ``principal``."""
    async with db.transaction():
        await db.execute(f"SELECT aura.begin_request('{principal}'::uuid, 1000)")
        await db.execute(
            "INSERT INTO oauth_tokens (user_id, name, access_token_hash, scopes, expires_at) "
            "VALUES ($1, 'x', $2, '{read}', now() + interval '1 hour')",
            owner,
            b"x" * 32,
        )


async def test_authenticate_for_long_lived_connections(
    client: Client, people: People, db: asyncpg.Connection
):
    issued = await issue(client, scopes=["orchestration:read"])
    principal = await authenticate(db, JWT_SECRET, f"Bearer {issued['accessToken']}")
    assert principal is not None
    assert principal.user_id == people.alice.id
    assert principal.token_id == issued["token"]["id"]
    assert principal.scopes == frozenset({"orchestration:read"})
    assert principal.expires_at
    jwt_principal = await authenticate(db, JWT_SECRET, f"Bearer {people.alice.token}")
    assert jwt_principal is not None
    assert jwt_principal.token_id is None
    assert jwt_principal.expires_at
    assert await authenticate(db, JWT_SECRET, None) is None
    for header in ["Bearer aura_at_unknown", "Bearer not-a-jwt", "Basic abc"]:
        with pytest.raises(InvalidToken):
            await authenticate(db, JWT_SECRET, header)
    await client.gql(REVOKE, {"id": issued["token"]["id"]})
    with pytest.raises(InvalidToken, match="revoked"):
        await authenticate(db, JWT_SECRET, f"Bearer {issued['accessToken']}")
    assert opaque.is_opaque(issued["accessToken"])
