"""What the knowledge domain adds to work's ``Project`` (its relations are added in
``aura.db.mapping.knowledge``)."""

from __future__ import annotations

from typing import Any

from aura.engine.relay import connection_field, extend_type
from aura.schema.common import lazy
from aura.schema.knowledge.shared import HERE
from aura.schema.work import Project


def _connection(target: str, type_name: str, via: str, description: str) -> Any:
    return connection_field(
        target,
        via=via,
        node=lazy(type_name, HERE),
        filter=lazy(f"{type_name}Filter", HERE),
        order=lazy(f"{type_name}OrderBy", HERE),
        description=description,
    )


@extend_type(Project)
class ProjectKnowledge:
    """The knowledge fields of ``Project``."""

    knowledge_sources = _connection(
        "knowledge_sources",
        "KnowledgeSource",
        "projects.knowledge_sources",
        "The project's knowledge sources.",
    )
    knowledge_chunks = _connection(
        "knowledge_chunks",
        "KnowledgeChunk",
        "projects.knowledge_chunks",
        "The chunks of the project's knowledge sources.",
    )
    learnings = _connection(
        "learnings", "Learning", "projects.learnings", "What was learnt in the project."
    )
