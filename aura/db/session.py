"""One request's conversation with the database.

A request takes a pooled connection only when a resolver first needs data, opens a
transaction, and in the same round trip hands the database its principal
(``aura.begin_request``): from then on its SQL runs as the unprivileged ``aura_app``
role and row-level security decides what it sees. The transaction ends with the
request: COMMIT when the response carries no error, ROLLBACK otherwise, so a request
is all or nothing (a failing mutation undoes the mutations before it in the same
request). Statements are serialised (one asyncpg connection runs one query at a time)
and counted, which is how tests assert the number of statements per request.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from typing import Any

import asyncpg

from aura import errors, tracing
from aura.auth.principal import Principal
from aura.db.errors import LOST, translate, unavailable
from aura.metrics import POOL_WAITING

log = logging.getLogger(__name__)

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")

ABORTED = (
    "not run: an earlier error in this request aborted its transaction (see that error); "
    "nothing of the request was saved"
)
UNREACHABLE = "the database cannot be reached right now; the request changed nothing: retry it"
UNKNOWN_OUTCOME = (
    "the database connection was lost during COMMIT: the request may or may not have been "
    "saved; check before retrying"
)


def _dead(conn: Any) -> bool:
    """Is the connection gone? A pooled one that died was already taken back by the
    pool, and then even asking raises."""
    try:
        return bool(conn.is_closed())
    except asyncpg.InterfaceError:
        return True


class SessionClosed(RuntimeError):
    """A statement after the request's session closed (a resolver that outlived it)."""


class Session:
    def __init__(
        self,
        pool: asyncpg.Pool,
        principal: Principal | None,
        *,
        statement_timeout_ms: int,
        auth_error: str | None = None,
    ) -> None:
        self._pool = pool
        self.principal = principal
        self._timeout_ms = int(statement_timeout_ms)
        self._auth_error = auth_error
        self._conn: Any = None
        self._lock = asyncio.Lock()
        self._failed = False  # a statement failed: the transaction can only roll back
        self._doomed = False  # an error was reported: roll back whatever happens
        self._broken = False  # the connection may be dead or mid-operation: terminate it
        self._lost = False  # the database went away: later statements say so at once
        self._closed = False
        self.statements = 0
        # The operation only changes the password or reads the viewer: it may run for a
        # user who must reset their password (``aura.engine.scopes.PASSWORD_CHANGE``).
        self.password_change = False

    # -- queries ------------------------------------------------------------------------

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        return await self._run("fetch", sql, args)

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        return await self._run("fetchrow", sql, args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        return await self._run("fetchval", sql, args)

    async def execute(self, sql: str, *args: Any) -> str:
        return await self._run("execute", sql, args)

    @property
    def pool(self) -> asyncpg.Pool:
        """The pool, for work outside any request's transaction (key rotation)."""
        return self._pool

    def autonomous(self) -> Session:
        """A session of the same principal with a transaction of its own.

        What it writes commits or rolls back independently of this request: for an
        audit row that must outlive the request (``revealSecret``). Close it yourself.
        """
        return Session(
            self._pool,
            self.principal,
            statement_timeout_ms=self._timeout_ms,
            auth_error=self._auth_error,
        )

    async def fetch_alone(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        """One statement in a transaction of its own, committed at once, without a principal.

        For the few operations that precede or outlive a principal (registering,
        refreshing a token): they call SECURITY DEFINER functions that check what they
        need, and their effect (e.g. revoking a token family on refresh-token reuse)
        must stand even when the request then reports an error.
        """
        async with self._lock:
            self._check_open()
            conn = await self._acquire()
            clean = False
            try:
                async with conn.transaction():
                    await conn.execute(
                        f"SET LOCAL ROLE aura_app; SET LOCAL statement_timeout = {self._timeout_ms}"
                    )
                    self.statements += 2
                    rows: list[asyncpg.Record] = await conn.fetch(sql, *args)
                self.statements += 1
                clean = True
                return rows
            except asyncpg.PostgresError as exc:
                # The transaction was rolled back on the way out; only a live
                # connection whose ROLLBACK went through goes back to the pool.
                clean = not (_dead(conn) or unavailable(exc))
                api_error = translate(exc)
                if api_error is None:
                    raise
                raise api_error from exc
            finally:
                await self._give_back(conn, clean=clean)

    @property
    def begun(self) -> bool:
        """Has the request's own transaction started?"""
        return self._conn is not None

    def act_as(self, principal: Principal) -> None:
        """Run the rest of the request as ``principal`` (a user who just registered)."""
        if self._conn is not None:
            raise RuntimeError("the request's transaction has already begun")
        self.principal = principal
        self._auth_error = None

    def rollback_only(self) -> None:
        """End this request with ROLLBACK whatever happens next (an error was reported)."""
        self._doomed = True

    # -- lifecycle ----------------------------------------------------------------------

    async def close(self, *, commit: bool = True) -> None:
        """End the transaction and give the connection back to the pool, once.

        Closing again does nothing, and the session refuses statements from then on: a
        resolver still pending when the request ended (a sibling of a failed field) must
        not open a transaction that nobody would close. COMMIT only when ``commit`` and
        nothing failed; a failed COMMIT raises its API error.
        """
        async with self._lock:
            if self._closed:
                return
            self._closed = True
            conn, self._conn = self._conn, None
            if conn is None:
                return
            commit = commit and not self._failed and not self._doomed
            if self._broken or _dead(conn):
                await self._give_back(conn, clean=False)
                if commit:  # the server rolled the transaction back when it lost us
                    raise errors.DatabaseUnavailable(LOST)
                return
            await self._finish(conn, commit=commit)

    async def _finish(self, conn: Any, *, commit: bool) -> None:
        statement = "COMMIT" if commit else "ROLLBACK"
        clean = False
        try:
            await conn.execute(statement)
            self.statements += 1
            clean = True
        except asyncpg.PostgresError as exc:
            # A refused COMMIT (a deferred check, a serialization failure) still ends the
            # transaction on a live connection; a lost one may have committed or not.
            lost = _dead(conn) or unavailable(exc)
            clean = not lost
            if not commit:
                log.warning("ROLLBACK failed, connection terminated: %s", exc)
                return
            if lost:
                raise errors.DatabaseUnavailable(UNKNOWN_OUTCOME) from exc
            api_error = translate(exc)
            if api_error is None:
                raise
            raise api_error from exc
        finally:
            await self._give_back(conn, clean=clean)

    # -- internals ----------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise SessionClosed("the request has ended; its session runs no more statements")

    async def _acquire(self) -> Any:
        try:
            with POOL_WAITING.track_inprogress():
                return await self._pool.acquire()
        except Exception as exc:
            if unavailable(exc):
                raise errors.DatabaseUnavailable(UNREACHABLE) from exc
            raise

    async def _give_back(self, conn: Any, *, clean: bool) -> None:
        """Return a checked-out connection to the pool; call exactly once per checkout.

        A connection that may be dead, mid-operation or inside a transaction is
        terminated first (the pool then replaces it), never released dirty.
        """
        try:
            if not clean and not _dead(conn):
                conn.terminate()
            await self._pool.release(conn)  # a no-op for a terminated connection
        except Exception:  # the pool terminates what it could not reset
            log.warning("a connection could not be returned to the pool", exc_info=True)

    async def _run(self, method: str, sql: str, args: Sequence[Any]) -> Any:
        async with self._lock:
            self._check_open()
            if self._lost:
                raise errors.DatabaseUnavailable(LOST)
            if self._failed:
                raise errors.TransactionAborted(ABORTED)
            conn = self._conn or await self._begin()
            self.statements += 1
            try:
                with tracing.span(tracing.sql_verb(sql), {"db.query.text": sql}):
                    return await getattr(conn, method)(sql, *args)
            except BaseException as exc:
                self._failed = True
                error = self._statement_error(conn, exc)
                if error is exc:
                    raise
                raise error from exc

    def _statement_error(self, conn: Any, exc: BaseException) -> BaseException:
        """What a failed statement raises; marks a connection that must not be reused."""
        if isinstance(exc, asyncpg.PostgresError) and not (_dead(conn) or unavailable(exc)):
            # A live connection whose transaction is now aborted: ROLLBACK at close.
            return translate(exc) or exc
        # Dead, or interrupted mid-operation (cancelled, a client-side fault): the
        # connection's state is unknown, so close terminates it.
        self._broken = True
        if isinstance(exc, Exception) and (_dead(conn) or unavailable(exc)):
            self._lost = True
            return errors.DatabaseUnavailable(LOST)
        return exc

    async def _begin(self) -> Any:
        if self.principal is None:
            raise errors.Unauthenticated(
                self._auth_error or "sign in: send 'Authorization: Bearer <token>'"
            )
        token_hash = self.principal.token_hash
        if token_hash is not None:
            if not _SHA256.match(token_hash):
                raise errors.Unauthenticated("the token is not well formed")
            # An opaque token: its validity is checked in the same round trip.
            begin = (
                f"aura.begin_token_request(decode('{token_hash}', 'hex'), {self._timeout_ms}, "
                f"{str(self.password_change).lower()})"
            )
        else:
            user_id = self.principal.user_id
            if not _UUID.match(user_id):
                raise errors.Unauthenticated("the token does not name a user")
            begin = (
                f"aura.begin_request('{user_id}'::uuid, {self._timeout_ms}, "
                f"{str(self.password_change).lower()})"
            )
        try:
            conn = await self._acquire()
        except errors.DatabaseUnavailable:
            self._lost = True
            raise
        try:
            # Simple-query protocol: BEGIN and the principal's claims in one round trip.
            # The user id is a validated UUID, the hash validated hex and the timeout an
            # int, so inlining is safe.
            await conn.execute(f"BEGIN; SELECT {begin}")
        except BaseException as exc:
            error = self._statement_error(conn, exc)
            if self._broken:
                await self._give_back(conn, clean=False)
            else:  # refused (e.g. a revoked token): end the aborted transaction
                await self._finish(conn, commit=False)
            if error is exc:
                raise
            raise error from exc
        self.statements += 1
        self._conn = conn
        return conn
