"""Persisted queries: Apollo's automatic persisted queries, and trusted documents.

*Automatic persisted queries* (APQ, Apollo's ``PersistedQueryLink``): a request may
carry ``extensions.persistedQuery = {"version": 1, "sha256Hash": H}`` instead of its
query text. A hash the server knows runs its query; one it does not is refused with the
error Apollo's link waits for (message ``PersistedQueryNotFound``, code
``PERSISTED_QUERY_NOT_FOUND``), and the link sends the query with its hash, which
registers it after the hash is checked (``PERSISTED_QUERY_HASH_MISMATCH`` if it is not
the text's SHA-256). The cache is an LRU of at most ``AURA_APQ_CACHE_SIZE`` queries of
at most ``CACHEABLE_LENGTH`` characters each, per process, so it is bounded whatever
clients send. Hash-only requests are small and fit a GET URL: with
``useGETForHashedQueries`` Apollo sends queries as cacheable GETs.

*Trusted documents* (``AURA_TRUSTED_DOCUMENTS=1``, for production): only documents
registered ahead of time with ``aura documents register FILE...`` (the table
``aura.trusted_documents``) run, whether they arrive by hash or as text; APQ
registration is off. Every transport is held to it: the HTTP view resolves hashes
(asking the database for one it has not seen), and admission (``Admission.trusted``)
refuses any text whose hash is not registered (``DOCUMENT_NOT_TRUSTED``).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

import asyncpg
from graphql import GraphQLError

from aura.engine.admission import CACHEABLE_LENGTH
from aura.errors import ApiError

PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
PERSISTED_QUERY_NOT_SUPPORTED = "PERSISTED_QUERY_NOT_SUPPORTED"
PERSISTED_QUERY_HASH_MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"
DOCUMENT_NOT_TRUSTED = "DOCUMENT_NOT_TRUSTED"
VERSION = 1
MAX_TRUSTED_IN_MEMORY = 100_000  # registered documents a process keeps at most


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class PersistedQueryError(ApiError):
    """A persisted-query refusal, coded as Apollo's link (and other clients) expect."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, code=code)
        self.code = code


def not_trusted() -> GraphQLError:
    return PersistedQueryError(
        "this server runs only registered documents (trusted-documents mode): register "
        "it with `aura documents register FILE`",
        DOCUMENT_NOT_TRUSTED,
    )


class PersistedQueries:
    """The persisted queries of one process: the APQ cache, or the trusted documents."""

    def __init__(self, cache_size: int, *, trusted: bool = False) -> None:
        self.cache_size = cache_size
        self.trusted_mode = trusted
        self._cache: OrderedDict[str, str] = OrderedDict()  # APQ: hash -> query
        self._trusted: dict[str, str] = {}  # trusted mode: hash -> registered document
        self._allowed: OrderedDict[str, bool] = OrderedDict()  # text -> registered?

    # -- trusted documents ----------------------------------------------------------------

    async def load(self, pool: asyncpg.Pool) -> int:
        """The registered documents, read at start (as the owner: no request role)."""
        async with pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT sha256, body FROM aura.trusted_documents LIMIT $1", MAX_TRUSTED_IN_MEMORY
            )
        self._trusted = {row["sha256"]: row["body"] for row in rows}
        return len(self._trusted)

    async def _registered(self, pool: asyncpg.Pool | None, digest: str) -> str | None:
        body = self._trusted.get(digest)
        if body is None and pool is not None and len(self._trusted) < MAX_TRUSTED_IN_MEMORY:
            # Registered since this process started: the table is the truth.
            async with pool.acquire() as conn:
                body = await conn.fetchval(
                    "SELECT body FROM aura.trusted_documents WHERE sha256 = $1", digest
                )
            if body is not None:
                self._trusted[digest] = body
        return body

    def allows(self, query: str) -> bool:
        """Whether admission may run ``query`` (always, outside trusted mode)."""
        if not self.trusted_mode:
            return True
        known = self._allowed.get(query)
        if known is None:
            known = sha256(query) in self._trusted
            if len(query) <= CACHEABLE_LENGTH:
                self._allowed[query] = known
                if len(self._allowed) > 4096:
                    self._allowed.popitem(last=False)
        return known

    # -- a request ------------------------------------------------------------------------

    async def resolve(
        self, query: str | None, extensions: dict[str, Any] | None, pool: asyncpg.Pool | None
    ) -> str | None:
        """The query text a request runs (its own, or the one its hash names).

        Raises :class:`PersistedQueryError` when the hash is unknown, malformed or does
        not match the text, and in trusted mode when the document is not registered.
        """
        persisted = (extensions or {}).get("persistedQuery")
        if persisted is None:
            if self.trusted_mode and query and not self.allows(query):
                # Registered since the start? The table is the truth.
                if await self._registered(pool, sha256(query)) is None:
                    raise not_trusted()
                self._allowed.pop(query, None)
            return query
        if not isinstance(persisted, dict) or persisted.get("version") != VERSION:
            raise PersistedQueryError(
                "PersistedQueryNotSupported: only version 1 of persistedQuery is supported",
                PERSISTED_QUERY_NOT_SUPPORTED,
            )
        digest = persisted.get("sha256Hash")
        if not isinstance(digest, str) or len(digest) != 64:
            raise PersistedQueryError(
                "persistedQuery.sha256Hash must be the 64 hex digits of a SHA-256",
                PERSISTED_QUERY_HASH_MISMATCH,
            )
        digest = digest.lower()
        if query is not None:
            if sha256(query) != digest:
                raise PersistedQueryError(
                    "provided sha does not match query", PERSISTED_QUERY_HASH_MISMATCH
                )
            if self.trusted_mode:
                if await self._registered(pool, digest) is None:
                    raise not_trusted()
            else:
                self._remember(digest, query)
            return query
        found = await self._registered(pool, digest) if self.trusted_mode else self._recall(digest)
        if found is None:
            raise PersistedQueryError("PersistedQueryNotFound", PERSISTED_QUERY_NOT_FOUND)
        return found

    def _remember(self, digest: str, query: str) -> None:
        if not self.cache_size or len(query) > CACHEABLE_LENGTH:
            return
        self._cache[digest] = query
        self._cache.move_to_end(digest)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

    def _recall(self, digest: str) -> str | None:
        query = self._cache.get(digest)
        if query is not None:
            self._cache.move_to_end(digest)
        return query

    def __len__(self) -> int:
        return len(self._cache)


async def register(conn: asyncpg.Connection, documents: Iterable[tuple[str, str]]) -> list[str]:
    """Store (name, text) documents as trusted; returns their hashes (new or already in)."""
    hashes = []
    async with conn.transaction():
        for name, body in documents:
            digest = sha256(body)
            await conn.execute(
                "INSERT INTO aura.trusted_documents (sha256, body, name) VALUES ($1, $2, $3) "
                "ON CONFLICT (sha256) DO NOTHING",
                digest,
                body,
                name,
            )
            hashes.append(digest)
    return hashes
