"""The benchmark dataset: users, 50 projects, 200 tasks each, 20 comments per task.

Everything is generated inside PostgreSQL by ``INSERT … SELECT generate_series`` from a
seed string: IDs are ``md5(seed || kind || number)::uuid`` and timestamps are a fixed
base time plus offsets, so two loads with the same seed produce byte-identical rows.
All ``created_at`` values are distinct (per table), which makes the default order
(``created_at``, then ``id``) the same total order for every server; the IDs are
hash-ordered, so a server that sorted by ``id`` instead would be caught by the check.

Comments stand in for the per-task events of the orchestration issue: 200,000 rows,
the same fan-out (20 children per task). The load runs as the superuser with
``session_replication_role = replica`` (row triggers and foreign-key triggers are
skipped: the generated rows are consistent by construction) and takes a few seconds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import asyncpg

BASE_TIME = "2025-01-01 00:00:00+00"


@dataclass(frozen=True)
class Shape:
    projects: int = 50
    tasks_per_project: int = 200
    comments_per_task: int = 20
    other_users: int = 4

    @property
    def tasks(self) -> int:
        return self.projects * self.tasks_per_project

    @property
    def comments(self) -> int:
        return self.tasks * self.comments_per_task


@dataclass(frozen=True)
class Dataset:
    seed: str
    shape: Shape
    owner_id: str
    outsider_id: str  # a USER who owns nothing: sees none of the owner's rows
    rows: dict[str, int]
    seconds: float


def uuid_sql(seed: str, kind: str, number: str) -> str:
    """SQL for a deterministic UUID (``number`` is an SQL expression)."""
    return f"md5({_literal(seed + ':' + kind + ':')} || ({number})::text)::uuid"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def statements(seed: str, shape: Shape) -> list[str]:
    """The SQL that loads the dataset into a migrated, empty database."""
    s = shape
    user = uuid_sql(seed, "user", "u")
    project = uuid_sql(seed, "project", "p")
    owner = uuid_sql(seed, "user", "0")
    # Task number n = (p - 1) * tasks_per_project + t, 1-based, project p 1-based.
    task = uuid_sql(seed, "task", "n")
    task_of_comment = uuid_sql(seed, "task", f"(k - 1) / {s.comments_per_task} + 1")
    project_of_comment = uuid_sql(
        seed, "project", f"(k - 1) / {s.comments_per_task * s.tasks_per_project} + 1"
    )
    comment = uuid_sql(seed, "comment", "k")
    project_of_event = uuid_sql(seed, "project", f"(k - 1) / {5 * s.tasks_per_project} + 1")
    base = f"timestamptz {_literal(BASE_TIME)}"
    return [
        # User 0 owns every project (role USER); the others: 1 ADMIN, 2 MANAGER, 3 USER, 4 PENDING.
        f"""
        INSERT INTO users (id, email, display_name, role, created_at, updated_at)
        SELECT {user}, 'bench-user-' || u || '@aura.dev', 'Bench user ' || u,
               (ARRAY['USER', 'ADMIN', 'MANAGER', 'USER', 'PENDING'])[u % 5 + 1],
               {base} + u * interval '1 second', {base} + u * interval '1 second'
        FROM generate_series(0, {s.other_users}) AS u
        """,
        f"""
        INSERT INTO projects (id, owner_id, name, description, path, status, rules, metadata,
                              created_at, updated_at)
        SELECT {project}, {owner}, 'bench-project-' || lpad(p::text, 3, '0'),
               'Benchmark project number ' || p, '/srv/bench/' || p,
               (ARRAY['ACTIVE', 'PAUSED', 'ACTIVE', 'ARCHIVED'])[p % 4 + 1],
               jsonb_build_object('requiresApproval', p % 2 = 0), '{{}}'::jsonb,
               {base} + interval '1 day' + p * interval '1 minute',
               {base} + interval '1 day' + p * interval '1 minute'
        FROM generate_series(1, {s.projects}) AS p
        """,
        f"""
        INSERT INTO tasks (id, project_id, user_id, key, title, description, type, status,
                           priority, acceptance_criteria, order_index, estimated_minutes,
                           created_at, updated_at)
        SELECT {task}, {uuid_sql(seed, "project", "p")}, {owner},
               'task-' || lpad(t::text, 4, '0'),
               'Task ' || t || ' of project ' || p,
               'Generated task ' || n || ' for the benchmark; it has ' || {s.comments_per_task}
                 || ' comments.',
               (ARRAY['FEATURE', 'BUGFIX', 'REFACTOR', 'DOCS', 'TEST', 'INFRA'])[n % 6 + 1],
               (ARRAY['PENDING', 'PLANNING', 'APPROVED', 'IN_PROGRESS', 'BLOCKED',
                      'COMPLETED', 'FAILED', 'CANCELLED'])[n % 8 + 1],
               (ARRAY['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'])[n % 4 + 1],
               ARRAY['criterion ' || n || '.1', 'criterion ' || n || '.2'],
               t, 15 * (n % 16 + 1),
               {base} + interval '2 days' + n * interval '1 second',
               {base} + interval '2 days' + n * interval '1 second'
        FROM generate_series(1, {s.projects}) AS p,
             generate_series(1, {s.tasks_per_project}) AS t,
             LATERAL (SELECT (p - 1) * {s.tasks_per_project} + t AS n) AS num
        """,
        f"""
        INSERT INTO comments (id, project_id, task_id, user_id, author, content,
                              created_at, updated_at)
        SELECT {comment}, {project_of_comment}, {task_of_comment}, {owner},
               'agent-' || (k % 7),
               'Comment ' || k || ': progress note number ' || ((k - 1) % {s.comments_per_task} + 1)
                 || ' on this task.',
               {base} + interval '30 days' + k * interval '1 second',
               {base} + interval '30 days' + k * interval '1 second'
        FROM generate_series(1, {s.comments}) AS k
        """,
        # Orchestration rows for Q6 (issue 14): per task 2 plans with one decision each,
        # and 5 events; the same deterministic IDs and distinct timestamps.
        f"""
        INSERT INTO plans (id, project_id, task_id, key, approach, created_at, updated_at)
        SELECT {uuid_sql(seed, "plan", "n * 2 + i")}, {uuid_sql(seed, "project", "t.p")},
               {uuid_sql(seed, "task", "n")}, 'plan-' || n || '-' || i, 'Approach ' || i,
               {base} + interval '60 days' + (n * 2 + i) * interval '1 second',
               {base} + interval '60 days' + (n * 2 + i) * interval '1 second'
        FROM generate_series(1, {s.tasks}) AS n,
             LATERAL (SELECT (n - 1) / {s.tasks_per_project} + 1 AS p) AS t,
             generate_series(0, 1) AS i
        """,
        f"""
        INSERT INTO decisions (id, project_id, task_id, plan_id, user_id, title, created_at,
                               updated_at)
        SELECT {uuid_sql(seed, "decision", "pl.n")}, pl.project_id, pl.task_id, pl.id, {owner},
               'Decision on ' || pl.key, pl.created_at, pl.created_at
        FROM (SELECT row_number() OVER (ORDER BY created_at) AS n, * FROM plans) AS pl
        """,
        f"""
        INSERT INTO events (id, project_id, task_id, user_id, event_type, created_at)
        SELECT {uuid_sql(seed, "event", "k")}, {project_of_event},
               {uuid_sql(seed, "task", "(k - 1) / 5 + 1")}, {owner},
               (ARRAY['task.created', 'task.claimed', 'plan.proposed', 'decision.made',
                      'task.completed'])[(k - 1) % 5 + 1],
               {base} + interval '90 days' + k * interval '1 second'
        FROM generate_series(1, {s.tasks} * 5) AS k
        """,
    ]


async def load(dsn: str, *, seed: str = "aura-bench", shape: Shape | None = None) -> Dataset:
    """Load the dataset into the (migrated, empty) database at ``dsn`` as the superuser."""
    shape = shape or Shape()
    started = time.perf_counter()
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            # Skips row triggers (project inheritance, touch) and foreign-key checks.
            await conn.execute("SET LOCAL session_replication_role = replica")
            for sql in statements(seed, shape):
                await conn.execute(sql)
        await conn.execute("ANALYZE users, projects, tasks, comments, plans, decisions, events")
        rows = {
            table: await conn.fetchval(f"SELECT count(*) FROM {table}")
            for table in ("users", "projects", "tasks", "comments")
        }
        owner_id = await conn.fetchval(f"SELECT ({uuid_sql(seed, 'user', '0')})::text")
        outsider_id = await conn.fetchval(f"SELECT ({uuid_sql(seed, 'user', '3')})::text")
        # The generated rows must satisfy the foreign keys the load did not check.
        orphans = await conn.fetchval(
            """SELECT (SELECT count(*) FROM comments c
                        LEFT JOIN tasks t ON t.id = c.task_id
                        WHERE t.id IS NULL OR t.project_id <> c.project_id)
                    + (SELECT count(*) FROM tasks t
                        LEFT JOIN projects p ON p.id = t.project_id WHERE p.id IS NULL)"""
        )
    finally:
        await conn.close()
    if orphans:
        raise RuntimeError(f"dataset is inconsistent: {orphans} rows without their parent")
    expected = {"projects": shape.projects, "tasks": shape.tasks, "comments": shape.comments}
    for table, count in expected.items():
        if rows[table] != count:
            raise RuntimeError(f"dataset: expected {count} {table}, found {rows[table]}")
    return Dataset(seed, shape, owner_id, outsider_id, rows, time.perf_counter() - started)
