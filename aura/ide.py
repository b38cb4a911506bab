"""GraphiQL served entirely from Aura's own files, so the IDE works without internet.

Strawberry's built-in page loads GraphiQL from a CDN. :func:`ide_page` renders the same
IDE from the assets vendored in ``aura/static/graphiql`` (see its README for versions),
which :func:`ide_routes` serves under ``/ide/static``. GraphiQL 3's bundle includes the
``graphql-ws`` client, so subscriptions work over the same endpoint's websocket.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import HTMLResponse
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static" / "graphiql"
STATIC_PREFIX = "/ide/static"

STYLESHEETS = ("graphiql.min.css",)
# Order matters: GraphiQL's UMD bundle expects the React and ReactDOM globals.
SCRIPTS = ("react.production.min.js", "react-dom.production.min.js", "graphiql.min.js")

DEFAULT_QUERY = """\
# Welcome to Aura's GraphiQL.
#
# To act as a user, open "Headers" below and set
#   {"Authorization": "Bearer <token>"}
# Mint a token with:
#   aura token --email you@example.com --create
# Headers are also sent with subscriptions (as the
# websocket's connection parameters).

query Me {
  me {
    id
    email
    displayName
    role
  }
}
"""

_PAGE = """\
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Aura GraphiQL</title>
<style>
html, body {{ height: 100%; margin: 0; overflow: hidden; }}
#graphiql {{ height: 100vh; }}
</style>
{stylesheets}
</head>
<body>
<div id="graphiql">Loading GraphiQL&hellip;</div>
{scripts}
<script>
(function () {{
  var endpoint = {endpoint};
  var url = new URL(endpoint, window.location.href);
  var wsUrl = (url.protocol === "https:" ? "wss://" : "ws://") + url.host + url.pathname;
  var fetcher = GraphiQL.createFetcher({{ url: url.href, subscriptionUrl: wsUrl }});
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(React.createElement(GraphiQL, {{
    fetcher: fetcher,
    defaultQuery: {default_query},
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: true
  }}));
}})();
</script>
</body>
</html>
"""


def _js(value: str) -> str:
    """A JSON string literal that is also safe inside an HTML ``<script>`` element."""
    return (
        json.dumps(value)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def asset_urls() -> list[str]:
    """The URLs of every asset the IDE page loads, in the order it loads them."""
    return [f"{STATIC_PREFIX}/{name}" for name in (*STYLESHEETS, *SCRIPTS)]


def ide_page(endpoint: str = "/graphql") -> HTMLResponse:
    """The GraphiQL page for ``endpoint``, loading only assets served by Aura itself.

    The websocket URL for subscriptions is derived in the browser from the page's own
    location (``ws://`` or ``wss://``), so it is right behind any host or TLS proxy.
    """
    stylesheets = "\n".join(
        f'<link rel="stylesheet" href="{html.escape(f"{STATIC_PREFIX}/{name}")}">'
        for name in STYLESHEETS
    )
    scripts = "\n".join(
        f'<script src="{html.escape(f"{STATIC_PREFIX}/{name}")}"></script>' for name in SCRIPTS
    )
    page = _PAGE.format(
        stylesheets=stylesheets,
        scripts=scripts,
        endpoint=_js(endpoint),
        default_query=_js(DEFAULT_QUERY),
    )
    return HTMLResponse(page)


def ide_routes() -> list[BaseRoute]:
    """The routes serving the IDE's static assets under ``/ide/static``.

    Compressed on the fly: the GraphiQL bundle is 3.4 MB as shipped, about 0.7 MB gzipped.
    Only these assets are compressed, never the API's own responses.
    """
    assets = GZipMiddleware(StaticFiles(directory=STATIC_DIR), minimum_size=1024)
    return [Mount(STATIC_PREFIX, app=assets, name="ide-static")]
