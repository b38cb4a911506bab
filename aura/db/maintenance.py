"""The workers' scheduled jobs: retention (``aura.db.retention``) and acting secret
rotation (``aura.db.secret_rotation``), on ``AURA_MAINTENANCE_SCHEDULE`` (cron, UTC);
and every minute, the knowledge chunks still waiting for the vector index
(``aura.db.knowledge_index``).

pgqueuer's scheduler keeps each schedule in ``aura_queue.pgqueuer_schedules`` and hands
a due run to one worker, however many are running; a changed expression replaces the
old schedule (``clean_old``).
"""

from __future__ import annotations

import logging

import asyncpg
from pgqueuer.core.sm import SchedulerManager
from pgqueuer.domain.models import Schedule

from aura.auth.keyring import KeyRing
from aura.config import Settings
from aura.db.knowledge_index import index_pending
from aura.db.retention import run_retention
from aura.db.secret_rotation import run_secret_rotation

log = logging.getLogger("aura.jobs")


def register(
    scheduler: SchedulerManager, work: asyncpg.Pool, settings: Settings, keyring: KeyRing | None
) -> None:
    expression = settings.maintenance_schedule

    # Chunks an ingest's own indexing job left behind (its worker stopped, the job
    # failed): every minute, whatever the maintenance schedule.
    @scheduler.schedule("knowledge_index", "* * * * *", clean_old=True)
    async def knowledge_index_sweep(schedule: Schedule) -> None:
        await index_pending(work, cap=settings.knowledge_index_backlog)

    @scheduler.schedule("retention", expression, clean_old=True)
    async def retention(schedule: Schedule) -> None:
        await run_retention(work, settings)

    # Rotating a secret seals a value: only a worker with the key ring does it.
    if keyring is None:
        return

    @scheduler.schedule("secret_rotation", expression, clean_old=True)
    async def secret_rotation(schedule: Schedule) -> None:
        await run_secret_rotation(work, keyring)
