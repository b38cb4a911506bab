"""GraphiQL works offline: the page on ``/graphql`` loads only assets Aura serves itself."""

from __future__ import annotations

import dataclasses
import re

import httpx
import pytest
import websockets
from websockets.typing import Subprotocol

from aura.config import Settings
from aura.ide import asset_urls, ide_page
from tests.conftest import Server

ASSET = re.compile(r'<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)"')
CONTENT_TYPES = {".js": ("text/javascript", "application/javascript"), ".css": ("text/css",)}


async def _ide(http: httpx.AsyncClient) -> httpx.Response:
    return await http.get("/graphql", headers={"accept": "text/html"})


async def test_browser_get_on_graphql_returns_the_offline_ide(http: httpx.AsyncClient) -> None:
    response = await _ide(http)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "/ide/static/graphiql.min.js" in page
    assert "http://" not in page
    assert "https://" not in page
    assert "isHeadersEditorEnabled: true" in page
    assert "subscriptionUrl" in page


async def test_every_asset_of_the_page_is_served_locally(http: httpx.AsyncClient) -> None:
    page = (await _ide(http)).text
    assets = ASSET.findall(page)

    assert sorted(assets) == sorted(asset_urls())
    for url in assets:
        assert url.startswith("/ide/static/"), url
        response = await http.get(url)
        assert response.status_code == 200, url
        extension = url[url.rindex(".") :]
        content_type = response.headers["content-type"].split(";")[0].strip()
        assert content_type in CONTENT_TYPES[extension], (url, content_type)
        assert len(response.content) > 1000, url


async def test_graphiql_bundle_carries_the_websocket_client(http: httpx.AsyncClient) -> None:
    bundle = await http.get("/ide/static/graphiql.min.js")

    assert bundle.status_code == 200
    assert "graphql-transport-ws" in bundle.text


async def test_websocket_answers_in_text_frames(server: Server) -> None:
    """GraphiQL's graphql-ws client parses text frames only; a binary frame breaks it."""
    url = server.url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
        await ws.send('{"type": "connection_init", "payload": {}}')
        ack = await ws.recv()

    assert isinstance(ack, str), ack
    assert '"connection_ack"' in ack


async def test_json_clients_do_not_get_the_ide(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", headers={"accept": "application/json"})

    assert not response.headers.get("content-type", "").startswith("text/html")


async def test_missing_asset_is_404(http: httpx.AsyncClient) -> None:
    response = await http.get("/ide/static/nope.js")

    assert response.status_code == 404


class TestIdeDisabled:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return dataclasses.replace(settings, graphiql=False)

    async def test_no_ide_when_graphiql_is_off(self, http: httpx.AsyncClient) -> None:
        response = await _ide(http)

        assert response.status_code == 404
        assert "graphiql" not in response.text.lower()


def test_endpoint_cannot_break_out_of_the_script() -> None:
    page = bytes(ide_page('/graphql"</script><script>alert(1)</script>').body).decode()

    assert page.count("</script>") == page.count("<script")
    assert "alert(1)" in page
    assert "alert(1)</script>" not in page


async def test_assets_are_compressed_for_browsers(http: httpx.AsyncClient) -> None:
    response = await http.get("/ide/static/graphiql.min.js", headers={"accept-encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert int(response.headers.get("content-length", "0")) < 1_500_000
