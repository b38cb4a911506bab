"""Hardening of authorization: principal switches stay alone and keep their scopes, scope
checks cover connections and views, rate limits key by user or address, and only
administrators change an account's administrative columns."""

from __future__ import annotations

import dataclasses
import secrets
import uuid
from typing import Any

import asyncpg
import pytest
from graphql import GraphQLEnumType, GraphQLObjectType, parse

from aura.api import build_schema
from aura.config import Settings
from aura.db import migrate
from aura.db.database import with_database
from aura.engine.scopes import FOREIGN
from tests import factories
from tests.conftest import Client, People, User

ISSUE = """
mutation($input: IssueAccessTokenInput!) {
  issueAccessToken(input: $input) { accessToken refreshToken token { id scopes } }
}"""
REFRESH = """
mutation($r: String!) {
  refreshAccessToken(refreshToken: $r) { accessToken refreshToken token { id scopes } }
}"""


async def issue(client: Client, scopes: list[str]) -> dict[str, Any]:
    response = await client.gql(ISSUE, {"input": {"name": "agent", "scopes": scopes}})
    return response.ok()["issueAccessToken"]  # type: ignore[no-any-return]


def with_token(client: Client, user: User, token: str) -> Client:
    return client.as_(User(user.id, user.email, user.role, token))


async def scoped(client: Client, user: User, scopes: list[str]) -> Client:
    """A client acting with a fresh access token of ``user`` with ``scopes``."""
    issued = await issue(client.as_(user), scopes)
    return with_token(client, user, issued["accessToken"])


# -- a principal switch stays alone and keeps its scopes ---------------------------------


async def test_refresh_with_other_fields_is_refused_before_anything_runs(
    client: Client, people: People, db: asyncpg.Connection
):
    # given: a refreshable read-only token
    issued = await issue(client, ["read"])
    anonymous = client.as_(None)
    before = await db.fetchval("SELECT count(*) FROM projects")
    for document in [
        "mutation($r: String!) { r: refreshAccessToken(refreshToken: $r) { accessToken } "
        'w: createProject(input: {name: "x"}) { id } }',
        # the same through a fragment, and the other field first
        'mutation($r: String!) { w: createProject(input: {name: "x"}) { id } ...R } '
        "fragment R on Mutation { refreshAccessToken(refreshToken: $r) { accessToken } }",
    ]:
        # when
        response = await anonymous.gql(
            document, {"r": issued["refreshToken"]}, headers={"accept": "application/json"}
        )
        # then: refused as a whole, before any SQL
        assert response.codes == ["BAD_USER_INPUT"], response.errors
        assert "only field" in response.errors[0]["message"]
        assert response.statements == 0
    assert await db.fetchval("SELECT count(*) FROM projects") == before
    # and the refresh token is not spent: alone, it still works
    refreshed = (await anonymous.gql(REFRESH, {"r": issued["refreshToken"]})).ok()
    assert refreshed["refreshAccessToken"]["accessToken"].startswith("aura_at_")


async def test_register_with_other_fields_is_refused(client: Client, db: asyncpg.Connection):
    response = await client.as_(None).gql(
        'mutation { register(input: {email: "eve@example.com"}) { user { id } } '
        'me: revokeAccessToken(id: "00000000-0000-0000-0000-000000000000") { id } }',
        headers={"accept": "application/json"},
    )
    assert response.codes == ["BAD_USER_INPUT"]
    assert response.statements == 0
    assert await db.fetchval("SELECT count(*) FROM users WHERE email = 'eve@example.com'") == 0


async def test_refresh_selects_only_the_new_pair(client: Client, db: asyncpg.Connection):
    # given: a token that may read accounts only
    issued = await issue(client, ["accounts:read"])
    # when: its refresh tries to reach the user's projects through the new token's record
    response = await client.as_(None).gql(
        "mutation($r: String!) { refreshAccessToken(refreshToken: $r) "
        "{ token { user { projects { totalCount } } } } }",
        {"r": issued["refreshToken"]},
    )
    # then
    assert response.codes == ["BAD_USER_INPUT"]
    assert "User" in response.errors[0]["message"]
    assert response.statements == 0
    assert await db.fetchval(
        "SELECT refreshed_at IS NULL FROM oauth_tokens WHERE id = $1", issued["token"]["id"]
    )


async def test_refreshed_pair_keeps_exactly_the_old_scopes(
    client: Client, people: People, db: asyncpg.Connection
):
    # given
    issued = await issue(client, ["read", "work:write"])
    first = await issue(client, ["read"])
    # when
    pair = (await client.as_(None).gql(REFRESH, {"r": first["refreshToken"]})).ok()[
        "refreshAccessToken"
    ]
    # then: the same scopes, in the response and in the database
    assert pair["token"]["scopes"] == ["read"]
    assert await db.fetchval(
        "SELECT scopes FROM oauth_tokens WHERE id = $1", pair["token"]["id"]
    ) == ["read"]
    # and the new access token may not write
    agent = with_token(client, people.alice, pair["accessToken"])
    refused = await agent.gql('mutation { createProject(input: {name: "x"}) { id } }')
    assert refused.codes == ["FORBIDDEN"]
    # a refresh sent with another (scoped) token's header acts for the refresh token only
    other = with_token(client, people.alice, issued["accessToken"])
    again = await other.gql(REFRESH, {"r": pair["refreshToken"]})
    assert again.ok()["refreshAccessToken"]["token"]["scopes"] == ["read"]


# -- scope checks cover connections, their cursors and arguments, and views ---------------


async def test_connection_fields_need_their_node_domain(
    client: Client, people: People, db: asyncpg.Connection
):
    # given: a project with a secret and a task with a log line
    project = await factories.project(client)
    task = await factories.task(client, project["id"])
    await factories.create(
        client, "Secret", {"projectId": project["id"], "keyName": "DB_PASSWORD", "value": "pw"}
    )
    await factories.execution_log(client, task["id"], "the password is hunter2")
    work = await scoped(client, people.alice, ["work:read"])
    accounts = await scoped(client, people.alice, ["accounts:read"])
    probes = [
        (
            work,
            "query($id: ID!) { project(id: $id) { secrets(orderBy: [{field: KEY_NAME}]) "
            "{ totalCount edges { cursor } } } }",
            {"id": project["id"]},
            "vault:read",
        ),
        (
            work,
            "query($id: ID!) { task(id: $id) { executionLogs("
            'filter: {message: {ilike: "%password%"}}) { totalCount } } }',
            {"id": task["id"]},
            "orchestration:read",
        ),
        (
            accounts,
            "{ me { projects(orderBy: [{field: NAME}]) "
            "{ edges { cursor } pageInfo { endCursor } } } }",
            {},
            "work:read",
        ),
    ]
    for agent, query, variables, scope in probes:
        # when
        response = await agent.gql(query, variables)
        # then: refused before any SQL, naming the missing scope
        assert response.codes == ["FORBIDDEN"], (query, response.body)
        assert response.errors[0]["extensions"]["missingScopes"] == [scope]
        assert response.statements == 0
    # a token with the scopes gets the answers
    both = await scoped(client, people.alice, ["work:read", "vault:read"])
    query, variables = probes[0][1], probes[0][2]
    secrets_page = (await both.gql(query, variables)).ok()["project"]["secrets"]
    assert secrets_page["totalCount"] == 1
    reader = await scoped(client, people.alice, ["accounts:read", "work:read"])
    me = (await reader.gql(probes[2][1])).ok()["me"]["projects"]
    assert len(me["edges"]) == 1


async def test_view_columns_of_another_domain_need_its_scope(client: Client, people: People):
    # given: a project event (recentEvents shows the project's name and task's title)
    project = await factories.project(client, "secret-codename")
    await factories.create(client, "Event", {"projectId": project["id"], "eventType": "note"})
    agent = await scoped(client, people.alice, ["orchestration:read"])
    for query, variables in [
        ("{ recentEvents { nodes { projectName } } }", {}),
        ('{ recentEvents(filter: {taskTitle: {ilike: "%x%"}}) { totalCount } }', {}),
        ("{ recentEvents(orderBy: [{field: PROJECT_NAME}]) { edges { cursor } } }", {}),
        (
            "query($f: RecentEventFilter) { recentEvents(filter: $f) { totalCount } }",
            {"f": {"projectName": {"eq": "secret-codename"}}},
        ),
    ]:
        # when
        response = await agent.gql(query, variables)
        # then
        assert response.codes == ["FORBIDDEN"], query
        assert response.errors[0]["extensions"]["missingScopes"] == ["work:read"]
    # its own columns stay readable
    events = (await agent.gql("{ recentEvents { nodes { eventType } } }")).ok()
    assert {"eventType": "note"} in events["recentEvents"]["nodes"]


def test_wrappers_and_subscription_messages_need_their_node_domain():
    schema = build_schema(Settings())
    document = parse('subscription { executionLogs(taskId: "x") { cursor } }')
    access = schema.access(document, document.definitions[0])  # type: ignore[arg-type]
    assert ("orchestration", False) in access.needs


def test_foreign_columns_exist_and_cursors_hold_only_readable_fields():
    graphql_schema = build_schema(Settings()).graphql_schema
    for (type_name, name), _ in FOREIGN.items():
        graphql_type = graphql_schema.type_map[type_name]
        names = (
            graphql_type.values
            if isinstance(graphql_type, GraphQLEnumType)
            else graphql_type.fields  # type: ignore[union-attr]
        )
        assert name in names, (type_name, name)
    # A cursor holds the sort values of its row: each must be a field its reader may
    # select anyway, so that a cursor discloses nothing the connection does not.
    for name, graphql_type in graphql_schema.type_map.items():
        if isinstance(graphql_type, GraphQLEnumType) and name.endswith("OrderField"):
            node = graphql_schema.type_map[name.removesuffix("OrderField")]
            assert isinstance(node, GraphQLObjectType)
            for value in graphql_type.values:
                head, *rest = value.lower().split("_")
                assert head + "".join(p.title() for p in rest) in node.fields, (name, value)


# -- rate limits: unknown credentials by address, tokens by their user --------------------


class TestRateLimitKeys:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return dataclasses.replace(settings, rate_limit_per_minute=6)

    async def test_random_opaque_tokens_count_against_the_address(
        self, client: Client, people: People
    ):
        def random_token() -> Client:
            return with_token(client, people.alice, "aura_at_" + secrets.token_urlsafe(32))

        for _ in range(6):
            response = await random_token().gql("{ me { id } }")
            assert response.codes == ["UNAUTHENTICATED"]
        # when: a seventh unknown token from the same address
        refused = await random_token().gql("{ me { id } }")
        # then: limited, without looking the token up
        assert refused.status == 429
        assert refused.codes == ["RATE_LIMITED"]
        assert refused.headers["x-aura-sql-statements"] == "0"
        # anonymous requests share the address's budget; a signed-in user does not
        assert (await client.as_(None).gql("{ __typename }")).status == 429
        assert (await client.gql("{ me { id } }")).ok()

    async def test_a_users_tokens_share_one_budget(self, client: Client, people: People):
        # given: two tokens of alice (issuing them spends 2 of her 6)
        one = with_token(client, people.alice, (await issue(client, ["read"]))["accessToken"])
        two = with_token(client, people.alice, (await issue(client, ["read"]))["accessToken"])
        # each token's first request, before it is known, counts against the address
        assert (await one.gql("{ me { id } }")).ok()
        assert (await two.gql("{ me { id } }")).ok()
        # when: both tokens are used twice more (alice: 6 of 6)
        for agent in (one, two, one, two):
            assert (await agent.gql("{ me { id } }")).ok()
        # then: alice is out of budget whichever credential she uses; bob is not
        for agent in (one, two, client):
            response = await agent.gql("{ me { id } }")
            assert response.status == 429, response.body
        assert (await client.as_(people.bob).gql("{ me { id } }")).ok()


# -- only administrators change administrative columns of an account ----------------------

UPDATE_ME = (
    "mutation($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id } }"
)


async def test_a_user_cannot_clear_their_must_reset_password(
    client: Client, people: People, db: asyncpg.Connection
):
    # given: an administrator requires alice to reset her password
    admin = client.as_(people.admin)
    set_flag = "mutation($id: ID!) { setMustResetPassword(id: $id, value: true) { id } }"
    (await admin.gql(set_flag, {"id": people.alice.id})).ok()
    before = await db.fetchrow("SELECT * FROM users WHERE id = $1", people.alice.id)
    # when
    response = await client.gql(
        UPDATE_ME, {"id": people.alice.id, "input": {"mustResetPassword": False}}
    )
    # then
    assert response.codes == ["FORBIDDEN"]
    assert await db.fetchrow("SELECT * FROM users WHERE id = $1", people.alice.id) == before
    # until she changes her password she can change nothing else (tests/test_signin.py);
    # an administrator may clear the flag
    renamed = await client.gql(UPDATE_ME, {"id": people.alice.id, "input": {"displayName": "Al"}})
    assert renamed.codes == ["FORBIDDEN"]
    cleared = await admin.gql(
        UPDATE_ME, {"id": people.alice.id, "input": {"mustResetPassword": False}}
    )
    assert cleared.ok()
    assert not await db.fetchval(
        "SELECT must_reset_password FROM users WHERE id = $1", people.alice.id
    )


@pytest.mark.parametrize(
    "assignment",
    [
        "must_reset_password = true",
        "created_at = now() - interval '9 years'",
        "id = gen_random_uuid()",
    ],
)
async def test_the_database_refuses_other_account_columns(
    people: People, db: asyncpg.Connection, assignment: str
):
    # given: SQL run directly as alice's request
    async with db.transaction():
        await db.execute(f"SELECT aura.begin_request('{people.alice.id}'::uuid, 1000)")
        # when / then
        with pytest.raises(asyncpg.PostgresError) as raised:
            await db.execute(f"UPDATE users SET {assignment} WHERE id = $1", people.alice.id)
        assert raised.value.sqlstate == "AU403"


async def test_a_revoked_token_stays_revoked(
    client: Client, people: People, db: asyncpg.Connection
):
    # given: a revoked token of alice
    issued = await issue(client, ["read"])
    revoke = "mutation($id: ID!) { revokeAccessToken(id: $id) { id } }"
    (await client.gql(revoke, {"id": issued["token"]["id"]})).ok()
    # when: SQL run as her request tries to bring it back
    async with db.transaction():
        await db.execute(f"SELECT aura.begin_request('{people.alice.id}'::uuid, 1000)")
        with pytest.raises(asyncpg.PostgresError) as raised:
            await db.execute(
                "UPDATE oauth_tokens SET revoked_at = NULL, revoked_reason = NULL WHERE id = $1",
                issued["token"]["id"],
            )
        # then
        assert raised.value.sqlstate == "AU403"
    # revoking it again changes nothing, as before
    assert (await client.gql(revoke, {"id": issued["token"]["id"]})).ok()
    agent = with_token(client, people.alice, issued["accessToken"])
    assert (await agent.gql("{ me { id } }")).codes == ["UNAUTHENTICATED"]


async def test_account_guards_migration_downgrades_exactly(pg_server: str):
    name = f"mig_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(pg_server)
    await conn.execute(f'CREATE DATABASE "{name}"')
    dsn = with_database(pg_server, name)
    definition = (
        "SELECT pg_get_functiondef('aura.guard_user_role()'::regprocedure), "
        "array_agg(pg_get_triggerdef(t.oid) ORDER BY t.tgname), "
        "to_regproc('aura.guard_token_revocation') "
        "FROM pg_trigger t WHERE t.tgname LIKE 't10_guard_%'"
    )
    try:
        await migrate.upgrade(dsn, "0005")
        target = await asyncpg.connect(dsn)
        try:
            before = await target.fetchrow(definition)
            await migrate.upgrade(dsn)
            assert await target.fetchrow(definition) != before
            await migrate.downgrade(dsn, "0005")
            assert await target.fetchrow(definition) == before
        finally:
            await target.close()
    finally:
        await conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await conn.close()
