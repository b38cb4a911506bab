"""The principal of a request."""

from __future__ import annotations

from dataclasses import dataclass, field

from aura.auth import scopes as scope_rules


@dataclass(frozen=True, slots=True)
class Principal:
    """A user the request acts for, as named by a verified token.

    The role is not taken from the token: the database looks it up at the start of
    every request, so a promotion or demotion applies at once.

    ``token_id`` and ``scopes`` are set for opaque access tokens (``oauth_tokens``);
    a JWT has no token id and unrestricted scopes (``None``). ``expires_at`` is when the
    token stops working (epoch seconds: a JWT's ``exp``, a token's ``expires_at``), for
    long-lived connections that must end with it.
    """

    user_id: str
    email: str | None = None
    token_id: str | None = None
    scopes: frozenset[str] | None = None
    # When the token stops being valid (seconds since the epoch); open subscriptions
    # end then.
    expires_at: float | None = None
    # SHA-256 of the opaque token (hex): how each request names it to the database.
    token_hash: str | None = field(default=None, repr=False)

    def allows(self, domain: str | None, *, write: bool) -> bool:
        """May this principal read (or write) the data of ``domain``?"""
        return self.scopes is None or scope_rules.allows(self.scopes, domain, write=write)
