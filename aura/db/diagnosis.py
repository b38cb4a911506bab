"""Why the database could not be reached, as one line a person can act on.

The CLI turns a failure to connect (nothing listening, a wrong password or user, a
database that does not exist, a server that is not PostgreSQL, a URL that is not a
database URL) into ``aura: <what happened> (hint: <what to do>)`` instead of a
traceback. :func:`diagnose` returns None for anything else, which stays a traceback:
a fault of Aura's own should be seen whole.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import asyncpg

EMBEDDED = "or unset DATABASE_URL to use the embedded database"


def where(url: str | None) -> str:
    """The URL's user, host and database, never its password."""
    if not url:
        return "the embedded database"
    try:
        parts = urlsplit(url)
        host = parts.hostname or "localhost"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "DATABASE_URL"
    user = f"{parts.username}@" if parts.username else ""
    return f"{parts.scheme}://{user}{host}{port}{parts.path}"


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending.extend([current.__cause__, current.__context__, getattr(current, "orig", None)])
        if isinstance(current, BaseExceptionGroup):
            pending.extend(current.exceptions)


def diagnose(exc: BaseException, url: str | None) -> str | None:
    """One line saying what went wrong reaching ``url``, or None when it is not that."""
    target = where(url)
    for cause in _chain(exc):
        if isinstance(cause, asyncpg.InvalidPasswordError):
            return (
                f"the database at {target} refused the password "
                "(hint: check the password in DATABASE_URL)"
            )
        if isinstance(cause, asyncpg.InvalidAuthorizationSpecificationError):
            return (
                f"the database at {target} refused the connection: {cause} "
                "(hint: check the user name in DATABASE_URL, and pg_hba.conf)"
            )
        if isinstance(cause, asyncpg.InvalidCatalogNameError):
            return f"{cause} at {target} (hint: create it, e.g. `createdb`, or fix DATABASE_URL)"
        if isinstance(cause, asyncpg.CannotConnectNowError | asyncpg.TooManyConnectionsError):
            return f"the database at {target} cannot take connections now: {cause}"
        if isinstance(cause, asyncpg.ProtocolError | asyncpg.ConnectionDoesNotExistError) or (
            isinstance(cause, ConnectionError) and "SSL upgrade" in str(cause)
        ):
            return (
                f"the server at {target} does not answer as PostgreSQL ({cause}) "
                f"(hint: DATABASE_URL names another service's host or port?)"
            )
        if isinstance(cause, socket.gaierror):
            return (
                f"cannot resolve the database host of {target}: {cause.strerror} "
                f"(hint: check the host name in DATABASE_URL, {EMBEDDED})"
            )
        if isinstance(cause, ConnectionResetError | BrokenPipeError):
            return (
                f"the server at {target} closed the connection at once "
                "(hint: is it PostgreSQL? does it require TLS, sslmode=require?)"
            )
        if isinstance(cause, TimeoutError | asyncio.TimeoutError):
            return (
                f"the database at {target} did not answer in time "
                f"(hint: is the host reachable, a firewall in between? {EMBEDDED})"
            )
        if isinstance(cause, ConnectionRefusedError | FileNotFoundError) or (
            isinstance(cause, OSError) and "Connect call failed" in str(cause)
        ):
            return (
                f"cannot connect to the database at {target}: nothing is listening there "
                f"(hint: is PostgreSQL running, and DATABASE_URL's host and port right? {EMBEDDED})"
            )
        if type(cause).__name__ == "ArgumentError" or isinstance(
            cause, asyncpg.ClientConfigurationError
        ):
            return (
                f"DATABASE_URL is not a database URL: {cause} "
                "(hint: postgresql://USER:PASSWORD@HOST:5432/DATABASE)"
            )
    return None


async def probe(url: str, within: float = 10.0) -> None:
    """Connect once and ask the server's version: raises what :func:`diagnose` reads."""
    conn = await asyncpg.connect(url, timeout=within)
    try:
        await conn.fetchval("SELECT version()")
    finally:
        await conn.close()
