"""Scopes of opaque access tokens.

A token carries one or more scopes:

- ``read``: read everything its user can read; ``write``: read and change it all;
- ``<domain>:read`` / ``<domain>:write``: the same, for one domain only, e.g.
  ``work:write`` (projects, tasks, … — and ``orchestration:read`` to read plans).

The domains are those ``aura.domains`` registers (``register_domain``): until then no
``<domain>:…`` scope is valid, so tokens fail closed. A query
needs read access to the domain of every root field and every type it selects (a
connection, its edges and its totalCount count as its node type; see ``aura.engine.scopes``); a
mutation needs write access to the domain of its root field (and read access to what
it selects). JWTs are not scoped: they may do everything their user may.
"""

from __future__ import annotations

from collections.abc import Iterable

LEVELS = ("read", "write")

# Registered by ``aura.domains`` (this layer cannot import it), in registry order.
_DOMAINS: list[str] = []


def register_domain(name: str) -> None:
    if name not in _DOMAINS:
        _DOMAINS.append(name)


def domains() -> tuple[str, ...]:
    return tuple(_DOMAINS)


def valid(scope: str) -> bool:
    if scope in LEVELS:
        return True
    domain, _, level = scope.partition(":")
    return domain in _DOMAINS and level in LEVELS


def normalize(scopes: Iterable[str]) -> list[str]:
    """Sorted distinct scopes; ValueError naming the first unknown one."""
    result = sorted({s.strip() for s in scopes})
    for scope in result:
        if not valid(scope):
            raise ValueError(
                f"unknown scope {scope!r}: use read, write, or <domain>:read|write with a "
                f"domain among {', '.join(_DOMAINS)}"
            )
    if not result:
        raise ValueError("give at least one scope")
    return result


def allows(scopes: Iterable[str], domain: str | None, *, write: bool) -> bool:
    """Does this set of scopes grant read (or write) access to ``domain``?

    ``domain`` None is data of no domain (introspection, page info): readable by all.
    """
    granted = set(scopes)
    if "write" in granted or (domain is not None and f"{domain}:write" in granted):
        return True
    if write:
        return False
    return domain is None or "read" in granted or f"{domain}:read" in granted


def covers(held: Iterable[str], wanted: Iterable[str]) -> bool:
    """Does a token with ``held`` scopes grant at least what ``wanted`` would?"""
    granted = set(held)
    for scope in wanted:
        domain, _, level = scope.rpartition(":")
        write = level == "write"
        if domain:
            if not allows(granted, domain, write=write):
                return False
        elif not ("write" in granted or (not write and "read" in granted)):
            return False
    return True
