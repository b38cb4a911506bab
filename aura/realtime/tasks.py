"""Background tasks of the realtime layer, supervised: none ends in silence.

asyncio only reports a task's exception when the task is garbage collected, if ever;
every task the hub or a websocket starts gets a callback that logs it at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from functools import partial
from typing import Any

log = logging.getLogger("aura.realtime")

# A send that fails because the client went away is routine, not a fault.
DISCONNECTED = (OSError, ConnectionError)


def supervise(task: asyncio.Task[Any], what: str) -> asyncio.Task[Any]:
    """Log the exception ``task`` ends with (if any), naming it ``what``."""
    task.add_done_callback(partial(_report, what))
    return task


def spawn(
    coroutine: Coroutine[Any, Any, Any], what: str, into: set[asyncio.Task[Any]]
) -> asyncio.Task[Any]:
    """A supervised task, kept in ``into`` (a strong reference) until it is done."""
    task = asyncio.create_task(coroutine)
    into.add(task)
    task.add_done_callback(into.discard)
    return supervise(task, what)


def _report(what: str, task: asyncio.Task[Any]) -> None:
    if task.cancelled():
        return
    exc = task.exception()
    if exc is None:
        return
    if isinstance(exc, DISCONNECTED):
        log.info("%s ended: the client went away (%s)", what, exc)
    else:
        log.error("%s failed", what, exc_info=exc)
