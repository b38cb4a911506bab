"""The rate limit: a token bucket per user (or client address), for every transport.

HTTP requests and websocket operations take one token each from the bucket of their
user, or of the client's address when no valid credential names one. Over the limit
the answer is ``RATE_LIMITED`` with a ``Retry-After`` (HTTP 429, or an operation error
on a websocket).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from aura.auth.passwords import LoginLockout
from aura.auth.passwords import prepare as prepare_passwords
from aura.config import Settings
from aura.errors import ApiError

RATE_LIMITED = "RATE_LIMITED"


class RateLimiter:
    """A token bucket per key: ``per_minute`` requests in a burst, refilled evenly.

    In-process and in memory (each Aura process counts its own requests). At most
    ``max_keys`` buckets are kept; beyond that, buckets that have refilled are dropped
    first, then the least recently used.
    """

    def __init__(
        self,
        per_minute: int,
        *,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0  # tokens per second
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at), LRU order

    def acquire(self, key: str) -> float:
        """Take one token: 0 when allowed, else the seconds until one is available."""
        if self.rate <= 0:
            return 0.0
        now = self.clock()
        tokens, at = self._buckets.pop(key, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - at) * self.rate)
        wait = 0.0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = (1 - tokens) / self.rate
        self._buckets[key] = (tokens, now)
        if len(self._buckets) > self.max_keys:
            self._prune(now)
        return wait

    def _prune(self, now: float) -> None:
        full = [
            key
            for key, (tokens, at) in self._buckets.items()
            if tokens + (now - at) * self.rate >= self.capacity
        ]
        for key in full:
            del self._buckets[key]
        excess = len(self._buckets) - self.max_keys
        for key in list(self._buckets)[: max(excess, 0)]:
            del self._buckets[key]


def retry_after(wait: float) -> str:
    """The ``Retry-After`` header value: whole seconds, at least 1."""
    return str(max(1, math.ceil(wait)))


@dataclass(frozen=True, slots=True)
class SignInGuard:
    """Sign-in attempts (``signIn``, ``resetPassword``): a budget per client address, and
    a lockout per login after repeated failures (``aura.auth.passwords``)."""

    addresses: RateLimiter
    logins: LoginLockout

    @classmethod
    def from_settings(cls, settings: Settings) -> SignInGuard:
        prepare_passwords()
        return cls(
            RateLimiter(settings.sign_in_per_minute),
            LoginLockout(
                max_failures=settings.sign_in_max_failures,
                lockout=settings.sign_in_lockout_seconds,
            ),
        )


class RateLimited(ApiError):
    """Too many attempts: ``retryAfter`` says in how many seconds to try again."""

    code = RATE_LIMITED

    def __init__(self, message: str, wait: float) -> None:
        super().__init__(message, retryAfter=int(retry_after(wait)))
