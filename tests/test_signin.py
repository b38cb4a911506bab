"""Password sign-in: signIn, signOut, changePassword, reset tokens, lockout, must-reset."""

from __future__ import annotations

import asyncio
import hashlib
import time
from pathlib import Path

import asyncpg
import pytest

from aura.auth.passwords import LoginLockout, hash_password, verify_password
from aura.config import Settings
from tests.conftest import JWT_SECRET, Client, People, User
from tests.realtime import connect

PASSWORD = "correct horse battery"
SIGN_IN = """
mutation($email: String!, $password: String!) {
  signIn(email: $email, password: $password) {
    user { id email role mustResetPassword }
    credentials { accessToken refreshToken token { id scopes } }
  }
}
"""
CHANGE = """
mutation($current: String!, $new: String!) {
  changePassword(currentPassword: $current, newPassword: $new) { id mustResetPassword }
}
"""
RESET_REQUEST = """
mutation($email: String!) { requestPasswordReset(email: $email) { token email expiresAt link } }
"""
RESET = (
    "mutation($token: String!, $new: String!) { resetPassword(token: $token, newPassword: $new) }"
)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        home=tmp_path,
        jwt_secret=JWT_SECRET,
        pool_min_size=1,
        pool_max_size=25,
        seed_demo=False,
        sign_in_per_minute=1000,
        sign_in_max_failures=3,
        sign_in_lockout_seconds=60,
        password_reset_url="https://app.example/reset#",
    )


async def set_password(db: asyncpg.Connection, user: User, password: str = PASSWORD) -> None:
    await db.execute(
        "INSERT INTO user_credentials (user_id, password_hash) VALUES ($1, $2)",
        user.id,
        hash_password(password),
    )


def bearer(token: str) -> User:
    """A client identity for an opaque access token."""
    return User("", "", "", token)


async def sign_in(client: Client, email: str, password: str = PASSWORD):
    return await client.as_(None).gql(SIGN_IN, {"email": email, "password": password})


async def test_sign_in_returns_a_working_token_pair(
    client: Client, people: People, db: asyncpg.Connection
):
    await set_password(db, people.alice)
    response = await sign_in(client, "ALICE@example.com ")
    result = response.ok()["signIn"]
    assert result["user"] == {
        "id": people.alice.id,
        "email": "alice@example.com",
        "role": "USER",
        "mustResetPassword": False,
    }
    assert result["credentials"]["token"]["scopes"] == ["read", "write"]
    me = await client.as_(bearer(result["credentials"]["accessToken"])).gql("{ me { id } }")
    assert me.ok()["me"]["id"] == people.alice.id
    # the refresh token of the pair works like any other
    refreshed = await client.as_(None).gql(
        "mutation($t: String!) { refreshAccessToken(refreshToken: $t) { accessToken } }",
        {"t": result["credentials"]["refreshToken"]},
    )
    assert refreshed.ok()["refreshAccessToken"]["accessToken"].startswith("aura_at_")


async def test_wrong_password_and_unknown_email_get_the_same_answer(
    client: Client, people: People, db: asyncpg.Connection
):
    await set_password(db, people.alice)
    wrong = await sign_in(client, people.alice.email, "not the password")
    unknown = await sign_in(client, "nobody@example.com", "not the password")
    no_password = await sign_in(client, people.bob.email, "not the password")  # none set
    assert wrong.status == unknown.status == no_password.status == 200
    assert wrong.body == unknown.body == no_password.body
    assert wrong.codes == ["UNAUTHENTICATED"]
    assert wrong.errors[0]["message"] == "wrong email or password"
    assert await db.fetchval("SELECT count(*) FROM oauth_tokens") == 0


def test_unknown_email_costs_a_hash_verification():
    # The dummy verification is what keeps an unknown email as slow as a wrong password;
    # the fastest of three runs each, so that a busy machine does not decide.
    real = hash_password(PASSWORD)

    def fastest(encoded: str | None) -> float:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            assert not verify_password(encoded, "wrong password!")
            times.append(time.perf_counter() - started)
        return min(times)

    wrong, unknown = fastest(real), fastest(None)
    assert unknown > wrong / 2, (unknown, wrong)


async def test_repeated_failures_lock_the_login_out_known_or_not(
    client: Client, people: People, db: asyncpg.Connection
):
    await set_password(db, people.alice)
    for _ in range(3):
        assert (await sign_in(client, people.alice.email, "bad password 1")).codes == [
            "UNAUTHENTICATED"
        ]
        assert (await sign_in(client, "ghost@example.com", "bad password 1")).codes == [
            "UNAUTHENTICATED"
        ]
    # locked out now, even with the right password; an unknown email is locked alike
    locked = await sign_in(client, people.alice.email)
    ghost = await sign_in(client, "ghost@example.com", PASSWORD)
    assert locked.codes == ghost.codes == ["RATE_LIMITED"]
    # the first lockout: 60 s, less the time the attempts after the last failure took
    assert 30 < locked.errors[0]["extensions"]["retryAfter"] <= 60
    assert 30 < ghost.errors[0]["extensions"]["retryAfter"] <= 60
    # another account is not affected
    await set_password(db, people.bob)
    assert (await sign_in(client, people.bob.email)).ok()


def test_lockout_backs_off_and_a_success_clears_it():
    now = [0.0]
    lockout = LoginLockout(max_failures=2, lockout=10, max_lockout=35, clock=lambda: now[0])
    lockout.failed("A@x.io")
    assert lockout.locked("a@x.io") == 0
    lockout.failed("a@x.io")
    assert lockout.locked("a@x.io") == 10
    lockout.failed("a@x.io")
    assert lockout.locked("a@x.io") == 20  # doubled
    lockout.failed("a@x.io")
    assert lockout.locked("a@x.io") == 35  # capped
    now[0] = 40.0
    assert lockout.locked("a@x.io") == 0
    lockout.succeeded("a@x.io")
    lockout.failed("a@x.io")
    assert lockout.locked("a@x.io") == 0  # counting starts again


async def test_sign_out_revokes_the_pair(client: Client, people: People, db: asyncpg.Connection):
    await set_password(db, people.alice)
    pair = (await sign_in(client, people.alice.email)).ok()["signIn"]["credentials"]
    me = client.as_(bearer(pair["accessToken"]))
    assert (await me.gql("mutation { signOut }")).ok() == {"signOut": True}
    assert (await me.gql("{ me { id } }")).codes == ["UNAUTHENTICATED"]
    refreshed = await client.as_(None).gql(
        "mutation($t: String!) { refreshAccessToken(refreshToken: $t) { accessToken } }",
        {"t": pair["refreshToken"]},
    )
    assert refreshed.codes == ["UNAUTHENTICATED"]
    # a JWT cannot be revoked: said so, nothing changes
    assert (await client.gql("mutation { signOut }")).codes == ["BAD_USER_INPUT"]


async def test_sign_in_must_be_alone_and_selects_only_the_account(
    client: Client, people: People, db: asyncpg.Connection
):
    await set_password(db, people.alice)
    anonymous = client.as_(None)
    variables = {"email": people.alice.email, "password": PASSWORD}
    together = await anonymous.gql(
        "mutation($email: String!, $password: String!) { signIn(email: $email, password: "
        "$password) { user { id } } signOut }",
        variables,
    )
    assert together.codes == ["BAD_USER_INPUT"]
    beyond = await anonymous.gql(
        "mutation($email: String!, $password: String!) { signIn(email: $email, password: "
        "$password) { user { projects { totalCount } } } }",
        variables,
    )
    assert beyond.codes == ["BAD_USER_INPUT"]
    assert await db.fetchval("SELECT count(*) FROM oauth_tokens") == 0


async def test_change_password(client: Client, people: People, db: asyncpg.Connection):
    await set_password(db, people.alice)
    first = (await sign_in(client, people.alice.email)).ok()["signIn"]["credentials"]
    second = (await sign_in(client, people.alice.email)).ok()["signIn"]["credentials"]
    me = client.as_(bearer(first["accessToken"]))
    wrong = await me.gql(CHANGE, {"current": "not it at all", "new": "a brand new secret"})
    assert wrong.codes == ["UNAUTHENTICATED"]
    short = await me.gql(CHANGE, {"current": PASSWORD, "new": "short"})
    assert short.codes == ["BAD_USER_INPUT"]
    email = await me.gql(CHANGE, {"current": PASSWORD, "new": "Alice@Example.com"})
    assert email.codes == ["BAD_USER_INPUT"]
    changed = await me.gql(CHANGE, {"current": PASSWORD, "new": "a brand new secret"})
    assert changed.ok()["changePassword"] == {"id": people.alice.id, "mustResetPassword": False}
    # the old password is refused, the new one works; this token lives, the other is revoked
    assert (await sign_in(client, people.alice.email)).codes == ["UNAUTHENTICATED"]
    assert (await sign_in(client, people.alice.email, "a brand new secret")).ok()
    assert (await me.gql("{ me { id } }")).ok()
    other = await client.as_(bearer(second["accessToken"])).gql("{ me { id } }")
    assert other.codes == ["UNAUTHENTICATED"]


async def test_must_reset_password_allows_only_changing_it(
    client: Client, people: People, db: asyncpg.Connection
):
    # given: an administrator requires alice to choose a new password
    await set_password(db, people.alice)
    admin = client.as_(people.admin)
    flag = "mutation($id: ID!) { setMustResetPassword(id: $id, value: true) { id } }"
    (await admin.gql(flag, {"id": people.alice.id})).ok()
    signed_in = (await sign_in(client, people.alice.email)).ok()["signIn"]
    assert signed_in["user"]["mustResetPassword"] is True
    for alice in (client, client.as_(bearer(signed_in["credentials"]["accessToken"]))):
        # then: anything but the account is refused, with JWTs and access tokens alike
        assert (await alice.gql("{ projects { totalCount } }")).codes == ["FORBIDDEN"]
        assert (await alice.gql("{ me { id projects { totalCount } } }")).codes == ["FORBIDDEN"]
        rename = await alice.gql(
            'mutation($id: ID!) { updateUser(id: $id, input: {displayName: "A"}) { id } }',
            {"id": people.alice.id},
        )
        assert rename.codes == ["FORBIDDEN"]
        assert (await alice.gql("{ me { id mustResetPassword } }")).ok()["me"] == {
            "id": people.alice.id,
            "mustResetPassword": True,
        }
    # when she changes it, everything works again
    me = client.as_(bearer(signed_in["credentials"]["accessToken"]))
    changed = await me.gql(CHANGE, {"current": PASSWORD, "new": "my own new secret"})
    assert changed.ok()["changePassword"]["mustResetPassword"] is False
    assert (await me.gql("{ projects { totalCount } }")).ok()
    assert not await db.fetchval(
        "SELECT must_reset_password FROM users WHERE id = $1", people.alice.id
    )


async def test_reset_token_is_one_time(client: Client, people: People, db: asyncpg.Connection):
    await set_password(db, people.alice)
    old = (await sign_in(client, people.alice.email)).ok()["signIn"]["credentials"]
    refused = await client.gql(RESET_REQUEST, {"email": people.alice.email})
    assert refused.codes == ["FORBIDDEN"]  # administrators only
    issued = await client.as_(people.admin).gql(RESET_REQUEST, {"email": "ALICE@example.com"})
    reset = issued.ok()["requestPasswordReset"]
    assert reset["email"] == "alice@example.com"
    assert reset["link"] == "https://app.example/reset#" + reset["token"]
    stored = await db.fetchval("SELECT token_hash FROM password_reset_tokens")
    assert bytes(stored) == hashlib.sha256(reset["token"].encode()).digest()
    anonymous = client.as_(None)
    weak = await anonymous.gql(RESET, {"token": reset["token"], "new": "short"})
    assert weak.codes == ["BAD_USER_INPUT"]
    assert (await anonymous.gql(RESET, {"token": reset["token"], "new": "reset secret!"})).ok()
    again = await anonymous.gql(RESET, {"token": reset["token"], "new": "another secret"})
    assert again.codes == ["BAD_USER_INPUT"]
    assert "already used" in again.errors[0]["message"]
    assert (await sign_in(client, people.alice.email, "reset secret!")).ok()
    assert (await sign_in(client, people.alice.email, "another secret")).codes == [
        "UNAUTHENTICATED"
    ]
    # every token issued before the reset is revoked
    assert (await client.as_(bearer(old["accessToken"])).gql("{ me { id } }")).codes == [
        "UNAUTHENTICATED"
    ]
    unknown = await client.as_(people.admin).gql(RESET_REQUEST, {"email": "no@example.com"})
    assert unknown.codes == ["NOT_FOUND"]


async def test_reset_token_expires_and_a_newer_one_replaces_it(
    client: Client, people: People, db: asyncpg.Connection
):
    admin = client.as_(people.admin)
    first = (await admin.gql(RESET_REQUEST, {"email": people.bob.email})).ok()
    second = (await admin.gql(RESET_REQUEST, {"email": people.bob.email})).ok()
    anonymous = client.as_(None)
    token = first["requestPasswordReset"]["token"]
    replaced = await anonymous.gql(RESET, {"token": token, "new": "bob's new secret"})
    assert replaced.codes == ["BAD_USER_INPUT"]
    await db.execute("UPDATE password_reset_tokens SET expires_at = now() - interval '1 second'")
    token = second["requestPasswordReset"]["token"]
    expired = await anonymous.gql(RESET, {"token": token, "new": "bob's new secret"})
    assert expired.codes == ["BAD_USER_INPUT"]
    assert "expired" in expired.errors[0]["message"]
    bogus = await anonymous.gql(RESET, {"token": "aura_pr_nope", "new": "bob's new secret"})
    assert bogus.codes == ["BAD_USER_INPUT"]
    assert await db.fetchval("SELECT count(*) FROM user_credentials") == 0


async def test_the_request_role_cannot_read_credentials(people: People, db: asyncpg.Connection):
    await set_password(db, people.alice)
    async with db.transaction():
        await db.execute(f"SELECT aura.begin_request('{people.alice.id}'::uuid, 1000)")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await db.fetch("SELECT * FROM user_credentials")


async def test_cli_prints_a_reset_link(
    client: Client,
    people: People,
    database: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
):
    from aura.cli import main

    monkeypatch.setenv("DATABASE_URL", database)
    monkeypatch.setenv("AURA_PASSWORD_RESET_URL", "https://app.example/reset#")
    assert await asyncio.to_thread(main, ["reset-password", people.bob.email]) == 0
    link = capsys.readouterr().out.strip()
    assert link.startswith("https://app.example/reset#aura_pr_")
    token = link.removeprefix("https://app.example/reset#")
    assert (await client.as_(None).gql(RESET, {"token": token, "new": "bob's new one"})).ok()
    assert (await sign_in(client, people.bob.email, "bob's new one")).ok()
    assert await asyncio.to_thread(main, ["reset-password", "nobody@example.com"]) == 1


async def test_must_reset_password_over_websockets(server, client: Client, people: People):
    admin = client.as_(people.admin)
    flag = "mutation($id: ID!) { setMustResetPassword(id: $id, value: true) { id } }"
    (await admin.gql(flag, {"id": people.alice.id})).ok()
    async with connect(server, people.alice) as socket:
        await socket.subscribe("1", "query { me { id } }")
        assert await socket.next() == {"me": {"id": people.alice.id}}
        await socket.subscribe("2", "query { projects { totalCount } }")
        message = await socket.recv()
        while message.get("id") != "2" or message["type"] == "complete":
            message = await socket.recv()
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert [e["extensions"]["code"] for e in errors] == ["FORBIDDEN"]
