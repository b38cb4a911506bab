"""The cross-tenant matrix (issue 4): every entity type, root field, nested path,
mutation and subscription, as another user, as a PENDING user and anonymously.

The matrix is generated from the code (``tests/matrix.py``): entities from
``aura.engine.relay.TYPES`` and the mapping, fields and arguments from the schema, so a
new entity, relation, root field, mutation or subscription is in it without editing
this file. What is written by hand is only the data: ``alice_world`` / ``admin_world``
create at least one row of every entity type (a new entity whose rows none of them
creates fails ``every entity has a victim row`` until the world makes one).

Given the worlds, "forbidden" for a principal is every key (id, settings key) in the
database that the principal may not see, plus the plaintexts of alice's secrets and
tokens: all of alice's, admin's and other users' rows for bob except the shared
templates and plain settings, everything but their own user row for PENDING, everything
for anonymous. Then, for each principal:

1. every root field that takes a reference, with alice's row (or the admin's, for
   admin-only entities) → null or an error, and no forbidden key in the response;
2. every root field without one (connections, statistics, ``me``, …) → no forbidden key
   anywhere, and a connection's ``totalCount`` agrees with its nodes;
3. every mapped relation one and two levels deep from every root connection (bob's own
   world makes the paths non-empty) → no forbidden key anywhere;
4. every mutation with a reference (``update…``, ``delete…``, domain verbs, and
   ``create…`` whose input points at a parent) with alice's rows → an error, and the
   whole database unchanged (the vault's audit of refused reveals excepted);
5. every subscription with alice's references → an error; without a filter → none of
   alice's changes arrive (while alice's own subscription receives them).

Admin-only rows: bonus windows (admin writes, managers read), secret templates (admin
writes, members read), encryption keys (admins only, created with the first secret),
system settings (admin writes; plain ones members read, secret ones admins only),
estimation factors (admin writes, members read; seeded by the migration) are
the admin's world: by-id, connection and nested reads must not show them to whoever
may not see them, and their mutations are refused to all three principals.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from graphql import get_named_type, is_enum_type, is_input_object_type, is_non_null_type

from aura.ai.offline import HashingEmbedder
from aura.config import Settings
from aura.db.retention import policies
from aura.domains import DOMAINS
from aura.engine.relay import TYPES
from aura.engine.scopes import DECLARED
from tests import factories
from tests import matrix as mx
from tests.conftest import Client, People, Response, Server, User, make_user
from tests.dataops_helpers import upload
from tests.realtime import connect, settled
from tests.waiting import until

pytestmark = pytest.mark.timeout(120)

SECRET_VALUE = "sk-matrix-alice-0b5e1f"
TOKEN_VALUE = "ya29.matrix-alice-7c1d"
REFRESH_VALUE = "1//matrix-alice-refresh"
SETTING_VALUE = "sk-or-matrix-admin-3e9a"
PROVIDER = "google"
# Root fields that answer nothing from their references alone: a provider token is its
# user's only; the searches need a query text or an embedding (tests/test_knowledge.py
# checks them with another tenant's project).
NEEDS_MORE_THAN_REFERENCES = {"userToken", "searchKnowledge", "searchLearnings"}
ALLOWED = {"NOT_FOUND", "FORBIDDEN", "UNAUTHENTICATED"}
POINTING = ALLOWED | {"BAD_USER_INPUT"}  # for a create whose input points at the victim


# -- the worlds --------------------------------------------------------------------------


async def tenant_world(
    client: Client, template_id: str, tag: str, port_range_id: str
) -> dict[str, list[str]]:
    """One row of every entity a user owns, created through the API as that user;
    returns the preferred victim ids by entity (tasks: dependent first)."""
    project = await factories.project(client, f"{tag}-project")
    epic = await factories.epic(client, project["id"], f"{tag}-epic")
    issue = await factories.issue(client, project["id"], f"{tag} issue", epicId=epic["id"])
    first = await factories.task(client, project["id"], f"{tag} first", epicId=epic["id"])
    second = await factories.task(
        client,
        project["id"],
        f"{tag} second",
        issueId=issue["id"],
        dependencyIds=[first["id"]],
        estimatedMinutes=30,
    )
    on_task = await factories.comment(client, f"{tag} on task", taskId=first["id"])
    await factories.comment(client, f"{tag} on issue", issueId=issue["id"])
    claim = 'mutation($id: ID!) { claimTask(id: $id, agentId: "agent") { id } }'
    (await client.gql(claim, {"id": first["id"]})).ok()  # an active task
    plan = await factories.plan(client, first["id"], f"{tag} plan")
    workflow = await factories.workflow(client, f"{tag} workflow")
    history = await factories.task_history(client, f"{tag} history", servicesUsed=["gmail"])
    create = factories.create
    rows = {
        "decision": await factories.decision(client, f"{tag}", planId=plan["id"]),
        "result": await create(
            client, "Result", {"taskId": first["id"], "planId": plan["id"], "status": "SUCCESS"}
        ),
        "override": await factories.human_override(client, taskId=first["id"]),
        "artifact": await create(
            client, "Artifact", {"taskId": first["id"], "type": "DIFF", "ref": f"{tag}.diff"}
        ),
        "checkpoint": await create(
            client, "Checkpoint", {"projectId": project["id"], "label": tag}
        ),
        "session": await create(
            client, "AgentSession", {"projectId": project["id"], "summary": tag}
        ),
        "service": await create(
            client, "ServiceStatus", {"projectId": project["id"], "serviceName": f"{tag}-api"}
        ),
        "log": await factories.execution_log(client, first["id"], f"{tag} log"),
        "event": await create(
            client,
            "Event",
            {"projectId": project["id"], "taskId": first["id"], "eventType": "agent.note"},
        ),
        "run": await create(client, "WorkflowHistory", {"workflowId": workflow["id"]}),
        "document": await create(
            client,
            "GeneratedDocument",
            {"type": "DOC", "title": tag, "taskHistoryId": history["id"]},
        ),
    }
    secret = await create(
        client,
        "Secret",
        {
            "projectId": project["id"],
            "keyName": "STRIPE_KEY",
            "value": SECRET_VALUE if tag == "alice" else f"sk-{tag}",
            "templateId": template_id,
            "expiresAt": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
            "rotationIntervalDays": 3,
        },
    )
    reveal = "mutation($id: ID!) { revealSecret(id: $id) { id } }"
    (await client.gql(reveal, {"id": secret["id"]})).ok()  # an access log row
    token = "mutation($input: UpsertUserTokenInput!) { upsertUserToken(input: $input) { id } }"
    values = {"provider": PROVIDER, "scopes": ["drive"]}
    if tag == "alice":
        values |= {"accessToken": TOKEN_VALUE, "refreshToken": REFRESH_VALUE}
    else:
        values |= {"accessToken": f"ya29.{tag}"}
    user_token = (await client.gql(token, {"input": values})).ok()["upsertUserToken"]
    ports = await port_rows(client, project["id"], port_range_id, tag)
    issued = (
        await client.gql(
            "mutation($input: IssueAccessTokenInput!) "
            "{ issueAccessToken(input: $input) { token { id } } }",
            {"input": {"name": f"{tag}-agent", "scopes": ["read"], "refreshable": True}},
        )
    ).ok()["issueAccessToken"]["token"]
    estimation = await estimation_world(client, first["id"], project["id"])
    data = await dataops_world(client, project["id"], tag)
    knowledge = await _knowledge_rows(client, project["id"], tag)
    return {
        **knowledge,
        "projects": [project["id"]],
        "epics": [epic["id"]],
        "issues": [issue["id"]],
        "tasks": [second["id"], first["id"]],  # second depends on first
        "comments": [on_task["id"]],
        "plans": [plan["id"]],
        "decisions": [rows["decision"]["id"]],
        "results": [rows["result"]["id"]],
        "human_overrides": [rows["override"]["id"]],
        "artifacts": [rows["artifact"]["id"]],
        "checkpoints": [rows["checkpoint"]["id"]],
        "agent_sessions": [rows["session"]["id"]],
        "service_status": [rows["service"]["id"]],
        "execution_logs": [rows["log"]["id"]],
        "events": [rows["event"]["id"]],
        "workflows": [workflow["id"]],
        "workflow_history": [rows["run"]["id"]],
        "task_history": [history["id"]],
        "documents_generated": [rows["document"]["id"]],
        "secrets": [secret["id"]],
        "user_tokens": [user_token["id"]],
        "oauth_tokens": [issued["id"]],
        **estimation,
        **ports,
        **data,
    }


async def estimation_world(client: Client, task_id: str, project_id: str) -> dict[str, list[str]]:
    """Two executions of a task (one tracked, completed, with a factor) and a pattern."""
    factor = (await client.gql("{ estimationFactors(first: 1) { nodes { id } } }")).ok()
    create = factories.create
    tracked = await create(
        client,
        "TaskExecution",
        {"taskId": task_id, "startedAt": "2026-01-05T09:00:00Z", "estimatedMinutes": 30},
    )
    await create(client, "TaskExecution", {"taskId": task_id})  # a trend needs two
    verb = (
        "mutation($e: ID!, $at: DateTime) "
        "{{ {}TimeTracking(taskExecutionId: $e, at: $at) {{ id }} }}"
    )
    start = {"e": tracked["id"], "at": "2026-01-05T09:00:00Z"}
    session = (await client.gql(verb.format("start"), start)).ok()["startTimeTracking"]
    stop = {"e": tracked["id"], "at": "2026-01-05T09:40:00Z"}
    (await client.gql(verb.format("stop"), stop)).ok()
    used = await create(
        client,
        "TaskExecutionFactor",
        {
            "taskExecutionId": tracked["id"],
            "factorId": factor["estimationFactors"]["nodes"][0]["id"],
        },
    )
    pattern = await create(
        client, "EstimationPattern", {"projectId": project_id, "taskType": "FEATURE"}
    )
    return {
        "task_executions": [tracked["id"]],
        "time_tracking_sessions": [session["id"]],
        "task_execution_factors": [used["id"]],
        "estimation_patterns": [pattern["id"]],
    }


async def port_rows(
    client: Client, project_id: str, range_id: str, tag: str
) -> dict[str, list[str]]:
    """An allocation with a health check and a reservation in the admin's shared range."""
    allocation = (
        await client.gql(
            "mutation($p: ID!, $r: ID!, $s: String!) { allocatePort(projectId: $p, rangeId: $r,"
            " serviceName: $s) { id } }",
            {"p": project_id, "r": range_id, "s": f"{tag}-api"},
        )
    ).ok()["allocatePort"]
    check = (
        await client.gql(
            "mutation($a: ID!) { recordPortHealthCheck(allocationId: $a, status: HEALTHY) { id } }",
            {"a": allocation["id"]},
        )
    ).ok()["recordPortHealthCheck"]
    reservation = (
        await client.gql(
            "mutation($p: ID!, $r: ID!, $s: String!, $port: Int!) { reservePort(projectId: $p,"
            ' rangeId: $r, portNumber: $port, serviceName: $s, expiresAt: "2100-01-01T00:00:00Z")'
            " { id } }",
            {
                "p": project_id,
                "r": range_id,
                "s": f"{tag}-db",
                "port": 3900 if tag == "alice" else 3901,
            },
        )
    ).ok()["reservePort"]
    return {
        "port_allocations": [allocation["id"]],
        "port_health_checks": [check["id"]],
        "port_reservations": [reservation["id"]],
    }


async def dataops_world(client: Client, project_id: str, tag: str) -> dict[str, list[str]]:
    """A data record with a rating, a finished ingest job (its record too) and a failed
    analytics job: finished before the matrix runs, so no worker changes rows meanwhile."""
    record = await factories.create(
        client,
        "DataRecord",
        {"projectId": project_id, "type": "FEEDBACK", "content": f"{tag} feedback"},
    )
    score = await factories.create(
        client, "LikertScore", {"recordId": record["id"], "realismScore": 3, "qualityScore": 6}
    )
    job = (await upload(client, project_id, f"content,category\n{tag} row,TOP_10\n".encode())).ok()[
        "ingestCsv"
    ]
    analysis = (
        await client.gql(
            "mutation($p: ID!) { startAnalyticsJob(projectId: $p) { id } }", {"p": project_id}
        )
    ).ok()["startAnalyticsJob"]

    async def finished() -> bool:
        states = await client.gql(
            "query($i: ID!, $a: ID!) { ingestJob(id: $i) { status } "
            "analyticsJob(id: $a) { status } }",
            {"i": job["id"], "a": analysis["id"]},
        )
        found = states.ok()
        return found["ingestJob"]["status"] == "COMPLETED" and found["analyticsJob"]["status"] in (
            "FAILED",
            "COMPLETED",
        )

    await until(finished, f"{tag}'s ingest and analytics jobs to finish")
    return {
        "data_records": [record["id"]],
        "likert_scores": [score["id"]],
        "ingest_jobs": [job["id"]],
        "analytics_jobs": [analysis["id"]],
    }


async def _knowledge_rows(client: Client, project_id: str, tag: str) -> dict[str, list[str]]:
    """A knowledge source with a chunk, a learning with an application, a logged search."""
    ingest = (
        "mutation($input: IngestKnowledgeSourceInput!) { ingestKnowledgeSource(input: $input) "
        "{ source { id chunks { nodes { id } } } } }"
    )
    source = (
        await client.gql(
            ingest,
            {
                "input": {
                    "projectId": project_id,
                    "sourceType": "document",
                    "title": f"{tag} notes",
                    "text": f"{tag} knows how the matrix works.",
                }
            },
        )
    ).ok()["ingestKnowledgeSource"]["source"]
    learning = (
        await client.gql(
            "mutation($input: CreateLearningInput!) { createLearning(input: $input) "
            "{ learning { id } } }",
            {"input": {"projectId": project_id, "title": f"{tag} learnt", "content": "it works"}},
        )
    ).ok()["createLearning"]["learning"]
    application = (
        await client.gql(
            "mutation($input: CreateLearningApplicationInput!) { recordLearningApplication("
            "input: $input) { id } }",
            {"input": {"learningId": learning["id"], "appliedToType": "task"}},
        )
    ).ok()["recordLearningApplication"]
    searched = (
        await client.gql(
            "query($q: String!, $p: ID!) { searchKnowledge(query: $q, projectId: $p) { queryId } }",
            {"q": f"{tag} matrix", "p": project_id},
        )
    ).ok()["searchKnowledge"]
    return {
        "knowledge_sources": [source["id"]],
        "knowledge_chunks": [source["chunks"]["nodes"][0]["id"]],
        "learnings": [learning["id"]],
        "learning_applications": [application["id"]],
        "search_queries": [searched["queryId"]],
    }


async def admin_world(admin: Client) -> dict[str, Any]:
    template = await factories.create(
        admin, "SecretTemplate", {"templateName": "matrix-stripe", "secretType": "api_key"}
    )
    window = await factories.create(
        admin,
        "BonusWindow",
        {
            "name": "matrix window",
            "startTime": "2020-01-01T00:00:00Z",
            "endTime": "2100-01-01T00:00:00Z",
            "targetTaskCount": 1,
        },
    )
    setting = "mutation($input: SetSystemSettingInput!) { setSystemSetting(input: $input) { key } }"
    (
        await admin.gql(setting, {"input": {"key": "matrix_secret_token", "value": SETTING_VALUE}})
    ).ok()
    (await admin.gql(setting, {"input": {"key": "matrix_plain", "value": "lmstudio"}})).ok()
    factor = await factories.create(
        admin, "EstimationFactor", {"factorName": "matrix-factor", "averageImpact": 0.1}
    )
    ports = await factories.create(
        admin, "PortRange", {"rangeName": "matrix-web", "startPort": 3000, "endPort": 3999}
    )
    return {
        "factor": factor["id"],
        "port_ranges": [ports["id"]],
        "template": template["id"],
        "bonus_windows": [window["id"]],
        "system_settings": ["matrix_secret_token", "matrix_plain"],
        "plain_settings": ["matrix_plain"],
    }


async def keys_in_database(db: asyncpg.Connection) -> dict[str, set[str]]:
    """Every entity's keys, as the superuser sees them (views included)."""
    found: dict[str, set[str]] = {}
    for name, entity in mx.registry().items():
        if entity.table.info.get("view") or name == "team_time_entries":
            continue  # a view's keys are its base rows' keys
        pk = entity.primary_key
        rows = await db.fetch(f'SELECT "{pk}"::text AS k FROM "{entity.table.name}"')
        found[name] = {r["k"] for r in rows}
    return found


async def archive_copies(db: asyncpg.Connection) -> None:
    """The archives get copies of the rows written so far, as retention would move them
    there (copies, so that the live rows stay victims too)."""
    for policy in policies(Settings()):
        columns = ", ".join(policy.columns)
        await db.execute(
            f"INSERT INTO {policy.archive} ({columns}) SELECT {columns} FROM {policy.table} "
            f"WHERE id NOT IN (SELECT id FROM {policy.archive})"
        )


def diff(after: dict[str, set[str]], before: dict[str, set[str]]) -> dict[str, set[str]]:
    return {name: keys - before.get(name, set()) for name, keys in after.items()}


# -- snapshots -----------------------------------------------------------------------------

AUDIT_TABLES = {"secret_access_log"}  # refused reveals are audited, by design
AUDIT_COLUMNS = {"secrets": ("access_count", "last_accessed_at")}  # …and counted


async def snapshot(db: asyncpg.Connection) -> dict[str, list[str]]:
    tables = await db.fetch(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"
    )
    state = {}
    for row in tables:
        name = row["table_name"]
        if name in AUDIT_TABLES:
            continue
        drop = "".join(f" - '{c}'" for c in AUDIT_COLUMNS.get(name, ()))
        rows = await db.fetch(f'SELECT (to_jsonb(t){drop})::text AS r FROM "{name}" t')
        state[name] = sorted(r["r"] for r in rows)
    return state


def changes(before: dict[str, list[str]], after: dict[str, list[str]]) -> list[str]:
    found = []
    for table in sorted(set(before) | set(after)):
        old, new = set(before.get(table, [])), set(after.get(table, []))
        found += [f"{table}: - {r}" for r in sorted(old - new)]
        found += [f"{table}: + {r}" for r in sorted(new - old)]
    return found


# -- values for arguments ----------------------------------------------------------------

FREE_TEXT = (
    "metadata",
    "description",
    "summary",
    "title",
    "name",
    "displayName",
    "label",
    "content",
    "rationale",
    "reasoning",
    "errorMessage",
)
FUTURE = "2100-01-01T00:00:00Z"


def scalar_value(name: str, type_name: str) -> Any:
    gql = mx.schema()
    named = gql.type_map[type_name.strip("[]!")]
    if type_name.startswith("["):
        return []
    if is_enum_type(named):
        return "ADMIN" if named.name == "UserRole" else next(iter(named.values))  # type: ignore[attr-defined]
    special = {
        "provider": PROVIDER,
        "agentId": "matrix-agent",
        "newValue": "stolen-value",
        "limit": 100,
        "batchSize": 2,
        "eventType": "matrix.planted",
    }
    if name in special:
        return special[name]
    return {
        "Int": 1,
        "Float": 1.0,
        "Boolean": True,
        "DateTime": FUTURE,
        "JSON": {"matrix": 1},
        "String": "matrix.planted",
    }.get(named.name, "matrix.planted")


def input_value(type_name: str) -> dict[str, Any]:
    """A harmless valid change (``Update…Input``) or the required fields of a create."""
    type_ = mx.schema().type_map[type_name.strip("!")]
    assert is_input_object_type(type_)
    fields = type_.fields  # type: ignore[attr-defined]
    if type_name.startswith("Update"):
        for name in FREE_TEXT:
            if name in fields:
                return {name: {"matrix": "stolen"} if name == "metadata" else "stolen"}
        name, f = next(iter(fields.items()))
        return {name: scalar_value(name, str(f.type))}
    return {
        name: scalar_value(name, str(f.type))
        for name, f in fields.items()
        if is_non_null_type(f.type) and get_named_type(f.type).name != "ID"
    }


def value_for(name: str, type_name: str) -> Any:
    if is_input_object_type(mx.schema().type_map[type_name.strip("[]!")]):
        return input_value(type_name)
    return scalar_value(name, type_name)


# -- running the matrix --------------------------------------------------------------------


class Run:
    def __init__(self, victims: dict[str, list[str]]) -> None:
        self.victims = victims
        self.failures: list[str] = []
        self.checks = 0
        self.codes: Counter[str] = Counter()

    def check(self, ok: bool, what: str) -> None:
        self.checks += 1
        if not ok:
            self.failures.append(what)

    def leaks(self, who: str, where: str, data: Any, forbidden: set[str]) -> None:
        found = mx.strings(data) & forbidden
        self.check(not found, f"LEAK {who}: {where} returned {sorted(found)[:5]}")

    def refs(self, refs: dict[str, str], victim: tuple[str, ...], own: dict[str, list[str]]):
        """Values for references: the victim's rows, else the caller's own when it has
        one (else the victim's too); two references to one entity get different rows."""
        used: Counter[str] = Counter()
        values = {}
        for arg, entity in refs.items():
            pool = self.victims[entity] if arg in victim or not own.get(entity) else own[entity]
            index = used[entity] % len(pool)
            used[entity] += 1
            values[arg] = pool[index]
        return values


def _var_name(arg: str) -> str:
    return arg.replace(".", "_")


async def test_cross_tenant_matrix(
    server: Server, client: Client, people: People, db: asyncpg.Connection
) -> None:
    started = time.monotonic()
    matrix = mx.build()
    admin = client.as_(people.admin)
    bob = client.as_(people.bob)
    manager = await make_user(db, "grace@example.com", "MANAGER")
    (
        await admin.gql(
            "mutation($id: ID!, $m: ID) { setUserManager(id: $id, managerId: $m) { id } }",
            {"id": people.alice.id, "m": manager.id},
        )
    ).ok()

    # given: the admin's shared rows, alice's world, bob's world
    before = await keys_in_database(db)
    shared = await admin_world(admin)
    await archive_copies(db)
    after_admin = await keys_in_database(db)
    alice_named = await tenant_world(client, shared["template"], "alice", shared["port_ranges"][0])
    await archive_copies(db)
    after_alice = await keys_in_database(db)
    bob_named = await tenant_world(bob, shared["template"], "bob", shared["port_ranges"][0])
    await archive_copies(db)
    # Embeddings come from a worker with a provider: given here, so similarRecords has
    # neighbours to find (and to leak, were it to).
    embedder = HashingEmbedder(server.settings.embedding_dimension)
    for record in await db.fetch("SELECT id, content FROM data_records"):
        (vector,) = await embedder.embed([record["content"]])
        await db.execute(
            "UPDATE data_records SET embedding = $2 WHERE id = $1", record["id"], vector
        )
    after_bob = await keys_in_database(db)
    admin_rows = diff(after_admin, before)
    alice_rows = diff(after_alice, after_admin)
    alice_rows["users"] = {people.alice.id}
    bob_rows = diff(after_bob, after_alice)
    bob_rows["users"] = {people.bob.id}

    # victims: alice's rows (the named ones first), else the admin's or the system's
    victims: dict[str, list[str]] = {}
    for entity in mx.registry():
        named = alice_named.get(entity, [])
        rest = sorted(alice_rows.get(entity, set()) - set(named))
        victims[entity] = (
            named + rest
            or sorted(admin_rows.get(entity, set()))
            or sorted(before.get(entity, set()))  # the system's own (encryption keys)
        )
    victims["system_settings"] = shared["system_settings"]
    victims["users"] = [people.alice.id, people.admin.id]
    for view, base in (
        ("active_tasks", "tasks"),
        ("task_progress", "tasks"),
        ("team_time_entries", "tasks"),
        ("recent_events", "events"),
        ("secrets_expiring_soon", "secrets"),
        ("secrets_needing_rotation", "secrets"),
        ("estimation_accuracy_by_project", "projects"),
        ("task_performance_trends", "tasks"),
        ("active_port_allocations", "port_allocations"),
        ("port_range_utilization", "port_ranges"),
        ("learning_effectiveness", "learnings"),
        ("knowledge_coverage_by_project", "projects"),
        ("popular_search_queries", "search_queries"),
    ):
        victims[view] = victims[base]
    missing = sorted(e for e in TYPES if not victims.get(e))
    assert not missing, f"every entity has a victim row: extend the worlds for {missing}"
    own = {
        "bob": {e: bob_named.get(e) or sorted(bob_rows.get(e, set())) for e in mx.registry()},
        "pending": {"users": [people.pending.id]},
        "anonymous": {},
    }

    everything = set().union(*after_bob.values()) | {
        people.alice.id,
        people.bob.id,
        people.admin.id,
        people.pending.id,
        manager.id,
    }
    plaintexts = {SECRET_VALUE, TOKEN_VALUE, REFRESH_VALUE, SETTING_VALUE}
    # Every secret template is shared (members read them all, the seeded ones too).
    templates = after_bob["secret_templates"]
    bob_may_see = set().union(*bob_rows.values()) | {*templates, *shared["plain_settings"]}
    bob_may_see |= after_bob.get("estimation_factors", set())  # the shared factor catalogue
    bob_may_see |= set(shared["port_ranges"])  # shared infrastructure: members read ranges
    forbidden = {
        "bob": everything - bob_may_see | plaintexts,
        "pending": everything - {people.pending.id} | plaintexts,
        "anonymous": everything | plaintexts,
    }
    principals: dict[str, User | None] = {
        "bob": people.bob,
        "pending": people.pending,
        "anonymous": None,
    }
    run = Run(victims)

    # 1-2. root fields, packed into as few documents as the token budget allows
    gql = mx.schema()
    query_type = gql.query_type
    assert query_type is not None
    root_docs: list[tuple[str, dict[str, Any], list[mx.RootField]]] = []
    batch: list[mx.RootField] = []

    def root_document(fields: list[mx.RootField]) -> tuple[str, dict[str, Any]]:
        decls, parts, variables = [], [], {}
        for f in fields:
            args = []
            values = run.refs(f.refs, tuple(f.refs), {})
            for arg in [*f.refs, *f.required]:
                var = f"{f.name}_{arg}"
                decls.append(f"${var}: {query_type.fields[f.name].args[arg].type}")
                args.append(f"{arg}: ${var}")
                variables[var] = values[arg] if arg in values else value_for(arg, f.required[arg])
            arguments = f"({', '.join(args)})" if args else ""
            sel = f.selection if f.kind == "connection" else f"{arguments} {f.selection}"
            parts.append(f"{f.name}{sel}")
        head = f"query({', '.join(decls)})" if decls else "query"
        return f"{head} {{ {' '.join(parts)} }}", variables

    for f in matrix.roots:
        if batch and mx.count_tokens(root_document([*batch, f])[0]) > mx.TOKEN_BUDGET:
            root_docs.append((*root_document(batch), batch))
            batch = []
        batch.append(f)
    root_docs.append((*root_document(batch), batch))

    async def roots(who: str, user: User | None) -> None:
        as_ = client.as_(user)
        for document, variables, fields in root_docs:
            response = await as_.gql(document, variables)
            run.check(response.status == 200, f"{who}: roots status {response.status}")
            run.check("INTERNAL" not in response.codes, f"{who}: {response.errors}")
            data = response.data or {}
            for f in fields:
                value = data.get(f.name)
                run.leaks(who, f.name, value, forbidden[who])
                if f.kind == "connection" and value and not value["pageInfo"]["hasNextPage"]:
                    run.check(
                        value["totalCount"] == len(value["nodes"]),
                        f"LEAK {who}: {f.name}.totalCount {value['totalCount']} "
                        f"counts rows it does not return ({len(value['nodes'])})",
                    )
                if f.kind == "by-id" and value not in (None, []):
                    key = mx.key_field(f.entity) if f.entity else "id"
                    shown = value.get(key) if isinstance(value, dict) else None
                    run.check(shown not in forbidden[who], f"LEAK {who}: {f.name} returned {value}")
            for code in response.codes:
                run.codes[f"query:{code}"] += 1

    # control: the admin reads every victim row through its by-id field
    for document, variables, fields in root_docs:
        data = (await admin.gql(document, variables)).data or {}
        for f in fields:
            if f.kind == "by-id" and f.name not in NEEDS_MORE_THAN_REFERENCES:
                assert data.get(f.name) not in (None, []), f"admin cannot read {f.name}"

    # 3. nested paths
    nested_docs = mx.nested_documents(matrix.nested)
    exercised: set[str] = set()

    async def nested(who: str, user: User | None) -> None:
        as_ = client.as_(user)
        for document, paths in nested_docs:
            response = await as_.gql(document)
            run.check("INTERNAL" not in response.codes, f"{who}: {response.errors}")
            for path in paths:
                run.leaks(who, path.name, response.data, forbidden[who])
                if who == "bob" and _reaches(response.data, path):
                    exercised.add(path.name)

    # 4. mutations, one request each (a request with an error rolls back as a whole)
    mutation_type = gql.mutation_type
    assert mutation_type is not None

    def mutation_document(case: mx.MutationCase, values: dict[str, Any]) -> tuple[str, dict]:
        f = mutation_type.fields[case.field]
        variables: dict[str, Any] = {}
        decls, args = [], []
        if case.bulk:
            for arg, arg_type in {"filter": str(f.args["filter"].type), **case.required}.items():
                decls.append(f"${arg}: {arg_type}")
                args.append(f"{arg}: ${arg}")
            variables["filter"] = {"id": {"eq": values["filter.id"]}}
            if "set" in case.required:
                variables["set"] = input_value(case.required["set"])
        elif case.input_type is not None:
            arg = next(iter(f.args))
            payload = input_value(case.input_type)
            fields = gql.type_map[case.input_type].fields  # type: ignore[attr-defined]
            if case.field.startswith("upsert") and "key" in fields:
                # without its natural key an upsert is refused before it reads a row
                payload["key"] = "matrix-key"
            for ref, value in values.items():
                name = ref.split(".", 1)[1]
                payload[name] = [value] if str(fields[name].type).startswith("[") else value
            decls.append(f"${arg}: {f.args[arg].type}")
            args.append(f"{arg}: ${arg}")
            variables[arg] = payload
        else:
            for arg in [*case.refs, *case.required]:
                decls.append(f"${arg}: {f.args[arg].type}")
                args.append(f"{arg}: ${arg}")
                variables[arg] = (
                    values[arg] if arg in values else value_for(arg, case.required[arg])
                )
        sel = mx.selection(get_named_type(f.type))
        head = f"mutation({', '.join(decls)})"
        return f"{head} {{ {case.field}({', '.join(args)}) {sel} }}", variables

    async def mutations(who: str, user: User | None) -> None:
        as_ = client.as_(user)
        state = await snapshot(db)
        for case in matrix.mutations:
            values = run.refs(case.refs, case.victim, own[who])
            if not any(values[v] in forbidden[who] for v in case.victim):
                continue  # nothing of another tenant's named (e.g. pending's own row)
            document, variables = mutation_document(case, values)
            response = await as_.gql(document, variables)
            codes = set(response.codes)
            run.codes[f"mutation:{','.join(sorted(codes)) or 'none'}"] += 1
            expected = ALLOWED if "id" in case.victim else POINTING
            if case.bulk:
                # it matches none of the victim's rows: an empty result (or no sign-in)
                refused = codes == {"UNAUTHENTICATED"} and not response.data
                run.check(
                    refused or (not codes and (response.data or {}).get(case.field) == []),
                    f"{who}: {case.name} → {_errors(response)} {response.data}",
                )
            else:
                run.check(
                    bool(codes) and codes <= expected and not (response.data or {}).get(case.field),
                    f"{who}: {case.name} → {_errors(response)} {response.data}",
                )
            run.leaks(who, case.name, response.data, forbidden[who])
            # the same call naming rows that do not exist: the same answer
            ghosts = {
                ref: str(uuid.uuid4()) if mx.key_field(case.refs[ref]) == "id" else "no_such_key"
                for ref in case.victim
                if values[ref] in forbidden[who]  # a shared row (a template) is no secret
            }
            ghost_document, ghost_variables = mutation_document(case, values | ghosts)
            ghost = await as_.gql(ghost_document, ghost_variables)
            named = {*(values[v] for v in ghosts), *ghosts.values()}
            run.check(
                _normalized(response, named) == _normalized(ghost, named),
                f"LEAK {who}: {case.name} tells alice's rows from missing ones: "
                f"{_errors(response)} vs {_errors(ghost)}",
            )
            now = await snapshot(db)
            changed = changes(state, now)
            run.check(not changed, f"LEAK {who}: {case.name} changed the database: {changed[:3]}")
            state = now
        audited = await db.fetchval(
            "SELECT count(*) FROM secret_access_log WHERE success AND accessed_by <> ALL($1)",
            [people.alice.id, people.bob.id],
        )
        run.check(audited == 0, f"LEAK {who}: a reveal by someone else succeeded")

    for who, user in principals.items():
        await roots(who, user)
        await nested(who, user)
        await mutations(who, user)

    # 5. subscriptions
    await subscriptions(server, client, people, run, matrix, own, forbidden, alice_named)

    elapsed = time.monotonic() - started
    entities = matrix.entities()
    paths = matrix.paths()
    report = (
        f"\ntenancy matrix: {len(entities)} entities x {paths} paths x {len(principals)} "
        f"principals = {paths * len(principals)} cases, {run.checks} checks, "
        f"{len(run.failures)} failures, {elapsed:.1f}s\n"
        f"  root fields {len(matrix.roots)} ({len(root_docs)} documents), nested paths "
        f"{len(matrix.nested)} ({len(nested_docs)} documents; {len(exercised)} reach rows "
        f"from bob's world), mutations {len(matrix.mutations)}, subscriptions "
        f"{len(matrix.subscriptions)}\n"
        f"  relations without a field: {matrix.unexposed}\n"
        f"  error codes: {dict(sorted(run.codes.items()))}"
    )
    print(report)
    assert entities >= set(TYPES), set(TYPES) - entities
    assert not matrix.unresolved, f"ID arguments naming no entity: {matrix.unresolved}"
    assert len(matrix.nested) >= len(TYPES), "nested paths shrank"
    assert not run.failures, "\n".join(run.failures[:40])


def _errors(response: Response) -> list[tuple[str, str]]:
    return [(e.get("extensions", {}).get("code"), e["message"]) for e in response.errors]


def _normalized(response: Response, named: set[str]) -> list[tuple[str, str]]:
    """The errors with the references they name blanked out."""
    found = []
    for code, message in _errors(response):
        for value in named:
            message = message.replace(value, "<ref>")
        found.append((code, message))
    return found


def _reaches(data: Any, path: mx.NestedPath) -> bool:
    """The path's last step returned something (from bob's own rows)."""
    items = [data[path.root]["nodes"]] if data and data.get(path.root) else []
    for name, many, _ in path.steps:
        nxt = []
        for nodes in items:
            for node in nodes or []:
                value = node.get(name) if node else None
                if value is None:
                    continue
                nxt.append(value["nodes"] if many else [value])
        items = nxt
    return any(items)


async def subscriptions(
    server: Server,
    client: Client,
    people: People,
    run: Run,
    matrix: mx.Matrix,
    own: dict[str, dict[str, list[str]]],
    forbidden: dict[str, set[str]],
    alice: dict[str, list[str]],
) -> None:
    subscription_type = mx.schema().subscription_type
    assert subscription_type is not None

    def document(case: mx.SubscriptionCase, values: dict[str, Any]) -> tuple[str, dict]:
        f = subscription_type.fields[case.field]
        decls = [f"${a}: {f.args[a].type}" for a in values]
        args = [f"{a}: ${a}" for a in values]
        head = f"subscription({', '.join(decls)})" if decls else "subscription"
        arguments = f"({', '.join(args)})" if args else ""
        return f"{head} {{ {case.field}{arguments} {case.selection} }}", values

    def required(case: mx.SubscriptionCase) -> list[str]:
        f = subscription_type.fields[case.field]
        return [a for a in case.refs if is_non_null_type(f.args[a].type)]

    async with (
        connect(server, people.alice) as alice_ws,
        connect(server, people.bob) as bob_ws,
        connect(server, people.pending) as pending_ws,
        connect(server, None) as anonymous_ws,
    ):
        sockets = {"bob": bob_ws, "pending": pending_ws, "anonymous": anonymous_ws}
        # with the victim's references: refused at once
        for who, ws in sockets.items():
            for n, case in enumerate(c for c in matrix.subscriptions if c.victim):
                values = run.refs(
                    {a: case.refs[a] for a in {*case.victim, *required(case)}},
                    case.victim,
                    own[who],
                )
                await ws.subscribe(f"v{n}", *document(case, values))
                answers = await ws.drain()  # what the server said to it, if anything
                message = answers[0] if answers else {"type": "accepted"}
                run.check(message["type"] == "error", f"{who}: {case.name} → {message}")
                if message["type"] == "error":
                    payload = message["payload"]
                    code = (
                        (payload[0] if isinstance(payload, list) else payload)
                        .get("extensions", {})
                        .get("code")
                    )
                    run.codes[f"subscription:{code}"] += 1
                    run.check(code in ALLOWED, f"{who}: {case.name} → {code}")
                else:
                    await ws.stop(f"v{n}")
        # without a filter (required references: the caller's own rows): nothing of alice's
        open_cases = [c for c in matrix.subscriptions if not c.victim]
        watched = 0
        for n, case in enumerate(open_cases):
            values = run.refs({a: case.refs[a] for a in required(case)}, (), alice)
            await alice_ws.subscribe(f"a{n}", *document(case, values))
            watched += 1
            for who, ws in sockets.items():
                if any(not own[who].get(case.refs[a]) for a in required(case)):
                    continue  # needs a row of the caller's own
                mine = run.refs({a: case.refs[a] for a in required(case)}, (), own[who])
                await ws.subscribe(f"o{n}", *document(case, mine))
        # Every subscription is registered (or refused) before alice changes anything.
        early = {who: await ws.drain() for who, ws in sockets.items()}
        control = await alice_ws.drain()
        run.check(not control, f"alice before any change: {control}")
        # alice changes her rows: a task, a log line, an event, a service
        task, project = alice["tasks"][0], alice["projects"][0]
        (
            await client.gql(
                'mutation($id: ID!) { updateTask(id: $id, input: {title: "changed"}) { id } }',
                {"id": task},
            )
        ).ok()
        await factories.execution_log(client, task, "changed")
        await factories.create(client, "Event", {"projectId": project, "eventType": "agent.x"})
        (
            await client.gql(
                "mutation($id: ID!) { updateServiceStatus(id: $id, input: {status: DOWN}) { id } }",
                {"id": alice["service_status"][0]},
            )
        ).ok()
        # …and an ingest job
        await upload(client, project, b"content\nchanged\n")
        # …and an analytics job
        started = await client.gql(
            "mutation($p: ID!) { startAnalyticsJob(projectId: $p) { id } }", {"p": project}
        )
        started.ok()
        await settled(server.app.state.hub)  # all it will send for alice's changes is queued
        got: set[str] = set()
        for message in await alice_ws.drain():
            run.check(message["type"] == "next", f"alice: {message}")
            got.add(message["id"])
        run.check(len(got) == watched, f"control: alice received {sorted(got)} of {watched}")
        for who, ws in sockets.items():
            received = early[who] + await ws.drain()
            for message in received:
                if message["type"] == "error":
                    code = message["payload"][0].get("extensions", {}).get("code")
                    run.codes[f"subscription:{code}"] += 1
                    run.check(code in ALLOWED, f"{who}: {message}")
                else:
                    run.leaks(who, f"subscription {message.get('id')}", message, forbidden[who])
                    run.check(message["type"] != "next", f"{who} received {message}")


def test_the_matrix_covers_every_entity() -> None:
    """Generation alone (no server): every registered entity is in the matrix."""
    matrix = mx.build()
    assert matrix.entities() >= set(TYPES), set(TYPES) - matrix.entities()
    # every entity is of a registered domain, and every domain has entities in the matrix
    domains = mx.entity_domains()
    assert set(domains) == set(mx.registry()), set(mx.registry()) - set(domains)
    assert {domains[e] for e in matrix.entities()} == {d.name for d in DOMAINS}
    # a type's declared scope domain is its table's domain
    for name, cls in TYPES.items():
        assert DECLARED[cls] == domains[name], (name, DECLARED[cls], domains[name])
    assert not matrix.unresolved, matrix.unresolved
    assert {s.field for s in matrix.subscriptions} == set(
        mx.schema().subscription_type.fields  # type: ignore[union-attr]
    )
    # every update/delete mutation is in the matrix
    names = {m.field for m in matrix.mutations}
    for name in mx.schema().mutation_type.fields:  # type: ignore[union-attr]
        if name.startswith(("update", "delete")) and name not in ("deleteUserToken",):
            assert name in names, name
