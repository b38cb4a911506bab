"""The hub: one listener connection per process, one load per batch, fan-out to groups.

Triggers append every committed change to ``aura.stream`` and wake the hub with a
``NOTIFY``. The hub reads everything after its position in batches (one query per
source that has subscribers, plus one for the projects' owners), and hands each change
to the groups whose filter matches, rendered once per group. Notifications are only a
wake-up: after a lost connection (killed backend, database restart) the hub reconnects
and reads on from its position, so nothing committed meanwhile is lost. Any exception
does that (asyncpg raises ``InternalClientError`` on a connection killed mid-query), and
a hub task that ends anyway is noticed: it is logged, ``healthy`` turns false (``/health``
answers 503), and every subscriber is ended with ``REALTIME_UNAVAILABLE`` and the cursor
to resume from. Every background task the hub starts is supervised the same way.

A subscription that resumes (``after``) is registered first, so live changes are held
for it, then replays from its cursor under its own row-level security, then takes the
held changes it has not replayed: no gap, no duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import Mapping
from functools import partial
from typing import Any

import asyncpg
import orjson
from graphql import (
    DocumentNode,
    FieldNode,
    OperationDefinitionNode,
    VariableNode,
    get_operation_ast,
)
from graphql.execution.values import get_argument_values, get_variable_values

from aura import errors
from aura.auth.principal import Principal
from aura.config import Settings
from aura.db.pool import connect
from aura.db.session import Session
from aura.db.stream import SOURCES, STREAMS, Change, Filter, Stream, decode_cursor
from aura.engine.context import Context
from aura.realtime.render import Group, reaches_other_rows, render
from aura.realtime.subscription import Ended, OutboxBound, Sink, Subscription
from aura.realtime.tasks import spawn
from aura.schema.realtime import message_for, own_types

log = logging.getLogger(__name__)

BATCH = 1000
REPLAY_PAGE = 500
KEEPALIVE_SECONDS = 5.0
PRUNE_EVERY_SECONDS = 3600.0
CHANNELS = ("aura_stream", "aura_auth")
LISTENER_NAME = "aura-realtime"  # application_name of the listener connection
# Disconnected for longer than this, the hub reports itself unhealthy (it keeps trying).
UNHEALTHY_AFTER_SECONDS = 10.0
RENDER_ATTEMPTS = 3  # a rendering that fails (e.g. its pooled connection was killed)
CONNECTION_ERRORS = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError)


class Hub:
    def __init__(self, dsn: str, pool: asyncpg.Pool, settings: Settings, schema: Any) -> None:
        self.dsn = dsn
        self.pool = pool
        self.settings = settings
        self.schema = schema
        self.position = 0
        self.connected = asyncio.Event()
        self.renders = 0  # changes rendered for live groups (each shared by its members)
        # (source, project id or None) -> group key -> group
        self._index: dict[tuple[str, str | None], dict[tuple[Any, ...], Group]] = {}
        self._by_user: dict[str, weakref.WeakSet[Subscription]] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._conn: asyncpg.Connection | None = None
        self._reaches: dict[str, bool] = {}  # query text -> reads rows beyond the message
        self._background: set[asyncio.Task[Any]] = set()
        self._pruned_at = -PRUNE_EVERY_SECONDS
        self._down_since: float | None = time.monotonic()  # not connected since
        self._stopping = False
        self.reconnects = 0  # connections lost and retried
        # The bound of every websocket outbox of the process (and its counters).
        self.outbox_bound = OutboxBound(
            settings.ws_outbox_max_bytes, settings.ws_outbox_max_messages
        )
        # Per-user renderings read rows: at most half the pool at once.
        self._rendering = asyncio.Semaphore(max(1, settings.pool_max_size // 2))

    # -- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="aura-realtime-hub")
        self._task.add_done_callback(self._ended)
        await asyncio.wait_for(self.connected.wait(), timeout=30)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def healthy(self) -> bool:
        """Running, and connected (or reconnecting for less than a few seconds)."""
        down = self._down_since
        return self.running and (down is None or time.monotonic() - down < UNHEALTHY_AFTER_SECONDS)

    def _ended(self, task: asyncio.Task[None]) -> None:
        """The hub task ended other than by ``stop``: nothing would be delivered again."""
        if self._stopping:
            return
        exc = None if task.cancelled() else task.exception()
        log.error("the realtime hub stopped; subscriptions are ended", exc_info=exc)
        self.connected.clear()
        self._down_since = self._down_since or time.monotonic()
        self._end_all(
            "REALTIME_UNAVAILABLE",
            "live updates stopped on this server: resume with `after` set to "
            "extensions.cursor (on another server, or here once it is healthy again)",
        )

    def _end_all(self, code: str, message: str) -> None:
        for groups in list(self._index.values()):
            for group in list(groups.values()):
                for subscription in list(group.members):
                    self._end(subscription, code, message)

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for task in list(self._background):
            task.cancel()
        self._end_all("SHUTTING_DOWN", "the server is shutting down")

    @property
    def subscriptions(self) -> int:
        return sum(len(g.members) for groups in self._index.values() for g in groups.values())

    @property
    def in_flight(self) -> int:
        """Background tasks still running (replays, token rechecks, prunes): with the
        position past the stream's end and none in flight, the hub has handed every
        message it will send to the outboxes (tests wait for that, not for the clock)."""
        return len(self._background)

    async def _run(self) -> None:
        backoff = 0.05
        first = True
        while True:
            try:
                conn = await self._connect(first)
                first = False
                backoff = 0.05
                await self._serve(conn)
            except asyncio.CancelledError:
                await self._close()
                raise
            except Exception as exc:
                # Whatever it was, the position is where the last whole batch ended:
                # reconnect and read on from there (subscribers skip what they had).
                self._lost(exc)
                await self._close()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)

    def _lost(self, exc: Exception) -> None:
        self.connected.clear()
        self.reconnects += 1
        if self._down_since is None:
            self._down_since = time.monotonic()
        if isinstance(exc, CONNECTION_ERRORS):
            log.warning("realtime listener lost its connection (%s); reconnecting", exc)
        else:
            log.error("realtime listener failed; reconnecting", exc_info=exc)

    async def _connect(self, first: bool) -> asyncpg.Connection:
        conn = self._conn = await connect(self.dsn, application_name=LISTENER_NAME)
        for channel in CHANNELS:
            await conn.add_listener(channel, self._notified)
        conn.add_termination_listener(lambda _: self._wake.set())
        if first:
            self.position = await conn.fetchval("SELECT coalesce(max(seq), 0) FROM aura.stream")
        self._down_since = None
        self.connected.set()
        return conn

    async def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        if not conn.is_closed():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), timeout=2)
        if not conn.is_closed():
            conn.terminate()  # a connection in a broken state does not close politely

    async def _serve(self, conn: asyncpg.Connection) -> None:
        # Read on from the position first: what was committed while disconnected.
        self._wake.set()
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=KEEPALIVE_SECONDS)
            except TimeoutError:
                # A connection can die without a word (network, restart): ask.
                await conn.fetchval("SELECT 1", timeout=KEEPALIVE_SECONDS)
                if time.monotonic() - self._pruned_at > PRUNE_EVERY_SECONDS:
                    self._pruned_at = time.monotonic()
                    self._spawn(self.prune())
                continue
            self._wake.clear()
            if conn.is_closed():
                raise ConnectionResetError("listener connection closed")
            while await self._load_batch(conn) == BATCH:
                pass

    def _notified(self, conn: Any, pid: int, channel: str, payload: str) -> None:
        if channel == "aura_stream":
            self._wake.set()
        else:
            self._spawn(self._recheck(payload))

    def _spawn(self, coroutine: Any) -> None:
        spawn(coroutine, f"realtime task {coroutine.__qualname__}", self._background)

    # -- loading and dispatch -----------------------------------------------------------

    async def _load_batch(self, conn: asyncpg.Connection) -> int:
        """Read and dispatch the next batch after the position; returns its size."""
        start = self.position
        positions = await conn.fetch(
            "SELECT seq FROM aura.stream WHERE seq > $1 ORDER BY seq LIMIT $2", start, BATCH
        )
        if not positions:
            return 0
        top = positions[-1][0]
        changes: list[Change] = []
        for source in self._sources():
            stream = SOURCES[source]
            rows = await conn.fetch(
                stream.select_sql() + "WHERE s.seq > $1 AND s.seq <= $2 AND s.source = $3",
                start,
                top,
                source,
            )
            changes.extend(change_from(source, row) for row in rows)
        changes.sort(key=lambda change: change.seq)
        if changes:
            projects = list({c.project_id for c in changes if c.project_id is not None})
            owners = dict(
                await conn.fetch(
                    "SELECT id, owner_id FROM public.projects WHERE id = ANY($1::uuid[])",
                    projects,
                )
            )
            for change in changes:
                await self._dispatch(change, owners)
        self.position = top
        return len(positions)

    def _sources(self) -> list[str]:
        return sorted({source for (source, _), groups in self._index.items() if groups})

    async def _dispatch(self, change: Change, owners: Mapping[str, str]) -> None:
        """Render the change once per matching group and hand it to the members who may
        see it. Groups that read other rows (one per user) render concurrently, within
        the pool; every group is done before the next change, so each subscriber still
        receives changes in stream order."""
        reading = []  # groups whose rendering reads other rows under a user's security
        for scope in ((change.source, change.project_id), (change.source, None)):
            for group in list(self._index.get(scope, {}).values()):
                if not group.filter.matches(change):
                    continue
                members = [m for m in group.members if m.sees(change, owners)]
                if not members:
                    continue
                if group.key[-1] is None:
                    await self._deliver(group, members, change)
                else:
                    reading.append((group, members))
        if reading:
            await asyncio.gather(*(self._deliver(g, m, change) for g, m in reading))

    async def _deliver(self, group: Group, members: list[Subscription], change: Change) -> None:
        for attempt in range(1, RENDER_ATTEMPTS + 1):
            try:
                text = await self._render(group, change, members[0].principal)
                break
            except Exception:
                log.exception("rendering change %s failed (attempt %s)", change.seq, attempt)
        else:
            # Not skipped in silence: the members learn where to resume (a replay
            # renders the change again, under their own session).
            for member in members:
                self._end(
                    member,
                    "INTERNAL",
                    "a change could not be sent: resume with `after` set to extensions.cursor",
                )
            return
        for member in members:
            member.deliver(change, text)

    async def _render(self, group: Group, change: Change, principal: Principal) -> str:
        self.renders += 1
        field = group.filter.stream.field
        shared = group.key[-1] is None
        if not shared:
            async with self._rendering:  # leaves the pool to requests
                return await self._render_as(group, change, principal, field)
        return await self._render_as(group, change, None, field)

    async def _render_as(
        self, group: Group, change: Change, principal: Principal | None, field: str
    ) -> str:
        session = Session(
            self.pool, principal, statement_timeout_ms=self.settings.statement_timeout_ms
        )
        context = Context(request=None, settings=self.settings, session=session, principal=None)
        try:
            return await render(
                self.schema._schema,
                self.schema._executor_kwargs,
                group,
                message_for(field, change),
                context,
            )
        finally:
            await session.close(commit=False)

    async def prune(self) -> int:
        """Forget stream rows older than the retention (cursors before them expire)."""
        try:
            async with self.pool.acquire() as conn:
                removed = await conn.fetchval(
                    "SELECT aura.prune_stream(make_interval(days => $1))",
                    self.settings.stream_retention_days,
                )
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("pruning the change stream failed: %s", exc)
            return 0
        if removed:
            log.info("pruned %s change stream rows", removed)
        return int(removed or 0)

    # -- subscribing --------------------------------------------------------------------

    async def open(
        self,
        *,
        operation_id: str,
        query: str,
        document: DocumentNode,
        operation_name: str | None,
        variables: dict[str, Any] | None,
        principal: Principal | None,
        sink: Sink,
    ) -> Subscription:
        """Start a subscription operation; raises an ApiError when it cannot start."""
        if principal is None:
            raise errors.Unauthenticated(
                "subscriptions need a signed-in user: send the token in connection_init"
            )
        if not self.running:
            raise errors.ApiError(
                "live updates are unavailable on this server", code="REALTIME_UNAVAILABLE"
            )
        operation, field_node = _root_field(document, operation_name)
        stream = STREAMS.get(field_node.name.value)
        if stream is None:
            raise errors.BadUserInput(f"{field_node.name.value} is not a subscription")
        variables = dict(variables or {})
        try:
            frozen = _frozen(_without_after(variables, field_node))
        except orjson.JSONEncodeError as exc:  # nested beyond what orjson writes (255)
            raise errors.BadUserInput(f"variables: {exc}") from exc
        subscription_type = self.schema._schema.subscription_type
        field_def = subscription_type.fields[stream.field]
        coerced = get_variable_values(
            self.schema._schema, operation.variable_definitions or (), variables
        )
        if isinstance(coerced, list):
            raise coerced[0]
        arguments = get_argument_values(field_def, field_node, coerced)
        after = decode_cursor(arguments.get("after"))
        flt = stream.filter(arguments)
        role, scope = await self._authorize(principal, stream, flt)

        subscription = Subscription(
            operation_id,
            flt,
            principal,
            role,
            sink,
            self.settings.subscription_backlog,
            after,
        )
        shared = not self._reaches_other_rows(query, document, stream)
        key = (
            stream.field,
            query,
            operation_name,
            frozen,
            None if shared else (principal.user_id, role),
        )
        groups = self._index.setdefault((stream.source, scope), {})
        group = groups.get(key)
        if group is None:
            group = groups[key] = Group(
                key,
                flt,
                document,
                operation_name,
                variables,
                partial(self._drop_group, (stream.source, scope)),
            )
        group.members.add(subscription)
        subscription.group = group
        self._by_user.setdefault(principal.user_id, weakref.WeakSet()).add(subscription)
        if after is not None:
            self._spawn(self._replay(subscription, after, document, operation_name, variables))
        return subscription

    def close(self, subscription: Subscription) -> None:
        subscription.cancel()
        self._forget(subscription)

    def _forget(self, subscription: Subscription) -> None:
        mine = self._by_user.get(subscription.user_id)
        if mine is not None:
            mine.discard(subscription)
            if not mine:
                del self._by_user[subscription.user_id]

    def _drop_group(self, scope: tuple[str, str | None], group: Group) -> None:
        groups = self._index.get(scope)
        if groups is not None and groups.get(group.key) is group:
            del groups[group.key]
            if not groups:
                del self._index[scope]

    def _reaches_other_rows(self, query: str, document: DocumentNode, stream: Stream) -> bool:
        known = self._reaches.get(query)
        if known is None:
            known = reaches_other_rows(self.schema._schema, document, own_types(stream.field))
            if len(self._reaches) > 4096:
                self._reaches.clear()
            self._reaches[query] = known
        return known

    async def _authorize(
        self, principal: Principal, stream: Stream, flt: Filter
    ) -> tuple[str, str | None]:
        """The principal's role, and the project the subscription is confined to.

        The rows the arguments name are looked up under the principal's row-level
        security: another tenant's project or task reads as missing.
        """
        session = Session(
            self.pool, principal, statement_timeout_ms=self.settings.statement_timeout_ms
        )
        try:
            role = await session.fetchval("SELECT aura.current_user_role()")
            scope = None
            if "task_id" in flt.keys:
                scope = await session.fetchval(
                    "SELECT project_id FROM public.tasks WHERE id = $1::uuid",
                    flt.keys["task_id"],
                )
                if scope is None:
                    raise errors.NotFound(f"taskId: no such task {flt.keys['task_id']}")
            if "project_id" in flt.keys:
                project = flt.keys["project_id"]
                found = await session.fetchval(
                    "SELECT id FROM public.projects WHERE id = $1::uuid", project
                )
                if found is None:
                    raise errors.NotFound(f"projectId: no such project {project}")
                if scope is not None and scope != project:
                    raise errors.BadUserInput("taskId: the task is in another project")
                scope = project
            return role, scope
        except asyncpg.DataError as exc:
            raise errors.BadUserInput(f"not an id: {exc}") from exc
        finally:
            await session.close(commit=False)

    async def _replay(
        self,
        subscription: Subscription,
        after: int,
        document: DocumentNode,
        operation_name: str | None,
        variables: dict[str, Any],
    ) -> None:
        """Everything committed after the cursor that the subscriber may see, in order,
        read under its own row-level security; then the held live changes."""
        session = Session(
            self.pool,
            subscription.principal,
            statement_timeout_ms=self.settings.statement_timeout_ms,
        )
        context = Context(
            request=None,
            settings=self.settings,
            session=session,
            principal=subscription.principal,
        )
        flt = subscription.filter
        stream = flt.stream
        group = Group((), flt, document, operation_name, variables, lambda _: None)
        try:
            horizon = await session.fetchval("SELECT seq FROM aura.stream_horizon")
            if after < horizon:
                subscription.end(
                    Ended(
                        "CURSOR_EXPIRED",
                        "this cursor is older than the stream keeps; subscribe without `after`",
                    )
                )
                return
            last = after
            while subscription.state == "open":
                args: list[Any] = [last]
                rows = await session.fetch(
                    stream.select_sql()
                    + f"WHERE s.seq > $1 AND {flt.where(args)} ORDER BY s.seq LIMIT {REPLAY_PAGE}",
                    *args,
                )
                for row in rows:
                    change = change_from(stream.source, row)
                    text = await render(
                        self.schema._schema,
                        self.schema._executor_kwargs,
                        group,
                        message_for(stream.field, change),
                        context,
                    )
                    subscription.push(change, text)
                    last = change.seq
                if len(rows) < REPLAY_PAGE:
                    break
                await subscription.sink.drained()
            subscription.go_live()
        except Exception as exc:
            log.exception("replay for subscription %s failed", subscription.id)
            code = (getattr(exc, "extensions", None) or {}).get("code", "INTERNAL")
            subscription.end(
                Ended(code, "replay failed: resume with `after` set to extensions.cursor")
            )
        finally:
            await session.close(commit=False)

    # -- authorization changes ----------------------------------------------------------

    async def _recheck(self, payload: str) -> None:
        """A token was revoked or a user changed: end what may no longer run."""
        try:
            notice = orjson.loads(payload)
            user_id = str(notice["user_id"])
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring malformed aura_auth notification %r", payload)
            return
        token_id = notice.get("token_id")
        subscriptions = [
            s
            for s in self._by_user.get(user_id, ())
            if token_id is None or s.principal.token_id == str(token_id)
        ]
        if not subscriptions:
            return
        try:
            role, active = await self._principal_state(user_id, token_id)
        except Exception:
            # Unconfirmed is not allowed: a revoked token must not keep streaming.
            log.exception("rechecking user %s failed; ending their subscriptions", user_id)
            for subscription in subscriptions:
                self._end(subscription, "UNAUTHENTICATED", "your token could not be rechecked")
            return
        for subscription in subscriptions:
            if not active or role is None:
                self._end(subscription, "UNAUTHENTICATED", "the token was revoked")
            elif role != subscription.role:
                self._end(subscription, "FORBIDDEN", "your role changed: subscribe again")

    async def _principal_state(self, user_id: str, token_id: Any) -> tuple[str | None, bool]:
        """The user's role and whether the token is still active (retried once: the
        pooled connection may have just been killed)."""
        for attempt in (1, 2):
            try:
                async with self.pool.acquire() as conn:
                    row = await conn.fetchrow(
                        "SELECT (SELECT role FROM public.users WHERE id = $1::uuid), "
                        "aura.principal_active($1::uuid, $2::uuid)",
                        user_id,
                        token_id,
                    )
                return row[0], bool(row[1])
            except (*CONNECTION_ERRORS, asyncpg.InternalClientError):
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _end(self, subscription: Subscription, code: str, message: str) -> None:
        subscription.end(Ended(code, message))
        self._forget(subscription)

    def expire(self, subscriptions: list[Subscription]) -> None:
        for subscription in subscriptions:
            self._end(subscription, "UNAUTHENTICATED", "the token expired")


def change_from(source: str, row: asyncpg.Record) -> Change:
    data = dict(row.items())
    return Change(
        seq=data.pop("seq"),
        source=source,
        op=data.pop("op"),
        project_id=data.pop("stream_project_id"),
        task_id=data.pop("stream_task_id"),
        user_id=data.pop("stream_user_id"),
        row=data,
    )


def _root_field(
    document: DocumentNode, operation_name: str | None
) -> tuple[OperationDefinitionNode, FieldNode]:
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        raise errors.BadUserInput("no such operation in the document")
    selections = operation.selection_set.selections
    field = selections[0] if len(selections) == 1 else None
    if not isinstance(field, FieldNode):
        raise errors.BadUserInput("a subscription selects exactly one field")
    return operation, field


def _without_after(variables: dict[str, Any], field: FieldNode) -> dict[str, Any]:
    for argument in field.arguments or ():
        if argument.name.value == "after" and isinstance(argument.value, VariableNode):
            return {k: v for k, v in variables.items() if k != argument.value.name.value}
    return variables


def _frozen(variables: Mapping[str, Any]) -> bytes:
    return orjson.dumps(variables, option=orjson.OPT_SORT_KEYS)
