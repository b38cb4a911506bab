"""Tokens of an external identity provider (OIDC), verified with its JWKS.

A bearer JWT whose ``iss`` is ``AURA_OIDC_ISSUER`` is verified here rather than as one
of Aura's own HS256 tokens: signature (RS256, ES256 or EdDSA, by a key of the
provider's JWKS, ``aura.auth.jwks``), issuer, expiry (30 s leeway) and audience: ``aud``
must name one of ``AURA_OIDC_AUDIENCE``, or, for a token without ``aud``, its
``client_id`` must (Cognito access tokens).

Its subject then maps to an Aura user (``aura.external_user``): the one already linked
to (issuer, sub); else the user with its email when the provider says it verified the
email (``email_verified``, top level or in Supabase's ``user_metadata``), which links
them; else a new user, ``USER`` when the email is verified and its domain is in
``AURA_OIDC_ADMIT_DOMAINS``, ``PENDING`` otherwise. The email comes from the claim
``AURA_OIDC_EMAIL_CLAIM`` (``email``; Auth0 access tokens carry it only as a namespaced
custom claim, e.g. ``https://example.com/email``).

What a token names never changes, so its verdict (and user) is cached per process,
bounded, until it expires; a new token of the same subject is looked up once. Whether
the user may still act (not disabled, not deleted) is checked by the database when each
request opens, as for every JWT.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from typing import Any

import asyncpg
import httpx
import jwt

from aura.auth.jwks import JwksCache, KeyUnavailable
from aura.auth.principal import Principal
from aura.auth.tokens import InvalidToken
from aura.config import Settings

SUPPORTED_ALGORITHMS = frozenset({"RS256", "ES256", "EdDSA"})
LEEWAY_SECONDS = 30
CACHE_SIZE = 4096


def _lru_put(cache: OrderedDict[Any, Any], key: Any, value: Any) -> None:
    cache[key] = value
    cache.move_to_end(key)
    if len(cache) > CACHE_SIZE:
        cache.popitem(last=False)


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


class ExternalTokens:
    def __init__(self, settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None):
        if not settings.oidc_issuer:
            raise ValueError("AURA_OIDC_ISSUER is not set")
        if not settings.oidc_audience:
            raise RuntimeError(
                "AURA_OIDC_AUDIENCE must be set with AURA_OIDC_ISSUER: the audience (API "
                "identifier or client id) the provider's tokens are issued for"
            )
        unknown = set(settings.oidc_algorithms) - SUPPORTED_ALGORITHMS
        if unknown:
            raise RuntimeError(
                f"AURA_OIDC_ALGORITHMS: {', '.join(sorted(unknown))} not supported "
                f"(use {', '.join(sorted(SUPPORTED_ALGORITHMS))})"
            )
        self.issuer = settings.oidc_issuer
        self.audiences = frozenset(settings.oidc_audience)
        self.algorithms = frozenset(settings.oidc_algorithms)
        self.email_claim = settings.oidc_email_claim
        self.admit_domains = frozenset(settings.oidc_admit_domains)
        self.keys = JwksCache(
            issuer=self.issuer,
            jwks_url=settings.oidc_jwks_url,
            ttl=settings.oidc_jwks_ttl,
            min_refresh=settings.oidc_jwks_min_refresh,
            transport=transport,
        )
        self._principals: OrderedDict[bytes, Principal] = OrderedDict()

    def handles(self, token: str) -> bool:
        """Is this a token of the configured provider (by its unverified ``iss``)?"""
        try:
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            return False
        return claims.get("iss") == self.issuer

    def known(self, token: str) -> Principal | None:
        """The principal of a token verified before, unless expired; no work otherwise."""
        principal = self._principals.get(_digest(token))
        if principal is None or _expired(principal):
            return None
        return principal

    async def claims(self, token: str) -> dict[str, Any]:
        """The token's claims once signature, issuer, expiry and audience check out."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from None
        algorithm = header.get("alg")
        if algorithm not in self.algorithms:
            raise InvalidToken(f"tokens signed with {algorithm!r} are not accepted")
        try:
            key = await self.keys.key(header.get("kid"))
        except KeyUnavailable as exc:
            raise InvalidToken(str(exc)) from None
        if key.algorithm_name != algorithm:
            raise InvalidToken(f"the key {header.get('kid')!r} is not a {algorithm} key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[algorithm],
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iss", "sub"], "verify_aud": False},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from None
        audience = claims.get("aud")
        named = {audience} if isinstance(audience, str) else set(audience or ())
        if audience is None and "client_id" in claims:
            named = {claims["client_id"]}
        if not named & self.audiences:
            raise InvalidToken("the token was not issued for this API (audience)")
        return claims

    async def principal(self, pool: asyncpg.Pool, token: str) -> Principal:
        key = _digest(token)
        principal = self._principals.get(key)
        if principal is None:
            claims = await self.claims(token)
            subject = str(claims["sub"])
            email = claims.get(self.email_claim)
            email = email.strip() if isinstance(email, str) and email.strip() else None
            user_id = await self._user(pool, subject, email, claims)
            principal = Principal(user_id=user_id, email=email, expires_at=float(claims["exp"]))
            _lru_put(self._principals, key, principal)
        if _expired(principal):
            self._principals.pop(key, None)
            raise InvalidToken("Signature has expired")
        return principal

    async def _user(
        self, pool: asyncpg.Pool, subject: str, email: str | None, claims: dict[str, Any]
    ) -> str:
        metadata = claims.get("user_metadata")
        verified = _truthy(claims.get("email_verified")) or (
            isinstance(metadata, dict) and _truthy(metadata.get("email_verified"))
        )
        domain = email.rpartition("@")[2].lower() if email else ""
        admit = verified and domain in self.admit_domains
        try:
            async with pool.acquire() as conn:
                user_id = await conn.fetchval(
                    "SELECT aura.external_user($1, $2, $3, $4, $5)",
                    self.issuer,
                    subject,
                    email,
                    verified,
                    admit,
                )
        except asyncpg.PostgresError as exc:
            if exc.sqlstate == "AU401":
                raise InvalidToken(exc.args[0] if exc.args else str(exc)) from None
            if isinstance(exc, asyncpg.CheckViolationError):
                raise InvalidToken(f"the token's email {email!r} is not an address") from None
            raise
        return str(user_id)


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def _expired(principal: Principal) -> bool:
    return principal.expires_at is not None and time.time() >= principal.expires_at + LEEWAY_SECONDS
