"""The demo: the seeds' samples, and the rows that make them.

The four supervisor projects (seed 002), the Aura MVP tasks task-001 … task-005 with
their statuses, plans, decisions, results and overrides (seed 000), and a user of each
role. ``load`` writes them through the connection it is given; aura/db/seed.py decides
when (an empty database, or a reset) and in which transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from aura.ai.offline import HashingEmbedder
from aura.auth.passwords import hash_password
from aura.db import demo_knowledge

USERS = [
    ("admin@aura.dev", "Aura Admin", "ADMIN"),
    ("ada@aura.dev", "Ada Lovelace", "USER"),
    ("grace@aura.dev", "Grace Hopper", "MANAGER"),
    ("linus@aura.dev", "Linus Waiting", "PENDING"),
]
# Every demo user signs in with it (`signIn`), in development only: the demo is never
# loaded into a production home.
DEMO_PASSWORD = "aura-demo-password"

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

# seed 002's port ranges, one per service type: (name, first, last, description)
PORT_RANGES = [
    ("web", 3000, 3099, "Web frontends and development servers"),
    ("api", 8000, 8099, "HTTP and GraphQL APIs"),
    ("database", 5400, 5499, "Databases"),
    ("cache", 6300, 6399, "Caches and queues"),
    ("monitoring", 9100, 9199, "Metrics exporters and dashboards"),
]

# The supervised projects' services: (project, service, range)
PORT_SERVICES = [
    ("consilio", "consilio-web", "web"),
    ("consilio", "consilio-api", "api"),
    ("consilio", "consilio-db", "database"),
    ("odin", "odin-api", "api"),
    ("odin", "odin-metrics", "monitoring"),
    ("openhorizon", "openhorizon-web", "web"),
    ("openhorizon", "openhorizon-cache", "cache"),
    ("health-agent", "health-agent-api", "api"),
    ("health-agent", "health-agent-db", "database"),
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
    await _mvp_estimation(conn, ids)


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


async def _ports(conn: asyncpg.Connection) -> None:
    """The port ranges (kept by a reset: they belong to no user) and the supervised
    projects' allocations, taken by the allocator itself."""
    for name, first, last, description in PORT_RANGES:
        await conn.execute(
            "INSERT INTO port_ranges (range_name, start_port, end_port, description)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT (range_name) DO NOTHING",
            name,
            first,
            last,
            description,
        )
    for project, service, range_name in PORT_SERVICES:
        await conn.execute(
            "SELECT a.id FROM projects p, port_ranges r,"
            " aura.allocate_port(p.id, r.id, $2, $3, 'localhost', 'TCP', NULL, NULL,"
            " jsonb_build_object('source', 'demo')) a"
            " WHERE p.name = $1 AND r.range_name = $3",
            project,
            service,
            range_name,
        )


# seed 004's data review: (content, category, reviewed correct?) of a finished CSV ingest
LABELLING_ROWS = [
    ("Summarise the attached contract in plain English for a tenant", "TOP_10", True),
    ("Write a haiku about quarterly earnings", "BOTTOM_10", None),
    ("Explain the difference between TCP and UDP to a new engineer", "TOP_10", True),
    ("List every prime number", "BOTTOM_10", False),
]
LABELLING_FEEDBACK = [
    ("The summary kept every obligation and dropped the legalese", "TOP_10"),
    ("The answer ignored the requested reading level", "BOTTOM_10"),
]


async def _embed_records(conn: asyncpg.Connection, project: str) -> None:
    """Embed a project's records as an ingest job does (the offline embedder, at the
    installation's dimension), so `similarRecords` answers in the demo."""
    dimension = await conn.fetchval(
        "SELECT atttypmod FROM pg_attribute"
        " WHERE attrelid = 'data_records'::regclass AND attname = 'embedding'"
    )
    rows = await conn.fetch("SELECT id, content FROM data_records WHERE project_id = $1", project)
    vectors = await HashingEmbedder(dimension).embed([r["content"] for r in rows])
    await conn.executemany(
        "UPDATE data_records SET embedding = $2 WHERE id = $1",
        [(r["id"], v) for r, v in zip(rows, vectors, strict=True)],
    )


async def _labelling_project(conn: asyncpg.Connection, owner: str) -> None:
    """A data review project: a finished ingest job with its records, records created in
    the API, reviews and ratings by a person and by an LLM (seed 004)."""
    project = await _insert(
        conn,
        "projects",
        owner_id=owner,
        name="labelling",
        description="Task and feedback records under review",
        guidelines="Good tasks are specific, answerable and state their audience.",
        guidelines_file_name="guidelines.pdf",
    )
    who = await conn.fetchrow(
        "SELECT id::text, display_name, email FROM users WHERE id = $1", owner
    )
    creator = {"created_by_id": who[0], "created_by_name": who[1], "created_by_email": who[2]}
    job = await _insert(
        conn,
        "ingest_jobs",
        project_id=project,
        created_by=owner,
        type="TASK",
        status="COMPLETED",
        file_name="tasks.csv",
        file_bytes=412,
        total_records=len(LABELLING_ROWS) + 1,
        saved_count=len(LABELLING_ROWS),
        skipped_count=1,
        rows_done=len(LABELLING_ROWS) + 2,
        skipped_details=[{"row": len(LABELLING_ROWS) + 2, "reason": "content is empty"}],
        column_mapping={"content": "content", "category": "category"},
    )
    records = []
    for row, (content, category, correct) in enumerate(LABELLING_ROWS, start=2):
        reviewed = (
            {}
            if correct is None
            else {
                "has_been_reviewed": True,
                "is_category_correct": correct,
                "reviewed_by": who[0],
            }
        )
        records.append(
            await _insert(
                conn,
                "data_records",
                project_id=project,
                type="TASK",
                category=category,
                content=content,
                source="csv:tasks.csv",
                metadata={"batch": "2026-11"},
                ingest_job_id=job,
                source_row=row,
                **creator,
                **reviewed,
            )
        )
    for content, category in LABELLING_FEEDBACK:
        await _insert(
            conn,
            "data_records",
            project_id=project,
            type="FEEDBACK",
            category=category,
            content=content,
            **creator,
        )
    await _embed_records(conn, project)
    for record, (realism, quality) in zip(records, [(6, 7), (2, 3), (7, 6)], strict=False):
        await _insert(
            conn,
            "likert_scores",
            record_id=record,
            project_id=project,
            user_id=who[0],
            realism_score=realism,
            quality_score=quality,
        )
    await _insert(
        conn,
        "likert_scores",
        record_id=records[0],
        project_id=project,
        user_id="00000000-0000-0000-0000-000000000000",
        realism_score=6,
        quality_score=6,
        llm_model="demo-llm",
    )


# Executions of the MVP tasks (estimation): (task, complexity, estimate, sessions as
# (start, end) minutes after the start, or None while open, factors as (name, value));
# no sessions means the execution ran from its start to `minutes` after it.
MVP_EXECUTIONS: list[
    tuple[str, str, int, list[tuple[int, int | None]], list[tuple[str, float]]]
] = [
    ("task-003", "MEDIUM", 60, [(0, 45), (60, 95)], [("unfamiliar_codebase", 1.0)]),
    ("task-003", "MEDIUM", 45, [(0, 50)], []),
    ("task-004", "LOW", 30, [(0, 25)], [("well_documented", 1.0)]),
    ("task-001", "HIGH", 180, [(0, 90), (120, 170), (200, 260)], [("unclear_requirements", 0.5)]),
    ("task-002", "MEDIUM", 90, [(0, 40), (55, None)], [("external_dependency", 1.0)]),
]


async def _mvp_estimation(conn: asyncpg.Connection, ids: dict[str, Any]) -> None:
    """Tracked executions, so patterns, the views and `recommendedEstimate` show history:
    task-005 (FEATURE, MEDIUM) falls back to TYPE_ONLY on task-001's FEATURE/HIGH run."""
    factors = dict(await conn.fetch("SELECT factor_name, id FROM estimation_factors"))
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    for number, (key, complexity, estimate, sessions, used) in enumerate(MVP_EXECUTIONS):
        began = start + timedelta(hours=6 * number)
        execution = await _insert(
            conn,
            "task_executions",
            task_id=ids[key],
            started_at=began,
            estimated_minutes=estimate,
            complexity=complexity,
            context_switches=len(sessions) - 1,
        )
        for first, last in sessions:
            await _insert(
                conn,
                "time_tracking_sessions",
                task_execution_id=execution,
                started_at=began + timedelta(minutes=first),
                ended_at=None if last is None else began + timedelta(minutes=last),
                activity_type="coding",
            )
        for name, value in used:
            await _insert(
                conn,
                "task_execution_factors",
                task_execution_id=execution,
                factor_id=factors[name],
                factor_value=value,
            )
        if sessions[-1][1] is not None:
            await conn.execute(
                "UPDATE task_executions SET status = 'COMPLETED', completed_at = $2 WHERE id = $1",
                execution,
                began + timedelta(minutes=sessions[-1][1]),
            )


async def load(conn: asyncpg.Connection) -> None:
    """Write the demo: its users, the supervised projects (with their ports), the MVP
    project (with its estimation history) and the data review project."""
    users = {}
    for email, name, role in USERS:
        users[email] = await _insert(conn, "users", email=email, display_name=name, role=role)
    # One hash (one salt) for all: the same known password, hashed once for speed.
    demo_hash = hash_password(DEMO_PASSWORD)
    for user_id in users.values():
        await conn.execute(
            "INSERT INTO user_credentials (user_id, password_hash) VALUES ($1, $2)",
            user_id,
            demo_hash,
        )
    for name, owner, description, path in SUPERVISED:
        await _supervised_project(conn, users[owner], name, description, path)
    await _mvp_project(conn, users["ada@aura.dev"])
    await _ports(conn)
    await _labelling_project(conn, users["ada@aura.dev"])
    await demo_knowledge.load(conn)
