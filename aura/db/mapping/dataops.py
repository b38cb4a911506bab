"""Dataops domain mapping: data records with their ratings and source job, ingest and
analytics jobs, and the reverse relations on work's projects."""

from aura.db.mapping import Entity, extend, many, one, register
from aura.db.mapping import relations as _relations
from aura.db.tables import dataops as t

_SERVER = frozenset({"id", "created_at", "updated_at"})

register(
    Entity(
        "data_records",
        t.data_records,
        relations=_relations(
            one("project", "projects", local="project_id"),
            one("ingest_job", "ingest_jobs", local="ingest_job_id"),
            many("likert_scores", "likert_scores", remote="record_id"),
        ),
        read_only=_SERVER
        | {"embedding", "has_been_reviewed", "is_category_correct", "reviewed_by"}
        | {"reviewed_at", "ingest_job_id", "source_row", "source", "alignment_analysis"}
        | {"created_by_id", "created_by_name", "created_by_email"},
    ),
    Entity(
        "likert_scores",
        t.likert_scores,
        relations=_relations(
            one("record", "data_records", local="record_id"),
            one("project", "projects", local="project_id"),
        ),
        read_only=_SERVER | {"project_id", "user_id", "llm_model"},
    ),
    Entity(
        "ingest_jobs",
        t.ingest_jobs,
        relations=_relations(
            one("project", "projects", local="project_id"),
            one("creator", "users", local="created_by"),
            many("records", "data_records", remote="ingest_job_id"),
        ),
        read_only=frozenset(c.name for c in t.ingest_jobs.columns),
    ),
    Entity(
        "analytics_jobs",
        t.analytics_jobs,
        relations=_relations(
            one("project", "projects", local="project_id"),
            one("creator", "users", local="created_by"),
        ),
        read_only=frozenset(c.name for c in t.analytics_jobs.columns),
    ),
)

# The dataops domain's reverse relations on work's projects.
extend(
    "projects",
    many("data_records", "data_records", remote="project_id"),
    many("ingest_jobs", "ingest_jobs", remote="project_id"),
    many("analytics_jobs", "analytics_jobs", remote="project_id"),
)
