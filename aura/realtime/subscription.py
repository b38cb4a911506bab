"""One subscriber: what it selects, who it is, and its bounded backlog.

A subscription never blocks the hub: a change is appended to its sink and the sink's
writer sends it when the client can take it. A subscriber whose backlog reaches its
limit is ended with ``SUBSCRIBER_TOO_SLOW`` carrying the cursor of the last message it
was sent, so it can resume from there; the others are not delayed by it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aura.auth.principal import Principal
from aura.db.stream import Change, Filter, encode_cursor
from aura.metrics import MESSAGES_DELIVERED, SUBSCRIBERS_TOO_SLOW
from aura.realtime.tasks import DISCONNECTED

log = logging.getLogger(__name__)

MEMBER_ROLES = frozenset({"USER", "MANAGER", "ADMIN"})


def can_see(role: str, user_id: str, change: Change, owners: Mapping[str, str]) -> bool:
    """Whether a principal may see a change: the streamed tables' row-level security
    (a project's rows are its owner's, ADMIN sees all; rows without a project are their
    user's), evaluated in Python so a batch is checked without a query per subscriber.
    tests/test_realtime_tenancy.py compares the two."""
    if role == "ADMIN":
        return True
    if change.project_id is not None:
        return role in MEMBER_ROLES and owners.get(change.project_id) == user_id
    return change.user_id == user_id


class Ended(Exception):
    """Ends a subscription with an error the client is sent (code and cursor)."""

    def __init__(self, code: str, message: str, cursor: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.cursor = cursor

    def formatted(self) -> dict[str, Any]:
        extensions: dict[str, Any] = {"code": self.code}
        if self.cursor is not None:
            extensions["cursor"] = self.cursor
        return {"message": str(self), "extensions": extensions}


class Sink:
    """Where a subscription's messages go: a websocket's outbox, or an in-process queue."""

    def put(self, subscription: Subscription, seq: int, change: Change, text: str) -> None:
        """A message: the change, and its rendering as the subscription's JSON payload."""
        raise NotImplementedError

    def end(self, subscription: Subscription, error: Ended | None) -> None:
        raise NotImplementedError

    async def drained(self) -> None:
        """Returns once the backlog is small enough to take another page of replay."""
        raise NotImplementedError


class Subscription:
    """One running subscription operation."""

    __slots__ = (
        "__weakref__",
        "backlog",
        "filter",
        "group",
        "held",
        "id",
        "last_sent",
        "limit",
        "principal",
        "role",
        "sink",
        "skip_through",
        "state",
    )

    def __init__(
        self,
        id: str,
        filter: Filter,
        principal: Principal,
        role: str,
        sink: Sink,
        limit: int,
        after: int | None,
    ) -> None:
        self.id = id
        self.filter = filter
        self.principal = principal
        self.role = role
        self.sink = sink
        self.limit = limit
        self.group: Any = None
        self.backlog = 0  # messages handed to the sink and not yet sent
        self.last_sent: int | None = after
        # While replaying, live messages wait here; replayed positions are not repeated.
        self.held: deque[tuple[Change, str]] | None = deque() if after is not None else None
        self.skip_through = after if after is not None else -1
        self.state = "open"

    @property
    def user_id(self) -> str:
        return self.principal.user_id

    def sees(self, change: Change, owners: Mapping[str, str]) -> bool:
        return can_see(self.role, self.principal.user_id, change, owners)

    def deliver(self, change: Change, text: str) -> None:
        """A live message (from the hub): held while replaying, else sent."""
        if self.state != "open" or change.seq <= self.skip_through:
            return
        if self.held is not None:
            if len(self.held) >= self.limit:
                self.fail_slow()
                return
            self.held.append((change, text))
            return
        self.push(change, text)

    def push(self, change: Change, text: str) -> None:
        if self.state != "open":
            return
        if self.backlog >= self.limit:
            self.fail_slow()
            return
        self.backlog += 1
        self.skip_through = max(self.skip_through, change.seq)
        self.sink.put(self, change.seq, change, text)

    def sent(self, seq: int) -> None:
        """Called by the sink once a message is on its way to the client."""
        self.backlog -= 1
        self.last_sent = seq
        MESSAGES_DELIVERED.inc()

    def go_live(self) -> None:
        """End of replay: the held live messages not already replayed follow in order."""
        held, self.held = self.held, None
        for change, text in held or ():
            if change.seq > self.skip_through:
                self.push(change, text)

    def fail_slow(self) -> None:
        if self.state == "open":
            SUBSCRIBERS_TOO_SLOW.inc()
        self.end(
            Ended(
                "SUBSCRIBER_TOO_SLOW",
                f"this subscription fell {self.limit} messages behind and was ended; "
                "resume with `after` set to extensions.cursor",
            )
        )

    def end(self, error: Ended | None = None) -> None:
        """Stop delivering; the sink tells the client (after what was already queued)."""
        if self.state != "open":
            return
        self.state = "ended"
        self.held = None
        if self.group is not None:
            self.group.discard(self)
        self.sink.end(self, error)

    def cancel(self) -> None:
        """The client stopped it: nothing more is sent, not even an end."""
        if self.state == "open":
            self.state = "cancelled"
            self.held = None
            if self.group is not None:
                self.group.discard(self)

    def cursor(self) -> str | None:
        return None if self.last_sent is None else encode_cursor(self.last_sent)


class QueueSink(Sink):
    """An in-process sink (Strawberry's own subscription path): changes, not text."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[tuple[int, Change | None, Ended | None]] = asyncio.Queue()
        self._low = asyncio.Event()
        self._low.set()

    def put(self, subscription: Subscription, seq: int, change: Change, text: str) -> None:
        self.queue.put_nowait((seq, change, None))
        if self.queue.qsize() > Outbox.LOW_WATER:
            self._low.clear()

    def end(self, subscription: Subscription, error: Ended | None) -> None:
        if error is not None and error.cursor is None:
            error.cursor = subscription.cursor()
        self.queue.put_nowait((-1, None, error))

    def taken(self) -> None:
        """The consumer took a message."""
        if self.queue.qsize() <= Outbox.LOW_WATER:
            self._low.set()

    async def drained(self) -> None:
        await self._low.wait()


class Outbox(Sink):
    """One websocket's queue of frames, sent in order by one writer at a time.

    ``frame`` builds the protocol's message for (operation id, payload JSON);
    ``ended`` the messages that end an operation (error or complete). The writer is a
    task that exists only while there is something to send, and waiters (for replay,
    for a flush before closing) are futures made only when someone waits: an idle
    outbox is a few hundred bytes.
    """

    LOW_WATER = 256

    __slots__ = (
        "_bound",
        "_ended",
        "_frame",
        "_queue",
        "_send",
        "_waiters",
        "_writer",
        "closed",
        "overflowed",
        "queued_bytes",
    )

    def __init__(
        self,
        send: Callable[[str], Awaitable[None]],
        frame: Callable[[str, str], str],
        ended: Callable[[str, Ended | None], list[str]],
        bound: OutboxBound | None = None,
        overflowed: Callable[[int, int], None] | None = None,
    ) -> None:
        self._send: Callable[[str], Awaitable[None]] | None = send
        self._frame = frame
        self._ended: Callable[[str, Ended | None], list[str]] | None = ended
        self._bound = bound
        self.overflowed = overflowed  # called with (messages, characters) when over
        self.queued_bytes = 0  # characters of the frames queued and not yet sent
        # (subscription or None, position, frame text or the error that ends it); made
        # when there is something to send and dropped once sent (an empty deque alone
        # is most of a kilobyte, on every idle connection).
        self._queue: deque[tuple[Subscription | None, int, Any]] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []  # (queue size, future)
        self.closed = False

    def _append(self, item: tuple[Subscription | None, int, Any]) -> None:
        if self.closed:
            return
        size = len(item[2]) if isinstance(item[2], str) else 0
        if self._queue is None:
            self._queue = deque()
        elif self._bound is not None and self._bound.exceeded(self, size):
            return  # the bound closed this outbox (and tells the connection)
        self.queued_bytes += size
        self._queue.append(item)
        if self._writer is None:
            self._writer = asyncio.get_running_loop().create_task(self._write())

    def put(self, subscription: Subscription, seq: int, change: Change, text: str) -> None:
        self._append((subscription, seq, self._frame(subscription.id, text)))

    def text(self, text: str) -> None:
        """A protocol message outside any subscription (ack, pong, query results)."""
        self._append((None, 0, text))

    def end(self, subscription: Subscription, error: Ended | None) -> None:
        # Queued behind the subscription's messages: by the time the writer reaches it,
        # ``last_sent`` is the last message the client was actually sent.
        self._append((subscription, _END, error))

    def queued(self) -> int:
        """How many frames wait to be sent."""
        return len(self._queue) if self._queue is not None else 0

    async def _wait_below(self, size: int) -> None:
        if (self.queued() <= size and (size or self._writer is None)) or self.closed:
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append((size, waiter))
        await waiter

    async def drained(self) -> None:
        await self._wait_below(self.LOW_WATER)

    async def flushed(self) -> None:
        """Returns once everything queued so far has been sent."""
        await self._wait_below(0)

    def _wake_waiters(self) -> None:
        size = self.queued()
        still = []
        for limit, waiter in self._waiters:
            if size <= limit or self.closed:
                if not waiter.done():
                    waiter.set_result(None)
            else:
                still.append((limit, waiter))
        self._waiters = still

    async def _write(self) -> None:
        """Send until the queue is empty; a failed send closes the outbox."""
        queue = self._queue
        assert queue is not None
        try:
            while queue and not self.closed:
                if self._waiters:
                    self._wake_waiters()
                subscription, seq, item = queue.popleft()
                if isinstance(item, str):
                    self.queued_bytes -= len(item)
                if subscription is None:
                    await self._send(item)  # type: ignore[misc]
                    continue
                if seq == _END:
                    error = item
                    if error is not None and error.cursor is None:
                        error.cursor = subscription.cursor()
                    for message in self._ended(subscription.id, error):  # type: ignore[misc]
                        await self._send(message)  # type: ignore[misc]
                    continue
                if subscription.state != "open":
                    subscription.backlog -= 1  # ended: what was still queued is dropped
                    continue
                subscription.sent(seq)
                await self._send(item)  # type: ignore[misc]
        except Exception as exc:
            self.close()
            if not isinstance(exc, DISCONNECTED):  # a client that went away is routine
                log.exception("a websocket writer failed")
        finally:
            self._writer = None
            if not queue:
                self._queue = None
            self._wake_waiters()

    def close(self) -> None:
        """Nothing more is sent; what was queued is dropped."""
        if self.closed:
            return
        self.closed = True
        self._queue = None
        self.queued_bytes = 0
        writer = self._writer
        if writer is not None and writer is not asyncio.current_task():
            writer.cancel()
        self._wake_waiters()
        # The callbacks are the connection's bound methods: let the two go apart
        # without waiting for the cycle collector.
        self._send = self._ended = self.overflowed = None


_END = -1


class OutboxBound:
    """How much one websocket's outbox may hold: frames (query results, pongs,
    subscription messages) queued for a client that does not read them. The first one
    over either bound closes the outbox, and ``overflowed`` (the connection) closes the
    socket. The frame being sent is not counted, so one frame larger than the bound
    still goes out to a client that reads."""

    __slots__ = ("max_bytes", "max_messages", "overflows", "peak_bytes", "peak_messages")

    def __init__(self, max_bytes: int, max_messages: int) -> None:
        self.max_bytes = max_bytes or None
        self.max_messages = max_messages or None
        # Counters over all connections of the process (for tests and metrics).
        self.overflows = 0
        self.peak_bytes = 0
        self.peak_messages = 0

    def exceeded(self, outbox: Outbox, size: int) -> bool:
        messages = outbox.queued() + 1
        queued = outbox.queued_bytes + size
        over = (self.max_messages is not None and messages > self.max_messages) or (
            self.max_bytes is not None and queued > self.max_bytes
        )
        if not over:
            self.peak_bytes = max(self.peak_bytes, queued)
            self.peak_messages = max(self.peak_messages, messages)
            return False
        self.overflows += 1
        overflowed = outbox.overflowed
        outbox.close()
        if overflowed is not None:
            overflowed(messages, queued)
        return True
