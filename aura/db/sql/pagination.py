"""Ordering and keyset (cursor) pagination.

A cursor holds the values of the sort keys of one row, the primary key last, so a page
boundary stays where it is when rows are inserted or deleted elsewhere. Nulls sort
last in both directions; the comparison below is written out per key so that mixed
directions and nullable keys both work.

A cursor is readable, not secret: it holds only values of fields its reader may select
anyway (every order field is a field of its node type; tests/test_hardening_auth.py
checks it), and a scoped token gets a connection's cursors only with read access to its
node type's domain (``aura.engine.scopes``). A forged cursor selects nothing a filter could not.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson

from aura import errors
from aura.db.mapping import Entity
from aura.db.sql.params import Params


@dataclass(frozen=True, slots=True)
class OrderKey:
    column: str
    descending: bool = False
    # A computed key (a search's rank): its SQL over alias ``t``, selected as ``column``
    # so that cursors can hold its value, and its SQL type.
    expression: str | None = None
    sql_type: str | None = None


def _ref(alias: str, key: OrderKey) -> str:
    return key.expression or f"{alias}.{key.column}"


def _type(entity: Entity, key: OrderKey) -> str:
    return key.sql_type or entity.sql_types[key.column]


@dataclass(frozen=True, slots=True)
class Window:
    """Which slice of the ordered rows a page asks for."""

    limit: int
    backward: bool
    after: list[str | None] | None
    before: list[str | None] | None


def order_keys(entity: Entity, order_by: list[tuple[str, bool]] | None) -> tuple[OrderKey, ...]:
    """The requested ordering, made total by the primary key."""
    keys = [OrderKey(entity.column(c), d) for c, d in (order_by or [])]
    if not keys:
        keys = [OrderKey(c) for c in entity.default_order]
    if all(k.column != entity.primary_key for k in keys):
        keys.append(OrderKey(entity.primary_key))
    return tuple(keys)


def order_sql(alias: str, keys: tuple[OrderKey, ...], *, reverse: bool) -> str:
    parts = []
    for key in keys:
        descending = key.descending != reverse
        nulls = "FIRST" if reverse else "LAST"
        parts.append(f"{_ref(alias, key)} {'DESC' if descending else 'ASC'} NULLS {nulls}")
    return ", ".join(parts)


def _signature(keys: tuple[OrderKey, ...]) -> str:
    text = ",".join(f"{k.column}{'-' if k.descending else '+'}" for k in keys)
    return hashlib.blake2s(text.encode(), digest_size=4).hexdigest()


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def encode_cursor(row: Any, keys: tuple[OrderKey, ...]) -> str:
    payload = [_signature(keys), *(_text(row[k.column]) for k in keys)]
    return base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")


def decode_cursor(cursor: str, keys: tuple[OrderKey, ...], argument: str) -> list[str | None]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, orjson.JSONDecodeError) as exc:
        raise errors.BadUserInput(f"{argument}: not a valid cursor") from exc
    if (
        not isinstance(payload, list)
        or len(payload) != len(keys) + 1
        or not all(v is None or isinstance(v, str) for v in payload)
    ):
        raise errors.BadUserInput(f"{argument}: not a valid cursor")
    if payload[0] != _signature(keys):
        raise errors.BadUserInput(f"{argument}: the cursor belongs to a different orderBy")
    return payload[1:]


def window(
    *,
    first: int | None,
    last: int | None,
    after: str | None,
    before: str | None,
    keys: tuple[OrderKey, ...],
    default_size: int,
    max_size: int,
) -> Window:
    if first is not None and last is not None:
        raise errors.BadUserInput("pass either first or last, not both")
    for name, value in (("first", first), ("last", last)):
        if value is not None and not 0 <= value <= max_size:
            raise errors.BadUserInput(f"{name} must be between 0 and {max_size}, got {value}")
    backward = last is not None
    size = last if backward else first
    return Window(
        limit=default_size if size is None else size,
        backward=backward,
        after=decode_cursor(after, keys, "after") if after else None,
        before=decode_cursor(before, keys, "before") if before else None,
    )


def _beyond(
    entity: Entity,
    alias: str,
    key: OrderKey,
    value: str | None,
    params: Params,
    *,
    towards_end: bool,
) -> str:
    """Rows strictly past ``value`` on one key, towards the end or the start of the order."""
    ref = _ref(alias, key)
    if value is None:
        # Nulls sort last: nothing lies beyond them towards the end; every non-null
        # value lies before them.
        return "FALSE" if towards_end else f"{ref} IS NOT NULL"
    p = params.add(value, "text") + f"::{_type(entity, key)}"
    greater = key.descending != towards_end
    comparison = f"{ref} {'>' if greater else '<'} {p}"
    return f"({comparison} OR {ref} IS NULL)" if towards_end else comparison


def _equal(entity: Entity, alias: str, key: OrderKey, value: str | None, params: Params) -> str:
    ref = _ref(alias, key)
    if value is None:
        return f"{ref} IS NULL"
    return f"{ref} = {params.add(value, 'text')}::{_type(entity, key)}"


def boundary(
    entity: Entity,
    alias: str,
    keys: tuple[OrderKey, ...],
    values: list[str | None],
    params: Params,
    *,
    after: bool,
) -> str:
    """Rows after (or before) the row whose key values are ``values``."""
    branches = []
    for i, key in enumerate(keys):
        terms = [
            _equal(entity, alias, k, v, params) for k, v in zip(keys[:i], values[:i], strict=True)
        ]
        terms.append(_beyond(entity, alias, key, values[i], params, towards_end=after))
        branches.append(" AND ".join(terms))
    return "(" + " OR ".join(f"({b})" for b in branches) + ")"
