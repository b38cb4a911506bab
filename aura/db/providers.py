"""The installation's AI providers, as its system settings (and operator pins) say.

Callers (resolvers at merge time, job workers) ask for a client and use it; they never
close it::

    embedder = await installation_embedder(pool, keyring, settings)
    vectors = await embedder.embed(texts)

    chat = await installation_chat(pool, keyring, settings)  # ProviderError when offline
    answer = await chat.complete_json([user(prompt)], schema=...)

In a resolver these are ``info.context.session.pool``, ``info.context.vault`` and
``info.context.settings``; a worker passes its own pool, key ring and settings.

What is read, from ``system_settings`` (seed 004's keys): ``ai_provider`` (``offline``
when absent), ``ai_host``, ``embedding_model``, ``llm_model``, and the API key:
``ai_api_key`` if set, else, for OpenRouter, ``openrouter_key``. Key settings are sealed
(only administrators may read them under row-level security), so they are read as the
server: on a connection of the pool itself (the tables' owner, like the key ring's
administration), never inside a request's transaction and never as its user, and
opened with the process's key ring. An environment variable (``AURA_AI_PROVIDER``,
``AURA_AI_HOST``, ``AURA_EMBEDDING_MODEL``, ``AURA_LLM_MODEL``, ``AURA_AI_API_KEY``)
overrides its setting when set.

Freshness: the settings are read again at most every ``REFRESH_SECONDS`` (2 s) per
pool, so a changed setting takes effect within 2 seconds, in every process. Clients
are cached by the configuration they were made from (one HTTP client per
configuration, reusing its connections); ``close_providers(pool)`` closes them, and the
app does so when it stops, before closing its pool (a worker with a pool of its own
calls it too). The cache is per pool: the key ring and settings of the first call for
a pool are the ones it keeps.

The read takes a second pooled connection for a moment (at most every 2 s, and never
waiting more than 5 s for it); when the database cannot be reached the last
configuration read stays in use.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from aura.ai.chat import ChatClient
from aura.ai.embedder import Embedder
from aura.ai.providers import AIConfig, chat_from, close, embedder_from
from aura.auth.crypto import VaultError
from aura.auth.keyring import KeyRing
from aura.config import Settings
from aura.errors import ProviderError

log = logging.getLogger(__name__)

REFRESH_SECONDS = 2.0
# A request holding a connection may ask for a provider: never wait long for a second.
ACQUIRE_TIMEOUT = 5.0
# Clients made from older configurations are kept (requests may still be using them)
# until this many newer ones exist, then closed.
KEPT_CLIENTS = 8

KEYS = ("ai_provider", "ai_host", "embedding_model", "llm_model", "ai_api_key", "openrouter_key")
# The setting each operator pin (a Settings field, from AURA_*) overrides.
PINS = {
    "ai_provider": "ai_provider",
    "ai_host": "ai_host",
    "embedding_model": "embedding_model",
    "llm_model": "llm_model",
    "ai_api_key": "ai_api_key",
}

_SELECT = (
    "SELECT key, value, encrypted_value, is_secret FROM system_settings WHERE key = ANY($1::text[])"
)


async def read_settings(pool: asyncpg.Pool, keyring: KeyRing) -> dict[str, str]:
    """The AI settings present in ``system_settings``, secret ones decrypted."""
    async with pool.acquire(timeout=ACQUIRE_TIMEOUT) as conn:
        rows = await conn.fetch(_SELECT, list(KEYS))
        found: dict[str, str] = {}
        for row in rows:
            key = row["key"]
            if not row["is_secret"]:
                found[key] = row["value"]
                continue
            try:
                found[key] = await keyring.open(
                    conn, "system_settings", key, "encrypted_value", row["encrypted_value"]
                )
            except VaultError as exc:
                raise ProviderError(f"the system setting {key} could not be decrypted") from exc
    return found


def config_from(values: Mapping[str, str | None], settings: Settings) -> AIConfig:
    """The configuration the settings ``values`` and the operator's pins give."""
    chosen = dict(values)
    for key, attribute in PINS.items():
        pinned = getattr(settings, attribute)
        if pinned:
            chosen[key] = pinned

    def text(key: str) -> str | None:
        value = (chosen.get(key) or "").strip()
        return value or None

    provider = (text("ai_provider") or "offline").lower()
    api_key = text("ai_api_key") or (text("openrouter_key") if provider == "openrouter" else None)
    return AIConfig(
        provider=provider,
        host=text("ai_host"),
        embedding_model=text("embedding_model"),
        llm_model=text("llm_model"),
        api_key=api_key,
        timeout=settings.ai_timeout,
        retries=settings.ai_retries,
        batch_size=settings.ai_batch_size,
    )


async def read_ai_config(pool: asyncpg.Pool, keyring: KeyRing, settings: Settings) -> AIConfig:
    """The installation's configuration, read now (uncached)."""
    return config_from(await read_settings(pool, keyring), settings)


@dataclass
class Providers:
    """One pool's clients, made from the configuration read at most every 2 s."""

    pool: asyncpg.Pool
    keyring: KeyRing
    settings: Settings
    refresh: float = REFRESH_SECONDS
    _config: AIConfig | None = None
    _read_at: float = 0.0
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _clients: dict[tuple[str, AIConfig], Any] = field(default_factory=dict)

    async def config(self) -> AIConfig:
        if self._config is not None and time.monotonic() - self._read_at < self.refresh:
            return self._config
        async with self._lock:
            if self._config is None or time.monotonic() - self._read_at >= self.refresh:
                await self._reread()
        assert self._config is not None
        return self._config

    async def _reread(self) -> None:
        try:
            self._config = await read_ai_config(self.pool, self.keyring, self.settings)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
            if self._config is None:
                raise
            # The database is busy or away: keep the last configuration a while longer.
            log.warning("AI settings could not be re-read; using the last ones", exc_info=True)
        self._read_at = time.monotonic()

    async def embedder(self) -> Embedder:
        config = await self.config()
        dimension = self.settings.embedding_dimension
        client = self._clients.get(("embed", config))
        if client is None:
            client = await self._keep(("embed", config), embedder_from(config, dimension))
        return client

    async def chat(self) -> ChatClient:
        config = await self.config()
        client = self._clients.get(("chat", config))
        if client is None:
            client = await self._keep(("chat", config), chat_from(config))
        return client

    async def _keep(self, key: tuple[str, AIConfig], client: Any) -> Any:
        self._clients[key] = client
        while len(self._clients) > KEPT_CLIENTS:
            oldest = next(iter(self._clients))
            await close(self._clients.pop(oldest))
        return client

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await close(client)


# One Providers per pool (pools cannot be weakly referenced; the entry holds its pool).
_BY_POOL: dict[int, Providers] = {}


def providers(pool: asyncpg.Pool, keyring: KeyRing, settings: Settings) -> Providers:
    """The pool's Providers, made on first use with this key ring and these settings."""
    found = _BY_POOL.get(id(pool))
    if found is None or found.pool is not pool:
        found = _BY_POOL[id(pool)] = Providers(pool, keyring, settings)
    return found


async def installation_embedder(
    pool: asyncpg.Pool, keyring: KeyRing, settings: Settings
) -> Embedder:
    """The installation's embedder (the offline one unless configured otherwise);
    ``ProviderError`` when the configuration names an unknown or incomplete provider."""
    return await providers(pool, keyring, settings).embedder()


async def installation_chat(pool: asyncpg.Pool, keyring: KeyRing, settings: Settings) -> ChatClient:
    """The installation's chat client; ``ProviderError`` ("no LLM provider configured")
    at once when the provider is offline, or unknown, or incomplete."""
    return await providers(pool, keyring, settings).chat()


async def close_providers(pool: asyncpg.Pool) -> None:
    """Close the pool's cached clients (before closing the pool)."""
    found = _BY_POOL.pop(id(pool), None)
    if found is not None and found.pool is pool:
        await found.aclose()
