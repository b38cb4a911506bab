"""Aura: a GraphQL API over PostgreSQL for the data of AI-agent work.

Commands: serve | worker | ingest | migrate | seed | token | documents | export-schema |
backup | restore | rotate-master-key | reset-password.
Settings come from the environment (DATABASE_URL, AURA_*; see the README)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

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
        # A response still streaming this long after shutdown began is cancelled (SSE and
        # multipart streams are ended as shutdown starts; this bounds anything else).
        "timeout_graceful_shutdown": 10,
    }


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from aura.app import create_app

    if settings.database_url:
        from aura.db.diagnosis import probe

        # Before uvicorn: a start-up failure there is a traceback in its log.
        asyncio.run(probe(settings.database_url))
    configure_logging(settings)
    app = create_app(settings)

    class Server(uvicorn.Server):
        async def shutdown(self, sockets: list[Any] | None = None) -> None:
            # Streamed responses (SSE, multipart) are told first, and end at once.
            end_streams = getattr(app.state, "end_streams", None)
            if end_streams is not None:
                end_streams()
            await super().shutdown(sockets)

    config = uvicorn.Config(
        app,
        host=args.host or settings.host,
        port=args.port or settings.port,
        log_config=None,  # configure_logging's handler, JSON or text (AURA_LOG_FORMAT)
        log_level=settings.log_level.lower(),
        access_log=args.access_log,
        **server_options(settings),  # type: ignore[arg-type]
    )
    Server(config).run()
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


def _reset_password(args: argparse.Namespace, settings: Settings) -> int:
    """Print a one-time password reset token (and link) for a user: Aura sends no mail."""
    from aura.db import migrate
    from aura.db.database import resolve_dsn
    from aura.db.passwords import issue_reset

    dsn = resolve_dsn(settings)
    asyncio.run(migrate.upgrade(dsn))
    try:
        token, expires_at = asyncio.run(issue_reset(dsn, args.email, settings.password_reset_ttl))
    except LookupError as exc:
        print(exc, file=sys.stderr)
        return 1
    link = settings.password_reset_url
    print(link + token if link else token)
    print(f"valid once, until {expires_at.isoformat()} (resetPassword)", file=sys.stderr)
    return 0


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    """Run background jobs against the database (as many processes as you like)."""
    import signal

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
            keyring=KeyRing.from_settings(settings),
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


def _backup(args: argparse.Namespace, settings: Settings) -> int:
    from aura.db.backup import BackupError, backup
    from aura.db.database import resolve_dsn

    try:
        size = backup(resolve_dsn(settings), args.file)
    except BackupError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"backup written to {args.file} ({size} bytes)")
    return 0


def _restore(args: argparse.Namespace, settings: Settings) -> int:
    from aura.auth.crypto import VaultError
    from aura.auth.keyring import KeyRing
    from aura.db import backup
    from aura.db.database import resolve_dsn
    from aura.db.pool import create_pool

    if args.clean and not args.force:
        if settings.production:
            print("restore --clean replaces a production database: add --force", file=sys.stderr)
            return 1
        if not sys.stdin.isatty():
            print("restore --clean asks for confirmation: add --force", file=sys.stderr)
            return 1
        answer = input("restore --clean deletes everything in the database first. Type yes: ")
        if answer.strip().lower() != "yes":
            print("nothing changed", file=sys.stderr)
            return 1
    dsn = resolve_dsn(settings)

    async def check_vault() -> None:
        pool = await create_pool(dsn, min_size=1, max_size=1)
        try:
            await KeyRing.from_settings(settings).ensure_active_key(pool)
        finally:
            await pool.close()

    try:
        backup.check_dump(args.file)
        asyncio.run(backup.prepare(dsn, clean=args.clean))
        backup.restore_dump(dsn, args.file)
    except backup.BackupError as exc:
        print(exc, file=sys.stderr)
        return 1
    restored = asyncio.run(backup.summary(dsn))
    print(f"restored {args.file}: {restored.tables} tables, {restored.rows} rows")
    try:
        asyncio.run(check_vault())
    except VaultError as exc:
        print(
            f"the vault does not open with this master key: {exc}. Set AURA_MASTER_KEY to "
            "the key of the installation the backup comes from.",
            file=sys.stderr,
        )
        return 2
    return 0


def _rotate_master_key(args: argparse.Namespace, settings: Settings) -> int:
    from aura.auth.keyring import KeyRing
    from aura.db import migrate
    from aura.db.database import resolve_dsn
    from aura.db.pool import create_pool

    if not settings.master_key_previous:
        print(
            "set AURA_MASTER_KEY to the new key and AURA_MASTER_KEY_PREVIOUS to the current "
            "one (see README, Rotating the master key)",
            file=sys.stderr,
        )
        return 1
    dsn = resolve_dsn(settings)
    asyncio.run(migrate.upgrade(dsn))

    async def rotate() -> str:
        pool = await create_pool(dsn, min_size=1, max_size=1)
        try:
            done = await KeyRing.from_settings(settings).rotate_master(
                pool, batch_size=args.batch_size
            )
        finally:
            await pool.close()
        return (
            f"{done.rewrapped} data keys re-wrapped under the new master key "
            f"({done.current} already were), {done.batches} batches, {done.seconds:.2f} s"
        )

    print(asyncio.run(rotate()))
    return 0


def _documents(args: argparse.Namespace, settings: Settings) -> int:
    """Register GraphQL documents as trusted (for AURA_TRUSTED_DOCUMENTS=1)."""
    import json

    from aura.db import migrate
    from aura.db.database import resolve_dsn
    from aura.db.pool import connect
    from aura.engine.persisted import register, sha256

    documents: list[tuple[str, str]] = []
    for path in args.files:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".json":
            # Apollo's persisted query manifest: {"operations": [{"id", "name", "body"}]}
            manifest = json.loads(text)
            for operation in manifest.get("operations", []):
                body = operation["body"]
                if operation.get("id") and operation["id"] != sha256(body):
                    print(f"{path}: {operation.get('name')}: id is not the body's SHA-256")
                    return 1
                documents.append((operation.get("name") or path.stem, body))
        else:
            documents.append((path.stem, text.strip()))

    async def store(dsn: str) -> list[str]:
        conn = await connect(dsn)
        try:
            return await register(conn, documents)
        finally:
            await conn.close()

    dsn = resolve_dsn(settings)
    asyncio.run(migrate.upgrade(dsn))
    for (name, _), digest in zip(documents, asyncio.run(store(dsn)), strict=True):
        print(digest, name)
    return 0


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
    root = argparse.ArgumentParser(
        prog="aura", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    root.add_argument("--version", action="version", version=f"aura {_version()}")
    commands = root.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the API (embedded database by default)")
    serve.add_argument("--host", help="address to listen on (AURA_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (AURA_PORT, default 8000)")
    serve.add_argument("--access-log", action="store_true", help="log every request")
    serve.set_defaults(run=_serve)

    migrate = commands.add_parser("migrate", help="upgrade (or downgrade) the database schema")
    migrate.add_argument(
        "revision", nargs="?", default="head", help="revision to upgrade to (default: head)"
    )
    migrate.add_argument(
        "--down", dest="revision_down", metavar="REVISION", help="downgrade to REVISION (e.g. base)"
    )
    migrate.set_defaults(run=_migrate)

    seed = commands.add_parser("seed", help="load the demo data into an empty database")
    seed.add_argument("--reset", action="store_true", help="delete all data first")
    seed.add_argument("--force", action="store_true", help="also in production (AURA_ENV)")
    seed.set_defaults(run=_seed)

    token = commands.add_parser("token", help="mint a development JWT for a user")
    token.add_argument("--email", required=True, help="the user's email address")
    token.add_argument("--create", action="store_true", help="create the user if missing")
    token.add_argument(
        "--role",
        default="USER",
        choices=["PENDING", "USER", "MANAGER", "ADMIN"],
        help="role of a user made with --create (default USER)",
    )
    token.add_argument("--hours", type=float, default=24 * 7, help="validity (default 7 days)")
    token.set_defaults(run=_token)

    reset = commands.add_parser(
        "reset-password", help="print a one-time password reset token for a user"
    )
    reset.add_argument("email", help="the user's email address")
    reset.set_defaults(run=_reset_password)

    worker = commands.add_parser("worker", help="run background jobs (ingest, analysis)")
    worker.add_argument("--concurrency", type=int, help="jobs at once (AURA_WORKER_CONCURRENCY)")
    worker.set_defaults(run=_worker)

    ingest = commands.add_parser("ingest", help="load a CSV file into a project's data records")
    ingest.add_argument("file", type=Path, help="the CSV file, with a header row")
    ingest.add_argument("--project", required=True, help="the project's ID or name")
    ingest.add_argument(
        "--type", required=True, choices=["TASK", "FEEDBACK"], help="the records' type"
    )
    ingest.add_argument(
        "--content-column", default="content", help="column of the text (default content)"
    )
    ingest.add_argument(
        "--category-column", default="category", help="column of the category (default category)"
    )
    ingest.add_argument("--creator-id-column", help="column of the creator's id, if any")
    ingest.add_argument("--creator-name-column", help="column of the creator's name, if any")
    ingest.add_argument("--creator-email-column", help="column of the creator's email, if any")
    ingest.add_argument(
        "--no-wait", action="store_true", help="only enqueue: a server or worker loads it"
    )
    ingest.set_defaults(run=_ingest)

    backup = commands.add_parser(
        "backup", help="dump the database (embedded or DATABASE_URL) into FILE (pg_dump -Fc)"
    )
    backup.add_argument("file", type=Path, help="the backup file to write")
    backup.set_defaults(run=_backup)

    restore = commands.add_parser(
        "restore",
        help="restore a backup into an empty database; the vault needs the same master key",
    )
    restore.add_argument("file", type=Path, help="a file written by aura backup")
    restore.add_argument(
        "--clean", action="store_true", help="delete everything in the database first (asks)"
    )
    restore.add_argument(
        "--force", action="store_true", help="no confirmation for --clean (needed in production)"
    )
    restore.set_defaults(run=_restore)

    rotate = commands.add_parser(
        "rotate-master-key",
        help="re-wrap the vault's data keys under AURA_MASTER_KEY "
        "(the old key in AURA_MASTER_KEY_PREVIOUS); no downtime",
    )
    rotate.add_argument("--batch-size", type=int, default=500, help="data keys per transaction")
    rotate.set_defaults(run=_rotate_master_key)

    export = commands.add_parser("export-schema", help="print the GraphQL SDL")
    export.add_argument(
        "--output", "-o", default="-", help="file to write (default: - for standard output)"
    )
    export.set_defaults(run=_export_schema)

    documents = commands.add_parser(
        "documents", help="manage trusted documents (AURA_TRUSTED_DOCUMENTS=1)"
    )
    actions = documents.add_subparsers(dest="action", required=True)
    register = actions.add_parser(
        "register",
        help="store documents as trusted: only these run in trusted-documents mode",
        description="Each FILE is one GraphQL document (its text, surrounding whitespace "
        "removed, is what clients must send, or its SHA-256 as a persisted query), or an "
        "Apollo persisted query manifest (.json). Prints each document's hash.",
    )
    register.add_argument("files", nargs="+", type=Path, metavar="FILE", help="documents")
    register.set_defaults(run=_documents)
    return root


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("aura")
    except PackageNotFoundError:  # run from a source tree that is not installed
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = Settings.from_env()
    try:
        return int(args.run(args, settings))
    except Exception as exc:
        from aura.db.diagnosis import diagnose

        problem = diagnose(exc, settings.database_url)
        if problem is None:
            raise
        print(f"aura: {problem}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
