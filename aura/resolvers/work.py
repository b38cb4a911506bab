"""Work domain: root queries and mutations, including claiming and releasing tasks."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from aura import errors
from aura.db.mapping import entity
from aura.db.sql.values import check_id
from aura.engine import bulk, crud
from aura.engine.crud import CREATE_INPUT
from aura.engine.relay import ID_ARGUMENT, by_id_field, connection_field
from aura.schema.work import (
    ActiveTask,
    ActiveTaskFilter,
    ActiveTaskOrderBy,
    Comment,
    CommentFilter,
    CommentOrderBy,
    CreateCommentInput,
    CreateEpicInput,
    CreateIssueInput,
    CreateProjectInput,
    CreateTaskInput,
    Epic,
    EpicFilter,
    EpicOrderBy,
    Issue,
    IssueFilter,
    IssueOrderBy,
    Project,
    ProjectFilter,
    ProjectOrderBy,
    Task,
    TaskFilter,
    TaskOrderBy,
    TaskProgress,
    TaskProgressFilter,
    TaskProgressOrderBy,
    UpdateCommentInput,
    UpdateEpicInput,
    UpdateIssueInput,
    UpdateProjectInput,
    UpdateTaskInput,
)


def _creator(info: Info) -> dict[str, Any]:
    """A new task's creator: the caller."""
    principal = info.context.principal
    return {"user_id": principal.user_id if principal else None}


async def _project_values(info: Info, data: Any) -> dict[str, Any]:
    """A project's columns; its owner, half its natural key, is the caller unless given."""
    values = bulk.input_values(info, "projects", data)
    if values.get("owner_id") is None:
        principal = info.context.principal
        if principal is None:
            raise errors.Unauthenticated("sign in to create a project")
        values["owner_id"] = principal.user_id
    return values


# A lock older than this is stale and may be taken over by another agent.
LOCK_TTL = "1 hour"

_INCOMPLETE_DEPENDENCY = """
    EXISTS (SELECT 1 FROM task_dependencies d JOIN tasks dt ON dt.id = d.depends_on_id
            WHERE d.task_id = t.id AND dt.status <> 'COMPLETED')"""

_CLAIM = f"""
UPDATE tasks t SET locked_by = $2, locked_at = now()
WHERE t.id = $1::uuid
  AND (t.locked_by IS NULL OR t.locked_by = $2 OR t.locked_at < now() - interval '{LOCK_TTL}')
  AND t.status NOT IN ('COMPLETED', 'CANCELLED')
  AND NOT {_INCOMPLETE_DEPENDENCY}
RETURNING t.*"""

_RELEASE = f"""
UPDATE tasks t SET locked_by = NULL, locked_at = NULL
WHERE t.id = $1::uuid
  AND (t.locked_by IS NULL OR t.locked_by = $2 OR t.locked_at < now() - interval '{LOCK_TTL}')
RETURNING t.*"""

_LOCK_STATE = f"""
SELECT t.status, t.locked_by, t.locked_at > now() - interval '{LOCK_TTL}' AS fresh,
       {_INCOMPLETE_DEPENDENCY} AS waiting
FROM tasks t WHERE t.id = $1::uuid"""


AGENT_ID = Annotated[
    str,
    strawberry.argument(
        description="The agent's name, 1 to 200 characters (spaces around it are dropped)."
    ),
]


def _agent(agent_id: str) -> str:
    agent = agent_id.strip()
    if not agent or len(agent) > 200:
        raise errors.BadUserInput("agentId must be 1 to 200 characters")
    return agent


async def _refuse_claim(info: Info, key: str, agent: str) -> Any:
    """Explain why a claim or release changed nothing."""
    state = await info.context.session.fetchrow(_LOCK_STATE, key)
    if state is None:
        raise errors.NotFound(f"no task with id {key}")
    if state["locked_by"] not in (None, agent) and state["fresh"]:
        raise errors.Conflict(
            f"task is locked by {state['locked_by']}", lockedBy=state["locked_by"]
        )
    if state["status"] in ("COMPLETED", "CANCELLED"):
        raise errors.BadUserInput(f"a {state['status']} task cannot be claimed")
    if state["waiting"]:
        raise errors.BadUserInput("the task has dependencies that are not completed")
    raise errors.Conflict("the task changed while it was being claimed; retry")


@strawberry.type
class WorkQuery:
    project = by_id_field("projects", node=Project, description="A project by ID.")
    projects = connection_field(
        "projects",
        node=Project,
        filter=ProjectFilter,
        order=ProjectOrderBy,
        description="Your projects (all projects for admins).",
    )
    epic = by_id_field("epics", node=Epic, description="An epic by ID.")
    epics = connection_field(
        "epics",
        node=Epic,
        filter=EpicFilter,
        order=EpicOrderBy,
        description="Epics of your projects.",
    )
    issue = by_id_field("issues", node=Issue, description="An issue by ID.")
    issues = connection_field(
        "issues",
        node=Issue,
        filter=IssueFilter,
        order=IssueOrderBy,
        description="Issues of your projects.",
    )
    task = by_id_field("tasks", node=Task, description="A task by ID.")
    tasks = connection_field(
        "tasks",
        node=Task,
        filter=TaskFilter,
        order=TaskOrderBy,
        description="Tasks of your projects.",
    )
    comment = by_id_field("comments", node=Comment, description="A comment by ID.")
    comments = connection_field(
        "comments",
        node=Comment,
        filter=CommentFilter,
        order=CommentOrderBy,
        description="Comments on your issues and tasks.",
    )
    active_tasks = connection_field(
        "active_tasks",
        node=ActiveTask,
        filter=ActiveTaskFilter,
        order=ActiveTaskOrderBy,
        description="Tasks in progress or blocked, with lock state; oldest lock first.",
    )
    task_progress = connection_field(
        "task_progress",
        node=TaskProgress,
        filter=TaskProgressFilter,
        order=TaskProgressOrderBy,
        description="Per-task progress: acceptance criteria, dependencies done, comments.",
    )


@strawberry.type
class WorkMutation:
    # -- projects ---------------------------------------------------------------------

    @strawberry.mutation(description="Create a project owned by you.")
    async def create_project(
        self, info: Info, input: Annotated[CreateProjectInput, CREATE_INPUT]
    ) -> Project:
        owner: dict[str, Any] = {}
        if input.owner_id is strawberry.UNSET or input.owner_id is None:
            owner["owner_id"] = info.context.principal.user_id if info.context.principal else None
        return await crud.create_object(info, "projects", input, **owner)

    update_project = crud.update_field(
        "projects", input=UpdateProjectInput, node=Project, description="Change a project."
    )

    delete_project = crud.delete_field(
        "projects",
        description="Delete a project with its epics, issues, tasks and comments. Returns its ID.",
    )

    # -- epics ------------------------------------------------------------------------

    create_epic = crud.create_field(
        "epics", input=CreateEpicInput, node=Epic, description="Create an epic."
    )

    update_epic = crud.update_field(
        "epics", input=UpdateEpicInput, node=Epic, description="Change an epic."
    )

    delete_epic = crud.delete_field(
        "epics", description="Delete an epic; its issues and tasks stay, unlinked."
    )

    # -- issues -----------------------------------------------------------------------

    create_issue = crud.create_field(
        "issues",
        input=CreateIssueInput,
        node=Issue,
        description="Create an issue; it is numbered when no number is given.",
    )

    update_issue = crud.update_field(
        "issues", input=UpdateIssueInput, node=Issue, description="Change an issue."
    )

    delete_issue = crud.delete_field(
        "issues", description="Delete an issue with its comments; its tasks stay."
    )

    # -- tasks ------------------------------------------------------------------------

    @strawberry.mutation(description="Create a task, optionally with its dependencies.")
    async def create_task(
        self, info: Info, input: Annotated[CreateTaskInput, CREATE_INPUT]
    ) -> Task:
        tasks = entity("tasks")
        values = crud.values_from(tasks, input, skip=frozenset({"dependency_ids"}))
        principal = info.context.principal
        values["user_id"] = principal.user_id if principal else None
        dependency_ids = input.dependency_ids or []
        dependencies = [check_id(d, "dependencyIds") for d in dependency_ids]
        row = await crud.insert(info, "tasks", values)
        if dependencies:
            await info.context.session.execute(
                "INSERT INTO task_dependencies (task_id, depends_on_id) "
                "SELECT $1::uuid, unnest($2::uuid[])",
                row["id"],
                dependencies,
            )
        return crud.as_object("tasks", row)

    update_task = crud.update_field(
        "tasks",
        input=UpdateTaskInput,
        node=Task,
        description="Change a task. Status changes follow TaskStatus's rules.",
    )

    delete_task = crud.delete_field(
        "tasks", description="Delete a task with its comments and dependency links."
    )

    @strawberry.mutation(
        description=(
            "Make a task depend on another task of the same project. Refused when it would "
            "create a cycle."
        )
    )
    async def add_task_dependency(
        self,
        info: Info,
        task_id: Annotated[
            strawberry.ID, strawberry.argument(description="The task that is to wait.")
        ],
        depends_on_id: Annotated[
            strawberry.ID,
            strawberry.argument(description="The task it waits for, in the same project."),
        ],
    ) -> Task:
        task_key = check_id(task_id, "taskId")
        depends_on = check_id(depends_on_id, "dependsOnId")
        await info.context.session.execute(
            "INSERT INTO task_dependencies (task_id, depends_on_id) VALUES ($1::uuid, $2::uuid)",
            task_key,
            depends_on,
        )
        row = await crud.update(info, "tasks", task_key, {})
        return crud.as_object("tasks", row)

    @strawberry.mutation(description="Remove a dependency between two tasks.")
    async def remove_task_dependency(
        self,
        info: Info,
        task_id: Annotated[strawberry.ID, strawberry.argument(description="The waiting task.")],
        depends_on_id: Annotated[
            strawberry.ID, strawberry.argument(description="The task it no longer waits for.")
        ],
    ) -> Task:
        task_key = check_id(task_id, "taskId")
        depends_on = check_id(depends_on_id, "dependsOnId")
        removed = await info.context.session.fetchval(
            "DELETE FROM task_dependencies WHERE task_id = $1::uuid "
            "AND depends_on_id = $2::uuid RETURNING task_id",
            task_key,
            depends_on,
        )
        if removed is None:
            raise errors.NotFound("these tasks have no such dependency")
        row = await crud.update(info, "tasks", task_key, {})
        return crud.as_object("tasks", row)

    @strawberry.mutation(
        description=(
            "Take a task's lock for an agent. Succeeds only if every dependency is completed "
            "and no other agent holds a lock younger than one hour (a stale lock is taken "
            "over). Claiming again with the same agent refreshes the lock. Of many "
            "concurrent claimers exactly one wins; the others get CONFLICT."
        )
    )
    async def claim_task(self, info: Info, id: ID_ARGUMENT, agent_id: AGENT_ID) -> Task:
        key, agent = check_id(id), _agent(agent_id)
        row = await info.context.session.fetchrow(_CLAIM, key, agent)
        if row is None:
            await _refuse_claim(info, key, agent)
        return crud.as_object("tasks", row)

    @strawberry.mutation(
        description=(
            "Release a task's lock. Allowed for the agent holding it, or when the lock is "
            "stale or absent."
        )
    )
    async def release_task(self, info: Info, id: ID_ARGUMENT, agent_id: AGENT_ID) -> Task:
        key, agent = check_id(id), _agent(agent_id)
        row = await info.context.session.fetchrow(_RELEASE, key, agent)
        if row is None:
            await _refuse_claim(info, key, agent)
        return crud.as_object("tasks", row)

    # -- comments ---------------------------------------------------------------------

    @strawberry.mutation(description="Comment on a task or an issue.")
    async def create_comment(
        self, info: Info, input: Annotated[CreateCommentInput, CREATE_INPUT]
    ) -> Comment:
        extra: dict[str, Any] = {}
        principal = info.context.principal
        extra["user_id"] = principal.user_id if principal else None
        if input.author is strawberry.UNSET or input.author is None:
            extra["author"] = await info.context.session.fetchval(
                "SELECT coalesce(display_name, email) FROM users WHERE id = aura.current_user_id()"
            )
        return await crud.create_object(info, "comments", input, **extra)

    update_comment = crud.update_field(
        "comments", input=UpdateCommentInput, node=Comment, description="Change a comment."
    )

    delete_comment = crud.delete_field(
        "comments",
        description="Delete a comment. Returns its ID.",
    )

    # -- upserts and bulk changes (``aura.engine.bulk``) ---------------------------------

    upsert_project = bulk.upsert_field(
        "projects",
        input=CreateProjectInput,
        node=Project,
        key=("owner_id", "name"),
        prepare=_project_values,
        description=(
            "Create a project owned by you, or change the one of its owner with the same name."
        ),
    )

    upsert_epic = bulk.upsert_field(
        "epics",
        input=CreateEpicInput,
        node=Epic,
        key=("project_id", "key"),
        description="Create an epic, or change the one with the same project and key.",
    )

    upsert_task = bulk.upsert_field(
        "tasks",
        input=CreateTaskInput,
        node=Task,
        key=("project_id", "key"),
        extra=_creator,
        description=(
            "Create a task, or change the one with the same project and key (`key` is "
            "required). Status changes follow TaskStatus's rules; `dependencyIds` is refused."
        ),
    )

    update_epics = bulk.update_many_field(
        "epics",
        filter=EpicFilter,
        input=UpdateEpicInput,
        node=Epic,
        description="Change every epic matching the filter (at most 100); returns them.",
    )

    delete_epics = bulk.delete_many_field(
        "epics",
        filter=EpicFilter,
        description="Delete every epic matching the filter (at most 100); returns their IDs.",
    )

    update_issues = bulk.update_many_field(
        "issues",
        filter=IssueFilter,
        input=UpdateIssueInput,
        node=Issue,
        description="Change every issue matching the filter (at most 100); returns them.",
    )

    delete_issues = bulk.delete_many_field(
        "issues",
        filter=IssueFilter,
        description=(
            "Delete every issue matching the filter (at most 100) with their comments; "
            "returns their IDs."
        ),
    )

    update_tasks = bulk.update_many_field(
        "tasks",
        filter=TaskFilter,
        input=UpdateTaskInput,
        node=Task,
        description=(
            "Change every task matching the filter (at most 100); returns them. Status "
            "changes follow TaskStatus's rules for each task: one refused refuses all."
        ),
    )

    delete_tasks = bulk.delete_many_field(
        "tasks",
        filter=TaskFilter,
        description=(
            "Delete every task matching the filter (at most 100) with their comments and "
            "dependency links; returns their IDs."
        ),
    )

    update_comments = bulk.update_many_field(
        "comments",
        filter=CommentFilter,
        input=UpdateCommentInput,
        node=Comment,
        description="Change every comment matching the filter (at most 100); returns them.",
    )

    delete_comments = bulk.delete_many_field(
        "comments",
        filter=CommentFilter,
        description="Delete every comment matching the filter (at most 100); returns their IDs.",
    )
