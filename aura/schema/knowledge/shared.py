"""The knowledge domain's enums and the fields its types share."""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry

from aura.engine.relay import related_field
from aura.engine.scalars import Embedding
from aura.schema.common import lazy

HERE = "aura.schema.knowledge"
WORK = "aura.schema.work"
ACCOUNTS = "aura.schema.accounts"


VECTOR_DESCRIPTION = (
    "An embedding: exactly as many numbers as the installation's dimension "
    "(`AURA_EMBEDDING_DIMENSION`, 1536 by default), all finite. Vectors are compared by "
    "cosine similarity, so their length does not matter."
)


@strawberry.enum(description="How applying a learning turned out.")
class ApplicationOutcome(Enum):
    SUCCESS = strawberry.enum_value("SUCCESS", description="It worked.")
    PARTIAL = strawberry.enum_value("PARTIAL", description="It helped in part.")
    FAILURE = strawberry.enum_value("FAILURE", description="It did not work.")
    UNKNOWN = strawberry.enum_value("UNKNOWN", description="Not known (yet); the default.")


@strawberry.enum(description="What the searcher said of a search's results.")
class SearchFeedback(Enum):
    HELPFUL = strawberry.enum_value("HELPFUL", description="The results helped.")
    NOT_HELPFUL = strawberry.enum_value("NOT_HELPFUL", description="They did not.")


@strawberry.enum(
    description="How `searchKnowledge` ranks chunks. HYBRID fuses the VECTOR and TEXT "
    "rankings by reciprocal rank fusion: score = 1/(60 + vector rank) + 1/(60 + text rank), "
    "a ranking a chunk is missing from adding nothing."
)
class SearchMode(Enum):
    VECTOR = strawberry.enum_value(
        "VECTOR", description="By cosine similarity of the chunk's embedding to the query's."
    )
    TEXT = strawberry.enum_value(
        "TEXT",
        description="By PostgreSQL full-text rank (`ts_rank_cd`, English configuration; the "
        'query in `websearch_to_tsquery` syntax: words, "quoted phrases", -excluded, or).',
    )
    HYBRID = strawberry.enum_value(
        "HYBRID", description="Both, fused by reciprocal rank fusion (see the enum)."
    )


def project_field(via: str) -> Any:
    return related_field(
        via, node=lazy("Project", WORK), required=True, description="The project it belongs to."
    )


def user_field(via: str, description: str) -> Any:
    return related_field(via, node=lazy("User", ACCOUNTS), description=description)


def vector_field(column: str, description: str) -> Any:
    """A ``vector`` column as a list of floats (pgvector's codec reads a ``pgvector.Vector``)."""

    def resolve(root: Any) -> Embedding | None:
        value = root.__dict__.get(column)
        return None if value is None else value.to_list()

    return strawberry.field(resolver=resolve, description=description)
