"""Dispatch: live subscriptions in groups, and each change fanned out to them.

Subscriptions with the same document, variables (apart from ``after``) and visibility
form a group (``aura.realtime.render``): a change is rendered once per matching group
and the text handed to the members who may see it. Groups are indexed by the source
and the project they are confined to, so a change only meets the groups that can want
it. A rendering that keeps failing ends its members with the cursor to resume from,
rather than skip the change in silence.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Iterator, Mapping
from functools import partial
from typing import Any

import asyncpg
from graphql import DocumentNode

from aura.auth.principal import Principal
from aura.config import Settings
from aura.db.session import Session
from aura.db.stream import Change
from aura.engine.context import Context
from aura.realtime.gateway import Gateway
from aura.realtime.render import Group, render
from aura.realtime.subscription import Ended, Subscription
from aura.schema.realtime import message_for

log = logging.getLogger(__name__)

RENDER_ATTEMPTS = 3  # a rendering that fails (e.g. its pooled connection was killed)

Scope = tuple[str, str | None]  # (source, project id or None)


class Dispatch:
    def __init__(self, pool: asyncpg.Pool, settings: Settings, gateway: Gateway) -> None:
        self.pool = pool
        self.settings = settings
        self.gateway = gateway
        self.renders = 0  # changes rendered for live groups (each shared by its members)
        self._index: dict[Scope, dict[tuple[Any, ...], Group]] = {}
        self._by_user: dict[str, weakref.WeakSet[Subscription]] = {}
        # Per-user renderings read rows: at most half the pool at once.
        self._rendering = asyncio.Semaphore(max(1, settings.pool_max_size // 2))

    # -- membership -----------------------------------------------------------------------

    def join(
        self,
        subscription: Subscription,
        scope: Scope,
        key: tuple[Any, ...],
        document: DocumentNode,
        operation_name: str | None,
        variables: dict[str, Any],
    ) -> None:
        """Add a subscription to its group (made when it is the first)."""
        groups = self._index.setdefault(scope, {})
        group = groups.get(key)
        if group is None:
            group = groups[key] = Group(
                key,
                subscription.filter,
                document,
                operation_name,
                variables,
                partial(self._drop_group, scope),
            )
        group.members.add(subscription)
        subscription.group = group
        self._by_user.setdefault(subscription.user_id, weakref.WeakSet()).add(subscription)

    def forget(self, subscription: Subscription) -> None:
        mine = self._by_user.get(subscription.user_id)
        if mine is not None:
            mine.discard(subscription)
            if not mine:
                del self._by_user[subscription.user_id]

    def end(self, subscription: Subscription, code: str, message: str) -> None:
        subscription.end(Ended(code, message))
        self.forget(subscription)

    def end_all(self, code: str, message: str) -> None:
        for subscription in list(self.members()):
            self.end(subscription, code, message)

    def members(self) -> Iterator[Subscription]:
        for groups in list(self._index.values()):
            for group in list(groups.values()):
                yield from list(group.members)

    def of_user(self, user_id: str) -> list[Subscription]:
        return list(self._by_user.get(user_id, ()))

    @property
    def count(self) -> int:
        return sum(len(g.members) for groups in self._index.values() for g in groups.values())

    def sources(self) -> list[str]:
        """The sources somebody subscribes to now."""
        return sorted({source for (source, _), groups in self._index.items() if groups})

    def _drop_group(self, scope: Scope, group: Group) -> None:
        groups = self._index.get(scope)
        if groups is not None and groups.get(group.key) is group:
            del groups[group.key]
            if not groups:
                del self._index[scope]

    # -- fan-out --------------------------------------------------------------------------

    async def changes(self, changes: list[Change], owners: Mapping[str, str]) -> None:
        """A batch from the listener, in stream order."""
        for change in changes:
            await self._dispatch(change, owners)

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
                self.end(
                    member,
                    "INTERNAL",
                    "a change could not be sent: resume with `after` set to extensions.cursor",
                )
            return
        for member in members:
            member.deliver(change, text)

    async def _render(self, group: Group, change: Change, principal: Principal) -> str:
        self.renders += 1
        if group.key[-1] is not None:  # read under the member's row-level security
            async with self._rendering:  # leaves the pool to requests
                return await self._render_as(group, change, principal)
        return await self._render_as(group, change, None)

    async def _render_as(self, group: Group, change: Change, principal: Principal | None) -> str:
        session = Session(
            self.pool, principal, statement_timeout_ms=self.settings.statement_timeout_ms
        )
        context = Context(request=None, settings=self.settings, session=session, principal=None)
        try:
            return await render(
                self.gateway.graphql_schema,
                self.gateway.executor_kwargs,
                group,
                message_for(group.filter.stream.field, change),
                context,
            )
        finally:
            await session.close(commit=False)
