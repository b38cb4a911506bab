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

from aura import errors
from aura.auth.principal import Principal
from aura.db.errors import translate

log = logging.getLogger(__name__)

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


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
        self._failed = False
        self._doomed = False
        self.statements = 0

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
            conn = await self._pool.acquire()
            try:
                async with conn.transaction():
                    await conn.execute(
                        f"SET LOCAL ROLE aura_app; SET LOCAL statement_timeout = {self._timeout_ms}"
                    )
                    self.statements += 2
                    rows: list[asyncpg.Record] = await conn.fetch(sql, *args)
                self.statements += 1
                return rows
            except asyncpg.PostgresError as exc:
                api_error = translate(exc)
                if api_error is None:
                    raise
                raise api_error from exc
            finally:
                await self._pool.release(conn)

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
        """End the transaction and give the connection back to the pool."""
        async with self._lock:
            conn, self._conn = self._conn, None
            if conn is None:
                return
            try:
                if conn.is_closed():
                    return
                if commit and not self._failed and not self._doomed:
                    await conn.execute("COMMIT")
                else:
                    await conn.execute("ROLLBACK")
                self.statements += 1
            except asyncpg.PostgresError as exc:
                api_error = translate(exc)
                if commit and api_error is not None:
                    raise api_error from exc
                raise
            finally:
                await self._pool.release(conn)

    # -- internals ----------------------------------------------------------------------

    async def _run(self, method: str, sql: str, args: Sequence[Any]) -> Any:
        async with self._lock:
            conn = self._conn or await self._begin()
            if self._failed:
                raise errors.ApiError("an earlier error in this request aborted its transaction")
            self.statements += 1
            try:
                return await getattr(conn, method)(sql, *args)
            except asyncpg.PostgresError as exc:
                self._failed = True
                api_error = translate(exc)
                if api_error is None:
                    raise
                raise api_error from exc

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
            begin = f"aura.begin_token_request(decode('{token_hash}', 'hex'), {self._timeout_ms})"
        else:
            user_id = self.principal.user_id
            if not _UUID.match(user_id):
                raise errors.Unauthenticated("the token does not name a user")
            begin = f"aura.begin_request('{user_id}'::uuid, {self._timeout_ms})"
        conn = await self._pool.acquire()
        try:
            # Simple-query protocol: BEGIN and the principal's claims in one round trip.
            # The user id is a validated UUID, the hash validated hex and the timeout an
            # int, so inlining is safe.
            await conn.execute(f"BEGIN; SELECT {begin}")
        except asyncpg.PostgresError as exc:
            await conn.execute("ROLLBACK")
            await self._pool.release(conn)
            api_error = translate(exc)
            if api_error is None:
                raise
            raise api_error from exc
        except BaseException:
            await self._pool.release(conn)
            raise
        self.statements += 1
        self._conn = conn
        return conn
