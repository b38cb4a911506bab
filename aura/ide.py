"""GraphiQL served entirely from Aura's own files, so the IDE works without internet.

Strawberry's built-in page loads GraphiQL from a CDN. :func:`ide_page` renders the same
IDE from the assets vendored in ``aura/static/graphiql`` (see its README for versions),
which :func:`ide_routes` serves under ``/ide/static``. GraphiQL 3's bundle includes the
``graphql-ws`` client, so subscriptions work over the same endpoint's websocket; the
explorer plugin (a clickable tree of the schema) is vendored beside it.

In development the page also offers the demo users (:class:`DemoUser`): choosing one
puts ``Authorization: Bearer <a development token for them>`` in the headers editor, so
a newcomer queries real data without minting a token first. Production never gets it
(``aura.app`` passes no users there).
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import HTMLResponse
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from aura.auth.tokens import mint

STATIC_DIR = Path(__file__).parent / "static" / "graphiql"
STATIC_PREFIX = "/ide/static"

STYLESHEETS = ("graphiql.min.css", "graphiql-plugin-explorer.css")
# Order matters: GraphiQL's UMD bundle expects the React and ReactDOM globals, and the
# explorer plugin expects GraphiQL's.
SCRIPTS = (
    "react.production.min.js",
    "react-dom.production.min.js",
    "graphiql.min.js",
    "graphiql-plugin-explorer.umd.js",
)

DEFAULT_QUERY = """\
# Welcome to Aura's GraphiQL.
#
# To act as a user, open "Headers" below and set
#   {"Authorization": "Bearer <token>"}
# The demo data's users have plenty to look at:
#   aura token --email ada@aura.dev
# (Ada owns the consilio, odin and aura-mvp projects.)
# Headers are also sent with subscriptions (as the
# websocket's connection parameters).

query Me {
  me {
    id
    email
    displayName
    role
  }
  projects(first: 5) {
    nodes { name status }
  }
}
"""

DEMO_QUERY = DEFAULT_QUERY.replace(
    """# To act as a user, open "Headers" below and set
#   {"Authorization": "Bearer <token>"}
# The demo data's users have plenty to look at:
#   aura token --email ada@aura.dev
# (Ada owns the consilio, odin and aura-mvp projects.)
""",
    """# Pick a demo user in the bar above: Ada owns the
# consilio, odin and aura-mvp projects. That fills
# "Headers" below with {"Authorization": "Bearer ..."}.
# Elsewhere: aura token --email ada@aura.dev
""",
)


@dataclass(frozen=True, slots=True)
class DemoUser:
    """A demo user the development IDE offers to sign in as."""

    email: str
    display_name: str
    role: str
    hint: str  # what they have to look at
    token: str  # a development token for them


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
body {{ display: flex; flex-direction: column; }}
#graphiql {{ flex: 1; min-height: 0; }}
#aura-demo {{ font: 13px system-ui, sans-serif; padding: 6px 12px; background: #f4f6fa;
  border-bottom: 1px solid #dde2ea; display: flex; gap: 8px; align-items: center; }}
</style>
{stylesheets}
</head>
<body>
{picker}
<div id="graphiql">Loading GraphiQL&hellip;</div>
{scripts}
<script>
(function () {{
  var endpoint = {endpoint};
  var demoUsers = {demo_users};
  var url = new URL(endpoint, window.location.href);
  var wsUrl = (url.protocol === "https:" ? "wss://" : "ws://") + url.host + url.pathname;
  var fetcher = GraphiQL.createFetcher({{ url: url.href, subscriptionUrl: wsUrl }});
  var explorer = GraphiQLPluginExplorer.explorerPlugin();
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  function render(headers, key) {{
    root.render(React.createElement(GraphiQL, {{
      key: key,
      fetcher: fetcher,
      defaultQuery: {default_query},
      headers: headers,
      plugins: [explorer],
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: true
    }}));
  }}
  render(undefined, "start");
  var picker = document.getElementById("aura-demo-user");
  if (picker) {{
    picker.addEventListener("change", function () {{
      var user = demoUsers[picker.value];
      if (!user) return;
      var headers = JSON.stringify({{ Authorization: "Bearer " + user.token }}, null, 2);
      // GraphiQL reads persisted headers first: store the new ones, then remount it.
      window.localStorage.setItem("graphiql:headers", headers);
      render(headers, user.email);
    }});
  }}
}})();
</script>
</body>
</html>
"""


def _js(value: object) -> str:
    """A JSON value as a literal that is also safe inside an HTML ``<script>`` element."""
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


# What each demo user (aura.db.demo) has to look at, in the order the picker lists them.
DEMO_HINTS = {
    "ada@aura.dev": "owns consilio, odin and aura-mvp",
    "grace@aura.dev": "owns openhorizon and health-agent",
    "admin@aura.dev": "sees everything",
    "linus@aura.dev": "pending approval: sees only themself",
}
DEMO_TOKEN_SECONDS = 12 * 3600


async def demo_users(pool: asyncpg.Pool, secret: str) -> list[DemoUser]:
    """The demo users present in the database, each with a fresh development token."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT id::text, email, display_name, role FROM users WHERE email = ANY($1::text[])",
            list(DEMO_HINTS),
        )
    found = {row["email"]: row for row in rows}
    return [
        DemoUser(
            email=email,
            display_name=found[email]["display_name"] or email,
            role=found[email]["role"],
            hint=hint,
            token=mint(secret, found[email]["id"], email=email, ttl_seconds=DEMO_TOKEN_SECONDS),
        )
        for email, hint in DEMO_HINTS.items()
        if email in found
    ]


def _picker(users: list[DemoUser]) -> str:
    if not users:
        return ""
    options = "".join(
        f'<option value="{i}">{html.escape(f"{u.display_name} ({u.role}, {u.email}): {u.hint}")}'
        "</option>"
        for i, u in enumerate(users)
    )
    return (
        '<div id="aura-demo"><label for="aura-demo-user">Sign in as a demo user:</label>'
        '<select id="aura-demo-user"><option value="">choose&hellip;</option>'
        f"{options}</select><span>(development only: fills the Authorization header)</span>"
        "</div>"
    )


def ide_page(endpoint: str = "/graphql", demo_users: list[DemoUser] | None = None) -> HTMLResponse:
    """The GraphiQL page for ``endpoint``, loading only assets served by Aura itself.

    The websocket URL for subscriptions is derived in the browser from the page's own
    location (``ws://`` or ``wss://``), so it is right behind any host or TLS proxy.
    With ``demo_users`` (development), a bar above the IDE signs in as one of them.
    """
    users = demo_users or []
    stylesheets = "\n".join(
        f'<link rel="stylesheet" href="{html.escape(f"{STATIC_PREFIX}/{name}")}">'
        for name in STYLESHEETS
    )
    scripts = "\n".join(
        f'<script src="{html.escape(f"{STATIC_PREFIX}/{name}")}"></script>' for name in SCRIPTS
    )
    demo = [{"email": u.email, "token": u.token} for u in users]
    page = _PAGE.format(
        stylesheets=stylesheets,
        scripts=scripts,
        picker=_picker(users),
        endpoint=_js(endpoint),
        demo_users=_js(demo),
        default_query=_js(DEMO_QUERY if users else DEFAULT_QUERY),
    )
    return HTMLResponse(page)


def ide_routes() -> list[BaseRoute]:
    """The routes serving the IDE's static assets under ``/ide/static``.

    Compressed on the fly: the GraphiQL bundle is 3.4 MB as shipped, about 0.7 MB gzipped.
    Only these assets are compressed, never the API's own responses.
    """
    assets = GZipMiddleware(StaticFiles(directory=STATIC_DIR), minimum_size=1024)
    return [Mount(STATIC_PREFIX, app=assets, name="ide-static")]
