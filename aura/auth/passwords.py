"""Passwords: argon2id hashes, the password policy, and sign-in throttling.

Hashes are argon2-cffi's encoded argon2id strings (parameters and salt included), so a
change of parameters applies to new hashes while old ones keep verifying. Hashing and
verifying are CPU- and memory-bound (64 MiB and 3 passes each, argon2-cffi's
defaults: about 0.9 s on a loaded 2-core machine), so they run off the event loop, on a
pool of ``HASH_THREADS`` threads: that bounds the memory and CPU that concurrent
sign-ins can take, and the rate limits bound how many wait.

Lockout (``LoginLockout``), per process and in memory like the request rate limit
(``aura.engine.ratelimit``, which also limits sign-in attempts per client address): per
login (the email as typed, lower-cased, whether or not an account has it) a lockout
after ``max_failures`` failures in a row, doubling with each further failure up to
``max_lockout`` seconds. Keying by login rather than by account means an unknown email
is locked out exactly like a known one: the answers cannot tell them apart.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 10
MAX_LENGTH = 1024  # argon2 hashes any length; this bounds the work a request can cause
HASH_THREADS = 2

_pool = ThreadPoolExecutor(max_workers=HASH_THREADS, thread_name_prefix="aura-argon2")

_hasher = PasswordHasher()  # argon2id, RFC 9106's low-memory profile


@cache
def _dummy_hash() -> str:
    """Verified when the email is unknown, so that answer costs what a wrong password
    does (made on first use: importing this module must not cost a hash)."""
    return _hasher.hash(secrets.token_urlsafe(16))


def prepare() -> None:
    """Make the dummy hash in the background now, so that the first unknown email does
    not cost a hash more than a wrong password (a server calls it when it starts)."""
    _pool.submit(_dummy_hash)


class PolicyError(ValueError):
    """The new password does not meet the policy (the message says why)."""


def check_policy(password: str, email: str | None) -> None:
    if len(password) < MIN_LENGTH:
        raise PolicyError(f"the password must be at least {MIN_LENGTH} characters long")
    if len(password) > MAX_LENGTH:
        raise PolicyError(f"the password must be at most {MAX_LENGTH} characters long")
    if not password.strip():
        raise PolicyError("the password must not be blank")
    if email and password.strip().lower() in {email.lower(), email.split("@")[0].lower()}:
        raise PolicyError("the password must not be your email address")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(encoded: str | None, password: str) -> bool:
    """Does ``password`` match ``encoded``? Without a hash, a dummy is verified instead
    (same cost) and the answer is False."""
    try:
        return _hasher.verify(encoded or _dummy_hash(), password) and encoded is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def hash_password_async(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_pool, hash_password, password)


async def verify_password_async(encoded: str | None, password: str) -> bool:
    return await asyncio.get_running_loop().run_in_executor(
        _pool, verify_password, encoded, password
    )


def reset_token() -> str:
    """A one-time reset token: 256 random bits (its SHA-256 is what the database keeps)."""
    return "aura_pr_" + secrets.token_urlsafe(32)


def token_digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


@dataclass(slots=True)
class _Failures:
    count: int
    locked_until: float


class LoginLockout:
    """Per login: lockout with backoff after repeated failures.

    At most ``max_logins`` logins are remembered (least recently failed dropped first), so
    a flood of invented emails cannot grow memory without bound.
    """

    def __init__(
        self,
        *,
        max_failures: int = 5,
        lockout: float = 30.0,
        max_lockout: float = 3600.0,
        max_logins: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.lockout = lockout
        self.max_lockout = max_lockout
        self.max_logins = max_logins
        self.clock = clock
        self._failures: OrderedDict[str, _Failures] = OrderedDict()

    @staticmethod
    def _key(login: str) -> str:
        return login.strip().lower()

    def locked(self, login: str) -> float:
        """Seconds until ``login`` may try again (0 when it may now)."""
        entry = self._failures.get(self._key(login))
        if entry is None:
            return 0.0
        return max(0.0, entry.locked_until - self.clock())

    def failed(self, login: str) -> None:
        key = self._key(login)
        entry = self._failures.pop(key, None) or _Failures(0, 0.0)
        entry.count += 1
        beyond = entry.count - self.max_failures
        if beyond >= 0:
            entry.locked_until = self.clock() + min(self.max_lockout, self.lockout * 2**beyond)
        self._failures[key] = entry
        while len(self._failures) > self.max_logins:
            self._failures.popitem(last=False)

    def succeeded(self, login: str) -> None:
        self._failures.pop(self._key(login), None)
