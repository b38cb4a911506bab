"""The per-request context every resolver receives as ``info.context``."""

from __future__ import annotations

import uuid
from typing import Any

from aura.auth.keyring import KeyRing
from aura.auth.principal import Principal
from aura.config import Settings
from aura.db.loaders import Loaders
from aura.db.session import Session


class Context:
    """Request-scoped state: who asks, their database session, and batched loaders.

    Built fresh for every HTTP request; over websockets, for every operation (never
    once per connection, or loaders would cache rows for the connection's lifetime).
    """

    __slots__ = (
        "hub",
        "loaders",
        "principal",
        "request",
        "request_id",
        "session",
        "settings",
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
        self.request_id = uuid.uuid4().hex[:16]
        self.hub: Any = None  # the realtime hub, for in-process subscriptions

    # Strawberry's views read the context like a dict in a few places.
    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default)
