"""Aura as the benchmark runs it: one uvicorn process, production settings.

    python -m bench.aura_server --dsn DSN --port PORT --secret SECRET [--pool-size N]

The database is taken as ready (migrated and loaded by the harness). Debug headers,
GraphiQL, introspection and the demo seed are off, as in production; the event loop
is uvloop and the HTTP parser httptools, as ``aura serve`` would pick them.
"""

from __future__ import annotations

import argparse
import base64
import hashlib

import uvicorn

from aura.app import create_app
from aura.cli import server_options
from aura.config import Settings


def bench_settings(secret: str, pool_size: int) -> Settings:
    """Aura's settings in the benchmarks: production, the limits on, no rate limit."""
    env = Settings.from_env()  # the installation's dimension, the body limit
    return Settings(
        environment="production",
        embedding_dimension=env.embedding_dimension,
        max_body_bytes=env.max_body_bytes,
        jwt_secret=secret,
        # Production mode insists on a master key; the benchmark reveals no secret. Derived
        # from the signing secret, so Aura's two servers (compiled and resolved) share it.
        master_key=base64.b64encode(hashlib.sha256(secret.encode()).digest()).decode(),
        introspection=False,
        graphiql=False,
        debug_headers=False,
        seed_demo=False,
        max_page_size=100,
        # One client sends every request as one principal: a per-user rate limit would
        # measure throttling, not serving (PostGraphile has no limiter). The other
        # limits (depth, cost, …) stay on, at their defaults.
        rate_limit_per_minute=0,
        pool_min_size=pool_size,
        pool_max_size=pool_size,
        # The ingest benchmark measures loading, embeddings off (issue 13).
        ingest_embeddings=False,
        compiled_queries=env.compiled_queries,  # AURA_COMPILED_QUERIES=0: the reference
        worker=env.worker,
        knowledge_index_backlog=env.knowledge_index_backlog,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--pool-size", type=int, default=16)
    args = parser.parse_args()
    settings = bench_settings(args.secret, args.pool_size)
    app = create_app(settings, dsn=args.dsn)
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        **server_options(settings),  # type: ignore[arg-type]
        log_level="warning",
        access_log=False,
        lifespan="on",
    )


if __name__ == "__main__":
    main()
