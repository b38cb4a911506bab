"""The search log, search results, and the seed 002 views over learnings, coverage and
searches."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from aura.engine.relay import OrderBy, entity_type, related_field
from aura.engine.scopes import in_domain
from aura.schema import docs
from aura.schema.common import lazy
from aura.schema.filters import (
    DateTimeFilter,
    EnumFilter,
    FloatFilter,
    IDFilter,
    IntFilter,
    StringFilter,
)
from aura.schema.knowledge.learnings import LearningMatch
from aura.schema.knowledge.shared import (
    HERE,
    SearchFeedback,
    SearchMode,
    project_field,
    user_field,
    vector_field,
)
from aura.schema.knowledge.sources import KnowledgeChunk

# -- the search log ----------------------------------------------------------------------


@entity_type("search_queries", domain="knowledge")
@strawberry.type(
    description="One search (`searchKnowledge`, `searchLearnings`, `findSimilarLearnings`) "
    "as it was logged. Visible to its user and to whoever sees the project it searched."
)
class SearchQuery:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    project_id: strawberry.ID | None = strawberry.field(
        description="The project searched; null for a search over every project you see."
    )
    user_id: strawberry.ID = strawberry.field(description="Who searched.")
    query_text: str | None = strawberry.field(description="The query's text, if it had one.")
    search_type: str = strawberry.field(
        description="VECTOR, TEXT or HYBRID (`searchKnowledge`), LEARNINGS "
        "(`searchLearnings`) or SIMILAR_LEARNINGS (`findSimilarLearnings`)."
    )
    result_count: int = strawberry.field(description="How many results it returned.")
    top_result_id: strawberry.ID | None = strawberry.field(
        description="The best chunk found (knowledge searches; see `topResult`)."
    )
    top_result_similarity: float | None = strawberry.field(
        description="Cosine similarity of the best result to the query (null for TEXT)."
    )
    filters: JSON = strawberry.field(
        description="The search's other arguments (mode, limit, minSimilarity, filter, …)."
    )
    user_feedback: SearchFeedback | None = strawberry.field(
        description="What the searcher said of the results (`recordSearchFeedback`)."
    )
    metadata: JSON = strawberry.field(description=docs.METADATA)
    created_at: datetime = strawberry.field(description="When the search ran.")

    query_embedding = vector_field(
        "query_embedding", "The query's embedding (null for TEXT searches)."
    )
    project = related_field(
        "search_queries.project",
        node=lazy("Project", "aura.schema.work"),
        description="The project searched, if one was.",
    )
    user = user_field("search_queries.user", "The user who searched, if visible.")
    top_result = related_field(
        "search_queries.top_result",
        node=lazy("KnowledgeChunk", HERE),
        description="The best chunk found, if it still exists.",
    )


@strawberry.input(description="Conditions on logged searches; all given fields must match.")
class SearchQueryFilter:
    id: IDFilter | None = None
    project_id: IDFilter | None = None
    user_id: IDFilter | None = None
    query_text: StringFilter | None = None
    search_type: StringFilter | None = None
    result_count: IntFilter | None = None
    user_feedback: EnumFilter[SearchFeedback] | None = None
    created_at: DateTimeFilter | None = None
    and_: list[SearchQueryFilter] | None = strawberry.field(default=None, name="and")
    or_: list[SearchQueryFilter] | None = strawberry.field(default=None, name="or")
    not_: SearchQueryFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields logged searches can be ordered by.")
class SearchQueryOrderField(Enum):
    RESULT_COUNT = "result_count"
    TOP_RESULT_SIMILARITY = "top_result_similarity"
    CREATED_AT = "created_at"


@strawberry.input(description="One ordering term for logged searches.")
class SearchQueryOrderBy(OrderBy[SearchQueryOrderField]):
    pass


# -- results -----------------------------------------------------------------------------


@in_domain("knowledge")
@strawberry.type(description="A chunk `searchKnowledge` found, with its scores.")
class KnowledgeSearchHit:
    chunk: KnowledgeChunk = strawberry.field(description="The chunk.")
    score: float = strawberry.field(
        description="What the results are ordered by: `similarity` (VECTOR), `textRank` "
        "(TEXT) or the reciprocal rank fusion score (HYBRID)."
    )
    similarity: float = strawberry.field(
        description="Cosine similarity of the chunk's embedding to the query's, -1 to 1 "
        "(0 in TEXT mode, where the query is not embedded)."
    )
    text_rank: float | None = strawberry.field(
        description="Full-text rank (`ts_rank_cd`); null when the chunk does not match the "
        "query's words or in VECTOR mode."
    )
    vector_position: int | None = strawberry.field(
        description="Its position (from 1) in the vector ranking (VECTOR, HYBRID)."
    )
    text_position: int | None = strawberry.field(
        description="Its position (from 1) in the full-text ranking (TEXT, HYBRID); null "
        "when it does not match the words."
    )


@in_domain("knowledge")
@strawberry.type(description="What `searchKnowledge` found, best first.")
class KnowledgeSearchResult:
    query_id: strawberry.ID = strawberry.field(
        description="The logged search (see `SearchQuery`): pass it to `recordSearchFeedback`."
    )
    mode: SearchMode = strawberry.field(description="How the chunks were ranked.")
    hits: list[KnowledgeSearchHit] = strawberry.field(
        description="The chunks, best first: `limit` of them when that many match."
    )


@in_domain("knowledge")
@strawberry.type(description="What `searchLearnings` or `findSimilarLearnings` found.")
class LearningSearchResult:
    query_id: strawberry.ID = strawberry.field(
        description="The logged search: pass it to `recordSearchFeedback`."
    )
    matches: list[LearningMatch] = strawberry.field(
        description="The learnings, most similar first."
    )


# -- views (seed 002) --------------------------------------------------------------------


@entity_type("learning_effectiveness", domain="knowledge")
@strawberry.type(description="How well each learning you see works when applied.")
class LearningEffectiveness:
    id: strawberry.ID = strawberry.field(description="The learning's ID.")
    project_id: strawberry.ID = strawberry.field(description="Its project.")
    title: str = strawberry.field(description="Its title.")
    learning_type: str = strawberry.field(description="Its type.")
    category: str | None = strawberry.field(description="Its category.")
    confidence_score: float = strawberry.field(description="Its confidence, 0 to 1.")
    usage_count: int = strawberry.field(description="Times it was used.")
    application_count: int = strawberry.field(description="Applications recorded.")
    successful_applications: int = strawberry.field(description="Of which SUCCESS.")
    failed_applications: int = strawberry.field(description="Of which FAILURE.")
    success_rate_percent: float | None = strawberry.field(
        description="SUCCESS applications / all applications * 100, rounded to 2 decimals; "
        "null when none is recorded."
    )
    created_at: datetime = strawberry.field(description="When the learning was created.")

    project = project_field("learning_effectiveness.project")


@strawberry.input(description="Conditions on learning effectiveness; all given fields must match.")
class LearningEffectivenessFilter:
    id: IDFilter | None = None
    project_id: IDFilter | None = None
    category: StringFilter | None = None
    learning_type: StringFilter | None = None
    application_count: IntFilter | None = None
    success_rate_percent: FloatFilter | None = None
    and_: list[LearningEffectivenessFilter] | None = strawberry.field(default=None, name="and")
    or_: list[LearningEffectivenessFilter] | None = strawberry.field(default=None, name="or")
    not_: LearningEffectivenessFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields learning effectiveness can be ordered by.")
class LearningEffectivenessOrderField(Enum):
    USAGE_COUNT = "usage_count"
    APPLICATION_COUNT = "application_count"
    SUCCESS_RATE_PERCENT = "success_rate_percent"
    CREATED_AT = "created_at"


@strawberry.input(description="One ordering term for learning effectiveness.")
class LearningEffectivenessOrderBy(OrderBy[LearningEffectivenessOrderField]):
    pass


@entity_type("knowledge_coverage_by_project", domain="knowledge")
@strawberry.type(description="What the knowledge base holds for each project you see.")
class KnowledgeCoverage:
    project_id: strawberry.ID = strawberry.field(description="The project.")
    project_name: str = strawberry.field(description="Its name.")
    source_count: int = strawberry.field(description="Knowledge sources.")
    chunk_count: int = strawberry.field(description="Chunks of those sources.")
    learning_count: int = strawberry.field(description="Learnings.")
    total_tokens: int = strawberry.field(description="Tokens in all chunks.")
    source_type_count: int = strawberry.field(description="Distinct source types.")
    source_types: list[str] = strawberry.field(description="Those types, sorted.")
    created_at: datetime = strawberry.field(description="When the project was created.")

    project = project_field("knowledge_coverage_by_project.project")


@strawberry.input(description="Conditions on knowledge coverage; all given fields must match.")
class KnowledgeCoverageFilter:
    project_id: IDFilter | None = None
    project_name: StringFilter | None = None
    chunk_count: IntFilter | None = None
    learning_count: IntFilter | None = None
    and_: list[KnowledgeCoverageFilter] | None = strawberry.field(default=None, name="and")
    or_: list[KnowledgeCoverageFilter] | None = strawberry.field(default=None, name="or")
    not_: KnowledgeCoverageFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields knowledge coverage can be ordered by.")
class KnowledgeCoverageOrderField(Enum):
    PROJECT_NAME = "project_name"
    CHUNK_COUNT = "chunk_count"
    LEARNING_COUNT = "learning_count"
    CREATED_AT = "created_at"


@strawberry.input(description="One ordering term for knowledge coverage.")
class KnowledgeCoverageOrderBy(OrderBy[KnowledgeCoverageOrderField]):
    pass


@entity_type("popular_search_queries", domain="knowledge")
@strawberry.type(
    description="Searches grouped by project and query text (case and surrounding blanks "
    "ignored), over the searches you see."
)
class PopularSearchQuery:
    id: strawberry.ID = strawberry.field(description="A stable key of the group.")
    project_id: strawberry.ID | None = strawberry.field(
        description="The project searched; null for searches over every project."
    )
    query_text: str = strawberry.field(description="The query text (lower case).")
    query_count: int = strawberry.field(description="How often it was searched.")
    avg_results: float = strawberry.field(description="Average number of results.")
    helpful_count: int = strawberry.field(description="Searches marked HELPFUL.")
    not_helpful_count: int = strawberry.field(description="Searches marked NOT_HELPFUL.")
    last_queried: datetime = strawberry.field(description="When it was last searched.")


@strawberry.input(description="Conditions on popular searches; all given fields must match.")
class PopularSearchQueryFilter:
    project_id: IDFilter | None = None
    query_text: StringFilter | None = None
    query_count: IntFilter | None = None
    and_: list[PopularSearchQueryFilter] | None = strawberry.field(default=None, name="and")
    or_: list[PopularSearchQueryFilter] | None = strawberry.field(default=None, name="or")
    not_: PopularSearchQueryFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields popular searches can be ordered by.")
class PopularSearchQueryOrderField(Enum):
    QUERY_COUNT = "query_count"
    HELPFUL_COUNT = "helpful_count"
    LAST_QUERIED = "last_queried"


@strawberry.input(description="One ordering term for popular searches.")
class PopularSearchQueryOrderBy(OrderBy[PopularSearchQueryOrderField]):
    pass
