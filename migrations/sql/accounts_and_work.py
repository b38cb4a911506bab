"""SQL of revision 0001: what the table definitions alone cannot say.

Frozen with its revision: later revisions add their own modules rather than edit this.

Custom SQLSTATEs raised here are mapped to GraphQL error codes by ``aura.db.errors``:
AU400 BAD_USER_INPUT, AU401 UNAUTHENTICATED, AU403 FORBIDDEN, AU404 NOT_FOUND,
AU409 CONFLICT. Their messages are written for API users.
"""

BEFORE_TABLES = r"""
CREATE EXTENSION IF NOT EXISTS vector;
CREATE SCHEMA IF NOT EXISTS aura;

DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'aura_app') THEN
    CREATE ROLE aura_app NOLOGIN;
  END IF;
END $$;
GRANT aura_app TO current_user;

-- The principal of the current request, set by aura.begin_request (transaction-local).
CREATE FUNCTION aura.current_user_id() RETURNS uuid
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT nullif(current_setting('aura.user_id', true), '')::uuid $$;

CREATE FUNCTION aura.current_user_role() RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT coalesce(nullif(current_setting('aura.user_role', true), ''), 'ANONYMOUS') $$;

CREATE FUNCTION aura.is_admin() RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT aura.current_user_role() = 'ADMIN' $$;

-- PENDING users are known but not yet approved: they own nothing and see only themselves.
CREATE FUNCTION aura.is_member() RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT aura.current_user_role() IN ('USER', 'MANAGER', 'ADMIN') $$;

CREATE FUNCTION aura.in_request() RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT aura.current_user_id() IS NOT NULL $$;

CREATE FUNCTION aura.touch_updated_at() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END $$;

-- Allowed task status changes (mirrors aura.db.enums.TASK_TRANSITIONS; a test compares them).
CREATE FUNCTION aura.task_status_transitions(from_status text) RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE from_status
    WHEN 'PENDING' THEN ARRAY['PLANNING', 'APPROVED', 'IN_PROGRESS', 'BLOCKED', 'CANCELLED']
    WHEN 'PLANNING' THEN ARRAY['PENDING', 'APPROVED', 'BLOCKED', 'CANCELLED']
    WHEN 'APPROVED' THEN ARRAY['PLANNING', 'IN_PROGRESS', 'BLOCKED', 'CANCELLED']
    WHEN 'IN_PROGRESS' THEN ARRAY['COMPLETED', 'FAILED', 'BLOCKED', 'CANCELLED', 'APPROVED']
    WHEN 'BLOCKED' THEN ARRAY['PENDING', 'PLANNING', 'APPROVED', 'IN_PROGRESS', 'CANCELLED']
    WHEN 'COMPLETED' THEN ARRAY['IN_PROGRESS']
    WHEN 'FAILED' THEN ARRAY['PENDING', 'IN_PROGRESS', 'CANCELLED']
    WHEN 'CANCELLED' THEN ARRAY['PENDING']
    ELSE ARRAY[]::text[]
  END $$;
"""

AFTER_TABLES = r"""
-- Every request: look up the principal's role, scope the transaction to it and drop to
-- the unprivileged role, in one round trip. Row-level security does the rest.
CREATE FUNCTION aura.begin_request(principal uuid, timeout_ms integer) RETURNS text
  LANGUAGE plpgsql AS $$
DECLARE
  principal_role text;
BEGIN
  SELECT role INTO principal_role FROM public.users WHERE id = principal;
  IF principal_role IS NULL THEN
    RAISE EXCEPTION 'the user of this token no longer exists' USING ERRCODE = 'AU401';
  END IF;
  PERFORM set_config('aura.user_id', principal::text, true);
  PERFORM set_config('aura.user_role', principal_role, true);
  PERFORM set_config('statement_timeout', timeout_ms::text, true);
  PERFORM set_config('role', 'aura_app', true);
  RETURN principal_role;
END $$;
REVOKE ALL ON FUNCTION aura.begin_request(uuid, integer) FROM PUBLIC;

-- Rows that reference other rows of a project must stay inside that project. Arguments
-- come in triples (column, parent table, API name); project_id is derived when absent.
-- Runs as the request role, so a parent of another tenant reads as missing.
CREATE FUNCTION aura.inherit_project() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  row_data jsonb := to_jsonb(NEW);
  i integer := 0;
  ref uuid;
  parent_project uuid;
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.project_id IS DISTINCT FROM OLD.project_id THEN
    RAISE EXCEPTION 'projectId cannot be changed' USING ERRCODE = 'AU400';
  END IF;
  -- Checked before the foreign key and the policy, so that another tenant's project and
  -- a project that does not exist give the same answer.
  IF TG_OP = 'INSERT' AND NEW.project_id IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM public.projects WHERE id = NEW.project_id) THEN
    RAISE EXCEPTION 'projectId: no such project %', NEW.project_id USING ERRCODE = 'AU400';
  END IF;
  WHILE i < TG_NARGS LOOP
    ref := (row_data ->> TG_ARGV[i])::uuid;
    IF ref IS NOT NULL THEN
      parent_project := NULL;
      EXECUTE format('SELECT project_id FROM public.%I WHERE id = $1', TG_ARGV[i + 1])
        INTO parent_project USING ref;
      IF parent_project IS NULL THEN
        RAISE EXCEPTION '%: no such % %', TG_ARGV[i + 2], rtrim(TG_ARGV[i + 1], 's'), ref
          USING ERRCODE = 'AU400';
      END IF;
      IF NEW.project_id IS NULL THEN
        NEW.project_id := parent_project;
      ELSIF NEW.project_id <> parent_project THEN
        RAISE EXCEPTION '%: % % belongs to another project', TG_ARGV[i + 2],
          rtrim(TG_ARGV[i + 1], 's'), ref USING ERRCODE = 'AU400';
      END IF;
    END IF;
    i := i + 3;
  END LOOP;
  IF NEW.project_id IS NULL THEN
    RAISE EXCEPTION '% is required', array_to_string(
      ARRAY(SELECT TG_ARGV[k] FROM generate_series(2, TG_NARGS - 1, 3) k), ' or ')
      USING ERRCODE = 'AU400';
  END IF;
  RETURN NEW;
END $$;

-- Issue numbers count up per project when the client does not choose one.
CREATE FUNCTION aura.number_issue() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.number IS NULL THEN
    PERFORM pg_advisory_xact_lock(hashtextextended('aura.issues:' || NEW.project_id::text, 0));
    SELECT coalesce(max(number), 0) + 1 INTO NEW.number
      FROM public.issues WHERE project_id = NEW.project_id;
  END IF;
  RETURN NEW;
END $$;

-- Dependencies form a DAG inside one project. The advisory lock serialises concurrent
-- edits of one project's graph, so two transactions cannot each add half of a cycle;
-- the recursive query runs after the lock with a fresh snapshot (READ COMMITTED).
CREATE FUNCTION aura.check_task_dependency() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(
    hashtextextended('aura.task_dependencies:' || NEW.project_id::text, 0));
  IF EXISTS (
    WITH RECURSIVE upstream(id) AS (
      SELECT NEW.depends_on_id
      UNION
      SELECT d.depends_on_id FROM public.task_dependencies d JOIN upstream u ON d.task_id = u.id
    )
    SELECT 1 FROM upstream WHERE id = NEW.task_id
  ) THEN
    RAISE EXCEPTION 'dependency cycle: task % already depends on task %',
      NEW.depends_on_id, NEW.task_id USING ERRCODE = 'AU400';
  END IF;
  IF (SELECT status FROM public.tasks WHERE id = NEW.task_id) = 'COMPLETED'
     AND (SELECT status FROM public.tasks WHERE id = NEW.depends_on_id) <> 'COMPLETED' THEN
    RAISE EXCEPTION 'a completed task cannot depend on an unfinished task'
      USING ERRCODE = 'AU400';
  END IF;
  RETURN NEW;
END $$;

CREATE FUNCTION aura.check_task_status() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status THEN
    IF NOT NEW.status = ANY (aura.task_status_transitions(OLD.status)) THEN
      RAISE EXCEPTION 'a task cannot go from % to %', OLD.status, NEW.status
        USING ERRCODE = 'AU400';
    END IF;
    IF NEW.status = 'COMPLETED' THEN
      IF EXISTS (
        SELECT 1 FROM public.task_dependencies d
        JOIN public.tasks t ON t.id = d.depends_on_id
        WHERE d.task_id = NEW.id AND t.status <> 'COMPLETED'
      ) THEN
        RAISE EXCEPTION 'a task cannot be completed before all its dependencies are completed'
          USING ERRCODE = 'AU400';
      END IF;
      NEW.completed_at := now();
    ELSIF OLD.status = 'COMPLETED' THEN
      NEW.completed_at := NULL;
    END IF;
  END IF;
  RETURN NEW;
END $$;

-- Only admins change roles; everyone else may edit only their own profile fields.
CREATE FUNCTION aura.guard_user_role() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF aura.in_request() AND NOT aura.is_admin() AND NEW.role IS DISTINCT FROM OLD.role THEN
    RAISE EXCEPTION 'only administrators can change roles' USING ERRCODE = 'AU403';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER t10_guard_role BEFORE UPDATE OF role ON users
  FOR EACH ROW EXECUTE FUNCTION aura.guard_user_role();
CREATE TRIGGER t10_inherit_project BEFORE INSERT OR UPDATE ON epics
  FOR EACH ROW EXECUTE FUNCTION aura.inherit_project();
CREATE TRIGGER t10_inherit_project BEFORE INSERT OR UPDATE ON issues
  FOR EACH ROW EXECUTE FUNCTION aura.inherit_project('epic_id', 'epics', 'epicId');
CREATE TRIGGER t20_number_issue BEFORE INSERT ON issues
  FOR EACH ROW EXECUTE FUNCTION aura.number_issue();
CREATE TRIGGER t10_inherit_project BEFORE INSERT OR UPDATE ON tasks
  FOR EACH ROW EXECUTE FUNCTION aura.inherit_project(
    'epic_id', 'epics', 'epicId', 'issue_id', 'issues', 'issueId');
CREATE TRIGGER t20_check_status BEFORE UPDATE OF status ON tasks
  FOR EACH ROW EXECUTE FUNCTION aura.check_task_status();
CREATE TRIGGER t10_inherit_project BEFORE INSERT OR UPDATE ON task_dependencies
  FOR EACH ROW EXECUTE FUNCTION aura.inherit_project(
    'task_id', 'tasks', 'taskId', 'depends_on_id', 'tasks', 'dependsOnId');
CREATE TRIGGER t20_check_dependency BEFORE INSERT OR UPDATE ON task_dependencies
  FOR EACH ROW EXECUTE FUNCTION aura.check_task_dependency();
CREATE TRIGGER t10_inherit_project BEFORE INSERT OR UPDATE ON comments
  FOR EACH ROW EXECUTE FUNCTION aura.inherit_project(
    'task_id', 'tasks', 'taskId', 'issue_id', 'issues', 'issueId');

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['users', 'projects', 'epics', 'issues', 'tasks', 'comments'] LOOP
    EXECUTE format('CREATE TRIGGER t90_touch_updated_at BEFORE UPDATE ON %I '
                   'FOR EACH ROW EXECUTE FUNCTION aura.touch_updated_at()', t);
  END LOOP;
END $$;

-- Row-level security. (SELECT f()) makes each function an init plan evaluated once per
-- statement instead of once per row.
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
CREATE POLICY users_read ON users FOR SELECT
  USING (id = (SELECT aura.current_user_id()) OR (SELECT aura.is_admin()));
CREATE POLICY users_insert ON users FOR INSERT WITH CHECK ((SELECT aura.is_admin()));
CREATE POLICY users_update ON users FOR UPDATE
  USING (id = (SELECT aura.current_user_id()) OR (SELECT aura.is_admin()))
  WITH CHECK (id = (SELECT aura.current_user_id()) OR (SELECT aura.is_admin()));
CREATE POLICY users_delete ON users FOR DELETE USING ((SELECT aura.is_admin()));

ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
CREATE POLICY projects_tenant ON projects
  USING ((SELECT aura.is_admin())
         OR (owner_id = (SELECT aura.current_user_id()) AND (SELECT aura.is_member())))
  WITH CHECK ((SELECT aura.is_admin())
              OR (owner_id = (SELECT aura.current_user_id()) AND (SELECT aura.is_member())));

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['epics', 'issues', 'tasks', 'task_dependencies', 'comments'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format(
      'CREATE POLICY %I ON %I USING (%s) WITH CHECK (%s)', t || '_tenant', t,
      '(SELECT aura.is_admin()) OR project_id IN (SELECT id FROM public.projects)',
      '(SELECT aura.is_admin()) OR project_id IN (SELECT id FROM public.projects)');
  END LOOP;
END $$;

-- Views run with the privileges of the caller so row-level security applies inside them.
CREATE VIEW active_tasks WITH (security_invoker = true) AS
SELECT t.id, t.project_id, t.key, t.title, t.status, t.priority, t.locked_at, t.locked_by,
       p.name AS project_name,
       (t.locked_at IS NOT NULL AND t.locked_at > now() - interval '1 hour') AS is_actively_locked,
       t.created_at, t.updated_at
FROM tasks t
JOIN projects p ON p.id = t.project_id
WHERE t.status IN ('IN_PROGRESS', 'BLOCKED');

CREATE VIEW task_progress WITH (security_invoker = true) AS
SELECT t.id, t.project_id, t.title, t.status, t.priority,
       coalesce(array_length(t.acceptance_criteria, 1), 0) AS total_criteria,
       (SELECT count(*) FROM task_dependencies d WHERE d.task_id = t.id)::int
         AS dependency_count,
       (SELECT count(*) FROM task_dependencies d JOIN tasks dt ON dt.id = d.depends_on_id
         WHERE d.task_id = t.id AND dt.status = 'COMPLETED')::int AS completed_dependency_count,
       (SELECT count(*) FROM comments c WHERE c.task_id = t.id)::int AS comment_count,
       t.locked_at, t.locked_by, t.created_at, t.updated_at
FROM tasks t;

GRANT USAGE ON SCHEMA public, aura TO aura_app;
GRANT SELECT, INSERT, UPDATE, DELETE
  ON users, projects, epics, issues, tasks, task_dependencies, comments TO aura_app;
GRANT SELECT ON active_tasks, task_progress TO aura_app;
"""

DROP_BEHAVIOUR = r"""
DROP VIEW IF EXISTS task_progress;
DROP VIEW IF EXISTS active_tasks;
"""

DROP_FOUNDATION = r"""
DROP SCHEMA IF EXISTS aura CASCADE;
REVOKE ALL ON SCHEMA public FROM aura_app;
DO $$ BEGIN
  DROP ROLE aura_app;
EXCEPTION WHEN dependent_objects_still_exist OR insufficient_privilege THEN
  -- Roles are cluster-wide: another database of this cluster still uses it.
  NULL;
END $$;
DROP EXTENSION IF EXISTS vector;
"""
