"""Where a Q1 request's time goes in Aura's process (issue 14: the Q1 p99 target).

    python -m bench.profile [--requests N] [--no-markdown]

One run: a throwaway cluster with the query benchmark's dataset, then

- **Floor**: Aura's server (``bench/aura_server.py``) under wrk, 16 connections, for
  ``GET /health`` (the HTTP server and the middleware, no GraphQL, no database) and for
  Q1, with the server's CPU per request from ``/proc``;
- **Profile**: the same application in this process, N Q1 requests one after another
  under ``cProfile``, its own time (``tottime``) summed per component (below). cProfile
  inflates every Python call alike, so the shares are the figure, not the times; uvicorn
  and uvloop are not in it (the floor measures them).

The "Where Q1's time goes" section of BENCHMARKS.md is rewritten.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import secrets
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from aura.app import create_app
from aura.auth.tokens import mint
from bench import dataset as datasets
from bench import environment, servers, workloads
from bench.aura_server import bench_settings
from bench.cluster import CLOCK_TICKS, Cluster, process_ticks
from bench.runner import Config, Wrk
from bench.sections import write_section

ROOT = Path(__file__).resolve().parent.parent
TITLE = "Where Q1's time goes"

# Component → path fragments of the code it runs (the first that matches counts).
COMPONENTS = (
    ("database driver (asyncpg) and the request's session", ("asyncpg/", "aura/db/")),
    ("event loop and socket I/O (asyncio here)", ("asyncio/", "selectors.py")),
    ("HTTP middleware (Starlette, Aura's)", ("starlette/", "aura/middleware", "aura/observe")),
    ("Strawberry's HTTP view", ("strawberry/", "cross_web/", "typing_extensions", "inspect.py")),
    ("Aura's GraphQL view (body, context, response)", ("aura/app.py", "aura/engine/body")),
    ("admission and the compiled plan", ("aura/engine/", "graphql/")),
    (
        "metrics, tracing, logging",
        ("prometheus_client", "aura/metrics", "aura/tracing", "aura/logging"),
    ),
    ("JSON", ("json/", "orjson")),
)


def _component(where: str) -> str:
    for name, fragments in COMPONENTS:
        if any(f in where for f in fragments):
            return name
    return "other"


def shares(stats: pstats.Stats) -> dict[str, float]:
    """Each component's share of the profiled time (idle waits in ``poll`` excluded)."""
    spent: Counter[str] = Counter()
    for (path, _line, function), row in stats.stats.items():  # type: ignore[attr-defined]
        if "poll" in function and "epoll" in function:
            continue  # waiting for the database or the client, not work
        if path == "~":  # a builtin: its time goes to the code that called it
            for (caller_path, _, caller), timing in row[4].items():
                spent[_component(f"{caller_path} {caller}")] += timing[2]
        else:
            spent[_component(f"{path} {function}")] += row[2]
    total = sum(spent.values()) or 1.0
    return {k: v / total for k, v in spent.most_common()}


async def _profile(dsn: str, secret: str, token: str, bodies: list[bytes], n: int) -> Any:
    """N requests through the ASGI application, in sequence, under cProfile."""
    app = create_app(bench_settings(secret, pool_size=4), dsn=dsn)
    inbox: asyncio.Queue[Any] = asyncio.Queue()
    outbox: asyncio.Queue[Any] = asyncio.Queue()
    life = asyncio.create_task(
        app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, inbox.get, outbox.put)
    )
    await inbox.put({"type": "lifespan.startup"})
    started = await outbox.get()
    if started["type"] != "lifespan.startup.complete":
        raise RuntimeError(f"the application did not start: {started}")

    async def request(body: bytes) -> bytes:
        headers = [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"application/json"),
            (b"accept", b"application/json"),
            (b"authorization", f"Bearer {token}".encode()),
            (b"content-length", str(len(body)).encode()),
        ]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/graphql",
            "raw_path": b"/graphql",
            "query_string": b"",
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
            "state": {},
        }
        messages = [{"type": "http.request", "body": body, "more_body": False}]
        sent: list[dict[str, Any]] = []

        async def receive() -> Any:
            return messages.pop() if messages else {"type": "http.disconnect"}

        async def send(message: Any) -> None:
            sent.append(message)

        await app(scope, receive, send)
        return b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")

    first = await request(bodies[0])
    if b'"errors"' in first or b'"task":{' not in first:
        raise RuntimeError(f"Q1 did not answer as expected: {first[:300]!r}")
    for i in range(min(n, 500)):  # warm the caches (plans, prepared statements)
        await request(bodies[i % len(bodies)])
    profile = cProfile.Profile()
    profile.enable()
    for i in range(n):
        await request(bodies[i % len(bodies)])
    profile.disable()
    await inbox.put({"type": "lifespan.shutdown"})
    await outbox.get()
    await life
    return pstats.Stats(profile)


def _floor(dsn: str, secret: str, token: str, bodies: list[bytes], workdir: Path) -> dict:
    """Req/s, p99 and the server's CPU per request for /health and Q1 under wrk."""
    config = Config(duration=10, warmup=3, connections=16, threads=2)
    wrk = Wrk(servers.ensure_wrk(install=True), config, token)
    server = servers.start_aura(dsn, secret=secret, pool_size=16, log=workdir / "aura.log")
    found: dict[str, Any] = {}
    try:
        server.wait_ready(token)
        q1_bodies = workdir / "q1.txt"
        q1_bodies.write_bytes(b"\n".join(bodies) + b"\n")
        base = server.url.removesuffix("/graphql")
        for name, path, sent in (("health", "/health", Path("GET")), ("Q1", "/graphql", q1_bodies)):
            url = base + path
            wrk.run(url, sent, config.warmup)
            before = process_ticks(server.pid)
            result = wrk.run(url, sent, config.duration)
            ticks = process_ticks(server.pid) - before
            requests = result["requests"]
            failed = sum(result["errors"].values())
            if failed:
                raise RuntimeError(
                    f"{failed} of {requests} {name} requests failed under wrk: {result['errors']}"
                )
            found[name] = {
                "rps": requests / (result["duration_us"] / 1e6),
                "p99_ms": result["latency_us"]["p99"] / 1000,
                "cpu_ms": ticks * 1000 / CLOCK_TICKS / max(1, requests),
            }
    finally:
        server.stop()
    return found


def markdown(floor: dict, parts: dict[str, float], n: int, load: list[float]) -> str:
    health, q1 = floor["health"], floor["Q1"]
    graphql = q1["cpu_ms"] - health["cpu_ms"]
    lines = [
        f"## {TITLE}",
        "",
        f"`python -m bench.profile` on {environment.machine()['nproc']} cores, load average "
        f"{load[0]:.2f} before the run. Aura's one process under wrk (16 connections):",
        "",
        "| request | req/s | p99 ms | server CPU ms per request |",
        "|---|--:|--:|--:|",
        f"| `GET /health` (HTTP server and middleware only) | {health['rps']:,.0f} | "
        f"{health['p99_ms']:.2f} | {health['cpu_ms']:.3f} |",
        f"| Q1 (`task(id:)`, compiled) | {q1['rps']:,.0f} | {q1['p99_ms']:.2f} | "
        f"{q1['cpu_ms']:.3f} |",
        "",
        f"So {health['cpu_ms']:.3f} ms of each Q1 request is the HTTP server (uvicorn, "
        f"httptools, uvloop) and the middleware, and {graphql:.3f} ms the GraphQL request "
        f"itself. At {q1['cpu_ms']:.3f} ms of CPU per request one process serves at most "
        f"{1000 / q1['cpu_ms']:,.0f} req/s; with 16 requests always in flight the mean "
        f"latency cannot fall below {16 * q1['cpu_ms']:.1f} ms (Little's law), and the p99 "
        f"follows the mean ({q1['p99_ms'] / (16000 / q1['rps']):.1f} times it here).",
        "",
        f"Profile of the application alone (cProfile, {n:,} Q1 requests in sequence on "
        "asyncio's own event loop, whose Python code the server's uvloop does in C; shares "
        "of the time spent working, waits excluded):",
        "",
        "| component | share |",
        "|---|--:|",
        *(f"| {name} | {share:.0%} |" for name, share in parts.items()),
        "",
        "The database driver's share is three round trips per request: `BEGIN` with the "
        "caller's claims (one simple-protocol message), the one data statement, `COMMIT`. "
        "Sending the answer before `COMMIT` (the query only read) was tried: the next "
        "request on each connection then waited for a pool connection and the p99 rose to "
        "80-140 ms, so it was not kept.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--no-markdown", action="store_true")
    args = parser.parse_args()
    load = environment.load_average()
    cluster = Cluster()
    try:
        with tempfile.TemporaryDirectory(prefix="aura-profile-") as tmp:
            dsn = cluster.start()
            data = asyncio.run(datasets.load(dsn, seed="aura-bench"))
            secret = secrets.token_urlsafe(32)
            token = mint(secret, data.owner_id)
            (q1,) = asyncio.run(workloads.build(dsn, ["Q1"], variants=50))
            bodies = q1.bodies("aura")
            floor = _floor(dsn, secret, token, bodies, Path(tmp))
            stats = asyncio.run(_profile(dsn, secret, token, bodies, args.requests))
    finally:
        cluster.stop()
    parts = shares(stats)
    text = markdown(floor, parts, args.requests, load)
    print(text)
    if not args.no_markdown:
        write_section(ROOT / "BENCHMARKS.md", TITLE, text)


if __name__ == "__main__":
    main()
