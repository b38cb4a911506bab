"""The hub: subscriptions opened, followed, rechecked and ended; one per process.

It composes the realtime layer: the ``listener`` follows the change stream and hands
each batch to ``dispatch``, which fans it out to the groups of live subscriptions;
``replay`` serves a subscription that resumes from a cursor. Subscriptions open here,
admitted (``aura.engine.admission``, through the ``Gateway``) like every operation.

A hub task that ends other than by ``stop`` is noticed: it is logged, ``healthy`` turns
false (``/health`` answers 503), and every subscriber is ended with
``REALTIME_UNAVAILABLE`` and the cursor to resume from. Every background task the hub
starts is supervised the same way (``aura.realtime.tasks``). A token revoked or a role
changed (``aura_auth`` notifications) ends the subscriptions that may no longer run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping
from typing import Any

import asyncpg
import orjson
from graphql import (
    FieldNode,
    OperationDefinitionNode,
    VariableNode,
)
from graphql.execution.values import get_argument_values, get_variable_values

from aura import errors
from aura.auth.principal import Principal
from aura.db import stream as db
from aura.db.session import Session
from aura.db.stream import STREAMS, Filter, Stream, decode_cursor
from aura.engine.admission import Admitted
from aura.realtime.dispatch import Dispatch
from aura.realtime.gateway import Gateway
from aura.realtime.listener import CONNECTION_ERRORS, LISTENER_NAME, Listener
from aura.realtime.render import reaches_other_rows
from aura.realtime.replay import replay
from aura.realtime.subscription import OutboxBound, Sink, Subscription
from aura.realtime.tasks import spawn
from aura.schema.realtime import own_types

__all__ = ["LISTENER_NAME", "Hub"]

log = logging.getLogger(__name__)

PRUNE_EVERY_SECONDS = 3600.0
# Disconnected for longer than this, the hub reports itself unhealthy (it keeps trying).
UNHEALTHY_AFTER_SECONDS = 10.0


class Hub:
    def __init__(self, dsn: str, pool: asyncpg.Pool, gateway: Gateway) -> None:
        self.dsn = dsn  # the database it follows
        self.pool = pool
        self.gateway = gateway
        self.settings = settings = gateway.settings
        self.dispatch = Dispatch(pool, settings, gateway)
        self.listener = Listener(
            dsn,
            sources=self.dispatch.sources,
            on_changes=self.dispatch.changes,
            on_notice=lambda payload: self._spawn(self._recheck(payload)),
            on_idle=self._idle,
        )
        self._task: asyncio.Task[None] | None = None  # the listener's loop
        self._reaches: dict[str, bool] = {}  # query text -> reads rows beyond the message
        self._background: set[asyncio.Task[Any]] = set()
        self._pruned_at = -PRUNE_EVERY_SECONDS
        self._stopping = False
        # The bound of every websocket outbox of the process (and its counters).
        self.outbox_bound = OutboxBound(
            settings.ws_outbox_max_bytes, settings.ws_outbox_max_messages
        )

    # -- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        self._task = asyncio.create_task(self.listener.run(), name="aura-realtime-hub")
        self._task.add_done_callback(self._ended)
        await asyncio.wait_for(self.connected.wait(), timeout=30)

    @property
    def connected(self) -> asyncio.Event:
        return self.listener.connected

    @property
    def reconnects(self) -> int:
        return self.listener.reconnects

    @property
    def position(self) -> int:
        return self.listener.position

    @property
    def renders(self) -> int:
        return self.dispatch.renders

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def healthy(self) -> bool:
        """Running, and connected (or reconnecting for less than a few seconds)."""
        down = self.listener.down_since
        return self.running and (down is None or time.monotonic() - down < UNHEALTHY_AFTER_SECONDS)

    @property
    def subscriptions(self) -> int:
        return self.dispatch.count

    @property
    def in_flight(self) -> int:
        """Background tasks still running (replays, token rechecks, prunes): with the
        position past the stream's end and none in flight, the hub has handed every
        message it will send to the outboxes (tests wait for that, not for the clock)."""
        return len(self._background)

    def _ended(self, task: asyncio.Task[None]) -> None:
        """The hub task ended other than by ``stop``: nothing would be delivered again."""
        if self._stopping:
            return
        exc = None if task.cancelled() else task.exception()
        log.error("the realtime hub stopped; subscriptions are ended", exc_info=exc)
        self.listener.lost()
        self.dispatch.end_all(
            "REALTIME_UNAVAILABLE",
            "live updates stopped on this server: resume with `after` set to "
            "extensions.cursor (on another server, or here once it is healthy again)",
        )

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for task in list(self._background):
            task.cancel()
        self.dispatch.end_all("SHUTTING_DOWN", "the server is shutting down")

    def _spawn(self, coroutine: Any) -> None:
        spawn(coroutine, f"realtime task {coroutine.__qualname__}", self._background)

    def _idle(self) -> None:
        if time.monotonic() - self._pruned_at > PRUNE_EVERY_SECONDS:
            self._pruned_at = time.monotonic()
            self._spawn(self.prune())

    async def prune(self) -> int:
        """Forget stream rows older than the retention (cursors before them expire)."""
        try:
            async with self.pool.acquire() as conn:
                removed = await db.prune(conn, self.settings.stream_retention_days)
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("pruning the change stream failed: %s", exc)
            return 0
        if removed:
            log.info("pruned %s change stream rows", removed)
        return removed

    # -- subscribing --------------------------------------------------------------------

    async def open(
        self,
        admitted: Admitted,
        *,
        operation_id: str,
        variables: dict[str, Any] | None,
        principal: Principal | None,
        sink: Sink,
    ) -> Subscription:
        """Start an admitted subscription; raises an ApiError when it cannot start.

        With ``after`` it resumes: registered first (live changes are held for it),
        then replayed from its cursor.
        """
        if principal is None:
            raise errors.Unauthenticated(
                "subscriptions need a signed-in user: send the token in connection_init "
                "(websockets) or in the Authorization header (SSE, multipart)"
            )
        if not self.running:
            raise errors.ApiError(
                "live updates are unavailable on this server", code="REALTIME_UNAVAILABLE"
            )
        field_node = _root_field(admitted.operation)
        stream = STREAMS.get(field_node.name.value)
        if stream is None:
            raise errors.BadUserInput(f"{field_node.name.value} is not a subscription")
        variables = dict(variables or {})
        try:
            frozen = _frozen(_without_after(variables, field_node))
        except orjson.JSONEncodeError as exc:  # nested beyond what orjson writes (255)
            raise errors.BadUserInput(f"variables: {exc}") from exc
        arguments = self._arguments(admitted.operation, field_node, stream, variables)
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
        shared = not self._reaches_other_rows(admitted, stream)
        key = (
            stream.field,
            admitted.query,
            admitted.operation_name,
            frozen,
            None if shared else (principal.user_id, role),
        )
        self.dispatch.join(
            subscription,
            (stream.source, scope),
            key,
            admitted.document,
            admitted.operation_name,
            variables,
        )
        if after is not None:
            self._spawn(
                replay(
                    subscription,
                    after,
                    admitted,
                    variables,
                    pool=self.pool,
                    settings=self.settings,
                    gateway=self.gateway,
                )
            )
        return subscription

    def _arguments(
        self,
        operation: OperationDefinitionNode,
        field_node: FieldNode,
        stream: Stream,
        variables: dict[str, Any],
    ) -> dict[str, Any]:
        """The subscription field's arguments, variables coerced (BAD_USER_INPUT if not)."""
        schema = self.gateway.graphql_schema
        subscription_type = schema.subscription_type
        assert subscription_type is not None  # the schema has subscriptions
        coerced = get_variable_values(schema, operation.variable_definitions or (), variables)
        if isinstance(coerced, list):
            raise coerced[0]
        return get_argument_values(subscription_type.fields[stream.field], field_node, coerced)

    def close(self, subscription: Subscription) -> None:
        subscription.cancel()
        self.dispatch.forget(subscription)

    def _reaches_other_rows(self, admitted: Admitted, stream: Stream) -> bool:
        known = self._reaches.get(admitted.query)
        if known is None:
            known = reaches_other_rows(
                self.gateway.graphql_schema, admitted.document, own_types(stream.field)
            )
            if len(self._reaches) > 4096:
                self._reaches.clear()
            self._reaches[admitted.query] = known
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
            for s in self.dispatch.of_user(user_id)
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
                self.dispatch.end(
                    subscription, "UNAUTHENTICATED", "your token could not be rechecked"
                )
            return
        for subscription in subscriptions:
            if not active or role is None:
                self.dispatch.end(subscription, "UNAUTHENTICATED", "the token was revoked")
            elif role != subscription.role:
                self.dispatch.end(subscription, "FORBIDDEN", "your role changed: subscribe again")

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

    def expire(self, subscriptions: list[Subscription]) -> None:
        for subscription in subscriptions:
            self.dispatch.end(subscription, "UNAUTHENTICATED", "the token expired")


def _root_field(operation: OperationDefinitionNode) -> FieldNode:
    selections = operation.selection_set.selections
    field = selections[0] if len(selections) == 1 else None
    if not isinstance(field, FieldNode):
        raise errors.BadUserInput("a subscription selects exactly one field")
    return field


def _without_after(variables: dict[str, Any], field: FieldNode) -> dict[str, Any]:
    for argument in field.arguments or ():
        if argument.name.value == "after" and isinstance(argument.value, VariableNode):
            return {k: v for k, v in variables.items() if k != argument.value.name.value}
    return variables


def _frozen(variables: Mapping[str, Any]) -> bytes:
    return orjson.dumps(variables, option=orjson.OPT_SORT_KEYS)
