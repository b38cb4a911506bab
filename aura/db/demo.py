"""The demo: the seeds' samples, and the rows that make them.

The four supervisor projects (seed 002), the Aura MVP tasks task-001 … task-005 with
their statuses, plans, decisions, results and overrides (seed 000), and a user of each
role. ``load`` writes them through the connection it is given; aura/db/seed.py decides
when (an empty database, or a reset) and in which transaction.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from aura.db import demo_knowledge

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
    await _mvp_orchestration(conn, project, owner, ids)


# seed 000's plans: (key, task, approach, agent, minutes, status)
MVP_PLANS = [
    ("plan-001-a", "task-001", "Next.js with Supabase Realtime", "architect", 480, "PROPOSED"),
    ("plan-001-b", "task-001", "Custom WebSocket server", "architect", 720, "PROPOSED"),
    ("plan-002", "task-002", "Row-level security policies per table", "developer", 240, "APPROVED"),
]

# seed 000's decisions: (key, task, plan, title, category, options, rationale)
MVP_DECISIONS = [
    (
        "decision-001",
        "task-003",
        None,
        "TypeScript fix approach",
        "ARCHITECTURE",
        ["Quick fix: add the missing types", "Refactor the module boundaries"],
        "MVP over perfect solution",
    ),
    (
        "decision-002",
        "task-001",
        "plan-001-a",
        "Chat interface approach",
        "INTEGRATION",
        ["Supabase Realtime", "Custom WebSocket server"],
        "Prefer simplicity over flexibility",
    ),
]

# seed 000's results: (key, task, summary, minutes, agent)
MVP_RESULTS = [
    ("result-003", "task-003", "Fixed the TypeScript build errors", 25, "developer"),
    ("result-004", "task-004", "Wrote the setup documentation", 40, "writer"),
]

# seed 000's human overrides: (task, AI suggestion, human decision, category, why, applied)
MVP_OVERRIDES = [
    (
        "task-001",
        "Build a custom WebSocket server for flexibility",
        "Use Supabase Realtime",
        "simplicity",
        "Prefer simplicity over flexibility",
        2,
    ),
    (
        "task-003",
        "Refactor the module boundaries",
        "Apply the quick fix",
        "scope",
        "MVP over perfect solution",
        1,
    ),
]


async def _mvp_orchestration(
    conn: asyncpg.Connection, project: Any, owner: Any, tasks: dict[str, Any]
) -> None:
    """seed 000's plans, decisions, results and human overrides for the MVP tasks."""
    plans = {}
    for key, task, approach, agent, minutes, status in MVP_PLANS:
        plans[key] = await _insert(
            conn,
            "plans",
            project_id=project,
            task_id=tasks[task],
            key=key,
            version="1.0.0",
            approach=approach,
            agent=agent,
            estimated_duration=minutes,
            status=status,
            steps=[{"order": 1, "action": "design"}, {"order": 2, "action": "implement"}],
            risks=[{"risk": "scope creep", "mitigation": "timebox"}],
        )
    for key, task, plan, title, category, options, rationale in MVP_DECISIONS:
        await _insert(
            conn,
            "decisions",
            project_id=project,
            task_id=tasks[task],
            plan_id=plans.get(plan) if plan else None,
            user_id=owner,
            key=key,
            title=title,
            category=category,
            options=options,
            selected_option=0,
            rationale=rationale,
            decided_by="human",
            overrides=[],
        )
    for key, task, summary, minutes, agent in MVP_RESULTS:
        await _insert(
            conn,
            "results",
            project_id=project,
            task_id=tasks[task],
            key=key,
            version="1.0.0",
            status="SUCCESS",
            summary=summary,
            duration=minutes,
            agent=agent,
            quality_gates={"tests": "passed"},
            test_results={"passed": 12, "failed": 0},
        )
    for task, suggestion, decision, category, rationale, count in MVP_OVERRIDES:
        await _insert(
            conn,
            "human_overrides",
            project_id=project,
            task_id=tasks[task],
            user_id=owner,
            ai_suggestion=suggestion,
            human_decision=decision,
            category=category,
            rationale=rationale,
            applied_count=count,
        )


async def load(conn: asyncpg.Connection) -> None:
    """Write the demo: its users, the supervised projects and the MVP project."""
    users = {}
    for email, name, role in USERS:
        users[email] = await _insert(conn, "users", email=email, display_name=name, role=role)
    for name, owner, description, path in SUPERVISED:
        await _supervised_project(conn, users[owner], name, description, path)
    await _mvp_project(conn, users["ada@aura.dev"])
    await demo_knowledge.load(conn)
