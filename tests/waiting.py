"""Waiting for a condition, never for the clock.

Tests wait for something to be true (a subscription registered, the hub past a stream
position, a row committed) by polling it with a deadline; the deadline only bounds a
failure, it is never what the test waits for.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any

DEADLINE = 10.0  # seconds before a condition that never holds fails the test
POLL = 0.01  # seconds between two looks at the condition


async def until(
    condition: Callable[[], Any | Awaitable[Any]], what: str, within: float = DEADLINE
) -> Any:
    """Poll ``condition`` (plain or async) until it is truthy; returns its value.

    Fails with ``what`` in the message when ``within`` seconds pass first."""
    end = time.monotonic() + within
    while True:
        value = condition()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {within} s waiting for {what}")
        await asyncio.sleep(POLL)
