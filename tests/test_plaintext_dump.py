"""A database dump holds no secret in plaintext (issue 4's "done when").

Everything secret the API stores — a project secret, a provider token, a secret system
setting, an access token and its refresh token — is stored through the API, revealed and
used once, and then the whole database is dumped with ``pg_dump`` (the binary of the
embedded server): none of the plaintexts may appear, while the rows around them do.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import subprocess

import pytest

from aura.db.embedded import _bin
from tests import factories
from tests.conftest import Client, People

pytestmark = pytest.mark.timeout(120)


async def test_a_database_dump_contains_no_secret_in_plaintext(
    client: Client, people: People, database: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    admin = client.as_(people.admin)
    project = await factories.project(client, "vaulted")
    plain = {
        "secret": "sk-live-" + secrets.token_hex(16),
        "provider access": "ya29." + secrets.token_hex(16),
        "provider refresh": "1//" + secrets.token_hex(16),
        "setting": "or-" + secrets.token_hex(16),
    }
    # Given every kind of secret, stored through the API ...
    secret = await factories.create(
        client,
        "Secret",
        {"projectId": project["id"], "keyName": "STRIPE_KEY", "value": plain["secret"]},
    )
    (
        await client.gql(
            "mutation($input: UpsertUserTokenInput!) { upsertUserToken(input: $input) { id } }",
            {
                "input": {
                    "provider": "google",
                    "accessToken": plain["provider access"],
                    "refreshToken": plain["provider refresh"],
                }
            },
        )
    ).ok()
    (
        await admin.gql(
            "mutation($input: SetSystemSettingInput!) { setSystemSetting(input: $input) { key } }",
            {"input": {"key": "openrouter_key", "value": plain["setting"]}},
        )
    ).ok()
    issued = (
        await client.gql(
            'mutation { issueAccessToken(input: {name: "agent"}) { accessToken refreshToken } }'
        )
    ).ok()["issueAccessToken"]
    plain["access token"] = issued["accessToken"]
    plain["refresh token"] = issued["refreshToken"]
    # ... and used: revealed, and the access token presented.
    revealed = (
        await client.gql(
            "mutation($id: ID!) { revealSecret(id: $id) { value } }", {"id": secret["id"]}
        )
    ).ok()["revealSecret"]
    assert revealed["value"] == plain["secret"]
    with_token = await client.as_(None).gql(
        "{ me { email } }", headers={"authorization": f"Bearer {issued['accessToken']}"}
    )
    assert with_token.ok()["me"]["email"] == people.alice.email

    # When the whole database is dumped
    dump = await asyncio.to_thread(
        subprocess.run,
        [_bin("pg_dump"), "--no-owner", "-d", database],
        capture_output=True,
        text=True,
        check=True,
    )

    # Then the rows are there, their plaintexts are not (nor in the logs).
    assert "STRIPE_KEY" in dump.stdout
    assert "openrouter_key" in dump.stdout
    for name, value in plain.items():
        assert value not in dump.stdout, f"{name} in the dump"
        assert value not in caplog.text, f"{name} in the logs"
