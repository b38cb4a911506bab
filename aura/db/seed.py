"""Demo data from the seeds' samples: the four supervisor projects (seed 002), the Aura
MVP tasks task-001 … task-005 with their statuses (seed 000), and users of each role.

Runs as the database owner (row-level security does not apply to it) in one
transaction, so a failed seed leaves nothing behind.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from aura.db.pool import connect

USERS = [
    ("admin@aura.dev", "Aura Admin", "ADMIN"),
    ("ada@aura.dev", "Ada Lovelace", "USER"),
    ("grace@aura.dev", "Grace Hopper", "MANAGER"),
    ("linus@aura.dev", "Linus Waiting", "PENDING"),
]

# seed 002's supervised projects: (name, owner, description, path)
SUPERVISED = [
    ("consilio", "ada@aura.dev", "Consulting knowledge assistant", "/srv/consilio"),
    ("odin", "ada@aura.dev", "Infrastructure orchestration agent", "/srv/odin"),
    ("openhorizon", "grace@aura.dev", "Open data horizon scanner", "/srv/openhorizon"),
    ("health-agent", "grace@aura.dev", "Personal health tracking agent", "/srv/health-agent"),
]

# seed 000's sample tasks: (key, title, type, status, priority, depends on, locked by)
MVP_TASKS = [
    ("task-001", "DP AI chat interface", "FEATURE", "PLANNING", "HIGH", ["task-004"], None),
    (
        "task-002",
        "Row-level security policies",
        "INFRA",
        "IN_PROGRESS",
        "CRITICAL",
        [],
        "developer-agent",
    ),
    ("task-003", "Fix TypeScript build errors", "BUGFIX", "COMPLETED", "MEDIUM", [], None),
    ("task-004", "Write setup documentation", "DOCS", "COMPLETED", "LOW", [], None),
    ("task-005", "Cheshire Cat integration", "FEATURE", "PENDING", "MEDIUM", ["task-002"], None),
]

MVP_CRITERIA = {
    "task-001": ["Streams replies token by token", "Keeps conversation history per user"],
    "task-002": ["Every table has RLS enabled", "A second user sees none of the first's rows"],
    "task-005": ["Plugin loads in Cheshire Cat", "Round-trips a message"],
}


async def _insert(conn: asyncpg.Connection, table: str, **values: Any) -> Any:
    columns = ", ".join(values)
    placeholders = ", ".join(f"${i}" for i in range(1, len(values) + 1))
    return await conn.fetchval(
        f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) RETURNING id", *values.values()
    )


async def _supervised_project(
    conn: asyncpg.Connection, owner: str, name: str, description: str, path: str
) -> None:
    project = await _insert(
        conn,
        "projects",
        owner_id=owner,
        name=name,
        description=description,
        path=path,
        rules={"requiresApproval": name != "odin"},
        metadata={"source": "supervisor"},
    )
    epic = await _insert(
        conn,
        "epics",
        project_id=project,
        key="epic-001",
        title=f"{name}: first release",
        status="IN_PROGRESS",
        priority="HIGH",
        estimated_hours=40.0,
        complexity="medium",
    )
    issues = []
    for number, (title, labels) in enumerate(
        [("Set up continuous integration", ["infra"]), ("Health endpoint", ["api", "ops"])],
        start=1,
    ):
        issues.append(
            await _insert(
                conn,
                "issues",
                project_id=project,
                epic_id=epic,
                number=number,
                title=title,
                labels=labels,
                assignee="supervisor",
            )
        )
    statuses = ["COMPLETED", "IN_PROGRESS", "PENDING"]
    previous = None
    for index, status in enumerate(statuses):
        task = await _insert(
            conn,
            "tasks",
            project_id=project,
            user_id=owner,
            epic_id=epic,
            issue_id=issues[index % 2],
            key=f"task-{index + 1:03d}",
            title=f"{name}: step {index + 1}",
            status=status,
            priority="MEDIUM",
            order_index=index,
            estimated_minutes=30 * (index + 1),
            acceptance_criteria=[f"Step {index + 1} verified"],
        )
        if previous is not None:
            await conn.execute(
                "INSERT INTO task_dependencies (task_id, depends_on_id) VALUES ($1, $2)",
                task,
                previous,
            )
        await _insert(
            conn,
            "comments",
            task_id=task,
            author="supervisor",
            user_id=owner,
            content=f"Progress note on step {index + 1}.",
        )
        previous = task
    await _insert(
        conn, "comments", issue_id=issues[0], author="ci-bot", content="Pipeline green on main."
    )


async def _mvp_project(conn: asyncpg.Connection, owner: str) -> None:
    project = await _insert(
        conn,
        "projects",
        owner_id=owner,
        name="aura-mvp",
        description="Aura MVP orchestration engine (seed 000)",
        metadata={"source": "mvp"},
    )
    ids: dict[str, Any] = {}
    for key, title, type_, status, priority, _deps, locked_by in MVP_TASKS:
        ids[key] = await _insert(
            conn,
            "tasks",
            project_id=project,
            user_id=owner,
            key=key,
            title=title,
            type=type_,
            status=status,
            priority=priority,
            version="1.0.0",
            acceptance_criteria=MVP_CRITERIA.get(key, []),
            context={"repository": "aura/mvp", "branch": "main"},
            constraints={"requiresApproval": True, "testCoverageMin": 80},
            locked_by=locked_by,
            locked_at=None if locked_by is None else await conn.fetchval("SELECT now()"),
        )
    for key, *_rest in MVP_TASKS:
        for dependency in dict((t[0], t[5]) for t in MVP_TASKS)[key]:
            await conn.execute(
                "INSERT INTO task_dependencies (task_id, depends_on_id) VALUES ($1, $2)",
                ids[key],
                ids[dependency],
            )
    await _insert(
        conn,
        "comments",
        task_id=ids["task-002"],
        author="architect-agent",
        user_id=owner,
        content="Policies drafted for projects and tasks.",
    )


async def seed(conn: asyncpg.Connection) -> None:
    async with conn.transaction():
        users = {}
        for email, name, role in USERS:
            users[email] = await _insert(conn, "users", email=email, display_name=name, role=role)
        for name, owner, description, path in SUPERVISED:
            await _supervised_project(conn, users[owner], name, description, path)
        await _mvp_project(conn, users["ada@aura.dev"])


async def seed_if_empty(dsn: str) -> bool:
    """Load the demo into a database without users; True when it did."""
    conn = await connect(dsn)
    try:
        if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM users)"):
            return False
        await seed(conn)
        return True
    finally:
        await conn.close()


async def reset(dsn: str) -> None:
    """Remove all data and load the demo again."""
    conn = await connect(dsn)
    try:
        async with conn.transaction():
            await conn.execute("TRUNCATE users, projects CASCADE")
        await seed(conn)
    finally:
        await conn.close()
