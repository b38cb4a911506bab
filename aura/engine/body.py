"""Reading a GraphQL request out of HTTP: anything malformed is a coded 400, never a 500.

A body (or a GET request's ``variables``/``extensions`` parameters) that is not JSON,
nests too deeply to read, is not UTF-8, holds ``NaN``/``Infinity`` (not JSON, though
Python's parser takes them), is not a JSON object (``42``, ``null``, a batch array), or
has a member of the wrong type is refused with ``BAD_REQUEST``, in the error format of
every other refusal (``{"errors": [{"message", "extensions": {"code"}}]}``). A batch (a
JSON array of requests) is read only when batching is on (``AURA_BATCH_MAX``), and only
up to that many requests.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import orjson
from cross_web import HTTPException

BAD_REQUEST = "BAD_REQUEST"
OPERATION_NOT_SUPPORTED = "OPERATION_NOT_SUPPORTED"

# The members of a request and the JSON types each may have (null always may).
_MEMBERS: dict[str, tuple[type, str]] = {
    "query": (str, "a string"),
    "operationName": (str, "a string"),
    "variables": (dict, "an object"),
    "extensions": (dict, "an object"),
}


class BadRequest(HTTPException):
    """An HTTP request that is not a readable GraphQL request, answered with its code."""

    def __init__(
        self,
        reason: str,
        *,
        status_code: int = 400,
        code: str = BAD_REQUEST,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(status_code, reason)
        self.code = code
        self.headers = dict(headers or {})


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


# A number orjson might not keep exact has 19 digits or more in a row (beyond 64 bits
# unsigned takes 20, below -2**63 takes 19): orjson reads those as floats, Python's
# parser as integers. Found by mapping every digit to 0 and searching for 19 zeros, which
# runs in C at a quarter of orjson's time (a regular expression took five times it).
# Anything else with such a run (a float written with 19 digits) takes the slow path too.
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_WIDE_NUMBER = b"0" * 19


def decode_json(data: str | bytes, what: str = "the request body") -> Any:
    """``data`` parsed as strict JSON (RFC 8259), else ``BadRequest`` naming ``what``.

    orjson reads a body four times faster than Python's parser (an ingest request's
    77,000 vector numbers: 23 % of its CPU time through ``json``); Python's parser reads
    what orjson would read differently (integers beyond 64 bits, which orjson turns into
    floats) and what orjson refuses, so that such a body gets the answer it always had:
    exact integers, or the refusal with Python's message. ``parse_constant`` refuses the
    non-standard ``NaN``, ``Infinity`` and ``-Infinity``, which would otherwise reach a
    JSON column as ``null``.
    """
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if _WIDE_NUMBER not in raw.translate(_DIGITS_TO_ZERO):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass  # Python's parser decides, and words the refusal
    try:
        return json.loads(data, parse_constant=_not_json)
    except RecursionError:
        raise BadRequest(f"{what} nests too deeply to read") from None
    except UnicodeDecodeError:
        raise BadRequest(f"{what} is not valid UTF-8") from None
    except ValueError as error:  # JSONDecodeError, NaN/Infinity, too many digits
        raise BadRequest(f"{what} is not valid JSON: {error}") from None


def media_type(content_type: str | None) -> str:
    """``application/json`` of ``Application/JSON; charset=utf-8``: the type and subtype,
    lower-cased, without parameters (RFC 9110, section 8.3.1)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def request_members(data: Any) -> dict[str, Any]:
    """The members of one GraphQL request, each of its JSON type (or None)."""
    if isinstance(data, list):
        raise BadRequest(
            "batched requests (a JSON array) are off on this server (AURA_BATCH_MAX): send "
            "one operation per request"
        )
    if not isinstance(data, dict):
        raise BadRequest(
            'the request must be a JSON object such as {"query": "...", "variables": {...}}, '
            f"not {_json_type(data)}"
        )
    members = {}
    for name, (kind, described) in _MEMBERS.items():
        value = data.get(name)
        if value is not None and not isinstance(value, kind):
            raise BadRequest(
                f"the request's `{name}` must be {described} or null, not {_json_type(value)}"
            )
        members[name] = value
    return members


def request_batch(data: list[Any], limit: int) -> list[dict[str, Any]]:
    """The members of each request of a batch of at most ``limit`` requests."""
    if not data:
        raise BadRequest("the batch is empty: send at least one request")
    if len(data) > limit:
        raise BadRequest(
            f"the batch has {len(data)} requests, more than the limit of {limit} (AURA_BATCH_MAX)"
        )
    batch = []
    for index, item in enumerate(data):
        if isinstance(item, list):
            raise BadRequest(f"request {index} of the batch is an array, not a request")
        batch.append(request_members(item))
    return batch


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
