"""Dataops domain contract (seed 004): data records (tasks and feedback, top and bottom
10 %), their Likert ratings and review, CSV ingest jobs and analytics jobs; what the
domain adds to ``Project``."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.file_uploads import Upload
from strawberry.scalars import JSON

from aura.db import enums
from aura.engine.relay import OrderBy, connection_field, entity_type, extend_type, related_field
from aura.engine.scopes import in_domain
from aura.schema import docs
from aura.schema.common import lazy
from aura.schema.filters import (
    BooleanFilter,
    DateTimeFilter,
    EnumFilter,
    IDFilter,
    IntFilter,
    JSONFilter,
    StringFilter,
)
from aura.schema.work import Project

HERE = "aura.schema.dataops"
WORK = "aura.schema.work"
ACCOUNTS = "aura.schema.accounts"

RecordType = strawberry.enum(enums.RecordType, description="What a data record is.")
RecordCategory = strawberry.enum(
    enums.RecordCategory, description="Quality class of a data record."
)
IngestStatus = strawberry.enum(
    enums.IngestStatus,
    description="Where an ingest job stands: PENDING → PROCESSING → QUEUED_FOR_VEC → "
    "VECTORIZING → COMPLETED, or FAILED / CANCELLED (both final).",
)
AnalyticsStatus = strawberry.enum(
    enums.AnalyticsStatus, description="Where an analytics job stands."
)


# -- data records ----------------------------------------------------------------------


@entity_type("data_records", domain="dataops")
@strawberry.type(
    description="A task or a feedback text of a project, classified top or bottom 10 %, "
    "with the CSV's other columns in `metadata`, its review and its ratings."
)
class DataRecord:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    project_id: strawberry.ID = strawberry.field(description=docs.PROJECT_ID)
    type: RecordType = strawberry.field(description="Task or feedback.")  # type: ignore[valid-type]
    category: RecordCategory | None = strawberry.field(  # type: ignore[valid-type]
        description="Top or bottom 10 %; null when not classified."
    )
    source: str = strawberry.field(
        description="Where it came from: `api`, or `csv:<file name>` for an ingest."
    )
    content: str = strawberry.field(description="The text itself. Not blank.")
    metadata: JSON = strawberry.field(
        description="The source row's other columns (column name → text), or free-form JSON."
    )
    alignment_analysis: str | None = strawberry.field(
        description="The LLM's analysis of its alignment with the project's guidelines, "
        "written by the last analytics job that covered it: JSON text `{jobId, aligned, "
        "score (1-10), reasoning, issues, model, analysedAt}`."
    )
    has_been_reviewed: bool = strawberry.field(description="A reviewer has judged its category.")
    is_category_correct: bool | None = strawberry.field(
        description="The reviewer's verdict on `category`; null until reviewed."
    )
    reviewed_by: str | None = strawberry.field(description="ID of the user who reviewed it.")
    reviewed_at: datetime | None = strawberry.field(description="When it was reviewed.")
    created_by_id: str | None = strawberry.field(
        description="ID of its author (the caller for `createDataRecord`, the uploader or "
        "the mapped creator column for an ingest)."
    )
    created_by_name: str | None = strawberry.field(description="Its author's name, if known.")
    created_by_email: str | None = strawberry.field(description="Its author's email, if known.")
    ingest_job_id: strawberry.ID | None = strawberry.field(
        description="The ingest job that loaded it, if any."
    )
    source_row: int | None = strawberry.field(
        description="Its row in the ingested file (the header is row 1)."
    )
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    project = related_field(
        "data_records.project",
        node=lazy("Project", WORK),
        required=True,
        description="The project it belongs to.",
    )
    ingest_job = related_field(
        "data_records.ingest_job",
        node=lazy("IngestJob", HERE),
        description="The ingest job that loaded it, if any.",
    )
    likert_scores = connection_field(
        "likert_scores",
        via="data_records.likert_scores",
        node=lazy("LikertScore", HERE),
        filter=lazy("LikertScoreFilter", HERE),
        order=lazy("LikertScoreOrderBy", HERE),
        description="Its ratings, by people and LLMs.",
    )


@strawberry.input(description="Conditions on data records; all given fields must match.")
class DataRecordFilter:
    id: IDFilter | None = None
    project_id: IDFilter | None = None
    type: EnumFilter[RecordType] | None = None  # type: ignore[valid-type]
    category: EnumFilter[RecordCategory] | None = None  # type: ignore[valid-type]
    content: StringFilter | None = None
    metadata: JSONFilter | None = None
    has_been_reviewed: BooleanFilter | None = None
    is_category_correct: BooleanFilter | None = None
    reviewed_by: StringFilter | None = None
    created_by_id: StringFilter | None = None
    created_by_email: StringFilter | None = None
    ingest_job_id: IDFilter | None = None
    source_row: IntFilter | None = None
    created_at: DateTimeFilter | None = None
    and_: list[DataRecordFilter] | None = strawberry.field(default=None, name="and")
    or_: list[DataRecordFilter] | None = strawberry.field(default=None, name="or")
    not_: DataRecordFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields data records can be ordered by.")
class DataRecordOrderField(Enum):
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    TYPE = "type"
    CATEGORY = "category"
    SOURCE_ROW = "source_row"
    REVIEWED_AT = "reviewed_at"


@strawberry.input(description="One ordering term for data records.")
class DataRecordOrderBy(OrderBy[DataRecordOrderField]):
    pass


@strawberry.input(description="A new data record; you are its author.")
class CreateDataRecordInput:
    project_id: strawberry.ID = strawberry.field(description="The project it belongs to.")
    type: RecordType = strawberry.field(description="Task or feedback.")  # type: ignore[valid-type]
    content: str = strawberry.field(description="The text. Not blank.")
    category: RecordCategory | None = strawberry.field(  # type: ignore[valid-type]
        default=strawberry.UNSET, description="Top or bottom 10 %, if classified."
    )
    metadata: JSON | None = strawberry.field(
        default=strawberry.UNSET, description="Free-form JSON (an ingest puts the CSV's columns)."
    )


@strawberry.input(description="Changes to a data record; omitted fields stay as they are.")
class UpdateDataRecordInput:
    type: RecordType | None = strawberry.UNSET  # type: ignore[valid-type]
    category: RecordCategory | None = strawberry.UNSET  # type: ignore[valid-type]
    content: str | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET


# -- Likert scores ---------------------------------------------------------------------


@entity_type("likert_scores", domain="dataops")
@strawberry.type(
    description="A rating of a data record on two 1-7 scales, by a person (their user ID) "
    "or by an LLM (the all-zero user ID and `llmModel`). One per record and rater (and model)."
)
class LikertScore:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    record_id: strawberry.ID = strawberry.field(description="The rated record.")
    project_id: strawberry.ID = strawberry.field(description=docs.PROJECT_ID)
    user_id: str = strawberry.field(
        description="The rater's user ID; `00000000-0000-0000-0000-000000000000` for an LLM."
    )
    realism_score: int = strawberry.field(description="How realistic it is, 1 (not) to 7 (fully).")
    quality_score: int = strawberry.field(description="How good it is, 1 (poor) to 7 (excellent).")
    llm_model: str | None = strawberry.field(description="The LLM that rated it; null for people.")
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    record = related_field(
        "likert_scores.record",
        node=lazy("DataRecord", HERE),
        required=True,
        description="The rated record.",
    )


@strawberry.input(description="Conditions on Likert scores; all given fields must match.")
class LikertScoreFilter:
    id: IDFilter | None = None
    record_id: IDFilter | None = None
    project_id: IDFilter | None = None
    user_id: StringFilter | None = None
    llm_model: StringFilter | None = None
    realism_score: IntFilter | None = None
    quality_score: IntFilter | None = None
    created_at: DateTimeFilter | None = None
    and_: list[LikertScoreFilter] | None = strawberry.field(default=None, name="and")
    or_: list[LikertScoreFilter] | None = strawberry.field(default=None, name="or")
    not_: LikertScoreFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields Likert scores can be ordered by.")
class LikertScoreOrderField(Enum):
    CREATED_AT = "created_at"
    REALISM_SCORE = "realism_score"
    QUALITY_SCORE = "quality_score"


@strawberry.input(description="One ordering term for Likert scores.")
class LikertScoreOrderBy(OrderBy[LikertScoreOrderField]):
    pass


@strawberry.input(description="Your rating of a record (one per record: CONFLICT for a second).")
class CreateLikertScoreInput:
    record_id: strawberry.ID = strawberry.field(description="The record you rate.")
    realism_score: int = strawberry.field(description="1 to 7 (BAD_USER_INPUT otherwise).")
    quality_score: int = strawberry.field(description="1 to 7 (BAD_USER_INPUT otherwise).")


@strawberry.input(description="Changes to a rating; omitted fields stay as they are.")
class UpdateLikertScoreInput:
    realism_score: int | None = strawberry.UNSET
    quality_score: int | None = strawberry.UNSET


# -- ingest jobs -----------------------------------------------------------------------


@entity_type("ingest_jobs", domain="dataops")
@strawberry.type(
    description="A CSV file being loaded into a project's data records, with its progress: "
    "poll it or subscribe to `ingestJobChanged` to draw a progress bar "
    "(`savedCount + skippedCount` of `totalRecords`)."
)
class IngestJob:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    project_id: strawberry.ID = strawberry.field(description=docs.PROJECT_ID)
    created_by: strawberry.ID | None = strawberry.field(description="The user who uploaded it.")
    type: RecordType = strawberry.field(description="The type of every record it loads.")  # type: ignore[valid-type]
    status: IngestStatus = strawberry.field(description="Where it stands.")  # type: ignore[valid-type]
    file_name: str | None = strawberry.field(description="The uploaded file's name.")
    file_bytes: int = strawberry.field(description="The uploaded file's size in bytes.")
    column_mapping: JSON = strawberry.field(
        description="Which CSV columns hold the content, category and creator."
    )
    total_records: int = strawberry.field(
        description="Data rows in the file (0 until a worker has counted them)."
    )
    saved_count: int = strawberry.field(description="Rows saved as records so far.")
    skipped_count: int = strawberry.field(description="Rows refused so far (see `skippedDetails`).")
    skipped_details: JSON = strawberry.field(
        description="Refused rows, as `[{row, reason}]` (row 1 is the header); the first "
        "1000 are kept, `skippedCount` counts all."
    )
    error: str | None = strawberry.field(description="Why it FAILED; null otherwise.")
    started_at: datetime | None = strawberry.field(description="When a worker started it.")
    finished_at: datetime | None = strawberry.field(description="When it reached a final status.")
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    project = related_field(
        "ingest_jobs.project",
        node=lazy("Project", WORK),
        required=True,
        description="The project it loads into.",
    )
    records = connection_field(
        "data_records",
        via="ingest_jobs.records",
        node=lazy("DataRecord", HERE),
        filter=lazy("DataRecordFilter", HERE),
        order=lazy("DataRecordOrderBy", HERE),
        description="The records it saved.",
    )


@strawberry.input(description="Conditions on ingest jobs; all given fields must match.")
class IngestJobFilter:
    id: IDFilter | None = None
    project_id: IDFilter | None = None
    type: EnumFilter[RecordType] | None = None  # type: ignore[valid-type]
    status: EnumFilter[IngestStatus] | None = None  # type: ignore[valid-type]
    file_name: StringFilter | None = None
    created_at: DateTimeFilter | None = None
    and_: list[IngestJobFilter] | None = strawberry.field(default=None, name="and")
    or_: list[IngestJobFilter] | None = strawberry.field(default=None, name="or")
    not_: IngestJobFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields ingest jobs can be ordered by.")
class IngestJobOrderField(Enum):
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    STATUS = "status"


@strawberry.input(description="One ordering term for ingest jobs.")
class IngestJobOrderBy(OrderBy[IngestJobOrderField]):
    pass


@strawberry.input(
    description="A CSV file to load (UTF-8, a header row, comma separated, RFC 4180 quoting: "
    "fields may hold commas, quotes and line breaks)."
)
class IngestCsvInput:
    project_id: strawberry.ID = strawberry.field(description="The project to load into.")
    type: RecordType = strawberry.field(description="The type of every record.")  # type: ignore[valid-type]
    file: Upload = strawberry.field(
        description="The file, sent as a GraphQL multipart request (`Upload`)."
    )
    content_column: str = strawberry.field(
        default="content", description="The column holding each record's text."
    )
    category_column: str | None = strawberry.field(
        default="category",
        description="The column holding TOP_10 or BOTTOM_10 (case and `-`/space insensitive; "
        "empty: not classified); null: none.",
    )
    creator_id_column: str | None = strawberry.field(
        default=None, description="The column naming each record's author (default: you)."
    )
    creator_name_column: str | None = strawberry.field(
        default=None, description="The column with the author's name."
    )
    creator_email_column: str | None = strawberry.field(
        default=None, description="The column with the author's email."
    )


# -- analytics jobs --------------------------------------------------------------------


@entity_type("analytics_jobs", domain="dataops")
@strawberry.type(
    description="A bulk alignment analysis of a project's records against its guidelines "
    "by the configured LLM, with its progress."
)
class AnalyticsJob:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    project_id: strawberry.ID = strawberry.field(description=docs.PROJECT_ID)
    created_by: strawberry.ID | None = strawberry.field(description="The user who started it.")
    type: RecordType | None = strawberry.field(  # type: ignore[valid-type]
        description="Only records of this type; null: all."
    )
    status: AnalyticsStatus = strawberry.field(description="Where it stands.")  # type: ignore[valid-type]
    total_records: int = strawberry.field(description="Records to analyse.")
    processed_count: int = strawberry.field(description="Records analysed so far.")
    error: str | None = strawberry.field(description="Why it FAILED; null otherwise.")
    result: JSON | None = strawberry.field(
        description="Once COMPLETED, the summary of what it analysed: `records`, `aligned`, "
        "`misaligned`, `alignedShare`, `meanScore`, `commonIssues` ([{issue, count}]), "
        "`byType` (the same per record type), `model`, `jobId`, `finishedAt`; null before."
    )
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    project = related_field(
        "analytics_jobs.project",
        node=lazy("Project", WORK),
        required=True,
        description="The project it analyses.",
    )


@strawberry.input(description="Conditions on analytics jobs; all given fields must match.")
class AnalyticsJobFilter:
    id: IDFilter | None = None
    project_id: IDFilter | None = None
    status: EnumFilter[AnalyticsStatus] | None = None  # type: ignore[valid-type]
    created_at: DateTimeFilter | None = None
    and_: list[AnalyticsJobFilter] | None = strawberry.field(default=None, name="and")
    or_: list[AnalyticsJobFilter] | None = strawberry.field(default=None, name="or")
    not_: AnalyticsJobFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields analytics jobs can be ordered by.")
class AnalyticsJobOrderField(Enum):
    CREATED_AT = "created_at"
    STATUS = "status"


@strawberry.input(description="One ordering term for analytics jobs.")
class AnalyticsJobOrderBy(OrderBy[AnalyticsJobOrderField]):
    pass


# -- review statistics -----------------------------------------------------------------


@in_domain("dataops")
@strawberry.type(description="Review counts of one category (or of unclassified records).")
class CategoryReviewCount:
    category: RecordCategory | None = strawberry.field(  # type: ignore[valid-type]
        description="The category; null for records without one."
    )
    total: int = strawberry.field(description="Records of this category.")
    reviewed: int = strawberry.field(description="Of them, reviewed.")
    correct: int = strawberry.field(description="Reviewed and judged correctly classified.")
    incorrect: int = strawberry.field(description="Reviewed and judged misclassified.")


@in_domain("dataops")
@strawberry.type(description="What one reviewer has reviewed.")
class ReviewerCount:
    reviewer_id: str = strawberry.field(description="The reviewer's user ID.")
    reviewed: int = strawberry.field(description="Records they reviewed.")
    correct: int = strawberry.field(description="Of them, judged correctly classified.")
    incorrect: int = strawberry.field(description="Of them, judged misclassified.")


@in_domain("dataops")
@strawberry.type(description="Review progress of a project's records (of one type, if given).")
class ReviewStatistics:
    total: int = strawberry.field(description="Records.")
    reviewed: int = strawberry.field(description="Records reviewed.")
    by_category: list[CategoryReviewCount] = strawberry.field(description="Counts per category.")
    by_reviewer: list[ReviewerCount] = strawberry.field(
        description="Counts per reviewer, most reviews first."
    )


@in_domain("dataops")
@strawberry.type(description="A data record and how similar it is to what was searched.")
class SimilarRecord:
    record: DataRecord = strawberry.field(description="The record.")
    similarity: float = strawberry.field(
        description="Cosine similarity of the embeddings, 1 (same direction) to -1."
    )


# -- what the domain adds to Project ----------------------------------------------------


@extend_type(Project)
class ProjectDataops:
    """The dataops fields of ``Project`` (relations in ``aura.db.mapping.dataops``)."""

    data_records = connection_field(
        "data_records",
        via="projects.data_records",
        node=lazy("DataRecord", HERE),
        filter=lazy("DataRecordFilter", HERE),
        order=lazy("DataRecordOrderBy", HERE),
        description="The project's data records (tasks and feedback).",
    )
    ingest_jobs = connection_field(
        "ingest_jobs",
        via="projects.ingest_jobs",
        node=lazy("IngestJob", HERE),
        filter=lazy("IngestJobFilter", HERE),
        order=lazy("IngestJobOrderBy", HERE),
        description="CSV ingest jobs of the project.",
    )
    analytics_jobs = connection_field(
        "analytics_jobs",
        via="projects.analytics_jobs",
        node=lazy("AnalyticsJob", HERE),
        filter=lazy("AnalyticsJobFilter", HERE),
        order=lazy("AnalyticsJobOrderBy", HERE),
        description="Analytics jobs of the project.",
    )
