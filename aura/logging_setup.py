"""Logging: JSON lines (or text) on stderr, each carrying the request it belongs to.

``AURA_LOG_FORMAT`` chooses ``json`` (the default in production: one object per line with
``timestamp``, ``level``, ``logger``, ``message``, ``request_id`` and any fields given as
``extra``) or ``text`` (the default in development). ``AURA_LOG_LEVEL`` sets the level.

The request id lives in a context variable, set for each HTTP request by
``aura.observe.RequestObserver`` (from the client's ``X-Request-Id``, else the trace id of
a W3C ``traceparent``, else generated): every line logged while serving the request, in
any module, names it, and the response's ``x-request-id`` and GraphQL errors'
``extensions.requestId`` carry the same value.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import orjson

from aura.config import Settings

REQUEST_ID: ContextVar[str | None] = ContextVar("aura_request_id", default=None)

# What a client may send as its request id: printable, short, no spaces (it is logged
# and echoed in a header, so nothing that could forge a log line or a header).
_CLIENT_ID = re.compile(r"^[A-Za-z0-9._:/+=-]{1,128}$")
# W3C Trace Context: version-traceid-parentid-flags; an all-zero trace id is invalid.
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$")


def new_request_id() -> str:
    # 64 random bits, as 16 hex digits (uuid4 would cost five times as much)
    return os.urandom(8).hex()


def request_id() -> str:
    """The id of the request being served (a new one outside any request)."""
    return REQUEST_ID.get() or new_request_id()


def incoming_request_id(x_request_id: str | None, traceparent: str | None) -> str:
    """The id a request is known by: the client's, when it sent a usable one."""
    if x_request_id and _CLIENT_ID.match(x_request_id.strip()):
        return x_request_id.strip()
    if traceparent:
        match = _TRACEPARENT.match(traceparent.strip().lower())
        if match and match.group(1) != "0" * 32:
            return match.group(1)
    return new_request_id()


# Attributes every LogRecord has: anything else on a record came from ``extra``.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "request_id",
    "taskName",
}


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every record (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None)
        if rid and rid != "-":
            entry["request_id"] = rid
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return orjson.dumps(entry, default=str).decode()


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def formatter(log_format: str) -> logging.Formatter:
    if log_format == "json":
        return JsonFormatter()
    if log_format == "text":
        return logging.Formatter(TEXT_FORMAT)
    raise ValueError(f"AURA_LOG_FORMAT must be json or text, not {log_format!r}")


def configure_logging(settings: Settings, stream: Any = None) -> None:
    """Route all logging (Aura's, uvicorn's, libraries') through one handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter(settings.log_format))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        # uvicorn's own handlers would print a second, differently formatted line.
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
