"""The benchmark queries, written once for each server, and the check that they agree.

Each workload is one GraphQL document per server with the same logical result: the
same rows, in the same order (``created_at``, then ``id``: Aura's default order,
spelled ``[CREATED_AT_ASC, ID_ASC]`` for PostGraphile, whose default is the primary
key). Requests rotate over a list of variable sets (different tasks or projects), the
same list for both servers. Before any timing, every request is sent to both servers
and the ``id`` values of their answers, in document order, must be identical and of
the expected number; node IDs differ between the servers, so they are not compared.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import orjson


@dataclass(frozen=True)
class Workload:
    name: str
    title: str
    aura: str
    peer: str | None  # None: the peer cannot express it (Aura alone)
    objects: int  # objects (ids) in one answer
    variables: list[dict[str, Any]] = field(default_factory=list)

    def bodies(self, server: str) -> list[bytes]:
        """The request bodies, one per variable set (or one without variables)."""
        text = self.peer if server == PEER else self.aura
        if text is None:
            raise ValueError(f"{self.name} has no document for {server}")
        query = " ".join(text.split())
        sets = self.variables or [{}]
        return [orjson.dumps({"query": query, "variables": v}) for v in sets]


_TASK_FIELDS = "id title status priority createdAt projectId"
_ORDER = "orderBy: [CREATED_AT_ASC, ID_ASC]"
_COMMENTS = "{ nodes { id content } }"

DEFINITIONS = {
    "Q1": dict(
        title="one task by id (6 fields)",
        aura=f"query Q1($id: ID!) {{ task(id: $id) {{ {_TASK_FIELDS} }} }}",
        peer=f"query Q1($id: UUID!) {{ taskById(id: $id) {{ {_TASK_FIELDS} }} }}",
        objects=1,
    ),
    "Q2": dict(
        title="a project with its first 50 tasks",
        aura="""query Q2($id: ID!) { project(id: $id) { id name
                  tasks(first: 50) { nodes { id title status priority createdAt } } } }""",
        peer=f"""query Q2($id: UUID!) {{ projectById(id: $id) {{ id name
                  tasksByProjectId(first: 50, {_ORDER}) {{
                    nodes {{ id title status priority createdAt }} }} }} }}""",
        objects=1 + 50,
    ),
    "Q3": dict(
        title="a project, 50 tasks, 10 comments each",
        aura="""query Q3($id: ID!) { project(id: $id) { id name
                  tasks(first: 50) { nodes { id title
                    comments(first: 10) { nodes { id content } } } } } }""",
        peer=f"""query Q3($id: UUID!) {{ projectById(id: $id) {{ id name
                  tasksByProjectId(first: 50, {_ORDER}) {{ nodes {{ id title
                    commentsByTaskId(first: 10, {_ORDER}) {_COMMENTS} }} }} }} }}""",
        objects=1 + 50 + 50 * 10,
    ),
    "Q4": dict(
        title="20 projects, 20 tasks each, 5 comments each",
        aura="""query Q4 { projects(first: 20) { nodes { id name
                  tasks(first: 20) { nodes { id title
                    comments(first: 5) { nodes { id content } } } } } } }""",
        peer=f"""query Q4 {{ allProjects(first: 20, {_ORDER}) {{ nodes {{ id name
                  tasksByProjectId(first: 20, {_ORDER}) {{ nodes {{ id title
                    commentsByTaskId(first: 5, {_ORDER}) {_COMMENTS} }} }} }} }} }}""",
        objects=20 + 20 * 20 + 20 * 20 * 5,
    ),
    # PostGraphile's stock schema filters by equality only (no status list, no pattern):
    # Aura alone, the compiled path measured against Aura's resolved path.
    "Q5": dict(
        title="tasks by status list and title pattern, by priority then creation, totalCount",
        aura="""query Q5 { tasks(first: 20,
                  filter: {status: {in: [PENDING, IN_PROGRESS, BLOCKED]}, title: {like: "Task 1%"}},
                  orderBy: [{field: PRIORITY, direction: DESC}, {field: CREATED_AT}]) {
                  totalCount nodes { id title status priority createdAt } } }""",
        peer=None,
        objects=20,
    ),
    "Q6": dict(
        title="a project, 20 tasks, 5 events and 2 plans with their decisions each",
        aura="""query Q6($id: ID!) { project(id: $id) { id name
                  tasks(first: 20) { nodes { id title
                    events(first: 5) { nodes { id eventType } }
                    plans(first: 5) { nodes { id approach
                      decisions(first: 5) { nodes { id title } } } } } } } }""",
        # events.task_id has no foreign key, so PostGraphile's stock schema has no
        # Task.events: Aura alone, against its resolved path.
        peer=None,
        objects=1 + 20 + 20 * 5 + 20 * 2 + 20 * 2,
    ),
}

NAMES = tuple(DEFINITIONS)
PEER = "postgraphile"
# Aura with the compiled path off (AURA_COMPILED_QUERIES=0): the reference for the
# workloads the peer cannot express.
RESOLVED = "aura-resolved"


def served_by(workload: Workload, server: str) -> bool:
    """Does ``server`` take part in ``workload``? The resolved Aura only where the peer
    cannot, the peer only where it can."""
    if server == PEER:
        return workload.peer is not None
    if server == RESOLVED:
        return workload.peer is None
    return True


async def build(dsn: str, names: list[str], *, variants: int = 50) -> list[Workload]:
    """The workloads with their variable sets drawn from the loaded dataset."""
    conn = await asyncpg.connect(dsn)
    try:
        # Tasks spread over all projects; projects in creation order.
        tasks = [
            r[0]
            for r in await conn.fetch(
                "SELECT id::text FROM tasks ORDER BY md5(id::text) LIMIT $1", variants
            )
        ]
        projects = [
            r[0]
            for r in await conn.fetch(
                "SELECT id::text FROM projects ORDER BY created_at, id LIMIT $1", variants
            )
        ]
    finally:
        await conn.close()
    variables = {"Q1": tasks, "Q2": projects, "Q3": projects, "Q4": [], "Q5": [], "Q6": projects}
    return [
        Workload(name, variables=[{"id": v} for v in variables[name]], **DEFINITIONS[name])  # type: ignore[arg-type]
        for name in names
    ]


# -- checking ---------------------------------------------------------------------------


def post(url: str, body: bytes, token: str, *, timeout: float = 30.0) -> dict[str, Any]:
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Authorization": f"Bearer {token}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return orjson.loads(response.read())  # type: ignore[no-any-return]
    except urllib.error.HTTPError as error:  # say why (e.g. the peer refused the document)
        raise Mismatch(f"{url} answered {error.code}: {error.read()[:500]!r}") from error


def ids(value: Any) -> Iterator[str]:
    """Every ``id`` value of an answer, in document order."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "id":
                yield item
            else:
                yield from ids(item)
    elif isinstance(value, list):
        for item in value:
            yield from ids(item)


class Mismatch(Exception):
    """The servers do not return the same result for a workload."""


def answer_ids(answer: dict[str, Any], server: str, workload: Workload) -> list[str]:
    if answer.get("errors"):
        raise Mismatch(f"{workload.name}: {server} answered with errors: {answer['errors']}")
    found = list(ids(answer.get("data")))
    if len(found) != workload.objects:
        raise Mismatch(
            f"{workload.name}: {server} returned {len(found)} objects, expected {workload.objects}"
        )
    return found


def verify(workload: Workload, urls: dict[str, str], token: str) -> int:
    """Check every request of ``workload`` on every server; returns the objects compared."""
    compared = 0
    bodies = {server: workload.bodies(server) for server in urls}
    for i in range(len(next(iter(bodies.values())))):
        answers = {server: post(url, bodies[server][i], token) for server, url in urls.items()}
        if RESOLVED in answers and answers.get("aura") != answers[RESOLVED]:
            # Aura's two paths answer the same document: the whole answers must be equal.
            raise Mismatch(f"{workload.name}: the compiled and the resolved answers differ")
        results = {
            server: answer_ids(answer, server, workload) for server, answer in answers.items()
        }
        reference_server, reference = next(iter(results.items()))
        for server, found in results.items():
            if found != reference:
                first = next(
                    j for j, (a, b) in enumerate(zip(found, reference, strict=True)) if a != b
                )
                raise Mismatch(
                    f"{workload.name}: {server} and {reference_server} differ at "
                    f"object {first}: {found[first]} != {reference[first]}"
                )
        compared += len(reference)
    return compared
