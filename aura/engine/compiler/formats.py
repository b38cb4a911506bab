"""SQL expressions that write a value as the resolved path's JSON writes it.

The resolved path reads a column through asyncpg's codecs (``aura.db.pool``), serializes
it with the field's GraphQL scalar and encodes the result with orjson. Each function
here yields a ``json`` expression with the same bytes, or the ``FALLBACK`` marker where
the resolved path would report an error (a null in a non-null field, an Int out of
range, an instant that has no DateTime, a database value no enum name stands for).
The marker is a JSON string holding U+0000, which no value of the database can produce
in its JSON text (PostgreSQL text cannot hold NUL, and ``to_json`` escapes a backslash),
so its presence in the answer tells the compiler to answer by the resolved path
instead.
"""

from __future__ import annotations

import hashlib
import math
import re

import orjson

from aura.db.sql.pagination import OrderKey
from aura.engine.compiler.catalog import Leaf, NodeKey

MARK = "\\u0000aura:fallback"
FALLBACK = f"'\"{MARK}\"'::json"

_TIMESTAMP = "TIMESTAMP WITH TIME ZONE"
# Instants asyncpg's codec (``aura.db.pool``) can turn into a datetime.
_REPRESENTABLE = "{x} >= '0001-01-01 00:00:00+00' AND {x} < '10000-01-01 00:00:00+00'"


def literal(text: str) -> str:
    """A SQL string literal (standard_conforming_strings is on in PostgreSQL 18)."""
    return "'" + text.replace("'", "''") + "'"


_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")


def json_string(text: str) -> str:
    """A constant JSON string (``__typename``, enum names): a json literal, which the
    planner folds, where ``to_json`` would run per row."""
    if _NAME.fullmatch(text):
        return f"'\"{text}\"'::json"
    return f"to_json({literal(text)}::text)"


def iso_text(ref: str) -> str:
    """``datetime.isoformat()`` of a UTC instant: microseconds only when not zero (the
    text has no other ``.``)."""
    utc = f"({ref} AT TIME ZONE 'UTC')"
    return f"(replace(to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), '.000000', '') || '+00:00')"


def representable(ref: str) -> str:
    return "(" + _REPRESENTABLE.format(x=ref) + ")"


def _deferred(tag: str, text: str) -> str:
    """A JSON string (``"\\u0000<tag><text>"``) that ``finish`` replaces in Python."""
    return f"('\"\\u0000{tag}' || substr(to_json({text})::text, 2))::json"


def _scalar(leaf: Leaf, ref: str) -> str:
    scalar, sql_type = leaf.scalar, leaf.sql_type
    if scalar == "JSON":
        return f"(CASE WHEN {ref} IS NULL THEN NULL ELSE {_deferred('J', f'{ref}::text')} END)"
    if scalar == "Float":
        # float8 text: the widened real, or the correctly rounded numeric, as asyncpg reads it.
        text = f"{ref}::float8::text"
        return f"(CASE WHEN {ref} IS NULL THEN NULL ELSE {_deferred('F', text)} END)"
    if scalar == "enum":
        cases = " ".join(
            f"WHEN {literal(value)} THEN {json_string(name)}" for value, name in leaf.enum
        )
        return (
            f"(CASE WHEN {ref} IS NULL THEN NULL ELSE CASE {ref} {cases} ELSE {FALLBACK} END END)"
        )
    if scalar == "DateTime":
        return (
            f"(CASE WHEN {ref} IS NULL THEN NULL WHEN {representable(ref)} "
            f"THEN to_json({iso_text(ref)}) ELSE {FALLBACK} END)"
        )
    if scalar == "Int" and sql_type == "BIGINT":
        return (
            f"(CASE WHEN {ref} IS NULL THEN NULL WHEN {ref} BETWEEN -2147483648 AND 2147483647 "
            f"THEN to_json({ref}) ELSE {FALLBACK} END)"
        )
    if scalar in ("BigInt", "ID") and sql_type != "UUID" and sql_type != "TEXT":
        return f"to_json({ref}::text)"
    return f"to_json({ref})"


def _list(leaf: Leaf, ref: str) -> str:
    # Nested arrays and null items (in a list of non-null items) are errors there.
    bad = f"array_ndims({ref}) > 1"
    if leaf.item_non_null:
        bad += f" OR array_position({ref}, NULL) IS NOT NULL"
    return f"(CASE WHEN {ref} IS NULL THEN NULL WHEN {bad} THEN {FALLBACK} ELSE to_json({ref}) END)"


def leaf_json(leaf: Leaf, alias: str) -> str:
    return value_json(leaf, f"{alias}.{leaf.column}")


def value_json(leaf: Leaf, ref: str) -> str:
    """The SQL value ``ref`` (a column, an aggregate) written as ``leaf``'s scalar."""
    value = _list(leaf, ref) if leaf.is_list else _scalar(leaf, ref)
    return non_null(value) if leaf.non_null else value


def node_id_json(spec: NodeKey, alias: str) -> str:
    """``aura.engine.node.encode``: URL-safe base64 of the key's UTF-8 text, unpadded.
    PostgreSQL's base64 breaks lines every 76 characters; the newlines go with the
    padding."""
    ref = f"{alias}.{spec.column}"
    key = ref if spec.sql_type == "TEXT" else f"{ref}::text"
    raw = f"convert_to({literal(spec.type_name + ':')} || {key}, 'UTF8')"
    return f"to_json(translate(encode({raw}, 'base64'), '+/=' || chr(10), '-_'))"


def non_null(expression: str) -> str:
    """A non-null field: null there is an error on the resolved path."""
    return f"coalesce({expression}, {FALLBACK})"


# -- cursors (``aura.db.sql.pagination.encode_cursor``, in SQL) ---------------------------

# Order-key column types whose text the cursor holds exactly as ``_text`` writes it.
CURSOR_TYPES = frozenset({"TEXT", "UUID", "INTEGER", "SMALLINT", "BIGINT", "BOOLEAN", _TIMESTAMP})


def signature(keys: tuple[OrderKey, ...]) -> str:
    text = ",".join(f"{k.column}{'-' if k.descending else '+'}" for k in keys)
    return hashlib.blake2s(text.encode(), digest_size=4).hexdigest()


def _key_text(sql_type: str, ref: str) -> str:
    if sql_type == _TIMESTAMP:
        return iso_text(ref)
    if sql_type == "TEXT":
        return ref
    return f"{ref}::text"


def cursor_text(keys: tuple[OrderKey, ...], sql_types: dict[str, str], alias: str) -> str:
    """base64url (unpadded) of the JSON list [signature, key values as text…]."""
    items = [literal(signature(keys))] + [
        _key_text(sql_types[k.column], f"{alias}.{k.column}") for k in keys
    ]
    payload = f"to_json(ARRAY[{', '.join(items)}]::text[])::text"
    return f"rtrim(translate(encode(convert_to({payload}, 'UTF8'), 'base64'), E'+/\\n', '-_'), '=')"


# -- values Python writes after the statement ---------------------------------------------
#
# A JSON value reaches the resolved path as the database's text read by orjson and
# written again by orjson (compact, its own number format); a float as a Python float
# written by orjson. PostgreSQL writes neither the same way, so the statement marks
# them (``_deferred``) and ``finish`` rewrites each mark: the same functions on the
# same text give the same bytes. Double precision text is the shortest that reads back
# as the same double, so ``float`` of it is the value asyncpg would have produced.
DEFERRED = re.compile(r'"\\u0000([JF])((?:[^"\\]|\\.)*)"')


class Unwritable(ValueError):
    """A value the resolved path would fail on (NaN, an infinity, an unreadable JSON)."""


def _rewrite(match: re.Match[str]) -> str:
    text = orjson.loads('"' + match.group(2) + '"')
    try:
        if match.group(1) == "F":
            number = float(text)
            if not math.isfinite(number):
                raise Unwritable(text)
            return orjson.dumps(number).decode()
        return orjson.dumps(orjson.loads(text)).decode()
    except (ValueError, orjson.JSONEncodeError) as exc:
        raise Unwritable(text) from exc


def finish(text: str) -> str:
    """The statement's JSON with every deferred value written as the resolved path does."""
    return DEFERRED.sub(_rewrite, text)
