"""Background jobs on a PostgreSQL queue: pgqueuer, over asyncpg, with its tables in the
schema ``aura_queue`` (created by the migrations, not by pgqueuer).

Requests enqueue in their own transaction (``aura.enqueue_job``), so a job and its queue
entry commit or vanish together. Workers, in ``aura serve`` (by default) and in any
number of ``aura worker`` processes on any machine, take jobs with
``FOR UPDATE SKIP LOCKED`` and heartbeat while they run; a job whose worker died (killed,
its machine gone) is picked again once its heartbeat is ``heartbeat`` seconds old, and
goes on from its last committed batch (see ``aura.db.ingest``).

The worker is supervised: an error is logged and the worker starts again after a pause;
``healthy`` is false meanwhile, which ``GET /health`` reports.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from functools import partial
from typing import Any

import asyncpg
from pgqueuer.adapters.drivers.asyncpg import AsyncpgDriver
from pgqueuer.adapters.persistence.qb import (
    QueryBuilderEnvironment,
    QueryQueueBuilder,
    QuerySchedulerBuilder,
)
from pgqueuer.adapters.persistence.queries import Queries
from pgqueuer.core.qm import QueueManager
from pgqueuer.core.sm import SchedulerManager
from pgqueuer.domain.models import Job
from pgqueuer.domain.settings import DBSettings
from pgqueuer.domain.types import Channel

from aura.ai.chat import ChatClient
from aura.ai.embedder import Embedder
from aura.auth.keyring import KeyRing
from aura.config import Settings
from aura.db import analysis, ingest, knowledge_index, maintenance
from aura.db.providers import close_providers, installation_chat, installation_embedder
from aura.errors import ProviderError

log = logging.getLogger("aura.jobs")

QUEUE_SCHEMA = "aura_queue"
RESTART_SECONDS = 1.0
APPLICATION_NAME = "aura-worker"  # names the workers' connections in pg_stat_activity


def queue_settings() -> DBSettings:
    return DBSettings(db_schema=QUEUE_SCHEMA)


class Worker:
    """Runs queued jobs until stopped; restarts itself after a failure."""

    def __init__(
        self,
        dsn: str,
        *,
        heartbeat: float = 30.0,
        concurrency: int = 2,
        embedder: Embedder | None = None,
        keyring: KeyRing | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.dsn = dsn
        # What embeds ingested records (QUEUED_FOR_VEC → VECTORIZING): this embedder when
        # given, else the installation's provider (system settings, read per job) when a
        # key ring and settings are given and the settings embed ingests
        # (AURA_INGEST_EMBEDDINGS); else none, and ingest ends at COMPLETED unembedded.
        self.embedder = embedder
        self.keyring = keyring
        self.settings = settings
        self.heartbeat = heartbeat
        self.concurrency = concurrency
        self.healthy = False
        self.restarts = 0
        self._stopping = asyncio.Event()
        self._manager: QueueManager | None = None
        self._scheduler: SchedulerManager | None = None
        self._task: asyncio.Task[None] | None = None

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> asyncio.Task[None]:
        self._task = asyncio.create_task(self.run(), name="aura job worker")
        return self._task

    def request_stop(self) -> None:
        """Ask the worker to stop (safe from a signal handler); ``run`` then returns."""
        self._stopping.set()
        if self._manager is not None:
            self._manager.shutdown.set()
        if self._scheduler is not None:
            self._scheduler.shutdown.set()

    async def stop(self) -> None:
        self.request_stop()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                try:
                    await asyncio.wait_for(asyncio.shield(self._task), timeout=5)
                except TimeoutError:
                    self._task.cancel()
                    await self._task

    async def run(self) -> None:
        """Serve the queue until ``stop``; every failure is logged and followed by a restart."""
        while not self._stopping.is_set():
            try:
                await self._serve()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("the job worker failed; it starts again in %s s", RESTART_SECONDS)
            finally:
                self.healthy = False
                self._manager = None
                self._scheduler = None
            if self._stopping.is_set():
                break
            self.restarts += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), RESTART_SECONDS)

    async def _serve(self) -> None:
        named = {"application_name": APPLICATION_NAME}
        listen = await asyncpg.connect(self.dsn, server_settings=named)
        # The scheduler's queries run beside the queue manager's: a connection of its own.
        cron = await asyncpg.connect(self.dsn, server_settings=named)
        # Two connections a job (an ingest reads its file on one and writes on the
        # other), for as many jobs as the queue manager may run at once.
        work = await asyncpg.create_pool(
            self.dsn, min_size=1, max_size=4 * self.concurrency, server_settings=named
        )
        try:
            settings = queue_settings()
            queries = Queries(
                AsyncpgDriver(listen),
                qbe=QueryBuilderEnvironment(settings),
                qbq=QueryQueueBuilder(settings),
                qbs=QuerySchedulerBuilder(settings),
            )
            manager = QueueManager(queries, channel=Channel(settings.channel))
            self._register(manager, work)
            self._manager = manager
            scheduler = self._scheduler = SchedulerManager(
                Queries(
                    AsyncpgDriver(cron),
                    qbe=QueryBuilderEnvironment(settings),
                    qbq=QueryQueueBuilder(settings),
                    qbs=QuerySchedulerBuilder(settings),
                )
            )
            if self.settings is not None:
                maintenance.register(scheduler, work, self.settings, self.keyring)
            if self._stopping.is_set():
                return
            self.healthy = True
            scheduled = asyncio.create_task(self._run_scheduler(scheduler, manager))
            try:
                await manager.run(
                    shutdown_on_listener_failure=True,
                    heartbeat_timeout=timedelta(seconds=self.heartbeat),
                    dequeue_timeout=timedelta(seconds=max(1.0, self.heartbeat / 2)),
                    batch_size=self.concurrency,
                    max_concurrent_tasks=2 * self.concurrency,
                    log_aggregation_interval=timedelta(0),
                )
            finally:
                scheduler.shutdown.set()
                await scheduled
            if not self._stopping.is_set():
                raise RuntimeError("the queue manager stopped by itself")
        finally:
            await close_providers(work)
            await work.close()
            await listen.close()
            await cron.close()

    @staticmethod
    async def _run_scheduler(scheduler: SchedulerManager, manager: QueueManager) -> None:
        """The scheduled jobs until shutdown; when they fail, the queue manager stops
        too, so the worker restarts as a whole (``run``)."""
        try:
            if scheduler.registry:
                await scheduler.run()
                if not scheduler.shutdown.is_set():
                    raise RuntimeError("the job scheduler stopped by itself")
        except Exception:
            log.exception("the job scheduler failed")
            manager.shutdown.set()

    # -- what the jobs do ----------------------------------------------------------------

    def _register(self, manager: QueueManager, work: asyncpg.Pool) -> None:
        cap = (self.settings or Settings()).knowledge_index_backlog

        @manager.entrypoint("knowledge_index", on_failure="delete")
        async def knowledge_index_job(job: Job) -> None:
            await knowledge_index.index_pending(work, cap=cap)

        @manager.entrypoint("ingest", on_failure="delete")
        async def ingest_job(job: Job) -> None:
            job_id = (job.payload or b"").decode()
            embedder = await self._embedder(work)
            async with work.acquire() as reader:
                run = partial(ingest.run_ingest, embedder=embedder, reader=reader)
                await _guarded(work, job_id, run, "ingest_jobs")

        # A worker without a key ring cannot read the AI settings (`aura ingest`'s own):
        # it leaves analytics jobs to the others.
        if self.keyring is None or self.settings is None:
            return
        batch = self.settings.analysis_batch_size

        @manager.entrypoint("analytics", on_failure="delete")
        async def analytics_job(job: Job) -> None:
            job_id = (job.payload or b"").decode()
            run = partial(analysis.run_analysis, chat=partial(self._chat, work), batch_size=batch)
            await _guarded(work, job_id, run, "analytics_jobs")

    async def _embedder(self, work: asyncpg.Pool) -> Embedder | None:
        if self.embedder is not None:
            return self.embedder
        if self.keyring is None or self.settings is None or not self.settings.ingest_embeddings:
            return None
        return await installation_embedder(work, self.keyring, self.settings)

    async def _chat(self, work: asyncpg.Pool) -> ChatClient:
        """The installation's chat client (system settings, read per job); ProviderError
        ("no LLM provider configured") when there is none."""
        if self.keyring is None or self.settings is None:
            raise ProviderError("no LLM provider configured: this worker cannot read the settings")
        return await installation_chat(work, self.keyring, self.settings)


async def _guarded(work: asyncpg.Pool, job_id: str, run: Any, table: str) -> None:
    """Run a job; an unexpected error fails the job (logged) rather than leaving it
    PROCESSING forever. A lost database connection does not: the job is picked again."""
    async with work.acquire() as conn:
        try:
            status = await run(conn, job_id)
            log.info("%s %s: %s", table, job_id, status)
        except (asyncpg.PostgresConnectionError, OSError):
            raise
        except Exception:
            log.exception("%s %s failed", table, job_id)
            finished = ", finished_at = now()" if table == "ingest_jobs" else ""
            await conn.execute(
                f"UPDATE {table} SET status = 'FAILED', error = $2{finished} "
                "WHERE id = $1 AND status NOT IN ('COMPLETED', 'FAILED', 'CANCELLED')",
                job_id,
                "an internal error stopped the job (see the server log)",
            )
