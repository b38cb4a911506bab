"""SQL of revision 0011_dataops: project inheritance, row-level security, grants, the
ingest jobs' change stream, enqueueing jobs, and the feedback counts of bonus windows.

Frozen with its revision: later revisions add their own modules rather than edit this.
"""

_PROJECT_RULE = "(SELECT aura.is_admin()) OR project_id IN (SELECT id FROM public.projects)"
_TABLES = ("data_records", "likert_scores", "ingest_jobs", "ingest_uploads", "analytics_jobs")

_FUNCTIONS = """
-- Enqueue a job for the workers (aura.db.jobs), in the caller's transaction, so a job row
-- and its queue entry commit together. The caller must see the job (its project's owner
-- or an administrator); the queue itself is out of the request role's reach.
CREATE FUNCTION aura.enqueue_job(kind text, job uuid) RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  owner uuid;
  queued bigint;
BEGIN
  IF kind = 'ingest' THEN
    SELECT p.owner_id INTO owner FROM public.ingest_jobs j
      JOIN public.projects p ON p.id = j.project_id WHERE j.id = job;
  ELSIF kind = 'analytics' THEN
    SELECT p.owner_id INTO owner FROM public.analytics_jobs j
      JOIN public.projects p ON p.id = j.project_id WHERE j.id = job;
  ELSE
    RAISE EXCEPTION 'no such kind of job: %', kind USING ERRCODE = 'AU400';
  END IF;
  IF owner IS NULL OR NOT (aura.is_admin() OR owner = aura.current_user_id()) THEN
    RAISE EXCEPTION 'no % job with id %', kind, job USING ERRCODE = 'AU404';
  END IF;
  INSERT INTO aura_queue.pgqueuer (priority, entrypoint, payload, status, dedupe_key)
  VALUES (0, kind, convert_to(job::text, 'UTF8'), 'queued', kind || ':' || job)
  ON CONFLICT DO NOTHING
  RETURNING id INTO queued;
  IF queued IS NOT NULL THEN
    INSERT INTO aura_queue.pgqueuer_log (job_id, status, entrypoint, priority)
    VALUES (queued, 'queued', kind, 0);
  END IF;
END $$;
REVOKE ALL ON FUNCTION aura.enqueue_job(text, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION aura.enqueue_job(text, uuid) TO aura_app;

-- seed 004: the FEEDBACK records each member of the caller's team created inside a
-- window (administrators: every user). Reads past row-level security, like
-- aura.team_task_times: a manager cannot read the records themselves.
CREATE FUNCTION aura.team_feedback_counts(window_start timestamptz, window_end timestamptz)
  RETURNS TABLE (member_id uuid, member_name text, feedback_count integer)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT m.id, coalesce(m.display_name, m.email),
         (SELECT count(*)::int FROM public.data_records r
           WHERE r.type = 'FEEDBACK' AND r.created_by_id = m.id::text
             AND r.created_at >= window_start AND r.created_at < window_end)
    FROM public.users m
   WHERE aura.is_admin()
      OR (aura.current_user_role() = 'MANAGER' AND m.manager_id = aura.current_user_id())
$$;
REVOKE ALL ON FUNCTION aura.team_feedback_counts(timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION aura.team_feedback_counts(timestamptz, timestamptz) TO aura_app;

-- data_records.ingest_job_id is no foreign key (bulk loads would check it per row):
-- deleting a job clears it, as ON DELETE SET NULL would.
CREATE FUNCTION aura.forget_ingest_job() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  UPDATE public.data_records SET ingest_job_id = NULL, source_row = NULL
   WHERE ingest_job_id = OLD.id;
  RETURN OLD;
END $$;

-- A record created through the API is its creator's (bulk loads name theirs).
CREATE FUNCTION aura.record_creator() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  IF NEW.created_by_id IS NULL THEN
    SELECT u.id::text, coalesce(u.display_name, u.email), u.email
      INTO NEW.created_by_id, NEW.created_by_name, NEW.created_by_email
      FROM public.users u WHERE u.id = aura.current_user_id();
  END IF;
  RETURN NEW;
END $$;
"""

# Bulk loads (the workers, as the owner) skip the per-row checks requests need: the
# worker writes only the job's own project.
_TRIGGERS = """
CREATE TRIGGER t10_inherit_project BEFORE INSERT OR UPDATE OF project_id ON data_records
  FOR EACH ROW WHEN (aura.in_request()) EXECUTE FUNCTION aura.inherit_project();
CREATE TRIGGER t20_record_creator BEFORE INSERT ON data_records
  FOR EACH ROW WHEN (aura.in_request()) EXECUTE FUNCTION aura.record_creator();
CREATE TRIGGER t10_inherit_project BEFORE INSERT OR UPDATE OF project_id, record_id
  ON likert_scores FOR EACH ROW
  EXECUTE FUNCTION aura.inherit_project('record_id', 'data_records', 'recordId');
CREATE TRIGGER t10_inherit_project BEFORE INSERT OR UPDATE OF project_id ON ingest_jobs
  FOR EACH ROW EXECUTE FUNCTION aura.inherit_project();
CREATE TRIGGER t10_inherit_project BEFORE INSERT OR UPDATE OF project_id ON analytics_jobs
  FOR EACH ROW EXECUTE FUNCTION aura.inherit_project();
CREATE TRIGGER t90_touch_updated_at BEFORE UPDATE ON data_records
  FOR EACH ROW EXECUTE FUNCTION aura.touch_updated_at();
CREATE TRIGGER t90_touch_updated_at BEFORE UPDATE ON likert_scores
  FOR EACH ROW EXECUTE FUNCTION aura.touch_updated_at();
CREATE TRIGGER t90_touch_updated_at BEFORE UPDATE ON ingest_jobs
  FOR EACH ROW EXECUTE FUNCTION aura.touch_updated_at();
CREATE TRIGGER t90_touch_updated_at BEFORE UPDATE ON analytics_jobs
  FOR EACH ROW EXECUTE FUNCTION aura.touch_updated_at();
CREATE TRIGGER t80_forget_job AFTER DELETE ON ingest_jobs
  FOR EACH ROW EXECUTE FUNCTION aura.forget_ingest_job();
-- Progress of ingest jobs reaches subscribers (ingestJobChanged) through the stream.
CREATE CONSTRAINT TRIGGER t99_stream AFTER INSERT OR UPDATE OR DELETE ON ingest_jobs
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION aura.stream_append('snapshot');
"""

_POLICIES = "".join(
    f"""
ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
CREATE POLICY {table}_tenant ON {table} USING ({_PROJECT_RULE}) WITH CHECK ({_PROJECT_RULE});
"""
    for table in _TABLES
)

_GRANTS = """
GRANT SELECT, INSERT, UPDATE, DELETE
  ON data_records, likert_scores, ingest_jobs, analytics_jobs TO aura_app;
GRANT SELECT, INSERT, DELETE ON ingest_uploads TO aura_app;
"""

AFTER_TABLES = _FUNCTIONS + _TRIGGERS + _POLICIES + _GRANTS

DROP_BEHAVIOUR = """
DROP TRIGGER IF EXISTS t99_stream ON ingest_jobs;
DROP FUNCTION IF EXISTS aura.record_creator() CASCADE;
DROP FUNCTION IF EXISTS aura.forget_ingest_job() CASCADE;
DROP FUNCTION IF EXISTS aura.team_feedback_counts(timestamptz, timestamptz);
DROP FUNCTION IF EXISTS aura.enqueue_job(text, uuid);
"""
