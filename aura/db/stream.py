"""What each subscription field streams, and how its arguments select changes.

A change is one row of ``aura.stream`` (see migrations/sql/realtime.py) with the row it
names: read from its table for append-only sources, rebuilt from the snapshot taken at
commit for the others. A subscription's arguments become a :class:`Filter` that is
evaluated in Python on live changes and rendered as SQL when a subscriber resumes, so
the two paths select exactly the same changes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aura import errors


@dataclass(frozen=True, slots=True)
class Change:
    """A committed change, in stream order."""

    seq: int
    source: str
    op: str  # INSERT, UPDATE, DELETE
    project_id: str | None
    task_id: str | None
    user_id: str | None
    row: Mapping[str, Any]

    @property
    def cursor(self) -> str:
        return encode_cursor(self.seq)


def encode_cursor(seq: int) -> str:
    return str(seq)


def decode_cursor(cursor: str | None) -> int | None:
    """The stream position a cursor names; ``BAD_USER_INPUT`` when it names none."""
    if cursor is None:
        return None
    text = cursor.strip()
    if not text.isdigit() or len(text) > 19:
        raise errors.BadUserInput(f"after: {cursor!r} is not a cursor of this stream")
    return int(text)


@dataclass(frozen=True, slots=True)
class Stream:
    """A subscription field over one streamed table.

    ``keys`` map arguments naming one row (a project, a task) to the stream column they
    restrict; ``sets`` map list arguments to the row column whose value must be among
    them (``eventTypes`` also accepts prefixes such as ``task.*``).
    """

    field: str
    source: str
    snapshot: bool
    keys: Mapping[str, str] = dataclasses.field(default_factory=dict)
    sets: Mapping[str, str] = dataclasses.field(default_factory=dict)
    required: tuple[str, ...] = ()

    def filter(self, arguments: Mapping[str, Any]) -> Filter:
        for name in self.required:
            if arguments.get(name) is None:
                raise errors.BadUserInput(f"{name} is required")
        keys = {
            column: str(arguments[name])
            for name, column in self.keys.items()
            if arguments.get(name) is not None
        }
        sets = {}
        for name, column in self.sets.items():
            values = arguments.get(name)
            if values is None:
                continue
            if not values:
                raise errors.BadUserInput(f"{name}: give at least one value, or leave it out")
            sets[column] = _Choice.of(str(getattr(v, "value", v)) for v in values)
        return Filter(self, keys, sets)

    def select_sql(self) -> str:
        """The change rows of this stream: ``seq``, ``op`` and the row's columns."""
        if self.snapshot:
            rows = f"CROSS JOIN LATERAL jsonb_populate_record(NULL::public.{self.source}, s.data) r"
        else:
            rows = f"JOIN public.{self.source} r ON r.id = s.row_id"
        return (
            "SELECT s.seq, s.op, s.project_id AS stream_project_id, "
            f"s.task_id AS stream_task_id, s.user_id AS stream_user_id, r.* "
            f"FROM aura.stream s {rows} "
        )


@dataclass(frozen=True, slots=True)
class _Choice:
    """Allowed values of a column: exact ones and ``prefix.*`` patterns."""

    exact: frozenset[str]
    prefixes: tuple[str, ...]

    @classmethod
    def of(cls, values: Any) -> _Choice:
        exact, prefixes = set(), []
        for value in values:
            if value.endswith(".*"):
                prefixes.append(value[:-1])
            else:
                exact.add(value)
        return cls(frozenset(exact), tuple(sorted(prefixes)))

    def __contains__(self, value: object) -> bool:
        return value in self.exact or (
            isinstance(value, str) and value.startswith(self.prefixes) and bool(self.prefixes)
        )


@dataclass(frozen=True, slots=True)
class Filter:
    """One subscription's selection of changes."""

    stream: Stream
    keys: Mapping[str, str]  # stream column -> id
    sets: Mapping[str, _Choice]  # row column -> allowed values

    def matches(self, change: Change) -> bool:
        if change.source != self.stream.source:
            return False
        for column, value in self.keys.items():
            if getattr(change, column) != value:
                return False
        return all(change.row.get(column) in choice for column, choice in self.sets.items())

    def where(self, args: list[Any]) -> str:
        """SQL conditions over ``s`` (aura.stream) and ``r`` (the row); appends to args."""
        args.append(self.stream.source)
        clauses = [f"s.source = ${len(args)}"]
        for column, value in self.keys.items():
            args.append(value)
            clauses.append(f"s.{column} = ${len(args)}::uuid")
        for column, choice in self.sets.items():
            options = []
            if choice.exact:
                args.append(sorted(choice.exact))
                options.append(f"r.{column} = ANY(${len(args)}::text[])")
            if choice.prefixes:
                args.append([prefix.replace("%", r"\%") + "%" for prefix in choice.prefixes])
                options.append(f"r.{column} LIKE ANY(${len(args)}::text[])")
            clauses.append("(" + " OR ".join(options) + ")")
        return " AND ".join(clauses)


EXECUTION_LOGS = Stream(
    field="executionLogs",
    source="execution_logs",
    snapshot=False,
    keys={"taskId": "task_id"},
    sets={"agentTypes": "agent_type", "levels": "level"},
    required=("taskId",),
)
EVENTS = Stream(
    field="events",
    source="events",
    snapshot=False,
    keys={"projectId": "project_id", "taskId": "task_id"},
    sets={"eventTypes": "event_type"},
)
TASK_CHANGES = Stream(
    field="taskChanged", source="tasks", snapshot=True, keys={"projectId": "project_id"}
)
SERVICE_STATUS_CHANGES = Stream(
    field="serviceStatusChanged",
    source="service_status",
    snapshot=True,
    keys={"projectId": "project_id"},
)

INGEST_JOB_CHANGES = Stream(
    field="ingestJobChanged",
    source="ingest_jobs",
    snapshot=True,
    keys={"projectId": "project_id"},
)

ANALYTICS_JOB_CHANGES = Stream(
    field="analyticsJobChanged",
    source="analytics_jobs",
    snapshot=True,
    keys={"projectId": "project_id"},
)

STREAMS = {
    stream.field: stream
    for stream in (
        EXECUTION_LOGS,
        EVENTS,
        TASK_CHANGES,
        SERVICE_STATUS_CHANGES,
        INGEST_JOB_CHANGES,
        ANALYTICS_JOB_CHANGES,
    )
}
SOURCES = {stream.source: stream for stream in STREAMS.values()}


# -- reading the stream -------------------------------------------------------------------
# ``conn`` is an asyncpg connection or an ``aura.db.session.Session``: both fetch.


def change_from(source: str, row: Any) -> Change:
    """A change of ``source`` from a row of ``Stream.select_sql``."""
    data = dict(row.items())
    return Change(
        seq=data.pop("seq"),
        source=source,
        op=data.pop("op"),
        project_id=data.pop("stream_project_id"),
        task_id=data.pop("stream_task_id"),
        user_id=data.pop("stream_user_id"),
        row=data,
    )


async def head_position(conn: Any) -> int:
    """The position of the last committed change (0 for an empty stream)."""
    return int(await conn.fetchval("SELECT coalesce(max(seq), 0) FROM aura.stream"))


async def next_positions(conn: Any, after: int, limit: int) -> list[int]:
    """The positions of up to ``limit`` changes after ``after``, in order."""
    rows = await conn.fetch(
        "SELECT seq FROM aura.stream WHERE seq > $1 ORDER BY seq LIMIT $2", after, limit
    )
    return [row[0] for row in rows]


async def changes_between(conn: Any, source: str, after: int, through: int) -> list[Change]:
    """The changes of one source in ``(after, through]`` (not necessarily in order)."""
    stream = SOURCES[source]
    rows = await conn.fetch(
        stream.select_sql() + "WHERE s.seq > $1 AND s.seq <= $2 AND s.source = $3",
        after,
        through,
        source,
    )
    return [change_from(source, row) for row in rows]


async def project_owners(conn: Any, changes: list[Change]) -> dict[str, str]:
    """Project id -> owner id for the projects the changes belong to."""
    projects = list({c.project_id for c in changes if c.project_id is not None})
    rows = await conn.fetch(
        "SELECT id, owner_id FROM public.projects WHERE id = ANY($1::uuid[])", projects
    )
    return dict(rows)


async def horizon(conn: Any) -> int:
    """The oldest position the stream still keeps changes after."""
    return int(await conn.fetchval("SELECT seq FROM aura.stream_horizon"))


async def filtered_after(conn: Any, flt: Filter, after: int, limit: int) -> list[Change]:
    """Up to ``limit`` changes after ``after`` that ``flt`` selects, in order (the
    same selection ``Filter.matches`` makes on live changes), read under ``conn``'s
    row-level security."""
    stream = flt.stream
    args: list[Any] = [after]
    rows = await conn.fetch(
        stream.select_sql()
        + f"WHERE s.seq > $1 AND {flt.where(args)} ORDER BY s.seq LIMIT {limit}",
        *args,
    )
    return [change_from(stream.source, row) for row in rows]


async def prune(conn: Any, retention_days: int) -> int:
    """Forget stream rows older than the retention; returns how many went."""
    removed = await conn.fetchval(
        "SELECT aura.prune_stream(make_interval(days => $1))", retention_days
    )
    return int(removed or 0)
