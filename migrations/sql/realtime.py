"""SQL of revision 0003 (realtime): the commit-ordered change stream behind subscriptions.

Every change to a streamed table appends one row to ``aura.stream`` *at commit*, under
a transaction-level advisory lock, and takes its sequence number there. The lock is held
until the transaction has committed and become visible, so sequence numbers are handed
out in commit order: whoever can see ``seq = n`` can also see every smaller number that
will ever exist. That is what makes a resume cursor exact even when transactions commit
out of order (the one that started first committing last), the case where cursors built
from insert-time sequences or timestamps miss rows.

Each committing transaction then sends one ``pg_notify('aura_stream', <table>)`` (the
payload is only a wake-up key: PostgreSQL folds identical notifications of a transaction
into one, and the rows are read from the stream, never carried in the 8 kB payload).

The cost is that commits touching streamed tables serialise on the lock for the time of
the commit itself; rows of one transaction share that single wait.

Frozen with its revision: later revisions add their own modules rather than edit this.
"""

# table -> what the stream keeps of a change. "snapshot": the row as it was at that
# change (small rows that are updated: each message shows its own version); "row": only
# the key, the row is read from its table (append-only rows, which may be large).
STREAMED = {
    "events": "row",
    "execution_logs": "row",
    "tasks": "snapshot",
    "service_status": "snapshot",
}

# A constant key for pg_advisory_xact_lock: "aura" "strm".
STREAM_LOCK = 0x61757261_7374726D

AFTER_TABLES = f"""
CREATE SEQUENCE aura.stream_seq;

CREATE TABLE aura.stream (
  seq bigint PRIMARY KEY,
  source text NOT NULL,
  op text NOT NULL CHECK (op IN ('INSERT', 'UPDATE', 'DELETE')),
  row_id uuid NOT NULL,
  project_id uuid,
  task_id uuid,
  user_id uuid,
  data jsonb,
  committed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX ix_stream_project_id_seq ON aura.stream (project_id, seq);
CREATE INDEX ix_stream_task_id_seq ON aura.stream (task_id, seq) WHERE task_id IS NOT NULL;
CREATE INDEX ix_stream_committed_at ON aura.stream (committed_at);

-- The oldest position a cursor may resume from: raised when old stream rows are pruned.
CREATE TABLE aura.stream_horizon (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  seq bigint NOT NULL
);
INSERT INTO aura.stream_horizon VALUES (true, 0);

CREATE FUNCTION aura.stream_append() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  r jsonb := CASE WHEN TG_OP = 'DELETE' THEN to_jsonb(OLD) ELSE to_jsonb(NEW) END;
BEGIN
  -- Runs at commit (deferred): from here to the end of the commit, stream positions are
  -- handed out to one transaction at a time.
  PERFORM pg_advisory_xact_lock({STREAM_LOCK});
  INSERT INTO aura.stream (seq, source, op, row_id, project_id, task_id, user_id, data)
  VALUES (
    nextval('aura.stream_seq'), TG_TABLE_NAME, TG_OP, (r ->> 'id')::uuid,
    (r ->> 'project_id')::uuid,
    CASE WHEN TG_TABLE_NAME = 'tasks' THEN (r ->> 'id')::uuid ELSE (r ->> 'task_id')::uuid END,
    (r ->> 'user_id')::uuid,
    CASE WHEN TG_ARGV[0] = 'snapshot' THEN r END
  );
  PERFORM pg_notify('aura_stream', TG_TABLE_NAME);
  RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION aura.stream_append() FROM PUBLIC;

-- Stream rows older than keep go; cursors from before them can no longer resume.
CREATE FUNCTION aura.prune_stream(keep interval) RETURNS bigint
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  removed bigint;
  last_removed bigint;
BEGIN
  WITH gone AS (
    DELETE FROM aura.stream WHERE committed_at < now() - keep RETURNING seq
  )
  SELECT count(*), max(seq) INTO removed, last_removed FROM gone;
  IF last_removed IS NOT NULL THEN
    UPDATE aura.stream_horizon SET seq = greatest(seq, last_removed);
  END IF;
  RETURN removed;
END $$;
REVOKE ALL ON FUNCTION aura.prune_stream(interval) FROM PUBLIC;

ALTER TABLE aura.stream ENABLE ROW LEVEL SECURITY;
-- The same rule as the streamed tables: a project's changes are its owner's (projects'
-- own policy applies inside), changes without a project are their user's.
CREATE POLICY stream_read ON aura.stream FOR SELECT
  USING ((SELECT aura.is_admin()) OR project_id IN (SELECT id FROM public.projects)
         OR (project_id IS NULL AND user_id = (SELECT aura.current_user_id())));
GRANT SELECT ON aura.stream, aura.stream_horizon TO aura_app;
""" + "".join(
    f"""
CREATE CONSTRAINT TRIGGER t99_stream AFTER INSERT OR UPDATE OR DELETE ON public.{table}
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION aura.stream_append('{kind}');
"""
    for table, kind in STREAMED.items()
)

DROP = (
    "".join(f"DROP TRIGGER IF EXISTS t99_stream ON public.{table};\n" for table in STREAMED)
    + """
DROP FUNCTION IF EXISTS aura.prune_stream(interval);
DROP FUNCTION IF EXISTS aura.stream_append();
DROP TABLE IF EXISTS aura.stream_horizon;
DROP TABLE IF EXISTS aura.stream;
DROP SEQUENCE IF EXISTS aura.stream_seq;
"""
)
