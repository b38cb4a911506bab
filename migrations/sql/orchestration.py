"""SQL of revision 0002 (orchestration): triggers, event emission, row-level security,
views and helper functions that the table definitions alone cannot say.

Frozen with its revision: later revisions add their own modules rather than edit this.
Custom SQLSTATEs (AU400 BAD_USER_INPUT, AU403 FORBIDDEN, …) are mapped to GraphQL error
codes by ``aura.db.errors``; their messages are written for API users.
"""

PROJECT_TABLES = (
    "plans",
    "decisions",
    "results",
    "human_overrides",
    "artifacts",
    "checkpoints",
    "agent_sessions",
    "service_status",
    "execution_logs",
)
PERSONAL_TABLES = ("workflows", "workflow_history", "task_history", "documents_generated")

# table -> (event entity, columns copied into every event's payload, status style).
# A status change emits `<entity>.status_changed` {from, to}, or with "verbs"
# `<entity>.<new status>` (plan.approved).
EMITTERS = {
    "projects": ("project", "name", ""),
    "epics": ("epic", "key,title", ""),
    "issues": ("issue", "number,title", ""),
    "tasks": ("task", "key,title", ""),
    "comments": ("comment", "author,issue_id", ""),
    "plans": ("plan", "key,approach", "verbs"),
    "decisions": ("decision", "key,title,choice", ""),
    "results": ("result", "key,status", ""),
    "human_overrides": ("human_override", "category", ""),
    "artifacts": ("artifact", "type,ref", ""),
    "checkpoints": ("checkpoint", "label", ""),
    "agent_sessions": ("agent_session", "", ""),
    "service_status": ("service_status", "service_name", ""),
    "workflows": ("workflow", "name", ""),
    "workflow_history": ("workflow_history", "workflow_id", ""),
    "task_history": ("task_history", "", ""),
    "documents_generated": ("generated_document", "type,title,task_history_id", ""),
}

_FUNCTIONS = r"""
-- snake_case -> camelCase, for payload keys (the API's spelling).
CREATE FUNCTION aura.camel(name text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT lower(left(name, 1))
              || substr(replace(initcap(replace(name, '_', ' ')), ' ', ''), 2) $$;

-- Allowed plan status changes (mirrors aura.db.enums.PLAN_TRANSITIONS; a test compares them).
CREATE FUNCTION aura.plan_status_transitions(from_status text) RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE from_status
    WHEN 'PROPOSED' THEN ARRAY['APPROVED', 'REJECTED']
    WHEN 'APPROVED' THEN ARRAY['EXECUTING']
    ELSE ARRAY[]::text[]
  END $$;

CREATE FUNCTION aura.check_plan_status() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status
     AND NOT NEW.status = ANY (aura.plan_status_transitions(OLD.status)) THEN
    RAISE EXCEPTION 'a plan cannot go from % to %', OLD.status, NEW.status
      USING ERRCODE = 'AU400';
  END IF;
  RETURN NEW;
END $$;

-- A decision or result that names a plan is about that plan's task (derived when absent).
-- Runs as the request role, so another tenant's plan reads as missing.
CREATE FUNCTION aura.check_plan_task() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  plan_task uuid;
BEGIN
  IF NEW.plan_id IS NULL THEN
    RETURN NEW;
  END IF;
  SELECT task_id INTO plan_task FROM public.plans WHERE id = NEW.plan_id;
  IF plan_task IS NULL THEN
    RAISE EXCEPTION 'planId: no such plan %', NEW.plan_id USING ERRCODE = 'AU400';
  END IF;
  IF NEW.task_id IS NULL THEN
    NEW.task_id := plan_task;
  ELSIF NEW.task_id <> plan_task THEN
    RAISE EXCEPTION 'planId: plan % is a plan for another task', NEW.plan_id
      USING ERRCODE = 'AU400';
  END IF;
  RETURN NEW;
END $$;

-- The text of a decision option: a string option itself, or an object option's
-- title, name, label or option field.
CREATE FUNCTION aura.option_label(option jsonb) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE jsonb_typeof(option)
    WHEN 'string' THEN option #>> '{}'
    WHEN 'object' THEN coalesce(option ->> 'title', option ->> 'name', option ->> 'label',
                                option ->> 'option')
  END $$;

-- The selected option (an index) and the choice (an option's text) name the same option
-- of the decision's options; either one derives the other. Changing one of them alone
-- re-derives the other.
CREATE FUNCTION aura.check_decision() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  option_count integer;
  label text;
  found integer;
BEGIN
  IF jsonb_typeof(NEW.options) IS DISTINCT FROM 'array' THEN
    RAISE EXCEPTION 'options must be a list' USING ERRCODE = 'AU400';
  END IF;
  IF TG_OP = 'UPDATE' THEN
    IF NEW.choice IS DISTINCT FROM OLD.choice
       AND NEW.selected_option IS NOT DISTINCT FROM OLD.selected_option THEN
      NEW.selected_option := NULL;
    ELSIF NEW.selected_option IS DISTINCT FROM OLD.selected_option
          AND NEW.choice IS NOT DISTINCT FROM OLD.choice THEN
      NEW.choice := NULL;
    END IF;
  END IF;
  option_count := jsonb_array_length(NEW.options);
  IF NEW.selected_option IS NOT NULL THEN
    IF NEW.selected_option < 0 OR NEW.selected_option >= option_count THEN
      RAISE EXCEPTION 'selectedOption: % is not the index of an option (there are % options)',
        NEW.selected_option, option_count USING ERRCODE = 'AU400';
    END IF;
    label := aura.option_label(NEW.options -> NEW.selected_option);
    IF NEW.choice IS NULL THEN
      NEW.choice := label;
    ELSIF NEW.choice IS DISTINCT FROM label THEN
      RAISE EXCEPTION 'choice: "%" is not option % ("%")', NEW.choice, NEW.selected_option,
        coalesce(label, '') USING ERRCODE = 'AU400';
    END IF;
  ELSIF NEW.choice IS NOT NULL THEN
    SELECT o.i - 1 INTO found
      FROM jsonb_array_elements(NEW.options) WITH ORDINALITY AS o(v, i)
      WHERE aura.option_label(o.v) = NEW.choice ORDER BY o.i LIMIT 1;
    IF found IS NULL THEN
      RAISE EXCEPTION 'choice: "%" is not one of the options', NEW.choice
        USING ERRCODE = 'AU400';
    END IF;
    NEW.selected_option := found;
  END IF;
  IF NEW.selected_option IS NULL THEN
    NEW.decided_at := NULL;
  ELSIF TG_OP = 'INSERT' OR OLD.selected_option IS DISTINCT FROM NEW.selected_option THEN
    NEW.decided_at := now();
  END IF;
  RETURN NEW;
END $$;

-- Personal rows that point at another personal row belong to that row's user. Arguments
-- come in triples (column, parent table, API name). Runs as the request role, so another
-- user's row reads as missing.
CREATE FUNCTION aura.inherit_owner() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  row_data jsonb := to_jsonb(NEW);
  old_data jsonb := CASE WHEN TG_OP = 'UPDATE' THEN to_jsonb(OLD) END;
  i integer := 0;
  ref uuid;
  parent_user uuid;
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.user_id IS DISTINCT FROM OLD.user_id THEN
    RAISE EXCEPTION 'userId cannot be changed' USING ERRCODE = 'AU400';
  END IF;
  WHILE i < TG_NARGS LOOP
    ref := (row_data ->> TG_ARGV[i])::uuid;
    IF ref IS NOT NULL AND ref IS DISTINCT FROM (old_data ->> TG_ARGV[i])::uuid THEN
      parent_user := NULL;
      EXECUTE format('SELECT user_id FROM public.%I WHERE id = $1', TG_ARGV[i + 1])
        INTO parent_user USING ref;
      IF parent_user IS NULL THEN
        RAISE EXCEPTION '%: no such % %', TG_ARGV[i + 2],
          replace(rtrim(TG_ARGV[i + 1], 's'), '_', ' '), ref USING ERRCODE = 'AU400';
      END IF;
      IF TG_OP = 'INSERT' THEN
        NEW.user_id := parent_user;
      ELSIF NEW.user_id <> parent_user THEN
        RAISE EXCEPTION '%: % % belongs to another user', TG_ARGV[i + 2],
          replace(rtrim(TG_ARGV[i + 1], 's'), '_', ' '), ref USING ERRCODE = 'AU400';
      END IF;
    END IF;
    i := i + 3;
  END LOOP;
  RETURN NEW;
END $$;

-- Runs that reach a final status are completed now unless told otherwise.
CREATE FUNCTION aura.finish_run() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status IN ('COMPLETED', 'FAILED', 'CANCELLED') AND NEW.completed_at IS NULL THEN
    NEW.completed_at := now();
  END IF;
  RETURN NEW;
END $$;

-- Events are append-only: no event is ever changed or deleted. Deleting a project
-- removes its events through the foreign key, which runs as a nested trigger.
CREATE FUNCTION aura.guard_events() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND pg_trigger_depth() > 1 THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'events are append-only: an event cannot be %',
    CASE TG_OP WHEN 'UPDATE' THEN 'changed' ELSE 'deleted' END USING ERRCODE = 'AU403';
END $$;

-- Appends one event as the current principal. SECURITY DEFINER: emitted events are
-- written by the system, whatever the caller may insert.
CREATE FUNCTION aura.append_event(project uuid, task uuid, kind text, payload jsonb)
  RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  INSERT INTO public.events (project_id, task_id, user_id, event_type, payload)
  VALUES (project, task, aura.current_user_id(), kind, payload) $$;
REVOKE ALL ON FUNCTION aura.append_event(uuid, uuid, text, jsonb) FROM PUBLIC;

-- Every change of a row appends events in the same transaction (seed 001's data flow).
-- Arguments: the entity's event name, the comma-separated columns every payload repeats,
-- and 'verbs' when a status change is named after the new status (plan.approved).
--   INSERT: <entity>.created; DELETE: <entity>.deleted (skipped when the row goes with
--   its project or its user, whose history goes too);
--   UPDATE: <entity>.status_changed {from, to} (or <entity>.<status>), task.claimed
--   {agentId, previousAgentId} / task.released {agentId} when the lock changes,
--   human_override.applied {appliedCount}, and <entity>.updated {fields} for the rest.
-- Every payload has the row's id. An update that changes nothing appends nothing.
CREATE FUNCTION aura.emit_event() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  entity text := TG_ARGV[0];
  summary text[] := string_to_array(coalesce(TG_ARGV[1], ''), ',');
  status_verbs boolean := coalesce(TG_ARGV[2], '') = 'verbs';
  row_data jsonb := CASE TG_OP WHEN 'DELETE' THEN to_jsonb(OLD) ELSE to_jsonb(NEW) END;
  old_data jsonb;
  project uuid;
  task uuid;
  base jsonb;
  changed text[];
BEGIN
  project := (CASE WHEN TG_TABLE_NAME = 'projects' THEN row_data ->> 'id'
                   ELSE row_data ->> 'project_id' END)::uuid;
  task := (CASE WHEN TG_TABLE_NAME = 'tasks' THEN row_data ->> 'id'
                ELSE row_data ->> 'task_id' END)::uuid;
  base := jsonb_build_object('id', row_data -> 'id')
          || coalesce((SELECT jsonb_object_agg(aura.camel(k), row_data -> k)
                       FROM unnest(summary) AS k), '{}'::jsonb);
  IF TG_OP = 'INSERT' THEN
    PERFORM aura.append_event(project, task, entity || '.created', base);
    RETURN NULL;
  END IF;
  -- A change made while the row's project (or, for personal rows, its user) is being
  -- deleted goes with it: cascaded deletes and SET NULLs leave no history behind.
  IF project IS NOT NULL AND NOT EXISTS (SELECT 1 FROM public.projects WHERE id = project) THEN
    RETURN NULL;
  END IF;
  IF project IS NULL AND row_data ? 'user_id' AND NOT EXISTS (
    SELECT 1 FROM public.users WHERE id = (row_data ->> 'user_id')::uuid) THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'DELETE' THEN
    PERFORM aura.append_event(project, task, entity || '.deleted', base);
    RETURN NULL;
  END IF;

  old_data := to_jsonb(OLD);
  SELECT coalesce(array_agg(n.key ORDER BY n.key), '{}') INTO changed
    FROM jsonb_each(row_data) AS n
    WHERE n.value IS DISTINCT FROM old_data -> n.key AND n.key <> 'updated_at';
  IF 'status' = ANY (changed) THEN
    PERFORM aura.append_event(project, task,
      entity || CASE WHEN status_verbs THEN '.' || lower(row_data ->> 'status')
                     ELSE '.status_changed' END,
      base || jsonb_build_object('from', old_data -> 'status', 'to', row_data -> 'status'));
    -- completed_at follows the status (trigger on tasks)
    changed := array_remove(array_remove(changed, 'status'), 'completed_at');
  END IF;
  IF 'locked_by' = ANY (changed) OR 'locked_at' = ANY (changed) THEN
    IF row_data ->> 'locked_by' IS NULL THEN
      PERFORM aura.append_event(project, task, entity || '.released',
        base || jsonb_build_object('agentId', old_data -> 'locked_by'));
    ELSE
      PERFORM aura.append_event(project, task, entity || '.claimed',
        base || jsonb_build_object('agentId', row_data -> 'locked_by',
                                   'previousAgentId', old_data -> 'locked_by'));
    END IF;
    changed := array_remove(array_remove(changed, 'locked_by'), 'locked_at');
  END IF;
  IF 'applied_count' = ANY (changed) THEN
    PERFORM aura.append_event(project, task, entity || '.applied',
      base || jsonb_build_object('appliedCount', row_data -> 'applied_count'));
    changed := array_remove(changed, 'applied_count');
  END IF;
  IF cardinality(changed) > 0 THEN
    PERFORM aura.append_event(project, task, entity || '.updated',
      base || jsonb_build_object('fields',
        (SELECT jsonb_agg(aura.camel(c) ORDER BY c) FROM unnest(changed) AS c)));
  END IF;
  RETURN NULL;
END $$;

-- task.dependency_added / task.dependency_removed {id, dependsOnId} on the dependent task.
CREATE FUNCTION aura.emit_dependency_event() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM aura.append_event(NEW.project_id, NEW.task_id, 'task.dependency_added',
      jsonb_build_object('id', NEW.task_id, 'dependsOnId', NEW.depends_on_id));
  ELSIF EXISTS (SELECT 1 FROM public.tasks WHERE id = OLD.task_id) THEN
    PERFORM aura.append_event(OLD.project_id, OLD.task_id, 'task.dependency_removed',
      jsonb_build_object('id', OLD.task_id, 'dependsOnId', OLD.depends_on_id));
  END IF;
  RETURN NULL;
END $$;

-- seed 003's delete_old_execution_logs(): administrators only; returns the count removed.
CREATE FUNCTION aura.cleanup_execution_logs(older_than timestamptz) RETURNS integer
  LANGUAGE plpgsql AS $$
DECLARE
  removed integer;
BEGIN
  IF NOT aura.is_admin() THEN
    RAISE EXCEPTION 'only administrators can clean up execution logs' USING ERRCODE = 'AU403';
  END IF;
  DELETE FROM public.execution_logs WHERE created_at < older_than;
  GET DIAGNOSTICS removed = ROW_COUNT;
  RETURN removed;
END $$;
"""


def _triggers() -> str:
    lines = [
        "CREATE TRIGGER t05_plan_task BEFORE INSERT OR UPDATE OF task_id, plan_id ON decisions",
        "  FOR EACH ROW EXECUTE FUNCTION aura.check_plan_task();",
        "CREATE TRIGGER t05_plan_task BEFORE INSERT OR UPDATE OF task_id, plan_id ON results",
        "  FOR EACH ROW EXECUTE FUNCTION aura.check_plan_task();",
        # Re-checked only when a reference a client could change changes: a foreign key's
        # SET NULL (decisions.plan_id) runs while parents are being deleted.
        "CREATE TRIGGER t10_inherit_project BEFORE INSERT OR UPDATE OF project_id, task_id",
        "  ON plans FOR EACH ROW",
        "  EXECUTE FUNCTION aura.inherit_project('task_id', 'tasks', 'taskId');",
        "CREATE TRIGGER t10_inherit_project BEFORE INSERT OR UPDATE OF project_id, task_id",
        "  ON decisions FOR EACH ROW EXECUTE FUNCTION aura.inherit_project(",
        "    'task_id', 'tasks', 'taskId', 'plan_id', 'plans', 'planId');",
        "CREATE TRIGGER t10_inherit_project BEFORE INSERT OR UPDATE OF project_id, task_id",
        "  ON results FOR EACH ROW EXECUTE FUNCTION aura.inherit_project(",
        "    'task_id', 'tasks', 'taskId', 'plan_id', 'plans', 'planId');",
        "CREATE TRIGGER t20_check_status BEFORE UPDATE OF status ON plans",
        "  FOR EACH ROW EXECUTE FUNCTION aura.check_plan_status();",
        "CREATE TRIGGER t20_check_decision BEFORE INSERT OR UPDATE ON decisions",
        "  FOR EACH ROW EXECUTE FUNCTION aura.check_decision();",
        "CREATE TRIGGER t00_append_only BEFORE UPDATE OR DELETE ON events",
        "  FOR EACH ROW EXECUTE FUNCTION aura.guard_events();",
        # Checked for events a client appends; emitted events (nested) are the system's.
        "CREATE TRIGGER t10_inherit_project BEFORE INSERT ON events FOR EACH ROW",
        "  WHEN (pg_trigger_depth() = 0",
        "        AND (NEW.project_id IS NOT NULL OR NEW.task_id IS NOT NULL))",
        "  EXECUTE FUNCTION aura.inherit_project('task_id', 'tasks', 'taskId');",
        "CREATE TRIGGER t10_inherit_owner BEFORE INSERT OR UPDATE ON workflow_history",
        "  FOR EACH ROW EXECUTE FUNCTION aura.inherit_owner(",
        "    'workflow_id', 'workflows', 'workflowId');",
        "CREATE TRIGGER t10_inherit_owner BEFORE INSERT OR UPDATE ON documents_generated",
        "  FOR EACH ROW EXECUTE FUNCTION aura.inherit_owner(",
        "    'task_history_id', 'task_history', 'taskHistoryId');",
        "CREATE TRIGGER t10_inherit_owner BEFORE UPDATE ON workflows",
        "  FOR EACH ROW EXECUTE FUNCTION aura.inherit_owner();",
        "CREATE TRIGGER t10_inherit_owner BEFORE UPDATE ON task_history",
        "  FOR EACH ROW EXECUTE FUNCTION aura.inherit_owner();",
    ]
    for table in ("workflow_history", "task_history"):
        lines += [
            f"CREATE TRIGGER t20_finish_run BEFORE INSERT OR UPDATE OF status ON {table}",
            "  FOR EACH ROW EXECUTE FUNCTION aura.finish_run();",
        ]
    for table in ("human_overrides", "artifacts", "execution_logs"):
        lines += [
            "CREATE TRIGGER t10_inherit_project BEFORE INSERT OR UPDATE OF project_id, task_id",
            f"  ON {table} FOR EACH ROW",
            "  EXECUTE FUNCTION aura.inherit_project('task_id', 'tasks', 'taskId');",
        ]
    for table in ("checkpoints", "agent_sessions", "service_status"):
        lines += [
            "CREATE TRIGGER t10_inherit_project BEFORE INSERT OR UPDATE OF project_id",
            f"  ON {table} FOR EACH ROW EXECUTE FUNCTION aura.inherit_project();",
        ]
    touched = [t for t in (*PROJECT_TABLES, *PERSONAL_TABLES) if t != "execution_logs"]
    for table in touched:
        lines += [
            f"CREATE TRIGGER t90_touch_updated_at BEFORE UPDATE ON {table}",
            "  FOR EACH ROW EXECUTE FUNCTION aura.touch_updated_at();",
        ]
    for table, (name, summary, style) in EMITTERS.items():
        lines += [
            f"CREATE TRIGGER t95_emit_event AFTER INSERT OR UPDATE OR DELETE ON {table}",
            f"  FOR EACH ROW EXECUTE FUNCTION aura.emit_event('{name}', '{summary}', '{style}');",
        ]
    lines += [
        "CREATE TRIGGER t95_emit_event AFTER INSERT OR DELETE ON task_dependencies",
        "  FOR EACH ROW EXECUTE FUNCTION aura.emit_dependency_event();",
    ]
    return "\n".join(lines) + "\n"


def _policies() -> str:
    lines = []
    project_rule = "(SELECT aura.is_admin()) OR project_id IN (SELECT id FROM public.projects)"
    for table in PROJECT_TABLES:
        lines += [
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;",
            f"CREATE POLICY {table}_tenant ON {table}",
            f"  USING ({project_rule}) WITH CHECK ({project_rule});",
        ]
    personal_rule = (
        "(SELECT aura.is_admin()) OR "
        "(user_id = (SELECT aura.current_user_id()) AND (SELECT aura.is_member()))"
    )
    for table in PERSONAL_TABLES:
        lines += [
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;",
            f"CREATE POLICY {table}_owner ON {table}",
            f"  USING ({personal_rule}) WITH CHECK ({personal_rule});",
        ]
    # Events: read and append, never change (no UPDATE/DELETE policy, grant or way round
    # the append-only trigger). A project's events are its owner's; events about personal
    # records have no project and are their user's.
    lines += [
        "ALTER TABLE events ENABLE ROW LEVEL SECURITY;",
        "CREATE POLICY events_read ON events FOR SELECT",
        "  USING ((SELECT aura.is_admin()) OR project_id IN (SELECT id FROM public.projects)",
        "         OR (project_id IS NULL AND user_id = (SELECT aura.current_user_id())));",
        "CREATE POLICY events_append ON events FOR INSERT",
        "  WITH CHECK (user_id = (SELECT aura.current_user_id()) AND (",
        "    (SELECT aura.is_admin()) OR project_id IN (SELECT id FROM public.projects)",
        "    OR (project_id IS NULL AND (SELECT aura.is_member()))));",
    ]
    return "\n".join(lines) + "\n"


_VIEWS_AND_GRANTS = f"""
-- seed 001's recent_events, with the caller's rights (security_invoker).
CREATE VIEW recent_events WITH (security_invoker = true) AS
SELECT e.id, e.project_id, e.task_id, e.user_id, e.event_type, e.payload, e.created_at,
       p.name AS project_name, t.title AS task_title
FROM events e
LEFT JOIN projects p ON p.id = e.project_id
LEFT JOIN tasks t ON t.id = e.task_id;

GRANT SELECT, INSERT, UPDATE, DELETE ON {", ".join((*PROJECT_TABLES, *PERSONAL_TABLES))}
  TO aura_app;
GRANT SELECT, INSERT ON events TO aura_app;
GRANT SELECT ON recent_events TO aura_app;
"""

AFTER_TABLES = _FUNCTIONS + _triggers() + _policies() + _VIEWS_AND_GRANTS

# Before the tables go: the view, and the functions with every trigger that uses them
# (CASCADE), including the emitters on the work tables of revision 0001.
DROP_BEHAVIOUR = r"""
DROP VIEW IF EXISTS recent_events;
DROP FUNCTION IF EXISTS aura.emit_event() CASCADE;
DROP FUNCTION IF EXISTS aura.emit_dependency_event() CASCADE;
DROP FUNCTION IF EXISTS aura.append_event(uuid, uuid, text, jsonb);
DROP FUNCTION IF EXISTS aura.guard_events() CASCADE;
DROP FUNCTION IF EXISTS aura.check_plan_status() CASCADE;
DROP FUNCTION IF EXISTS aura.plan_status_transitions(text);
DROP FUNCTION IF EXISTS aura.check_plan_task() CASCADE;
DROP FUNCTION IF EXISTS aura.check_decision() CASCADE;
DROP FUNCTION IF EXISTS aura.option_label(jsonb);
DROP FUNCTION IF EXISTS aura.inherit_owner() CASCADE;
DROP FUNCTION IF EXISTS aura.finish_run() CASCADE;
DROP FUNCTION IF EXISTS aura.cleanup_execution_logs(timestamptz);
DROP FUNCTION IF EXISTS aura.camel(text);
"""
