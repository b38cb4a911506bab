"""SQL of revision 0018 (knowledge_index): chunks indexed in the background.

Frozen with its revision. An ingest used to maintain the HNSW index of
``knowledge_chunks`` in its own statement: about 2 ms of PostgreSQL's CPU per chunk, so
ingest ran at a few hundred chunks a second whatever the API did. Now:

- a chunk stored by an ingest is ``index_pending`` and the HNSW index is partial
  (``WHERE NOT index_pending``): the insert does not touch it;
- a background job (``knowledge_index``, ``aura.db.knowledge_index``) clears the flag
  in batches, which adds those rows to the index outside any request;
- searches scan the pending rows exactly (a partial index on their project finds them)
  besides the index, so a chunk is found from the moment its ingest commits;
- the backlog is bounded: statement triggers keep its size in
  ``aura.knowledge_index_backlog``, and an ingest that finds it at its cap
  (``AURA_KNOWLEDGE_INDEX_BACKLOG``) stores its chunks indexed at once (the old cost).

The generic ``aura.inherit_project`` trigger reads the row through ``to_jsonb(NEW)``,
which turns a chunk's whole embedding into JSON numbers: 0.37 ms per chunk, more than
the rest of the insert. Chunks get a trigger written for their one parent instead, with
the same checks and messages.
"""

# seed 002's search function: its signature and settings (revision 0012's), then a body.
_SEARCH_FUNCTION = """
CREATE OR REPLACE FUNCTION aura.search_knowledge_chunks(
  query_embedding vector, project uuid DEFAULT NULL, match_limit integer DEFAULT 10,
  min_similarity double precision DEFAULT 0
) RETURNS TABLE (chunk_id uuid, source_id uuid, content text, similarity double precision,
                 metadata jsonb)
  LANGUAGE sql STABLE
  SET hnsw.iterative_scan = 'strict_order'
  SET hnsw.max_scan_tuples = 40000
  SET hnsw.ef_search = 100 AS $$"""

# The body over the index and, exactly, the pending chunks.
_SEARCH = (
    _SEARCH_FUNCTION
    + """
  SELECT n.id, n.source_id, n.content, 1 - n.distance, n.metadata FROM (
    (SELECT c.id, c.source_id, c.content, c.metadata, c.embedding <=> query_embedding AS distance
     FROM public.knowledge_chunks c
     WHERE NOT c.index_pending AND (project IS NULL OR c.project_id = project)
       AND 1 - (c.embedding <=> query_embedding) >= min_similarity
     ORDER BY c.embedding <=> query_embedding LIMIT match_limit)
    UNION ALL
    (SELECT c.id, c.source_id, c.content, c.metadata, c.embedding <=> query_embedding
     FROM public.knowledge_chunks c
     WHERE c.index_pending AND (project IS NULL OR c.project_id = project)
       AND 1 - (c.embedding <=> query_embedding) >= min_similarity
     ORDER BY 5 LIMIT match_limit)
  ) n
  ORDER BY n.distance, n.id
  LIMIT match_limit $$;
"""
)

# Revision 0012's body, for the downgrade.
_SEARCH_BEFORE = (
    _SEARCH_FUNCTION
    + """
  SELECT c.id, c.source_id, c.content, 1 - (c.embedding <=> query_embedding), c.metadata
  FROM public.knowledge_chunks c
  WHERE (project IS NULL OR c.project_id = project)
    AND 1 - (c.embedding <=> query_embedding) >= min_similarity
  ORDER BY c.embedding <=> query_embedding
  LIMIT match_limit $$;
"""
)

UPGRADE = f"""
CREATE FUNCTION aura.inherit_source_project() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  parent_project uuid;
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.project_id IS DISTINCT FROM OLD.project_id THEN
    RAISE EXCEPTION 'projectId cannot be changed' USING ERRCODE = 'AU400';
  END IF;
  IF TG_OP = 'INSERT' AND NEW.project_id IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM public.projects WHERE id = NEW.project_id) THEN
    RAISE EXCEPTION 'projectId: no such project %', NEW.project_id USING ERRCODE = 'AU400';
  END IF;
  IF NEW.source_id IS NOT NULL THEN
    -- An ingest inserts hundreds of chunks of one source: its project is looked up
    -- (under the caller's row-level security) once per transaction, not once per chunk.
    -- A source's project never changes, and its deletion is the foreign key's to catch.
    IF current_setting('aura.chunk_source', true) = NEW.source_id::text THEN
      parent_project := current_setting('aura.chunk_source_project')::uuid;
    ELSE
      SELECT project_id INTO parent_project FROM public.knowledge_sources
       WHERE id = NEW.source_id;
      IF parent_project IS NULL THEN
        RAISE EXCEPTION 'sourceId: no such knowledge_source %', NEW.source_id
          USING ERRCODE = 'AU400';
      END IF;
      PERFORM set_config('aura.chunk_source', NEW.source_id::text, true),
              set_config('aura.chunk_source_project', parent_project::text, true);
    END IF;
    IF NEW.project_id IS NULL THEN
      NEW.project_id := parent_project;
    ELSIF NEW.project_id <> parent_project THEN
      RAISE EXCEPTION 'sourceId: knowledge_source % belongs to another project',
        NEW.source_id USING ERRCODE = 'AU400';
    END IF;
  END IF;
  IF NEW.project_id IS NULL THEN
    RAISE EXCEPTION 'sourceId is required' USING ERRCODE = 'AU400';
  END IF;
  RETURN NEW;
END $$;
DROP TRIGGER t10_inherit_project ON knowledge_chunks;
CREATE TRIGGER t10_inherit_project BEFORE INSERT OR UPDATE OF project_id, source_id
  ON knowledge_chunks FOR EACH ROW EXECUTE FUNCTION aura.inherit_source_project();

-- Being indexed is not a change of the chunk: its updated_at stays.
DROP TRIGGER t90_touch_updated_at ON knowledge_chunks;
CREATE TRIGGER t90_touch_updated_at BEFORE UPDATE ON knowledge_chunks
  FOR EACH ROW WHEN (OLD.index_pending = NEW.index_pending)
  EXECUTE FUNCTION aura.touch_updated_at();

-- How many chunks wait for the indexer, kept exact by statement triggers (transition
-- tables: one row change per statement, not per chunk). Sharded by backend so that
-- concurrent ingests do not queue for one counter row; the backlog is the sum.
CREATE TABLE aura.knowledge_index_backlog (
  shard smallint PRIMARY KEY,
  pending bigint NOT NULL
);
CREATE FUNCTION aura.count_knowledge_backlog() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  delta bigint := 0;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM aura.knowledge_index_backlog;
    RETURN NULL;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    SELECT delta + count(*) INTO delta FROM new_rows WHERE index_pending;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    SELECT delta - count(*) INTO delta FROM old_rows WHERE index_pending;
  END IF;
  IF delta <> 0 THEN
    INSERT INTO aura.knowledge_index_backlog AS b (shard, pending)
    VALUES (pg_backend_pid() % 16, delta)
    ON CONFLICT (shard) DO UPDATE SET pending = b.pending + excluded.pending;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER t95_count_backlog_insert AFTER INSERT ON knowledge_chunks
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION aura.count_knowledge_backlog();
CREATE TRIGGER t95_count_backlog_update AFTER UPDATE ON knowledge_chunks
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION aura.count_knowledge_backlog();
CREATE TRIGGER t95_count_backlog_delete AFTER DELETE ON knowledge_chunks
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION aura.count_knowledge_backlog();
CREATE TRIGGER t95_count_backlog_truncate AFTER TRUNCATE ON knowledge_chunks
  FOR EACH STATEMENT EXECUTE FUNCTION aura.count_knowledge_backlog();

CREATE FUNCTION aura.knowledge_index_backlog() RETURNS bigint
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT coalesce(sum(pending), 0)::bigint FROM aura.knowledge_index_backlog $$;

-- A knowledge_index job, in delay seconds, unless one is already waiting to start (one
-- that is running may have looked for pending chunks before this transaction's commit:
-- a new one runs after it). Committed, or rolled back, with the chunks that need it.
CREATE FUNCTION aura.enqueue_knowledge_index(delay double precision DEFAULT 0) RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  queued bigint;
BEGIN
  INSERT INTO aura_queue.pgqueuer (priority, entrypoint, payload, status, execute_after)
  SELECT 0, 'knowledge_index', NULL, 'queued', now() + make_interval(secs => delay)
   WHERE NOT EXISTS (SELECT FROM aura_queue.pgqueuer
                      WHERE entrypoint = 'knowledge_index' AND status = 'queued')
  RETURNING id INTO queued;
  IF queued IS NOT NULL THEN
    INSERT INTO aura_queue.pgqueuer_log (job_id, status, entrypoint, priority)
    VALUES (queued, 'queued', 'knowledge_index', 0);
  END IF;
END $$;

-- Whether an ingest stores its chunks pending (the backlog is below cap; the indexing
-- job is then queued in the ingest's transaction) or indexed at once (cap reached, or
-- cap 0: deferring is off).
CREATE FUNCTION aura.defer_knowledge_index(cap bigint) RETURNS boolean
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  IF cap <= 0 OR aura.knowledge_index_backlog() >= cap THEN
    RETURN false;
  END IF;
  PERFORM aura.enqueue_knowledge_index();
  RETURN true;
END $$;

REVOKE ALL ON FUNCTION aura.count_knowledge_backlog(), aura.knowledge_index_backlog(),
  aura.enqueue_knowledge_index(double precision), aura.defer_knowledge_index(bigint)
  FROM PUBLIC;
GRANT EXECUTE ON FUNCTION aura.knowledge_index_backlog(), aura.defer_knowledge_index(bigint)
  TO aura_app;

{_SEARCH}
"""

DOWNGRADE = f"""
DROP TRIGGER t90_touch_updated_at ON knowledge_chunks;
CREATE TRIGGER t90_touch_updated_at BEFORE UPDATE ON knowledge_chunks
  FOR EACH ROW EXECUTE FUNCTION aura.touch_updated_at();
DROP TRIGGER t10_inherit_project ON knowledge_chunks;
CREATE TRIGGER t10_inherit_project BEFORE INSERT OR UPDATE OF project_id, source_id
  ON knowledge_chunks FOR EACH ROW
  EXECUTE FUNCTION aura.inherit_project('source_id', 'knowledge_sources', 'sourceId');
DROP FUNCTION aura.inherit_source_project();
DROP TRIGGER t95_count_backlog_insert ON knowledge_chunks;
DROP TRIGGER t95_count_backlog_update ON knowledge_chunks;
DROP TRIGGER t95_count_backlog_delete ON knowledge_chunks;
DROP TRIGGER t95_count_backlog_truncate ON knowledge_chunks;
DROP FUNCTION aura.defer_knowledge_index(bigint);
DROP FUNCTION aura.enqueue_knowledge_index(double precision);
DROP FUNCTION aura.knowledge_index_backlog();
DROP FUNCTION aura.count_knowledge_backlog();
DROP TABLE aura.knowledge_index_backlog;
DELETE FROM aura_queue.pgqueuer WHERE entrypoint = 'knowledge_index';
{_SEARCH_BEFORE}
"""
