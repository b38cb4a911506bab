"""The reference for the subscription benchmark: a straightforward Strawberry server.

    python -m bench.realtime_reference --dsn DSN --port PORT --secret SECRET [--cpu 0]

What issue 3's "straightforward Strawberry implementation" means, written the way the
Strawberry documentation suggests: Strawberry's own ASGI app and graphql-transport-ws
handler, one async generator per subscriber, fed by a LISTEN/NOTIFY broadcast (a row
trigger notifies the event's id and project; one listener connection puts each
notification into the queue of every subscriber of that project), and one query per
subscriber per message to load the row. The token is checked in ``on_ws_connect``;
rows are read as the superuser filtered by project (cheaper than row-level security,
so the reference is, if anything, favoured). Same schema shape as Aura's ``events``:
``events(projectId) { cursor node { id eventType payload createdAt } }``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import strawberry
import uvicorn
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.scalars import JSON
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from aura.auth.tokens import InvalidToken, principal_from_header

TRIGGER = """
CREATE OR REPLACE FUNCTION public.bench_reference_notify() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('bench_reference',
                    json_build_object('id', NEW.id, 'project_id', NEW.project_id)::text);
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS zz_bench_reference ON public.events;
CREATE TRIGGER zz_bench_reference AFTER INSERT ON public.events
  FOR EACH ROW EXECUTE FUNCTION public.bench_reference_notify();
"""


class Broadcast:
    """project id -> the queues of its subscribers."""

    def __init__(self) -> None:
        self.queues: dict[str, set[asyncio.Queue[str]]] = {}
        self.pool: asyncpg.Pool | None = None

    def notified(self, conn: Any, pid: int, channel: str, payload: str) -> None:
        message = json.loads(payload)
        for queue in self.queues.get(str(message["project_id"]), ()):
            queue.put_nowait(str(message["id"]))


BROADCAST = Broadcast()


@strawberry.type
class Event:
    id: strawberry.ID
    project_id: strawberry.ID | None
    event_type: str
    payload: JSON
    created_at: str


@strawberry.type
class EventMessage:
    cursor: str
    node: Event


@strawberry.type
class Query:
    @strawberry.field
    def ok(self) -> bool:
        return True


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def events(self, project_id: strawberry.ID) -> AsyncGenerator[EventMessage, None]:
        queue: asyncio.Queue[str] = asyncio.Queue()
        BROADCAST.queues.setdefault(str(project_id), set()).add(queue)
        n = 0
        try:
            while True:
                event_id = await queue.get()
                assert BROADCAST.pool is not None
                row = await BROADCAST.pool.fetchrow(
                    "SELECT id::text, project_id::text, event_type, payload::text AS payload, "
                    "created_at::text FROM public.events WHERE id = $1::uuid",
                    event_id,
                )
                if row is None:
                    continue
                n += 1
                yield EventMessage(
                    cursor=str(n),
                    node=Event(
                        id=strawberry.ID(row["id"]),
                        project_id=row["project_id"],
                        event_type=row["event_type"],
                        payload=json.loads(row["payload"]),
                        created_at=row["created_at"],
                    ),
                )
        finally:
            BROADCAST.queues[str(project_id)].discard(queue)


class App(GraphQL):
    secret = ""

    async def on_ws_connect(self, context: dict[str, Any]) -> Any:
        params = context.get("connection_params") or {}
        try:
            principal_from_header(self.secret, params.get("Authorization"))
        except InvalidToken as exc:
            raise ConnectionRejectionError({"message": str(exc)}) from exc
        return None


def build(dsn: str, secret: str, pool_size: int) -> Any:
    schema = strawberry.Schema(query=Query, subscription=Subscription)
    app = App(
        schema,
        graphql_ide=None,
        subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
        max_subscriptions_per_connection=None,
    )
    app.secret = secret

    @asynccontextmanager
    async def lifespan(_: Any) -> Any:
        BROADCAST.pool = await asyncpg.create_pool(dsn, min_size=pool_size, max_size=pool_size)
        listener = await asyncpg.connect(dsn)
        await listener.execute(TRIGGER)
        await listener.add_listener("bench_reference", BROADCAST.notified)
        yield
        await listener.close()
        await BROADCAST.pool.close()

    async def asgi(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            message = await receive()
            context = lifespan(None)
            if message["type"] == "lifespan.startup":
                await context.__aenter__()
                await send({"type": "lifespan.startup.complete"})
            message = await receive()
            await context.__aexit__(None, None, None)
            await send({"type": "lifespan.shutdown.complete"})
            return
        await app(scope, receive, send)

    return asgi


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--pool-size", type=int, default=10)
    parser.add_argument("--cpu", type=int, default=None)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    uvicorn.run(
        build(args.dsn, args.secret, args.pool_size),
        host="127.0.0.1",
        port=args.port,
        loop="uvloop",
        http="httptools",
        ws="websockets-sansio",
        log_level="warning",
        access_log=False,
        lifespan="on",
        backlog=4096,
    )


if __name__ == "__main__":
    main()
