"""The compiled path: a whole query operation as one SQL statement.

``Compiler.run`` turns an admitted query into one statement (``build``) over the
allow-list of fields it knows (``catalog``), runs it in the request's own transaction
(so with the principal's row-level security claims) and returns the ``data`` JSON text
the database wrote, as an ``orjson.Fragment`` that the HTTP view splices into its
response without decoding it. It returns None (the caller resolves the operation as
before) for anything else: an unknown field or argument, input the resolved path would
refuse, or an answer holding the fallback marker (``formats``), i.e. one the resolved
path would answer with an error. ``tests/test_compiled_differential.py`` compares both
paths' bytes.

``COUNTERS`` counts the requests each path served (and why operations fell back), for
metrics; the HTTP view names the path in the ``x-aura-execution`` header.
"""

from __future__ import annotations

import logging
from collections import Counter, OrderedDict
from typing import Any

import asyncpg
import orjson
from graphql import OperationDefinitionNode

from aura.engine.compiler.build import Builder, Unsupported
from aura.engine.compiler.catalog import Catalog
from aura.engine.compiler.formats import MARK, Unwritable, finish

log = logging.getLogger(__name__)

COMPILED = "compiled"
RESOLVED = "resolved"

# Requests per path ("compiled", "resolved") and fallbacks per reason ("fallback:…").
COUNTERS: Counter[str] = Counter()

_MARK_TEXT = MARK  # as it appears in the statement's JSON text


# SQLSTATE classes of a statement the compiler got wrong (syntax, undefined or forbidden
# objects, a subquery of more than one row, a bad cast, an unsupported feature): never
# the client's doing, so the request is resolved instead.
_FAULTS = ("42", "21", "22", "0A")


def statement_fault(error: BaseException) -> bool:
    """Did the compiled statement fail because of how it was built?"""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, asyncpg.PostgresError):
            return str(getattr(seen, "sqlstate", "") or "")[:2] in _FAULTS
        seen = seen.__cause__
    return False


def counters() -> dict[str, int]:
    """A snapshot of ``COUNTERS``."""
    return dict(COUNTERS)


class Compiler:
    """Plans (cached per document, operation and variables) and runs compiled queries."""

    CACHE_SIZE = 1024

    def __init__(self, schema: Any, *, default_page_size: int, max_page_size: int) -> None:
        self.catalog = Catalog(schema.graphql_schema, schema.config.name_converter)
        self._converter = schema.schema_converter
        self._page_sizes = (default_page_size, max_page_size)
        self._plans: OrderedDict[Any, tuple[Any, tuple[str, list[Any]] | None]] = OrderedDict()

    def plan(
        self,
        document: Any,
        operation: OperationDefinitionNode,
        variables: dict[str, Any] | None,
    ) -> tuple[str, list[Any]] | None:
        """The statement and its parameters, or None when the operation is not compiled."""
        try:
            key = (
                id(document),
                id(operation),
                orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS),
            )
        except TypeError:
            key = None
        if key is not None:
            cached = self._plans.get(key)
            if cached is not None and cached[0] is document:
                self._plans.move_to_end(key)
                return cached[1]
        try:
            plan: tuple[str, list[Any]] | None = Builder(
                self.catalog,
                document,
                operation,
                variables,
                self._converter,
                *self._page_sizes,
            ).statement()
        except Unsupported as why:
            COUNTERS[f"fallback:{str(why).split(':')[0]}"] += 1
            plan = None
        except Exception:  # a compiler fault: the resolved path still answers
            log.exception("the query compiler failed; resolving instead")
            COUNTERS["fallback:compiler fault"] += 1
            plan = None
        if key is not None:
            self._plans[key] = (document, plan)
            if len(self._plans) > self.CACHE_SIZE:
                self._plans.popitem(last=False)
        return plan

    async def run(
        self,
        document: Any,
        operation: OperationDefinitionNode,
        variables: dict[str, Any] | None,
        session: Any,
    ) -> orjson.Fragment | None:
        """The operation's ``data`` as pre-encoded JSON, or None: resolve it instead."""
        plan = self.plan(document, operation, variables)
        if plan is None:
            return None
        sql, params = plan
        text = await session.fetchval(sql, *params)
        if text is None or _MARK_TEXT in text:
            COUNTERS["fallback:error on the resolved path"] += 1
            return None
        if "\\u0000" in text:
            try:
                text = finish(text)
            except Unwritable:
                COUNTERS["fallback:error on the resolved path"] += 1
                return None
        return orjson.Fragment(text)
