"""Work domain mapping: how projects, epics, issues, tasks and comments join."""

from aura.db.mapping import (
    Entity,
    Relation,
    Through,
    extend,
    many,
    many_through,
    one,
    register,
)
from aura.db.tables import work

_dependencies = work.task_dependencies


def _relations(*relations: Relation) -> dict[str, Relation]:
    return {r.name: r for r in relations}


register(
    Entity(
        "projects",
        work.projects,
        relations=_relations(
            one("owner", "users", local="owner_id"),
            many("epics", "epics", remote="project_id"),
            many("issues", "issues", remote="project_id"),
            many("tasks", "tasks", remote="project_id"),
        ),
    ),
    Entity(
        "epics",
        work.epics,
        relations=_relations(
            one("project", "projects", local="project_id"),
            many("issues", "issues", remote="epic_id"),
            many("tasks", "tasks", remote="epic_id"),
        ),
    ),
    Entity(
        "issues",
        work.issues,
        relations=_relations(
            one("project", "projects", local="project_id"),
            one("epic", "epics", local="epic_id"),
            many("tasks", "tasks", remote="issue_id"),
            many("comments", "comments", remote="issue_id"),
        ),
    ),
    Entity(
        "tasks",
        work.tasks,
        relations=_relations(
            one("project", "projects", local="project_id"),
            one("epic", "epics", local="epic_id"),
            one("issue", "issues", local="issue_id"),
            one("creator", "users", local="user_id"),
            many("comments", "comments", remote="task_id"),
            many_through(
                "dependencies", "tasks", Through(_dependencies, "task_id", "depends_on_id")
            ),
            many_through("dependents", "tasks", Through(_dependencies, "depends_on_id", "task_id")),
        ),
        read_only=frozenset(
            {"id", "created_at", "updated_at", "completed_at", "locked_at", "locked_by", "user_id"}
        ),
    ),
    Entity(
        "comments",
        work.comments,
        relations=_relations(
            one("project", "projects", local="project_id"),
            one("task", "tasks", local="task_id"),
            one("issue", "issues", local="issue_id"),
            one("user", "users", local="user_id"),
        ),
        read_only=frozenset({"id", "created_at", "updated_at", "project_id", "user_id"}),
    ),
    Entity(
        "active_tasks",
        work.active_tasks,
        relations=_relations(
            one("task", "tasks", local="id"),
            one("project", "projects", local="project_id"),
        ),
        default_order=("locked_at", "id"),
    ),
    Entity(
        "task_progress",
        work.task_progress,
        relations=_relations(
            one("task", "tasks", local="id"),
            one("project", "projects", local="project_id"),
        ),
    ),
)

# The work domain's reverse relation on accounts' users.
extend("users", many("projects", "projects", remote="owner_id"))
