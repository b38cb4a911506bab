"""Orchestration domain: root queries and mutations, plan transitions, override counters,
execution log cleanup, task history and generated document statistics, batch creation.

Every change these mutations make appends its events through the database's triggers,
in the same transaction (see migrations/sql/orchestration.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from aura import errors
from aura.db.mapping import entity
from aura.db.sql import filters
from aura.db.sql.params import Params
from aura.db.sql.values import check_id
from aura.engine import bulk, crud
from aura.engine.relay import ID_ARGUMENT, by_id_field, connection_field, instantiate
from aura.engine.selection import columns_for, node_fields
from aura.schema.orchestration import (
    AgentSession,
    AgentSessionFilter,
    AgentSessionOrderBy,
    ArchivedEvent,
    ArchivedEventFilter,
    ArchivedEventOrderBy,
    ArchivedExecutionLog,
    ArchivedExecutionLogFilter,
    ArchivedExecutionLogOrderBy,
    Artifact,
    ArtifactFilter,
    ArtifactOrderBy,
    Checkpoint,
    CheckpointFilter,
    CheckpointOrderBy,
    CreateAgentSessionInput,
    CreateArtifactInput,
    CreateCheckpointInput,
    CreateDecisionInput,
    CreateEventInput,
    CreateExecutionLogInput,
    CreateGeneratedDocumentInput,
    CreateHumanOverrideInput,
    CreatePlanInput,
    CreateResultInput,
    CreateServiceStatusInput,
    CreateTaskHistoryInput,
    CreateWorkflowHistoryInput,
    CreateWorkflowInput,
    Decision,
    DecisionFilter,
    DecisionOrderBy,
    DocumentType,
    DocumentTypeCount,
    Event,
    EventFilter,
    EventOrderBy,
    ExecutionLog,
    ExecutionLogFilter,
    ExecutionLogOrderBy,
    GeneratedDocument,
    GeneratedDocumentFilter,
    GeneratedDocumentOrderBy,
    GeneratedDocumentStatistics,
    HumanOverride,
    HumanOverrideFilter,
    HumanOverrideOrderBy,
    Plan,
    PlanFilter,
    PlanOrderBy,
    RecentEvent,
    RecentEventFilter,
    RecentEventOrderBy,
    Result,
    ResultFilter,
    ResultOrderBy,
    RunStatus,
    RunStatusCount,
    ServiceStatus,
    ServiceStatusFilter,
    ServiceStatusOrderBy,
    ServiceUsageCount,
    TaskHistory,
    TaskHistoryFilter,
    TaskHistoryOrderBy,
    TaskHistoryStatistics,
    UpdateAgentSessionInput,
    UpdateArtifactInput,
    UpdateCheckpointInput,
    UpdateDecisionInput,
    UpdateGeneratedDocumentInput,
    UpdateHumanOverrideInput,
    UpdatePlanInput,
    UpdateResultInput,
    UpdateServiceStatusInput,
    UpdateTaskHistoryInput,
    UpdateWorkflowHistoryInput,
    UpdateWorkflowInput,
    Workflow,
    WorkflowFilter,
    WorkflowHistory,
    WorkflowHistoryFilter,
    WorkflowHistoryOrderBy,
    WorkflowOrderBy,
)

MAX_BATCH = 100

_RECORD_APPLIED = """
UPDATE human_overrides SET applied_count = applied_count + 1
WHERE id = $1::uuid RETURNING *"""

# One statement: the counts by status and by service and the mean duration of the rows
# of task_history matching {where} (row-level security applies as everywhere).
_TASK_HISTORY_STATISTICS = """
WITH h AS (SELECT h.status, h.services_used, h.duration_ms FROM task_history h{where})
SELECT (SELECT count(*) FROM h) AS total,
       (SELECT avg(duration_ms)::float8 FROM h) AS average_duration_ms,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('status', status, 'count', n)
                                  ORDER BY n DESC, status), '[]')
        FROM (SELECT status, count(*) AS n FROM h GROUP BY status) s) AS by_status,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('service', service, 'count', n)
                                  ORDER BY n DESC, service), '[]')
        FROM (SELECT u AS service, count(*) AS n FROM h, unnest(h.services_used) AS u
              GROUP BY u) s) AS by_service"""

_DOCUMENT_STATISTICS = """
WITH d AS (SELECT h.type, h.created_at FROM documents_generated h{where})
SELECT (SELECT count(*) FROM d) AS total,
       (SELECT max(created_at) FROM d) AS last_created_at,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('type', type, 'count', n)
                                  ORDER BY n DESC, type), '[]')
        FROM (SELECT type, count(*) AS n FROM d GROUP BY type) s) AS by_type"""

# All rows in one statement, in the order given; any bad row fails the whole batch.
_BATCH_DOCUMENTS = """
INSERT INTO documents_generated (type, title, url, external_id, task_history_id, metadata)
SELECT x.type, x.title, x.url, x.external_id, x.task_history_id, coalesce(x.metadata, '{}')
FROM ROWS FROM (jsonb_to_recordset($1::jsonb)
  AS (type text, title text, url text, external_id text, task_history_id uuid, metadata jsonb))
  WITH ORDINALITY AS x(type, title, url, external_id, task_history_id, metadata, position)
ORDER BY x.position
RETURNING *"""


def _where(entity_name: str, filter_: Any, params: Params) -> str:
    condition = filters.where(entity(entity_name), "h", filter_, params)
    return f" WHERE {condition}" if condition else ""


async def _set_plan_status(info: Info, id_: strawberry.ID, status: str) -> Plan:
    row = await crud.update(info, "plans", id_, {"status": status})
    return crud.as_object("plans", row)


@strawberry.type
class OrchestrationQuery:
    plan = by_id_field("plans", node=Plan, description="A plan by ID.")
    plans = connection_field(
        "plans", node=Plan, filter=PlanFilter, order=PlanOrderBy, description="Plans of your tasks."
    )
    decision = by_id_field("decisions", node=Decision, description="A decision by ID.")
    decisions = connection_field(
        "decisions",
        node=Decision,
        filter=DecisionFilter,
        order=DecisionOrderBy,
        description="Decisions of your projects.",
    )
    result = by_id_field("results", node=Result, description="A result by ID.")
    results = connection_field(
        "results",
        node=Result,
        filter=ResultFilter,
        order=ResultOrderBy,
        description="Execution results of your tasks.",
    )
    human_override = by_id_field(
        "human_overrides", node=HumanOverride, description="A human override by ID."
    )
    human_overrides = connection_field(
        "human_overrides",
        node=HumanOverride,
        filter=HumanOverrideFilter,
        order=HumanOverrideOrderBy,
        description="Human overrides recorded in your projects.",
    )
    event = by_id_field("events", node=Event, description="An event by ID.")
    archived_events = connection_field(
        "events_archive",
        node=ArchivedEvent,
        filter=ArchivedEventFilter,
        order=ArchivedEventOrderBy,
        description="Events retention archived (older than its age) that you may see.",
    )
    archived_execution_logs = connection_field(
        "execution_logs_archive",
        node=ArchivedExecutionLog,
        filter=ArchivedExecutionLogFilter,
        order=ArchivedExecutionLogOrderBy,
        description="Execution log lines retention archived, of your projects.",
    )
    events = connection_field(
        "events",
        node=Event,
        filter=EventFilter,
        order=EventOrderBy,
        description="Events of your projects and your personal records, oldest first.",
    )
    recent_events = connection_field(
        "recent_events",
        node=RecentEvent,
        filter=RecentEventFilter,
        order=RecentEventOrderBy,
        description=(
            "Events with their project's name and task's title. Newest first with "
            "`orderBy: [{field: CREATED_AT, direction: DESC}]`."
        ),
    )
    artifact = by_id_field("artifacts", node=Artifact, description="An artifact by ID.")
    artifacts = connection_field(
        "artifacts",
        node=Artifact,
        filter=ArtifactFilter,
        order=ArtifactOrderBy,
        description="Artifacts of your tasks.",
    )
    checkpoint = by_id_field("checkpoints", node=Checkpoint, description="A checkpoint by ID.")
    checkpoints = connection_field(
        "checkpoints",
        node=Checkpoint,
        filter=CheckpointFilter,
        order=CheckpointOrderBy,
        description="Checkpoints of your projects.",
    )
    agent_session = by_id_field(
        "agent_sessions", node=AgentSession, description="An agent session by ID."
    )
    agent_sessions = connection_field(
        "agent_sessions",
        node=AgentSession,
        filter=AgentSessionFilter,
        order=AgentSessionOrderBy,
        description="Agent sessions on your projects.",
    )
    service_status = by_id_field(
        "service_status", node=ServiceStatus, description="A service status by ID."
    )
    service_statuses = connection_field(
        "service_status",
        node=ServiceStatus,
        filter=ServiceStatusFilter,
        order=ServiceStatusOrderBy,
        description="Monitored services of your projects.",
    )
    workflow = by_id_field("workflows", node=Workflow, description="One of your workflows by ID.")
    workflows = connection_field(
        "workflows",
        node=Workflow,
        filter=WorkflowFilter,
        order=WorkflowOrderBy,
        description="Your workflows (everyone's for admins).",
    )
    workflow_history = by_id_field(
        "workflow_history", node=WorkflowHistory, description="A workflow run by ID."
    )
    workflow_histories = connection_field(
        "workflow_history",
        node=WorkflowHistory,
        filter=WorkflowHistoryFilter,
        order=WorkflowHistoryOrderBy,
        description="Runs of your workflows.",
    )
    execution_log = by_id_field(
        "execution_logs", node=ExecutionLog, description="An execution log line by ID."
    )
    execution_logs = connection_field(
        "execution_logs",
        node=ExecutionLog,
        filter=ExecutionLogFilter,
        order=ExecutionLogOrderBy,
        description=(
            "Execution log lines of your tasks, oldest first: filter by task, agent types, "
            "levels, time range and text."
        ),
    )
    task_history = by_id_field(
        "task_history", node=TaskHistory, description="A task history record by ID."
    )
    task_histories = connection_field(
        "task_history",
        node=TaskHistory,
        filter=TaskHistoryFilter,
        order=TaskHistoryOrderBy,
        description="Your task history (everyone's for admins): filter by status, service, date.",
    )
    generated_document = by_id_field(
        "documents_generated", node=GeneratedDocument, description="A generated document by ID."
    )
    generated_documents = connection_field(
        "documents_generated",
        node=GeneratedDocument,
        filter=GeneratedDocumentFilter,
        order=GeneratedDocumentOrderBy,
        description="Documents the assistant generated for you.",
    )

    @strawberry.field(description="Your most recent task history records, newest first.")
    async def recent_task_history(
        self,
        info: Info,
        limit: Annotated[
            int,
            strawberry.argument(
                description="How many records: 1 to the maximum page size (100 by default)."
            ),
        ] = 10,
    ) -> list[TaskHistory]:
        max_size = info.context.settings.max_page_size
        if not 1 <= limit <= max_size:
            raise errors.BadUserInput(f"limit must be between 1 and {max_size}")
        columns = columns_for(entity("task_history"), node_fields(info, connection=False))
        rows = await info.context.session.fetch(
            f"SELECT {', '.join(columns)} FROM task_history "
            f"ORDER BY created_at DESC, id DESC LIMIT {limit}"
        )
        return [instantiate(TaskHistory, row) for row in rows]

    @strawberry.field(
        description=(
            "Counts of your task history by status and by service used, and the mean "
            "duration, over the records matching the filter (all when omitted)."
        )
    )
    async def task_history_statistics(
        self,
        info: Info,
        filter: Annotated[
            TaskHistoryFilter | None,
            strawberry.argument(
                description="Only the records matching these conditions; all when omitted."
            ),
        ] = None,
    ) -> TaskHistoryStatistics:
        params = Params()
        sql = _TASK_HISTORY_STATISTICS.format(where=_where("task_history", filter, params))
        row = await info.context.session.fetchrow(sql, *params.values)
        return TaskHistoryStatistics(
            total=row["total"],
            average_duration_ms=row["average_duration_ms"],
            by_status=[
                RunStatusCount(status=RunStatus(s["status"]), count=s["count"])
                for s in row["by_status"]
            ],
            by_service=[
                ServiceUsageCount(service=s["service"], count=s["count"]) for s in row["by_service"]
            ],
        )

    @strawberry.field(
        description=(
            "Counts of your generated documents by type, over the documents matching the "
            "filter (all when omitted)."
        )
    )
    async def generated_document_statistics(
        self,
        info: Info,
        filter: Annotated[
            GeneratedDocumentFilter | None,
            strawberry.argument(
                description="Only the documents matching these conditions; all when omitted."
            ),
        ] = None,
    ) -> GeneratedDocumentStatistics:
        params = Params()
        sql = _DOCUMENT_STATISTICS.format(where=_where("documents_generated", filter, params))
        row = await info.context.session.fetchrow(sql, *params.values)
        return GeneratedDocumentStatistics(
            total=row["total"],
            last_created_at=row["last_created_at"],
            by_type=[
                DocumentTypeCount(type=DocumentType(t["type"]), count=t["count"])
                for t in row["by_type"]
            ],
        )


@strawberry.type
class OrchestrationMutation:
    # -- plans ------------------------------------------------------------------------

    create_plan = crud.create_field(
        "plans", input=CreatePlanInput, node=Plan, description="Propose a plan for a task."
    )

    upsert_plan = bulk.upsert_field(
        "plans",
        input=CreatePlanInput,
        node=Plan,
        key=("project_id", "key"),
        required=("key",),
        derive={"project_id": ("task_id",)},
        description=(
            "Propose a plan, or change the one with the same key in the task's project "
            "(`key` is required). Status changes follow PlanStatus's rules."
        ),
    )

    update_plan = crud.update_field(
        "plans",
        input=UpdatePlanInput,
        node=Plan,
        description="Change a plan. Status changes follow PlanStatus's rules.",
    )

    delete_plan = crud.delete_field(
        "plans", description="Delete a plan with its results. Returns its ID."
    )

    @strawberry.mutation(description="Approve a proposed plan (appends `plan.approved`).")
    async def approve_plan(self, info: Info, id: ID_ARGUMENT) -> Plan:
        return await _set_plan_status(info, id, "APPROVED")

    @strawberry.mutation(description="Reject a proposed plan (appends `plan.rejected`).")
    async def reject_plan(self, info: Info, id: ID_ARGUMENT) -> Plan:
        return await _set_plan_status(info, id, "REJECTED")

    @strawberry.mutation(description="Start executing an approved plan (appends `plan.executing`).")
    async def execute_plan(self, info: Info, id: ID_ARGUMENT) -> Plan:
        return await _set_plan_status(info, id, "EXECUTING")

    # -- decisions --------------------------------------------------------------------

    create_decision = crud.create_field(
        "decisions",
        input=CreateDecisionInput,
        node=Decision,
        description="Record a decision. The selected option must be one of the options.",
    )

    upsert_decision = bulk.upsert_field(
        "decisions",
        input=CreateDecisionInput,
        node=Decision,
        key=("project_id", "key"),
        required=("key",),
        derive={"project_id": ("task_id", "plan_id")},
        description=(
            "Record a decision, or change the one with the same key in its project (given, "
            "or its task's or plan's; `key` is required)."
        ),
    )

    update_decision = crud.update_field(
        "decisions", input=UpdateDecisionInput, node=Decision, description="Change a decision."
    )

    delete_decision = crud.delete_field(
        "decisions", description="Delete a decision. Returns its ID."
    )

    # -- results ----------------------------------------------------------------------

    create_result = crud.create_field(
        "results",
        input=CreateResultInput,
        node=Result,
        description="Record the result of executing a task.",
    )

    upsert_result = bulk.upsert_field(
        "results",
        input=CreateResultInput,
        node=Result,
        key=("project_id", "key"),
        required=("key",),
        derive={"project_id": ("task_id",)},
        description=(
            "Record a task's result, or change the one with the same key in the task's "
            "project (`key` is required)."
        ),
    )

    update_result = crud.update_field(
        "results", input=UpdateResultInput, node=Result, description="Change a result."
    )

    delete_result = crud.delete_field(
        "results",
        description="Delete a result. Returns its ID.",
    )

    # -- human overrides --------------------------------------------------------------

    create_human_override = crud.create_field(
        "human_overrides",
        input=CreateHumanOverrideInput,
        node=HumanOverride,
        description="Record that a human overrode an AI suggestion.",
    )

    update_human_override = crud.update_field(
        "human_overrides",
        input=UpdateHumanOverrideInput,
        node=HumanOverride,
        description="Change a human override.",
    )

    delete_human_override = crud.delete_field(
        "human_overrides", description="Delete a human override. Returns its ID."
    )

    @strawberry.mutation(
        description=(
            "Count one more application of an override. Atomic: concurrent calls all count."
        )
    )
    async def record_override_applied(self, info: Info, id: ID_ARGUMENT) -> HumanOverride:
        key = check_id(id)
        row = await info.context.session.fetchrow(_RECORD_APPLIED, key)
        if row is None:
            raise errors.NotFound(f"no human override with id {key}")
        return crud.as_object("human_overrides", row)

    # -- events (append-only: no update, no delete) ----------------------------------

    create_event = crud.create_field(
        "events",
        input=CreateEventInput,
        node=Event,
        description="Append an event, as yourself. Events cannot be changed or deleted.",
    )

    # -- artifacts, checkpoints, agent sessions, service status -------------------------

    create_artifact = crud.create_field(
        "artifacts",
        input=CreateArtifactInput,
        node=Artifact,
        description="Record an artifact of a task.",
    )

    update_artifact = crud.update_field(
        "artifacts", input=UpdateArtifactInput, node=Artifact, description="Change an artifact."
    )

    delete_artifact = crud.delete_field(
        "artifacts", description="Delete an artifact. Returns its ID."
    )

    create_checkpoint = crud.create_field(
        "checkpoints",
        input=CreateCheckpointInput,
        node=Checkpoint,
        description="Save a checkpoint of a project.",
    )

    update_checkpoint = crud.update_field(
        "checkpoints",
        input=UpdateCheckpointInput,
        node=Checkpoint,
        description="Change a checkpoint.",
    )

    delete_checkpoint = crud.delete_field(
        "checkpoints", description="Delete a checkpoint. Returns its ID."
    )

    create_agent_session = crud.create_field(
        "agent_sessions",
        input=CreateAgentSessionInput,
        node=AgentSession,
        description="Open an agent session on a project.",
    )

    update_agent_session = crud.update_field(
        "agent_sessions",
        input=UpdateAgentSessionInput,
        node=AgentSession,
        description="Change an agent session.",
    )

    delete_agent_session = crud.delete_field(
        "agent_sessions", description="Delete an agent session. Returns its ID."
    )

    create_service_status = crud.create_field(
        "service_status",
        input=CreateServiceStatusInput,
        node=ServiceStatus,
        description="Start monitoring a service of a project.",
    )

    upsert_service_status = bulk.upsert_field(
        "service_status",
        input=CreateServiceStatusInput,
        node=ServiceStatus,
        key=("project_id", "service_name"),
        description=(
            "Report a service's status: start monitoring it, or change the status of the "
            "project's service with the same name."
        ),
    )

    update_service_status = crud.update_field(
        "service_status",
        input=UpdateServiceStatusInput,
        node=ServiceStatus,
        description="Change a service's status (e.g. after a health check).",
    )

    delete_service_status = crud.delete_field(
        "service_status", description="Stop monitoring a service. Returns its ID."
    )

    # -- workflows and runs -------------------------------------------------------------

    create_workflow = crud.create_field(
        "workflows",
        input=CreateWorkflowInput,
        node=Workflow,
        description="Create a workflow owned by you.",
    )

    upsert_workflow = bulk.upsert_field(
        "workflows",
        input=CreateWorkflowInput,
        node=Workflow,
        key=("user_id", "name"),
        required=("name",),
        description="Create a workflow owned by you, or change your workflow of the same name.",
    )

    update_workflow = crud.update_field(
        "workflows", input=UpdateWorkflowInput, node=Workflow, description="Change a workflow."
    )

    delete_workflow = crud.delete_field(
        "workflows", description="Delete a workflow with its runs. Returns its ID."
    )

    create_workflow_history = crud.create_field(
        "workflow_history",
        input=CreateWorkflowHistoryInput,
        node=WorkflowHistory,
        description="Record a run of a workflow.",
    )

    update_workflow_history = crud.update_field(
        "workflow_history",
        input=UpdateWorkflowHistoryInput,
        node=WorkflowHistory,
        description="Change a workflow run (status, output, …).",
    )

    delete_workflow_history = crud.delete_field(
        "workflow_history", description="Delete a workflow run. Returns its ID."
    )

    # -- execution logs ---------------------------------------------------------------

    create_execution_log = crud.create_field(
        "execution_logs",
        input=CreateExecutionLogInput,
        node=ExecutionLog,
        description="Append a line to a task's execution log.",
    )

    delete_execution_log = crud.delete_field(
        "execution_logs", description="Delete an execution log line. Returns its ID."
    )

    @strawberry.mutation(
        description=(
            "Delete every execution log line written before `olderThan`, in all projects "
            "(administrators only). Returns how many were removed."
        )
    )
    async def cleanup_execution_logs(
        self,
        info: Info,
        older_than: Annotated[
            datetime,
            strawberry.argument(description="Lines created before this moment are deleted."),
        ],
    ) -> int:
        removed = await info.context.session.fetchval(
            "SELECT aura.cleanup_execution_logs($1::timestamptz)", older_than
        )
        return int(removed)

    # -- task history and generated documents ------------------------------------------

    create_task_history = crud.create_field(
        "task_history",
        input=CreateTaskHistoryInput,
        node=TaskHistory,
        description="Record a task the assistant ran for you.",
    )

    update_task_history = crud.update_field(
        "task_history",
        input=UpdateTaskHistoryInput,
        node=TaskHistory,
        description="Change a task history record (status, results, …).",
    )

    delete_task_history = crud.delete_field(
        "task_history",
        description="Delete a task history record with its generated documents. Returns its ID.",
    )

    create_generated_document = crud.create_field(
        "documents_generated",
        input=CreateGeneratedDocumentInput,
        node=GeneratedDocument,
        description="Record a document the assistant generated.",
    )

    update_generated_document = crud.update_field(
        "documents_generated",
        input=UpdateGeneratedDocumentInput,
        node=GeneratedDocument,
        description="Change a generated document.",
    )

    delete_generated_document = crud.delete_field(
        "documents_generated", description="Delete a generated document. Returns its ID."
    )

    @strawberry.mutation(
        description=(
            f"Record up to {MAX_BATCH} generated documents at once, in the order given: all "
            "of them or, when any one is invalid, none."
        )
    )
    async def batch_create_generated_documents(
        self,
        info: Info,
        inputs: Annotated[
            list[CreateGeneratedDocumentInput],
            strawberry.argument(
                description="The documents, 1 to 100; each as in `createGeneratedDocument`."
            ),
        ],
    ) -> list[GeneratedDocument]:
        if not 1 <= len(inputs) <= MAX_BATCH:
            raise errors.BadUserInput(f"give between 1 and {MAX_BATCH} documents")
        documents = entity("documents_generated")
        rows: list[dict[str, Any]] = []
        for index, data in enumerate(inputs):
            values = crud.values_from(documents, data)
            if not values["title"].strip():
                raise errors.BadUserInput(f"inputs[{index}].title must not be blank")
            rows.append(values)
        created = await info.context.session.fetch(_BATCH_DOCUMENTS, rows)
        return [crud.as_object("documents_generated", row) for row in created]

    # -- bulk changes (``aura.engine.bulk``) ----------------------------------------------

    update_plans = bulk.update_many_field(
        "plans",
        filter=PlanFilter,
        input=UpdatePlanInput,
        node=Plan,
        description=(
            "Change every plan matching the filter (at most 100); returns them. Status "
            "changes follow PlanStatus's rules for each plan: one refused refuses all."
        ),
    )

    delete_plans = bulk.delete_many_field(
        "plans",
        filter=PlanFilter,
        description=(
            "Delete every plan matching the filter (at most 100) with their results; "
            "returns their IDs."
        ),
    )

    update_decisions = bulk.update_many_field(
        "decisions",
        filter=DecisionFilter,
        input=UpdateDecisionInput,
        node=Decision,
        description="Change every decision matching the filter (at most 100); returns them.",
    )

    delete_decisions = bulk.delete_many_field(
        "decisions",
        filter=DecisionFilter,
        description="Delete every decision matching the filter (at most 100); returns their IDs.",
    )

    update_results = bulk.update_many_field(
        "results",
        filter=ResultFilter,
        input=UpdateResultInput,
        node=Result,
        description="Change every result matching the filter (at most 100); returns them.",
    )

    delete_results = bulk.delete_many_field(
        "results",
        filter=ResultFilter,
        description="Delete every result matching the filter (at most 100); returns their IDs.",
    )

    update_artifacts = bulk.update_many_field(
        "artifacts",
        filter=ArtifactFilter,
        input=UpdateArtifactInput,
        node=Artifact,
        description="Change every artifact matching the filter (at most 100); returns them.",
    )

    delete_artifacts = bulk.delete_many_field(
        "artifacts",
        filter=ArtifactFilter,
        description="Delete every artifact matching the filter (at most 100); returns their IDs.",
    )

    update_service_statuses = bulk.update_many_field(
        "service_status",
        filter=ServiceStatusFilter,
        input=UpdateServiceStatusInput,
        node=ServiceStatus,
        description=(
            "Change the status of every service matching the filter (at most 100); returns them."
        ),
    )

    delete_service_statuses = bulk.delete_many_field(
        "service_status",
        filter=ServiceStatusFilter,
        description=(
            "Stop monitoring every service matching the filter (at most 100); returns their IDs."
        ),
    )

    update_workflows = bulk.update_many_field(
        "workflows",
        filter=WorkflowFilter,
        input=UpdateWorkflowInput,
        node=Workflow,
        description="Change every workflow matching the filter (at most 100); returns them.",
    )

    delete_workflows = bulk.delete_many_field(
        "workflows",
        filter=WorkflowFilter,
        description=(
            "Delete every workflow matching the filter (at most 100) with their runs; "
            "returns their IDs."
        ),
    )
