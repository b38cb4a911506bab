"""The principal of a request."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Principal:
    """A user the request acts for, as named by a verified token.

    The role is not taken from the token: the database looks it up at the start of
    every request, so a promotion or demotion applies at once.
    """

    user_id: str
    email: str | None = None
    # When the token stops being valid (seconds since the epoch); open subscriptions
    # end then.
    expires_at: float | None = None
