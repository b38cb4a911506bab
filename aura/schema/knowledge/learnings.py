"""Learnings (insights and practices agents extracted) and their applications."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from aura.engine.relay import OrderBy, connection_field, entity_type, related_field
from aura.engine.scalars import Embedding
from aura.engine.scopes import in_domain
from aura.schema import docs
from aura.schema.common import lazy
from aura.schema.filters import (
    BooleanFilter,
    DateTimeFilter,
    EnumFilter,
    FloatFilter,
    IDFilter,
    IntFilter,
    JSONFilter,
    StringFilter,
    StringListFilter,
)
from aura.schema.knowledge.shared import (
    HERE,
    VECTOR_DESCRIPTION,
    ApplicationOutcome,
    project_field,
    user_field,
    vector_field,
)
from aura.schema.work.shared import Priority

# -- learnings ---------------------------------------------------------------------------


@entity_type("learnings", domain="knowledge")
@strawberry.type(
    description="An insight or practice extracted from work, embedded for similarity "
    "search (`searchLearnings`, `findSimilarLearnings`)."
)
class Learning:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    project_id: strawberry.ID = strawberry.field(description=docs.PROJECT_ID)
    title: str = strawberry.field(description="Short statement of the learning.")
    content: str = strawberry.field(description="The learning in full.")
    learning_type: str = strawberry.field(
        description="What kind of learning, e.g. `insight`, `pattern`, `pitfall`."
    )
    category: str | None = strawberry.field(description="Topic, e.g. `testing`, `database`.")
    confidence_score: float = strawberry.field(description="How sure it is, from 0 to 1.")
    impact_level: Priority = strawberry.field(description="How much it matters.")  # type: ignore[valid-type]
    source_chunks: list[strawberry.ID] = strawberry.field(
        description="IDs of the knowledge chunks it was drawn from."
    )
    tags: list[str] = strawberry.field(description="Free labels.")
    verified: bool = strawberry.field(description="A person checked it.")
    verified_by: strawberry.ID | None = strawberry.field(
        description="Who set `verified` (see `verifier`)."
    )
    verified_at: datetime | None = strawberry.field(description="When it was verified.")
    usage_count: int = strawberry.field(
        description="Times it was used (`incrementLearningUsage`, `recordLearningApplication`)."
    )
    last_used_at: datetime | None = strawberry.field(description="When it was last used.")
    metadata: JSON = strawberry.field(description=docs.METADATA)
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    embedding = vector_field(
        "embedding", "The embedding of its title and content (ask only when you need it)."
    )
    project = project_field("learnings.project")
    verifier = user_field("learnings.verifier", "The user who verified it, if visible.")
    applications = connection_field(
        "learning_applications",
        via="learnings.applications",
        node=lazy("LearningApplication", HERE),
        filter=lazy("LearningApplicationFilter", HERE),
        order=lazy("LearningApplicationOrderBy", HERE),
        description="Where it was applied, oldest first.",
    )


@strawberry.input(description="Conditions on learnings; all given fields must match.")
class LearningFilter:
    id: IDFilter | None = None
    project_id: IDFilter | None = None
    title: StringFilter | None = None
    content: StringFilter | None = None
    learning_type: StringFilter | None = None
    category: StringFilter | None = None
    confidence_score: FloatFilter | None = None
    impact_level: EnumFilter[Priority] | None = None  # type: ignore[valid-type]
    tags: StringListFilter | None = None
    verified: BooleanFilter | None = None
    usage_count: IntFilter | None = None
    metadata: JSONFilter | None = None
    created_at: DateTimeFilter | None = None
    and_: list[LearningFilter] | None = strawberry.field(default=None, name="and")
    or_: list[LearningFilter] | None = strawberry.field(default=None, name="or")
    not_: LearningFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields learnings can be ordered by.")
class LearningOrderField(Enum):
    TITLE = "title"
    CONFIDENCE_SCORE = "confidence_score"
    USAGE_COUNT = "usage_count"
    LAST_USED_AT = "last_used_at"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


@strawberry.input(description="One ordering term for learnings.")
class LearningOrderBy(OrderBy[LearningOrderField]):
    pass


@strawberry.input(
    description="A new learning. Its embedding (of title and content) is computed unless "
    "you give one."
)
class CreateLearningInput:
    project_id: strawberry.ID
    title: str
    content: str
    learning_type: str | None = strawberry.UNSET
    category: str | None = strawberry.UNSET
    confidence_score: float | None = strawberry.UNSET
    impact_level: Priority | None = strawberry.UNSET  # type: ignore[valid-type]
    source_chunks: list[strawberry.ID] | None = strawberry.field(
        default=strawberry.UNSET,
        name="knowledgeChunkIds",
        description="IDs of the knowledge chunks it was drawn from (chunks you can see).",
    )
    tags: list[str] | None = strawberry.UNSET
    verified: bool | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET
    client_embedding: Embedding | None = strawberry.field(
        default=strawberry.UNSET, name="embedding", description=VECTOR_DESCRIPTION
    )


@strawberry.input(
    description="Changes to a learning; omitted fields stay as they are. A new title or "
    "content is re-embedded unless you give the embedding."
)
class UpdateLearningInput:
    title: str | None = strawberry.UNSET
    content: str | None = strawberry.UNSET
    learning_type: str | None = strawberry.UNSET
    category: str | None = strawberry.UNSET
    confidence_score: float | None = strawberry.UNSET
    impact_level: Priority | None = strawberry.UNSET  # type: ignore[valid-type]
    source_chunks: list[strawberry.ID] | None = strawberry.field(
        default=strawberry.UNSET,
        name="knowledgeChunkIds",
        description="IDs of the knowledge chunks it was drawn from (chunks you can see).",
    )
    tags: list[str] | None = strawberry.UNSET
    verified: bool | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET
    client_embedding: Embedding | None = strawberry.field(
        default=strawberry.UNSET, name="embedding", description=VECTOR_DESCRIPTION
    )


@in_domain("knowledge")
@strawberry.type(description="A learning found by similarity, with how similar it is.")
class LearningMatch:
    learning: Learning = strawberry.field(description="The learning.")
    similarity: float = strawberry.field(
        description="Cosine similarity of its embedding to the query's, from -1 to 1."
    )


@in_domain("knowledge")
@strawberry.type(description="What `createLearning` made, and learnings it may duplicate.")
class CreateLearningPayload:
    learning: Learning = strawberry.field(description="The new learning.")
    similar_learnings: list[LearningMatch] = strawberry.field(
        description="Learnings of the same project at least 0.9 similar to it, most "
        "similar first: likely duplicates."
    )


# -- applications ------------------------------------------------------------------------


@entity_type("learning_applications", domain="knowledge")
@strawberry.type(description="One time a learning was applied, and how it turned out.")
class LearningApplication:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    learning_id: strawberry.ID = strawberry.field(description="The learning applied.")
    project_id: strawberry.ID = strawberry.field(
        description="ID of the learning's project (see `project`)."
    )
    applied_to_type: str = strawberry.field(
        description="What it was applied to: an entity type such as `task` or `plan`."
    )
    applied_to_id: str | None = strawberry.field(description="The ID of what it was applied to.")
    context: str | None = strawberry.field(description="The situation, in words.")
    outcome: ApplicationOutcome = strawberry.field(description="How it turned out.")
    feedback: str | None = strawberry.field(description="What was learnt from applying it.")
    user_id: strawberry.ID | None = strawberry.field(description="Who recorded it.")
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    project = project_field("learning_applications.project")
    learning = related_field(
        "learning_applications.learning",
        node=Learning,
        required=True,
        description="The learning applied.",
    )
    user = user_field("learning_applications.user", "The user who recorded it, if visible.")


@strawberry.input(description="Conditions on learning applications; all given fields must match.")
class LearningApplicationFilter:
    id: IDFilter | None = None
    learning_id: IDFilter | None = None
    project_id: IDFilter | None = None
    applied_to_type: StringFilter | None = None
    applied_to_id: StringFilter | None = None
    outcome: EnumFilter[ApplicationOutcome] | None = None
    created_at: DateTimeFilter | None = None
    and_: list[LearningApplicationFilter] | None = strawberry.field(default=None, name="and")
    or_: list[LearningApplicationFilter] | None = strawberry.field(default=None, name="or")
    not_: LearningApplicationFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields learning applications can be ordered by.")
class LearningApplicationOrderField(Enum):
    OUTCOME = "outcome"
    CREATED_AT = "created_at"


@strawberry.input(description="One ordering term for learning applications.")
class LearningApplicationOrderBy(OrderBy[LearningApplicationOrderField]):
    pass


@strawberry.input(
    description="One application of a learning (`recordLearningApplication` also counts "
    "a use of the learning)."
)
class CreateLearningApplicationInput:
    learning_id: strawberry.ID
    applied_to_type: str
    applied_to_id: str | None = strawberry.UNSET
    context: str | None = strawberry.UNSET
    outcome: ApplicationOutcome | None = strawberry.UNSET
    feedback: str | None = strawberry.UNSET


@strawberry.input(description="Changes to an application; omitted fields stay as they are.")
class UpdateLearningApplicationInput:
    applied_to_type: str | None = strawberry.UNSET
    applied_to_id: str | None = strawberry.UNSET
    context: str | None = strawberry.UNSET
    outcome: ApplicationOutcome | None = strawberry.UNSET
    feedback: str | None = strawberry.UNSET
