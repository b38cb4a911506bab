"""SQL of revision 0017 (retention): the archives' row-level security and grants, the
one sanctioned deletion of events, and the change stream left out of retention.

Frozen with its revision. Retention (``aura.db.retention``) moves rows past their age
into ``<table>_archive`` in transactions that set ``aura.retention`` to ``archive``:

- ``aura.guard_events`` lets an event be deleted in such a transaction (and, as before,
  when its project goes). Requests cannot reach it: they have no DELETE grant or policy
  on events, and run no SQL of their own.
- The change-stream trigger of events and execution logs skips those deletions: archived
  rows did not change, and a subscriber is not told they were deleted.
"""

SETTING = "aura.retention"
ARCHIVING = f"current_setting('{SETTING}', true) = 'archive'"

_PROJECT_RULE = "(SELECT aura.is_admin()) OR project_id IN (SELECT id FROM public.projects)"

GUARD_EVENTS = f"""
CREATE OR REPLACE FUNCTION aura.guard_events() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND (pg_trigger_depth() > 1 OR {ARCHIVING}) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'events are append-only: an event cannot be %',
    CASE TG_OP WHEN 'UPDATE' THEN 'changed' ELSE 'deleted' END USING ERRCODE = 'AU403';
END $$;
"""

GUARD_EVENTS_BEFORE = """
CREATE OR REPLACE FUNCTION aura.guard_events() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND pg_trigger_depth() > 1 THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'events are append-only: an event cannot be %',
    CASE TG_OP WHEN 'UPDATE' THEN 'changed' ELSE 'deleted' END USING ERRCODE = 'AU403';
END $$;
"""


def stream_triggers(*, skip_archiving: bool) -> str:
    when = f"  WHEN (NOT coalesce({ARCHIVING}, false))\n" if skip_archiving else ""
    return "".join(
        f"""
DROP TRIGGER IF EXISTS t99_stream ON public.{table};
CREATE CONSTRAINT TRIGGER t99_stream AFTER INSERT OR UPDATE OR DELETE ON public.{table}
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW
{when}  EXECUTE FUNCTION aura.stream_append('row');
"""
        for table in ("events", "execution_logs")
    )


# Read-only archives with their source's reading rules: events' (a project's are its
# owner's, personal ones their user's), execution logs' (the project's).
POLICIES = f"""
ALTER TABLE events_archive ENABLE ROW LEVEL SECURITY;
CREATE POLICY events_archive_read ON events_archive FOR SELECT
  USING ((SELECT aura.is_admin()) OR project_id IN (SELECT id FROM public.projects)
         OR (project_id IS NULL AND user_id = (SELECT aura.current_user_id())));
ALTER TABLE execution_logs_archive ENABLE ROW LEVEL SECURITY;
CREATE POLICY execution_logs_archive_read ON execution_logs_archive FOR SELECT
  USING ({_PROJECT_RULE});
GRANT SELECT ON events_archive, execution_logs_archive TO aura_app;
"""

UPGRADE = GUARD_EVENTS + stream_triggers(skip_archiving=True) + POLICIES
DOWNGRADE = GUARD_EVENTS_BEFORE + stream_triggers(skip_archiving=False)

EVENT_COLUMNS = "id, project_id, task_id, user_id, event_type, payload, created_at"
LOG_COLUMNS = (
    "id, project_id, task_id, user_id, step, agent_type, level, message, metadata, created_at"
)


def move_back(table: str, columns: str) -> str:
    """Downgrade: archived rows return to their table as they were. Its own triggers are
    off meanwhile: these rows were checked when first written, and they did not change."""
    return f"""
ALTER TABLE public.{table} DISABLE TRIGGER USER;
INSERT INTO public.{table} ({columns}) SELECT {columns} FROM public.{table}_archive;
ALTER TABLE public.{table} ENABLE TRIGGER USER;
"""
