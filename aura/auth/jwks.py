"""An identity provider's signing keys (JWKS), fetched, cached and refreshed.

The key set is fetched on first use (from ``jwks_url``, or the ``jwks_uri`` of the
issuer's ``/.well-known/openid-configuration``), trusted for ``ttl`` seconds, then fetched
again. A token naming a key id (``kid``) the cache does not hold makes it fetch again at
once (the provider rotated its keys), but at most once every ``min_refresh`` seconds,
so tokens with invented key ids cannot make Aura hammer the provider; concurrent
misses share one fetch. When a fetch fails, the keys held so far keep working. At most
``max_keys`` keys are kept.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import httpx
import jwt

log = logging.getLogger(__name__)

DISCOVERY_PATH = "/.well-known/openid-configuration"
FETCH_TIMEOUT_SECONDS = 5.0
MAX_KEYS = 64
MAX_DOCUMENT_BYTES = 1 << 20


class KeyUnavailable(Exception):
    """No usable key for a token: unknown key id, or the provider cannot be reached."""


class JwksCache:
    def __init__(
        self,
        *,
        issuer: str,
        jwks_url: str | None = None,
        ttl: float = 600.0,
        min_refresh: float = 30.0,
        max_keys: int = MAX_KEYS,
        clock: Callable[[], float] = time.monotonic,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.issuer = issuer
        self.jwks_url = jwks_url
        self.ttl = ttl
        self.min_refresh = min_refresh
        self.max_keys = max_keys
        self.clock = clock
        self._transport = transport
        self._keys: dict[str | None, jwt.PyJWK] = {}
        self._fetched_at: float | None = None  # last successful fetch
        self._tried_at: float | None = None  # last attempt, successful or not
        self._lock = asyncio.Lock()
        self.fetches = 0  # successful fetches (observability, tests)

    async def key(self, kid: str | None) -> jwt.PyJWK:
        """The key ``kid`` names (a key set of one key may be used without a kid)."""
        if self._stale():
            await self._refresh(force=False)
        found = self._find(kid)
        if found is None:
            await self._refresh(force=True)
            found = self._find(kid)
        if found is None:
            raise KeyUnavailable(f"no signing key with id {kid!r} at the identity provider")
        return found

    def _stale(self) -> bool:
        return self._fetched_at is None or self.clock() - self._fetched_at >= self.ttl

    def _find(self, kid: str | None) -> jwt.PyJWK | None:
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        return self._keys.get(kid)

    async def _refresh(self, *, force: bool) -> None:
        tried = self._tried_at
        async with self._lock:
            if self._tried_at != tried:
                return  # another caller fetched while this one waited
            now = self.clock()
            if self._tried_at is not None and now - self._tried_at < self.min_refresh:
                return  # fetched (or failed to) moments ago: unknown kids wait, as do retries
            if not force and not self._stale():
                return
            self._tried_at = now
            try:
                keys = await self._fetch()
            except (httpx.HTTPError, ValueError) as exc:
                log.warning("cannot fetch the signing keys of %s: %s", self.issuer, exc)
                if not self._keys:
                    raise KeyUnavailable(
                        f"the identity provider's keys cannot be fetched: {exc}"
                    ) from None
                return
            self._keys = keys
            self._fetched_at = now
            self.fetches += 1

    async def _fetch(self) -> dict[str | None, jwt.PyJWK]:
        async with httpx.AsyncClient(
            timeout=FETCH_TIMEOUT_SECONDS, transport=self._transport, follow_redirects=False
        ) as client:
            url = self.jwks_url or await self._discover(client)
            document = await _get_json(client, url)
        raw = document.get("keys")
        if not isinstance(raw, list):
            raise ValueError(f"{url} is not a JWK set (no `keys` list)")
        keys: dict[str | None, jwt.PyJWK] = {}
        for item in raw:
            if len(keys) >= self.max_keys:
                break
            if not isinstance(item, dict) or item.get("use", "sig") != "sig":
                continue
            try:
                keys[item.get("kid")] = jwt.PyJWK(item)
            except jwt.PyJWTError as exc:  # a key type or curve PyJWT cannot use
                log.info("skipping a key of %s: %s", self.issuer, exc)
        return keys

    async def _discover(self, client: httpx.AsyncClient) -> str:
        url = self.issuer.rstrip("/") + DISCOVERY_PATH
        document = await _get_json(client, url)
        if document.get("issuer") != self.issuer:
            raise ValueError(f"{url} names issuer {document.get('issuer')!r}, not {self.issuer!r}")
        jwks_uri = document.get("jwks_uri")
        if not isinstance(jwks_uri, str):
            raise ValueError(f"{url} has no jwks_uri")
        self.jwks_url = jwks_uri
        return jwks_uri


async def _get_json(client: httpx.AsyncClient, url: str) -> dict[str, Any]:
    response = await client.get(url, headers={"accept": "application/json"})
    response.raise_for_status()
    if len(response.content) > MAX_DOCUMENT_BYTES:
        raise ValueError(f"{url} answered more than {MAX_DOCUMENT_BYTES} bytes")
    document = response.json()
    if not isinstance(document, dict):
        raise ValueError(f"{url} did not answer a JSON object")
    return document
