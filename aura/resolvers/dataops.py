"""Dataops domain: records and their review, Likert ratings, CSV ingest jobs (upload,
cancel) and analytics jobs."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from aura import errors
from aura.db import llm_rating
from aura.db.ingest import FINAL, ColumnMapping, create_job
from aura.db.sql.values import check_id
from aura.db.tables.dataops import data_records
from aura.engine import bulk, crud
from aura.engine.relay import ID_ARGUMENT, by_id_field, connection_field
from aura.schema.dataops import (
    AnalyticsJob,
    AnalyticsJobFilter,
    AnalyticsJobOrderBy,
    CategoryReviewCount,
    CreateDataRecordInput,
    CreateLikertScoreInput,
    DataRecord,
    DataRecordFilter,
    DataRecordOrderBy,
    IngestCsvInput,
    IngestJob,
    IngestJobFilter,
    IngestJobOrderBy,
    LikertScore,
    LikertScoreFilter,
    LikertScoreOrderBy,
    RecordCategory,
    RecordType,
    ReviewerCount,
    ReviewStatistics,
    SimilarRecord,
    UpdateDataRecordInput,
    UpdateLikertScoreInput,
)

_FINAL = tuple(s.value for s in FINAL)

_REVIEW = """
UPDATE data_records
SET has_been_reviewed = true, is_category_correct = $2,
    reviewed_by = aura.current_user_id()::text, reviewed_at = now()
WHERE id = $1::uuid RETURNING *"""

_CANCEL_ANALYTICS = """
UPDATE analytics_jobs SET status = 'CANCELLED'
WHERE id = $1::uuid AND status IN ('PENDING', 'PROCESSING')
RETURNING *"""

_CANCEL = f"""
UPDATE ingest_jobs SET status = 'CANCELLED', finished_at = now()
WHERE id = $1::uuid AND status NOT IN {_FINAL!r}
RETURNING *"""

# Row-level security scopes both to the caller's projects.
_REVIEW_BY_CATEGORY = """
SELECT category, count(*)::int AS total,
       count(*) FILTER (WHERE has_been_reviewed)::int AS reviewed,
       count(*) FILTER (WHERE is_category_correct)::int AS correct,
       count(*) FILTER (WHERE NOT is_category_correct)::int AS incorrect
FROM data_records WHERE project_id = $1::uuid AND ($2::text IS NULL OR type = $2)
GROUP BY category ORDER BY category NULLS LAST"""

_REVIEW_BY_REVIEWER = """
SELECT reviewed_by, count(*)::int AS reviewed,
       count(*) FILTER (WHERE is_category_correct)::int AS correct,
       count(*) FILTER (WHERE NOT is_category_correct)::int AS incorrect
FROM data_records
WHERE project_id = $1::uuid AND ($2::text IS NULL OR type = $2) AND has_been_reviewed
GROUP BY reviewed_by ORDER BY count(*) DESC, reviewed_by"""


# Every column but the embedding itself (large, and no field reads it).
_RECORD_COLUMNS = ", ".join(f"r.{c.name}" for c in data_records.columns if c.name != "embedding")
_SIMILAR = f"""
SELECT {_RECORD_COLUMNS}, (1 - (r.embedding <=> q.embedding))::float8 AS similarity
FROM data_records r, (SELECT embedding FROM data_records WHERE id = $1::uuid) q
WHERE r.project_id = $2::uuid AND r.id <> $1::uuid AND r.embedding IS NOT NULL
  AND ($3::text IS NULL OR r.type = $3) AND ($4::text IS NULL OR r.category = $4)
ORDER BY r.embedding <=> q.embedding, r.id
LIMIT $5"""
_SIMILAR_TO_TEXT = f"""
SELECT {_RECORD_COLUMNS}, (1 - (r.embedding <=> $1::vector))::float8 AS similarity
FROM data_records r
WHERE r.project_id = $2::uuid AND r.embedding IS NOT NULL
  AND ($3::text IS NULL OR r.type = $3) AND ($4::text IS NULL OR r.category = $4)
ORDER BY r.embedding <=> $1::vector, r.id
LIMIT $5"""
MAX_SIMILAR = 100


def _visible_or_not_found(row: Any, what: str, id_: str) -> Any:
    if row is None:
        raise errors.NotFound(f"no {what} with id {id_}")
    return row


@strawberry.type
class DataopsQuery:
    data_record = by_id_field("data_records", node=DataRecord, description="A data record by ID.")
    data_records = connection_field(
        "data_records",
        node=DataRecord,
        filter=DataRecordFilter,
        order=DataRecordOrderBy,
        description="Data records of your projects. The review queue is "
        "`dataRecords(filter: {hasBeenReviewed: {eq: false}})`.",
    )
    likert_score = by_id_field("likert_scores", node=LikertScore, description="A rating by ID.")
    likert_scores = connection_field(
        "likert_scores",
        node=LikertScore,
        filter=LikertScoreFilter,
        order=LikertScoreOrderBy,
        description="Ratings of your projects' records.",
    )
    ingest_job = by_id_field("ingest_jobs", node=IngestJob, description="An ingest job by ID.")
    ingest_jobs = connection_field(
        "ingest_jobs",
        node=IngestJob,
        filter=IngestJobFilter,
        order=IngestJobOrderBy,
        description="CSV ingest jobs of your projects.",
    )
    analytics_job = by_id_field(
        "analytics_jobs", node=AnalyticsJob, description="An analytics job by ID."
    )
    analytics_jobs = connection_field(
        "analytics_jobs",
        node=AnalyticsJob,
        filter=AnalyticsJobFilter,
        order=AnalyticsJobOrderBy,
        description="Analytics jobs of your projects.",
    )

    @strawberry.field(
        description="Review progress of a project's records: counts per category and per "
        "reviewer (zero counts for a project you cannot see)."
    )
    async def review_statistics(
        self,
        info: Info,
        project_id: Annotated[strawberry.ID, strawberry.argument(description="The project.")],
        type: Annotated[
            RecordType | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only records of this type; all when omitted."),
        ] = None,
    ) -> ReviewStatistics:
        key = check_id(project_id, "projectId")
        kind = type.value if type is not None else None
        session = info.context.session
        categories = await session.fetch(_REVIEW_BY_CATEGORY, key, kind)
        reviewers = await session.fetch(_REVIEW_BY_REVIEWER, key, kind)
        return ReviewStatistics(
            total=sum(r["total"] for r in categories),
            reviewed=sum(r["reviewed"] for r in categories),
            by_category=[
                CategoryReviewCount(
                    category=RecordCategory(r["category"]) if r["category"] else None,
                    total=r["total"],
                    reviewed=r["reviewed"],
                    correct=r["correct"],
                    incorrect=r["incorrect"],
                )
                for r in categories
            ],
            by_reviewer=[
                ReviewerCount(
                    reviewer_id=r["reviewed_by"],
                    reviewed=r["reviewed"],
                    correct=r["correct"],
                    incorrect=r["incorrect"],
                )
                for r in reviewers
            ],
        )

    @strawberry.field(
        description="Records of a project most similar to a record (by their embeddings, "
        "cosine similarity, most similar first). Only records with an embedding take part "
        "(empty for a record without one): an ingest embeds its records before it "
        "completes, with the installation's embedding provider. `text` is embedded with "
        "the same provider (PROVIDER_ERROR when it fails)."
    )
    async def similar_records(
        self,
        info: Info,
        project_id: Annotated[strawberry.ID, strawberry.argument(description="The project.")],
        record_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Find records like this one (give it or `text`)."),
        ] = None,
        text: Annotated[
            str | None, strawberry.argument(description="Find records like this text.")
        ] = None,
        type: Annotated[
            RecordType | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only records of this type."),
        ] = None,
        category: Annotated[
            RecordCategory | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only records of this category."),
        ] = None,
        limit: Annotated[
            int, strawberry.argument(description=f"How many, 1 to {MAX_SIMILAR}.")
        ] = 10,
    ) -> list[SimilarRecord]:
        if (record_id is None) == (text is None):
            raise errors.BadUserInput("give either recordId or text")
        if not 1 <= limit <= MAX_SIMILAR:
            raise errors.BadUserInput(f"limit: 1 to {MAX_SIMILAR}")
        session = info.context.session
        filters = (
            check_id(project_id, "projectId"),
            type.value if type is not None else None,
            category.value if category is not None else None,
            limit,
        )
        if text is not None:
            if not text.strip():
                raise errors.BadUserInput("text: give something to compare with", field="text")
            embedder = await info.context.embedder()
            (vector,) = await embedder.embed([text])
            rows = await session.fetch(_SIMILAR_TO_TEXT, vector, *filters)
        else:
            key = check_id(record_id, "recordId")
            source = await session.fetchrow(
                "SELECT embedding IS NOT NULL AS embedded FROM data_records WHERE id = $1::uuid",
                key,
            )
            if source is None:
                raise errors.NotFound(f"no data record with id {key}")
            if not source["embedded"]:
                return []  # not embedded yet: nothing to compare it with
            rows = await session.fetch(_SIMILAR, key, *filters)
        return [
            SimilarRecord(
                record=crud.as_object(
                    "data_records", {k: v for k, v in r.items() if k != "similarity"}
                ),
                similarity=r["similarity"],
            )
            for r in rows
        ]


@strawberry.type
class DataopsMutation:
    create_data_record = crud.create_field(
        "data_records",
        input=CreateDataRecordInput,
        node=DataRecord,
        description="Create a data record in one of your projects; you are its author.",
    )
    update_data_record = crud.update_field(
        "data_records",
        input=UpdateDataRecordInput,
        node=DataRecord,
        description="Change a data record's type, category, content or metadata.",
    )
    delete_data_record = crud.delete_field(
        "data_records", description="Delete a data record and its ratings. Returns its ID."
    )
    create_likert_score = crud.create_field(
        "likert_scores",
        input=CreateLikertScoreInput,
        node=LikertScore,
        description="Rate a record as yourself (scores 1-7: BAD_USER_INPUT otherwise; "
        "CONFLICT when you already rated it: update that rating instead).",
    )
    upsert_likert_score = bulk.upsert_field(
        "likert_scores",
        input=CreateLikertScoreInput,
        node=LikertScore,
        key=("record_id", "user_id", "llm_model"),
        required=("record_id",),
        description="Rate a record as yourself, or change your rating of it (scores 1-7).",
    )
    update_likert_score = crud.update_field(
        "likert_scores",
        input=UpdateLikertScoreInput,
        node=LikertScore,
        description="Change a rating (scores 1-7).",
    )
    update_data_records = bulk.update_many_field(
        "data_records",
        filter=DataRecordFilter,
        input=UpdateDataRecordInput,
        node=DataRecord,
        description="Change every data record matching the filter (at most 100); returns them.",
    )
    delete_data_records = bulk.delete_many_field(
        "data_records",
        filter=DataRecordFilter,
        description=(
            "Delete every data record matching the filter (at most 100) with their "
            "ratings; returns their IDs."
        ),
    )
    delete_likert_score = crud.delete_field(
        "likert_scores", description="Delete a rating. Returns its ID."
    )
    delete_analytics_job = crud.delete_field(
        "analytics_jobs", description="Delete an analytics job. Returns its ID."
    )
    delete_ingest_job = crud.delete_field(
        "ingest_jobs",
        description="Delete an ingest job (a running one stops). Its records stay, "
        "without `ingestJobId`. Returns its ID.",
    )

    @strawberry.mutation(
        description="Record your review of a record's category: sets `hasBeenReviewed`, "
        "`isCategoryCorrect`, `reviewedBy` (you) and `reviewedAt`. Reviewing again "
        "replaces the verdict."
    )
    async def review_record(
        self,
        info: Info,
        id: ID_ARGUMENT,
        is_category_correct: Annotated[
            bool, strawberry.argument(description="Whether its `category` is right.")
        ],
    ) -> DataRecord:
        key = check_id(id)
        row = await info.context.session.fetchrow(_REVIEW, key, is_category_correct)
        return crud.as_object("data_records", _visible_or_not_found(row, "data record", key))

    @strawberry.mutation(
        description="Upload a CSV file into a project's data records, as a GraphQL "
        "multipart request. Returns the job at once (PENDING, `totalRecords` counted); "
        "a worker saves the rows in the background. BAD_USER_INPUT for an empty file, "
        "one that is not UTF-8, or a mapped column the header lacks."
    )
    async def ingest_csv(
        self,
        info: Info,
        input: Annotated[IngestCsvInput, crud.CREATE_INPUT],
    ) -> IngestJob:
        mapping = ColumnMapping(
            content=input.content_column,
            category=input.category_column,
            creator_id=input.creator_id_column,
            creator_name=input.creator_name_column,
            creator_email=input.creator_email_column,
        )
        upload = input.file
        if not hasattr(upload, "file"):
            raise errors.BadUserInput("file: send the file as a multipart request part")
        row = await create_job(
            info.context.session,
            project_id=check_id(input.project_id, "projectId"),
            type=input.type.value,  # type: ignore[attr-defined]
            file=upload.file,
            file_name=getattr(upload, "filename", None),
            mapping=mapping,
            max_bytes=info.context.settings.max_upload_bytes,
        )
        return crud.as_object("ingest_jobs", row)

    @strawberry.mutation(
        description="Stop an ingest job: it becomes CANCELLED at once and its worker stops "
        "within a second. Records saved before stay, matching `savedCount`. A job already "
        "final is returned unchanged."
    )
    async def cancel_ingest_job(self, info: Info, id: ID_ARGUMENT) -> IngestJob:
        key = check_id(id)
        session = info.context.session
        row = await session.fetchrow(_CANCEL, key)
        if row is None:
            row = await session.fetchrow("SELECT * FROM ingest_jobs WHERE id = $1::uuid", key)
        else:
            await session.execute("DELETE FROM ingest_uploads WHERE job_id = $1::uuid", key)
        return crud.as_object("ingest_jobs", _visible_or_not_found(row, "ingest job", key))

    @strawberry.mutation(
        description="Start a bulk alignment analysis of a project's records (of one type, "
        "if given) against its guidelines by the configured LLM. Returns the job (PENDING); "
        "a worker sends the records in batches, stores each one's `alignmentAnalysis`, "
        "counts `processedCount` as it goes and ends with `result` and the project's "
        "`lastTaskAnalysis` / `lastFeedbackAnalysis`. The job FAILS at once (its `error` "
        "says why) when no LLM provider is configured or the project has no guidelines; "
        "a provider failure mid-job FAILS it with the provider's message, keeping what "
        "was analysed."
    )
    async def start_analytics_job(
        self,
        info: Info,
        project_id: Annotated[strawberry.ID, strawberry.argument(description="The project.")],
        type: Annotated[
            RecordType | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only records of this type; all when omitted."),
        ] = None,
    ) -> AnalyticsJob:
        session = info.context.session
        row = await crud.insert(
            info,
            "analytics_jobs",
            {
                "project_id": check_id(project_id, "projectId"),
                "type": type.value if type is not None else None,
            },
        )
        total = await session.fetchval(
            "SELECT count(*)::int FROM data_records WHERE project_id = $1::uuid "
            "AND ($2::text IS NULL OR type = $2)",
            row["project_id"],
            row["type"],
        )
        row = await session.fetchrow(
            "UPDATE analytics_jobs SET total_records = $2 WHERE id = $1::uuid RETURNING *",
            row["id"],
            total,
        )
        await session.execute("SELECT aura.enqueue_job('analytics', $1::uuid)", row["id"])
        return crud.as_object("analytics_jobs", row)

    @strawberry.mutation(
        description="Stop an analytics job: it becomes CANCELLED at once and its worker "
        "stops after the batch in flight (not stored). Analyses stored before stay, "
        "matching `processedCount`. A job already final is returned unchanged."
    )
    async def cancel_analytics_job(self, info: Info, id: ID_ARGUMENT) -> AnalyticsJob:
        key = check_id(id)
        session = info.context.session
        row = await session.fetchrow(_CANCEL_ANALYTICS, key)
        if row is None:
            row = await session.fetchrow("SELECT * FROM analytics_jobs WHERE id = $1::uuid", key)
        return crud.as_object("analytics_jobs", _visible_or_not_found(row, "analytics job", key))

    @strawberry.mutation(
        description="Have the configured LLM rate a record's realism and quality (1-7, "
        "asked as JSON): stored as a rating by the all-zero user ID with `llmModel` the "
        "provider's model, replacing that model's earlier rating of the record. "
        "PROVIDER_ERROR, nothing stored, when no LLM provider is configured, the provider "
        "fails, or the model answers anything but two integers from 1 to 7."
    )
    async def rate_record_with_llm(
        self,
        info: Info,
        record_id: Annotated[strawberry.ID, strawberry.argument(description="The record to rate.")],
    ) -> LikertScore:
        key = check_id(record_id, "recordId")
        row = await llm_rating.rate(info.context.session, info.context.chat, key)
        return crud.as_object("likert_scores", row)
