"""SQL of revision 0008 (knowledge): derived projects, the seed 002 search functions,
row-level security, the seed 002 views and the grants.

Frozen with its revision: later revisions add their own modules rather than edit this.
The functions run with the caller's rights (row-level security applies) and let
pgvector's HNSW index scan iteratively (``hnsw.iterative_scan``), so a tenant filter
does not starve their results; the API's search (``aura.resolvers.knowledge``) does the
same with its own statement.
"""

# What the search functions set for themselves: iterative index scans in exact distance
# order that look at up to 40,000 index tuples, and a candidate list of 100.
_SEARCH_SETTINGS = """
  SET hnsw.iterative_scan = 'strict_order'
  SET hnsw.max_scan_tuples = 40000
  SET hnsw.ef_search = 100"""

_FUNCTIONS = f"""
-- seed 002: chunks of a project (or of every project you see when project is null)
-- nearest to query_embedding by cosine similarity, best first.
CREATE FUNCTION aura.search_knowledge_chunks(
  query_embedding vector, project uuid DEFAULT NULL, match_limit integer DEFAULT 10,
  min_similarity double precision DEFAULT 0
) RETURNS TABLE (chunk_id uuid, source_id uuid, content text, similarity double precision,
                 metadata jsonb)
  LANGUAGE sql STABLE{_SEARCH_SETTINGS} AS $$
  SELECT c.id, c.source_id, c.content, 1 - (c.embedding <=> query_embedding), c.metadata
  FROM public.knowledge_chunks c
  WHERE (project IS NULL OR c.project_id = project)
    AND 1 - (c.embedding <=> query_embedding) >= min_similarity
  ORDER BY c.embedding <=> query_embedding
  LIMIT match_limit $$;

-- seed 002: learnings nearest to query_embedding, optionally of one category.
CREATE FUNCTION aura.search_learnings(
  query_embedding vector, project uuid DEFAULT NULL, learning_category text DEFAULT NULL,
  match_limit integer DEFAULT 10, min_similarity double precision DEFAULT 0
) RETURNS TABLE (learning_id uuid, title text, content text, learning_type text,
                 category text, similarity double precision,
                 confidence_score double precision)
  LANGUAGE sql STABLE{_SEARCH_SETTINGS} AS $$
  SELECT l.id, l.title, l.content, l.learning_type, l.category,
         1 - (l.embedding <=> query_embedding), l.confidence_score
  FROM public.learnings l
  WHERE (project IS NULL OR l.project_id = project)
    AND (learning_category IS NULL OR l.category = learning_category)
    AND 1 - (l.embedding <=> query_embedding) >= min_similarity
  ORDER BY l.embedding <=> query_embedding
  LIMIT match_limit $$;

-- seed 002: learnings at least similarity_threshold similar to embedding (duplicates).
CREATE FUNCTION aura.find_similar_learnings(
  embedding vector, project uuid DEFAULT NULL, similarity_threshold double precision DEFAULT 0.9
) RETURNS TABLE (learning_id uuid, title text, similarity double precision)
  LANGUAGE sql STABLE{_SEARCH_SETTINGS} AS $$
  SELECT l.id, l.title, 1 - (l.embedding <=> embedding)
  FROM public.learnings l
  WHERE (project IS NULL OR l.project_id = project)
    AND 1 - (l.embedding <=> embedding) >= similarity_threshold
  ORDER BY l.embedding <=> embedding
  LIMIT 50 $$;

-- seed 002: counts one use of a learning now; the new count, null when you cannot see it.
CREATE FUNCTION aura.increment_learning_usage(learning uuid) RETURNS integer
  LANGUAGE sql VOLATILE AS $$
  UPDATE public.learnings SET usage_count = usage_count + 1, last_used_at = now()
  WHERE id = learning RETURNING usage_count $$;

-- Setting verified records who verified it and when; clearing it forgets both.
CREATE FUNCTION aura.verify_learning() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR NEW.verified IS DISTINCT FROM OLD.verified THEN
    NEW.verified_by := CASE WHEN NEW.verified THEN aura.current_user_id() END;
    NEW.verified_at := CASE WHEN NEW.verified THEN now() END;
  END IF;
  RETURN NEW;
END $$;

GRANT EXECUTE ON FUNCTION
  aura.search_knowledge_chunks(vector, uuid, integer, double precision),
  aura.search_learnings(vector, uuid, text, integer, double precision),
  aura.find_similar_learnings(vector, uuid, double precision),
  aura.increment_learning_usage(uuid)
  TO aura_app;
"""

_TRIGGERS = """
CREATE TRIGGER t10_inherit_project BEFORE INSERT OR UPDATE OF project_id ON knowledge_sources
  FOR EACH ROW EXECUTE FUNCTION aura.inherit_project();
CREATE TRIGGER t10_inherit_project BEFORE INSERT OR UPDATE OF project_id, source_id
  ON knowledge_chunks FOR EACH ROW
  EXECUTE FUNCTION aura.inherit_project('source_id', 'knowledge_sources', 'sourceId');
CREATE TRIGGER t10_inherit_project BEFORE INSERT OR UPDATE OF project_id ON learnings
  FOR EACH ROW EXECUTE FUNCTION aura.inherit_project();
CREATE TRIGGER t10_inherit_project BEFORE INSERT OR UPDATE OF project_id, learning_id
  ON learning_applications FOR EACH ROW
  EXECUTE FUNCTION aura.inherit_project('learning_id', 'learnings', 'learningId');
CREATE TRIGGER t20_verify BEFORE INSERT OR UPDATE OF verified ON learnings
  FOR EACH ROW EXECUTE FUNCTION aura.verify_learning();
CREATE TRIGGER t90_touch_updated_at BEFORE UPDATE ON knowledge_sources
  FOR EACH ROW EXECUTE FUNCTION aura.touch_updated_at();
CREATE TRIGGER t90_touch_updated_at BEFORE UPDATE ON knowledge_chunks
  FOR EACH ROW EXECUTE FUNCTION aura.touch_updated_at();
CREATE TRIGGER t90_touch_updated_at BEFORE UPDATE ON learnings
  FOR EACH ROW EXECUTE FUNCTION aura.touch_updated_at();
CREATE TRIGGER t90_touch_updated_at BEFORE UPDATE ON learning_applications
  FOR EACH ROW EXECUTE FUNCTION aura.touch_updated_at();
"""

_PROJECT_RULE = "(SELECT aura.is_admin()) OR project_id IN (SELECT id FROM public.projects)"
_ME = "user_id = (SELECT aura.current_user_id())"
# A search is its user's, and visible to whoever sees the project it searched.
_SEARCH_RULE = (
    f"(SELECT aura.is_admin()) OR {_ME}"
    " OR (project_id IS NOT NULL AND project_id IN (SELECT id FROM public.projects))"
)

_POLICIES = f"""
ALTER TABLE knowledge_sources ENABLE ROW LEVEL SECURITY;
CREATE POLICY knowledge_sources_tenant ON knowledge_sources
  USING ({_PROJECT_RULE}) WITH CHECK ({_PROJECT_RULE});
ALTER TABLE knowledge_chunks ENABLE ROW LEVEL SECURITY;
CREATE POLICY knowledge_chunks_tenant ON knowledge_chunks
  USING ({_PROJECT_RULE}) WITH CHECK ({_PROJECT_RULE});
ALTER TABLE learnings ENABLE ROW LEVEL SECURITY;
CREATE POLICY learnings_tenant ON learnings
  USING ({_PROJECT_RULE}) WITH CHECK ({_PROJECT_RULE});
ALTER TABLE learning_applications ENABLE ROW LEVEL SECURITY;
CREATE POLICY learning_applications_tenant ON learning_applications
  USING ({_PROJECT_RULE}) WITH CHECK ({_PROJECT_RULE});

-- Searches are logged as their user, about a project that user sees (or none).
ALTER TABLE search_queries ENABLE ROW LEVEL SECURITY;
CREATE POLICY search_queries_read ON search_queries FOR SELECT USING ({_SEARCH_RULE});
CREATE POLICY search_queries_insert ON search_queries FOR INSERT WITH CHECK (
  {_ME} AND (project_id IS NULL OR project_id IN (SELECT id FROM public.projects)));
CREATE POLICY search_queries_update ON search_queries FOR UPDATE
  USING ({_SEARCH_RULE}) WITH CHECK ({_SEARCH_RULE});
CREATE POLICY search_queries_delete ON search_queries FOR DELETE USING ({_SEARCH_RULE});
"""

_VIEWS_AND_GRANTS = """
-- seed 002's views, with the caller's rights (security_invoker).
-- success_rate_percent: SUCCESS applications / all applications x 100 (null with none).
CREATE VIEW learning_effectiveness WITH (security_invoker = true) AS
SELECT l.id, l.project_id, l.title, l.learning_type, l.category, l.confidence_score,
       l.usage_count,
       count(a.id)::int AS application_count,
       count(a.id) FILTER (WHERE a.outcome = 'SUCCESS')::int AS successful_applications,
       count(a.id) FILTER (WHERE a.outcome = 'FAILURE')::int AS failed_applications,
       CASE WHEN count(a.id) > 0 THEN
         round(100.0 * count(a.id) FILTER (WHERE a.outcome = 'SUCCESS') / count(a.id), 2)::float8
       END AS success_rate_percent,
       l.created_at
FROM learnings l
LEFT JOIN learning_applications a ON a.learning_id = l.id
GROUP BY l.id;

-- Every project you see, with what its knowledge base holds (zeros when nothing).
CREATE VIEW knowledge_coverage_by_project WITH (security_invoker = true) AS
SELECT p.id AS project_id, p.name AS project_name,
       (SELECT count(*) FROM knowledge_sources s WHERE s.project_id = p.id)::int
         AS source_count,
       coalesce(c.chunk_count, 0)::int AS chunk_count,
       (SELECT count(*) FROM learnings l WHERE l.project_id = p.id)::int AS learning_count,
       coalesce(c.total_tokens, 0)::bigint AS total_tokens,
       (SELECT count(DISTINCT s.source_type) FROM knowledge_sources s
         WHERE s.project_id = p.id)::int AS source_type_count,
       coalesce((SELECT array_agg(DISTINCT s.source_type ORDER BY s.source_type)
                 FROM knowledge_sources s WHERE s.project_id = p.id), '{}'::text[])
         AS source_types,
       p.created_at
FROM projects p
LEFT JOIN LATERAL (
  SELECT count(*) AS chunk_count, sum(k.token_count) AS total_tokens
  FROM knowledge_chunks k WHERE k.project_id = p.id
) c ON true;

-- Searches grouped by project and query text (case and surrounding blanks ignored).
CREATE VIEW popular_search_queries WITH (security_invoker = true) AS
SELECT md5(coalesce(q.project_id::text, '') || ':' || lower(btrim(q.query_text))) AS id,
       q.project_id, lower(btrim(q.query_text)) AS query_text,
       count(*)::int AS query_count,
       avg(q.result_count)::float8 AS avg_results,
       count(*) FILTER (WHERE q.user_feedback = 'HELPFUL')::int AS helpful_count,
       count(*) FILTER (WHERE q.user_feedback = 'NOT_HELPFUL')::int AS not_helpful_count,
       max(q.created_at) AS last_queried
FROM search_queries q
WHERE q.query_text IS NOT NULL
GROUP BY q.project_id, lower(btrim(q.query_text));

GRANT SELECT, INSERT, UPDATE, DELETE
  ON knowledge_sources, knowledge_chunks, learnings, learning_applications TO aura_app;
GRANT SELECT, INSERT, DELETE ON search_queries TO aura_app;
GRANT UPDATE (user_feedback, metadata) ON search_queries TO aura_app;
GRANT SELECT ON learning_effectiveness, knowledge_coverage_by_project, popular_search_queries
  TO aura_app;
"""

AFTER_TABLES = _FUNCTIONS + _TRIGGERS + _POLICIES + _VIEWS_AND_GRANTS

DROP_BEHAVIOUR = """
DROP VIEW IF EXISTS popular_search_queries;
DROP VIEW IF EXISTS knowledge_coverage_by_project;
DROP VIEW IF EXISTS learning_effectiveness;
DROP FUNCTION IF EXISTS aura.increment_learning_usage(uuid);
DROP FUNCTION IF EXISTS aura.verify_learning() CASCADE;
DROP FUNCTION IF EXISTS aura.find_similar_learnings(vector, uuid, double precision);
DROP FUNCTION IF EXISTS aura.search_learnings(vector, uuid, text, integer, double precision);
DROP FUNCTION IF EXISTS aura.search_knowledge_chunks(vector, uuid, integer, double precision);
"""
