"""Replay: what a resuming subscription missed, from its cursor, then live.

A subscription that resumes (``after``) is registered with its group first, so live
changes are held for it while it replays; the replay reads everything committed after
the cursor that its filter selects, under the subscriber's own row-level security, a
page at a time (waiting for the client to take each page), then the held changes it has
not replayed follow: no gap, no duplicate. A cursor older than the stream keeps ends the
subscription with ``CURSOR_EXPIRED``.
"""

from __future__ import annotations

import logging
from typing import Any

import asyncpg

from aura.config import Settings
from aura.db import stream as db
from aura.db.session import Session
from aura.engine.admission import Admitted
from aura.engine.context import Context
from aura.realtime.gateway import Gateway
from aura.realtime.render import Group, render
from aura.realtime.subscription import Ended, Subscription
from aura.schema.realtime import message_for

log = logging.getLogger(__name__)

REPLAY_PAGE = 500


async def replay(
    subscription: Subscription,
    after: int,
    admitted: Admitted,
    variables: dict[str, Any],
    *,
    pool: asyncpg.Pool,
    settings: Settings,
    gateway: Gateway,
) -> None:
    """Send the subscriber every change after ``after`` it may see, in order; then let
    the held live changes follow. Ends the subscription (with its cursor) on failure."""
    principal = subscription.principal
    session = Session(pool, principal, statement_timeout_ms=settings.statement_timeout_ms)
    context = Context(request=None, settings=settings, session=session, principal=principal)
    flt = subscription.filter
    group = Group((), flt, admitted.document, admitted.operation_name, variables, lambda _: None)
    try:
        if after < await db.horizon(session):
            subscription.end(
                Ended(
                    "CURSOR_EXPIRED",
                    "this cursor is older than the stream keeps; subscribe without `after`",
                )
            )
            return
        last = after
        while subscription.state == "open":
            changes = await db.filtered_after(session, flt, last, REPLAY_PAGE)
            for change in changes:
                text = await render(
                    gateway.graphql_schema,
                    gateway.executor_kwargs,
                    group,
                    message_for(flt.stream.field, change),
                    context,
                )
                subscription.push(change, text)
                last = change.seq
            if len(changes) < REPLAY_PAGE:
                break
            await subscription.sink.drained()
        subscription.go_live()
    except Exception as exc:
        log.exception("replay for subscription %s failed", subscription.id)
        code = (getattr(exc, "extensions", None) or {}).get("code", "INTERNAL")
        subscription.end(Ended(code, "replay failed: resume with `after` set to extensions.cursor"))
    finally:
        await session.close(commit=False)
