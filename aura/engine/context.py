"""The per-request context every resolver receives as ``info.context``."""

from __future__ import annotations

from typing import Any

from aura.ai.chat import ChatClient
from aura.ai.embedder import Embedder
from aura.auth.keyring import KeyRing
from aura.auth.principal import Principal
from aura.config import Settings
from aura.db.loaders import Loaders
from aura.db.providers import installation_chat, installation_embedder
from aura.db.session import Session
from aura.errors import ProviderError
from aura.logging_setup import request_id


class Context:
    """Request-scoped state: who asks, their database session, and batched loaders.

    Built fresh for every HTTP request; over websockets, for every operation (never
    once per connection, or loaders would cache rows for the connection's lifetime).
    """

    __slots__ = (
        "execution",
        "hub",
        "loaders",
        "principal",
        "request",
        "request_id",
        "session",
        "settings",
        "sign_in",
        "vault",
    )

    def __init__(
        self,
        *,
        request: Any,
        settings: Settings,
        session: Session,
        principal: Principal | None,
        vault: KeyRing | None = None,
    ) -> None:
        self.request = request
        self.vault = vault  # the process's key ring (aura.auth.keyring)
        self.settings = settings
        self.session = session
        self.principal = principal
        self.loaders = Loaders(session)
        self.request_id = request_id()  # the HTTP request's, or a new one
        self.hub: Any = None  # the realtime hub, for in-process subscriptions
        # Sign-in throttling of the app (``aura.engine.ratelimit.SignInGuard``).
        self.sign_in: Any = None
        self.execution: str | None = None  # "compiled" or "resolved" (aura.engine.compiler)

    async def restart_session(self) -> None:
        """End the request's transaction (rolled back) and carry on in a new one: the
        compiled path's way back when its statement failed (``aura.engine.schema``)."""
        failed = self.session
        self.session = failed.autonomous()
        self.session.password_change = failed.password_change
        self.loaders = Loaders(self.session)
        await failed.close(commit=False)

    async def embedder(self) -> Embedder:
        """The installation's embedder (system settings, ``aura.db.providers``): what
        every resolver that turns text into vectors uses."""
        if self.vault is None:
            raise ProviderError("this server has no key ring to read its AI settings with")
        return await installation_embedder(self.session.pool, self.vault, self.settings)

    async def chat(self) -> ChatClient:
        """The installation's chat client (system settings); ``ProviderError`` ("no LLM
        provider configured") at once when there is none."""
        if self.vault is None:
            raise ProviderError("this server has no key ring to read its AI settings with")
        return await installation_chat(self.session.pool, self.vault, self.settings)

    # Strawberry's views read the context like a dict in a few places.
    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default)
