"""The development IDE offers the demo users; production's does not.

The picker's tokens are real: the one the page holds for ada@aura.dev signs in as her.
(tests/test_ide.py checks the page is offline; the explorer plugin is one of its assets.)
"""

from __future__ import annotations

import base64
import dataclasses
import json
import re

import asyncpg
import httpx
import pytest

from aura.config import Settings
from aura.ide import asset_urls
from tests.conftest import make_user

DEMO = re.compile(r"var demoUsers = (\[.*?\]);")


async def page(http: httpx.AsyncClient) -> str:
    return (await http.get("/graphql", headers={"accept": "text/html"})).text


async def test_the_development_ide_signs_in_as_a_demo_user(
    http: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    await make_user(db, "ada@aura.dev")
    text = await page(http)
    assert "Sign in as a demo user" in text
    assert "owns consilio, odin and aura-mvp" in text
    assert "graphiql-plugin-explorer.umd.js" in text
    assert "explorerPlugin()" in text
    assert "/ide/static/graphiql-plugin-explorer.umd.js" in asset_urls()
    match = DEMO.search(text)
    assert match is not None
    (ada,) = json.loads(match.group(1))
    assert ada["email"] == "ada@aura.dev"
    me = await http.post(
        "/graphql",
        json={"query": "{ me { email } }"},
        headers={"authorization": f"Bearer {ada['token']}"},
    )
    assert me.json() == {"data": {"me": {"email": "ada@aura.dev"}}}
    # The hint names a user with data, never one that would create an empty account.
    assert "ada@aura.dev" in text
    assert "--create" not in text


class TestProduction:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        key = base64.b64encode(bytes(32)).decode()
        return dataclasses.replace(
            settings, environment="production", graphiql=True, master_key=key
        )

    async def test_no_demo_users_in_production(
        self, http: httpx.AsyncClient, db: asyncpg.Connection
    ) -> None:
        await make_user(db, "ada@aura.dev")
        text = await page(http)
        assert "GraphiQL" in text
        assert "Sign in as a demo user" not in text
        assert DEMO.search(text).group(1) == "[]"  # type: ignore[union-attr]
