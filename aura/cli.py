"""``aura serve | worker | ingest | migrate | seed | token | export-schema``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from aura.config import Settings
from aura.logging_setup import configure_logging


def server_options(settings: Settings) -> dict[str, object]:
    """uvicorn's options for serving Aura (``aura serve``, the tests, the benchmarks)."""
    return {
        "loop": "uvloop",
        "http": "httptools",
        "ws": "websockets-sansio",
        "ws_per_message_deflate": settings.ws_compression,
        # The body limit holds for websocket messages too: a larger frame is refused as
        # its header arrives (close 1009), before its payload is read or decoded.
        **({"ws_max_size": settings.max_body_bytes} if settings.max_body_bytes else {}),
    }


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from aura.app import create_app

    configure_logging(settings)
    app = create_app(settings)
    uvicorn.run(
        app,
        host=args.host or settings.host,
        port=args.port or settings.port,
        log_config=None,  # configure_logging's handler, JSON or text (AURA_LOG_FORMAT)
        log_level=settings.log_level.lower(),
        access_log=args.access_log,
        **server_options(settings),  # type: ignore[arg-type]
    )
    return 0


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    from aura.db import migrate
    from aura.db.database import resolve_dsn

    dsn = resolve_dsn(settings)
    if args.revision_down:
        asyncio.run(migrate.downgrade(dsn, args.revision_down))
    else:
        asyncio.run(migrate.upgrade(dsn, args.revision))
    print("database at", args.revision_down or args.revision)
    return 0


def _seed(args: argparse.Namespace, settings: Settings) -> int:
    from aura.db import migrate, seed
    from aura.db.database import resolve_dsn

    try:
        seed.check_seed_allowed(settings, reset=args.reset, force=args.force)
    except seed.SeedRefused as refused:
        print(refused, file=sys.stderr)
        return 2
    dsn = resolve_dsn(settings)
    asyncio.run(migrate.upgrade(dsn))
    if args.reset:
        asyncio.run(seed.reset(dsn))
        print("demo data reloaded")
    elif asyncio.run(seed.seed_if_empty(dsn)):
        print("demo data loaded")
    else:
        print("database already has data; use --reset to replace it")
    return 0


def _token(args: argparse.Namespace, settings: Settings) -> int:
    from aura.auth.tokens import mint, signing_secret
    from aura.db import migrate
    from aura.db.database import resolve_dsn
    from aura.db.pool import connect

    async def find_user(dsn: str) -> str | None:
        conn = await connect(dsn)
        try:
            user_id = await conn.fetchval(
                "SELECT id FROM users WHERE lower(email) = lower($1)", args.email
            )
            if user_id is None and args.create:
                user_id = await conn.fetchval(
                    "INSERT INTO users (email, display_name, role) VALUES ($1, $2, $3) "
                    "RETURNING id",
                    args.email,
                    args.email.split("@")[0],
                    args.role,
                )
            return user_id
        finally:
            await conn.close()

    dsn = resolve_dsn(settings)
    asyncio.run(migrate.upgrade(dsn))
    user_id = asyncio.run(find_user(dsn))
    if user_id is None:
        print(f"no user with email {args.email} (pass --create to make one)", file=sys.stderr)
        return 1
    print(
        mint(
            signing_secret(settings), user_id, email=args.email, ttl_seconds=int(args.hours * 3600)
        )
    )
    return 0


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    """Run background jobs against the database (as many processes as you like)."""
    import signal

    from aura.auth.crypto import master_key
    from aura.auth.keyring import KeyRing
    from aura.db import migrate
    from aura.db.database import resolve_dsn
    from aura.db.jobs import Worker

    configure_logging(settings)
    dsn = resolve_dsn(settings)
    asyncio.run(migrate.upgrade(dsn))

    async def run() -> None:
        worker = Worker(
            dsn,
            heartbeat=settings.job_heartbeat_seconds,
            concurrency=args.concurrency or settings.worker_concurrency,
            keyring=KeyRing(master_key(settings)),
            settings=settings,
        )
        task = worker.start()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, worker.request_stop)
        print("worker running", flush=True)
        await task

    asyncio.run(run())
    return 0


def _ingest(args: argparse.Namespace, settings: Settings) -> int:
    """Load a CSV file into a project's data records, as the project's owner."""
    from aura.db import migrate
    from aura.db.database import resolve_dsn
    from aura.db.ingest_cli import ingest_file

    dsn = resolve_dsn(settings)
    asyncio.run(migrate.upgrade(dsn))
    return asyncio.run(ingest_file(dsn, settings, args))


def _export_schema(args: argparse.Namespace, settings: Settings) -> int:
    from aura.api import printed_schema

    text = printed_schema()
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text)
        print("wrote", args.output)
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="aura", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the API (embedded database by default)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--access-log", action="store_true")
    serve.set_defaults(run=_serve)

    migrate = commands.add_parser("migrate", help="upgrade (or downgrade) the database schema")
    migrate.add_argument("revision", nargs="?", default="head")
    migrate.add_argument(
        "--down", dest="revision_down", metavar="REVISION", help="downgrade to REVISION (e.g. base)"
    )
    migrate.set_defaults(run=_migrate)

    seed = commands.add_parser("seed", help="load the demo data into an empty database")
    seed.add_argument("--reset", action="store_true", help="delete all data first")
    seed.add_argument("--force", action="store_true", help="also in production (AURA_ENV)")
    seed.set_defaults(run=_seed)

    token = commands.add_parser("token", help="mint a development JWT for a user")
    token.add_argument("--email", required=True)
    token.add_argument("--create", action="store_true", help="create the user if missing")
    token.add_argument("--role", default="USER", choices=["PENDING", "USER", "MANAGER", "ADMIN"])
    token.add_argument("--hours", type=float, default=24 * 7, help="validity (default 7 days)")
    token.set_defaults(run=_token)

    worker = commands.add_parser("worker", help="run background jobs (ingest, analysis)")
    worker.add_argument("--concurrency", type=int, help="jobs at once (AURA_WORKER_CONCURRENCY)")
    worker.set_defaults(run=_worker)

    ingest = commands.add_parser("ingest", help="load a CSV file into a project's data records")
    ingest.add_argument("file", type=Path)
    ingest.add_argument("--project", required=True, help="the project's ID or name")
    ingest.add_argument("--type", required=True, choices=["TASK", "FEEDBACK"])
    ingest.add_argument("--content-column", default="content")
    ingest.add_argument("--category-column", default="category")
    ingest.add_argument("--creator-id-column")
    ingest.add_argument("--creator-name-column")
    ingest.add_argument("--creator-email-column")
    ingest.add_argument(
        "--no-wait", action="store_true", help="only enqueue: a server or worker loads it"
    )
    ingest.set_defaults(run=_ingest)

    export = commands.add_parser("export-schema", help="print the GraphQL SDL")
    export.add_argument("--output", "-o", default="-")
    export.set_defaults(run=_export_schema)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.run(args, Settings.from_env()))


if __name__ == "__main__":
    sys.exit(main())
