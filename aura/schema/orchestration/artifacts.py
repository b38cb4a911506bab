"""Artifacts, checkpoints and agent sessions: what agents leave behind."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from aura.engine.relay import OrderBy, entity_type
from aura.schema import docs
from aura.schema.filters import DateTimeFilter, EnumFilter, IDFilter, JSONFilter, StringFilter
from aura.schema.orchestration.shared import ArtifactType, project_field, task_field, user_field

# -- artifacts (seed 001) ----------------------------------------------------------------


@entity_type("artifacts", domain="orchestration")
@strawberry.type(description="A work output of a task: a diff, a PR, a test report, a document.")
class Artifact:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    project_id: strawberry.ID = strawberry.field(description=docs.PROJECT_ID)
    task_id: strawberry.ID = strawberry.field(
        description="ID of the task that produced it (see `task`)."
    )
    user_id: strawberry.ID | None = strawberry.field(description="The user who recorded it.")
    type: ArtifactType = strawberry.field(description="What kind of output it is.")  # type: ignore[valid-type]
    ref: str = strawberry.field(description="A URL or an identifier.")
    summary: str | None = strawberry.field(
        description="Short description of the artifact, if given."
    )
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    project = project_field("artifacts.project")
    task = task_field("artifacts.task")
    user = user_field("artifacts.user", "The user who recorded the artifact, if known.")


@strawberry.input(description="Conditions on artifacts; all given fields must match.")
class ArtifactFilter:
    id: IDFilter | None = None
    project_id: IDFilter | None = None
    task_id: IDFilter | None = None
    user_id: IDFilter | None = None
    type: EnumFilter[ArtifactType] | None = None  # type: ignore[valid-type]
    ref: StringFilter | None = None
    summary: StringFilter | None = None
    created_at: DateTimeFilter | None = None
    and_: list[ArtifactFilter] | None = strawberry.field(default=None, name="and")
    or_: list[ArtifactFilter] | None = strawberry.field(default=None, name="or")
    not_: ArtifactFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields artifacts can be ordered by.")
class ArtifactOrderField(Enum):
    TYPE = "type"
    REF = "ref"
    CREATED_AT = "created_at"


@strawberry.input(description="One ordering term for artifacts.")
class ArtifactOrderBy(OrderBy[ArtifactOrderField]):
    pass


@strawberry.input(description="A new artifact of a task.")
class CreateArtifactInput:
    task_id: strawberry.ID
    type: ArtifactType  # type: ignore[valid-type]
    ref: str
    summary: str | None = strawberry.UNSET


@strawberry.input(description="Changes to an artifact; omitted fields stay as they are.")
class UpdateArtifactInput:
    type: ArtifactType | None = strawberry.UNSET  # type: ignore[valid-type]
    ref: str | None = strawberry.UNSET
    summary: str | None = strawberry.UNSET


# -- checkpoints (seed 001) --------------------------------------------------------------


@entity_type("checkpoints", domain="orchestration")
@strawberry.type(
    description="A resumable snapshot of a project: where work stood and how to go on."
)
class Checkpoint:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    project_id: strawberry.ID = strawberry.field(description=docs.PROJECT_ID)
    user_id: strawberry.ID | None = strawberry.field(description="The user who saved it.")
    label: str = strawberry.field(
        description="Short name of the checkpoint, e.g. `before-refactor`."
    )
    repo_ref: str | None = strawberry.field(description="Git reference (commit, branch, tag).")
    summary: str | None = strawberry.field(description="Where the work stood, if written.")
    resume_instructions: str | None = strawberry.field(description="How to pick the work up.")
    snapshot: JSON = strawberry.field(
        description="Saved state (tasks, files, notes) as JSON; `{}` when none."
    )
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    project = project_field("checkpoints.project")
    user = user_field("checkpoints.user", "The user who saved the checkpoint, if known.")


@strawberry.input(description="Conditions on checkpoints; all given fields must match.")
class CheckpointFilter:
    id: IDFilter | None = None
    project_id: IDFilter | None = None
    user_id: IDFilter | None = None
    label: StringFilter | None = None
    repo_ref: StringFilter | None = None
    snapshot: JSONFilter | None = None
    created_at: DateTimeFilter | None = None
    and_: list[CheckpointFilter] | None = strawberry.field(default=None, name="and")
    or_: list[CheckpointFilter] | None = strawberry.field(default=None, name="or")
    not_: CheckpointFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields checkpoints can be ordered by.")
class CheckpointOrderField(Enum):
    LABEL = "label"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


@strawberry.input(description="One ordering term for checkpoints.")
class CheckpointOrderBy(OrderBy[CheckpointOrderField]):
    pass


@strawberry.input(description="A new checkpoint of a project.")
class CreateCheckpointInput:
    project_id: strawberry.ID
    label: str
    repo_ref: str | None = strawberry.UNSET
    summary: str | None = strawberry.UNSET
    resume_instructions: str | None = strawberry.UNSET
    snapshot: JSON | None = strawberry.UNSET


@strawberry.input(description="Changes to a checkpoint; omitted fields stay as they are.")
class UpdateCheckpointInput:
    label: str | None = strawberry.UNSET
    repo_ref: str | None = strawberry.UNSET
    summary: str | None = strawberry.UNSET
    resume_instructions: str | None = strawberry.UNSET
    snapshot: JSON | None = strawberry.UNSET


# -- agent sessions (seed 001) -----------------------------------------------------------


@entity_type("agent_sessions", domain="orchestration")
@strawberry.type(description="An agent's working session on a project (superseded by checkpoints).")
class AgentSession:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    project_id: strawberry.ID = strawberry.field(description=docs.PROJECT_ID)
    user_id: strawberry.ID | None = strawberry.field(description="The user the agent acts for.")
    snapshot: JSON = strawberry.field(
        description="State of the session (context, open files, progress) as JSON; `{}` when none."
    )
    summary: str | None = strawberry.field(
        description="What the agent did in the session, if written."
    )
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    project = project_field("agent_sessions.project")
    user = user_field("agent_sessions.user", "The user the agent acts for, if known.")


@strawberry.input(description="Conditions on agent sessions; all given fields must match.")
class AgentSessionFilter:
    id: IDFilter | None = None
    project_id: IDFilter | None = None
    user_id: IDFilter | None = None
    summary: StringFilter | None = None
    snapshot: JSONFilter | None = None
    created_at: DateTimeFilter | None = None
    updated_at: DateTimeFilter | None = None
    and_: list[AgentSessionFilter] | None = strawberry.field(default=None, name="and")
    or_: list[AgentSessionFilter] | None = strawberry.field(default=None, name="or")
    not_: AgentSessionFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields agent sessions can be ordered by.")
class AgentSessionOrderField(Enum):
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


@strawberry.input(description="One ordering term for agent sessions.")
class AgentSessionOrderBy(OrderBy[AgentSessionOrderField]):
    pass


@strawberry.input(description="A new agent session on a project.")
class CreateAgentSessionInput:
    project_id: strawberry.ID
    snapshot: JSON | None = strawberry.UNSET
    summary: str | None = strawberry.UNSET


@strawberry.input(description="Changes to an agent session; omitted fields stay as they are.")
class UpdateAgentSessionInput:
    snapshot: JSON | None = strawberry.UNSET
    summary: str | None = strawberry.UNSET
