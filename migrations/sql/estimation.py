"""SQL of revision 0008 (estimation): numbering, the metrics and learning triggers,
time-tracking rules, the recommendation function, row-level security, the seed 002
views, the factor catalogue's seed rows and the grants.

Frozen with its revision: later revisions add their own modules rather than edit this.

Every rule is the database's, so that every path (the time-tracking mutations, the
generic update, a superuser's SQL) keeps the same numbers:

- ``calculate_execution_metrics`` (BEFORE on task_executions): the duration is the sum
  of the execution's closed time-tracking sessions when it has any, else
  ``completed_at - started_at``; the variance is the duration minus the estimate, in
  minutes and in percent of the estimate.
- ``learn_execution`` (BEFORE, after the metrics): a COMPLETED execution with a duration
  is one sample of its pattern ``(project, task type, complexity)``; when its duration
  or complexity changes, or it stops being COMPLETED, the old sample is taken out
  (Welford's removal) before the new one goes in, so a pattern always describes exactly
  the durations of the executions counted in it and completing twice counts once.
- ``update_estimation_pattern``: Welford's online update in one upsert, atomic under
  the row lock of ``ON CONFLICT DO UPDATE``; the pattern's own trigger derives the
  standard deviation and the confidence from (n, mean, m2).

The confidence formula, ``n / (n + 5) * 1 / (1 + std / mean)`` clamped to [0, 1], is
written once, in ``aura.estimation_confidence``.
"""

# The pattern executions are learned into (aura.db.tables.estimation.LEARNED).
LEARNED = "learned"

# The sample count at which the sample-size term of the confidence reaches 1/2.
CONFIDENCE_HALF_SAMPLES = 5

_PROJECT_RULE = "(SELECT aura.is_admin()) OR project_id IN (SELECT id FROM public.projects)"
_ADMIN = "(SELECT aura.is_admin())"
_MEMBER = "(SELECT aura.is_member())"

_STATISTICS = f"""
-- Confidence in a pattern: grows with the samples (half at {CONFIDENCE_HALF_SAMPLES}), falls
-- with the spread (the coefficient of variation std / mean), in [0, 1].
CREATE FUNCTION aura.estimation_confidence(n integer, mean double precision,
                                           std double precision) RETURNS double precision
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN n IS NULL OR n <= 0 THEN 0::float8 ELSE
    greatest(0::float8, least(1::float8,
      (n::float8 / (n + {CONFIDENCE_HALF_SAMPLES}))
      / (1 + CASE WHEN mean > 0 THEN coalesce(std, 0) / mean ELSE 0 END)))
  END $$;

-- A pattern's standard deviation (sample, n - 1) and confidence follow from n, mean, m2.
CREATE FUNCTION aura.derive_pattern_statistics() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.sample_count <= 0 THEN
    NEW.avg_duration_minutes := 0;
    NEW.m2 := 0;
  END IF;
  NEW.m2 := greatest(NEW.m2, 0);
  NEW.std_deviation := CASE WHEN NEW.sample_count > 1
                            THEN sqrt(NEW.m2 / (NEW.sample_count - 1)) ELSE 0 END;
  NEW.confidence_score := aura.estimation_confidence(
    NEW.sample_count, NEW.avg_duration_minutes, NEW.std_deviation);
  RETURN NEW;
END $$;

-- seed 002: one more sample of a pattern (created on its first sample). Welford:
-- mean' = mean + (x - mean) / (n + 1); m2' = m2 + (x - mean) * (x - mean').
CREATE FUNCTION aura.update_estimation_pattern(p_project uuid, p_task_type text,
                                               p_complexity text, p_duration double precision)
  RETURNS uuid
  LANGUAGE plpgsql AS $$
DECLARE
  pattern uuid;
BEGIN
  INSERT INTO public.estimation_patterns AS p
    (project_id, pattern_name, task_type, complexity, sample_count, avg_duration_minutes, m2)
  VALUES (p_project, '{LEARNED}', p_task_type, p_complexity, 1, p_duration, 0)
  ON CONFLICT (project_id, pattern_name, task_type, complexity) DO UPDATE SET
    sample_count = p.sample_count + 1,
    avg_duration_minutes = p.avg_duration_minutes
      + (EXCLUDED.avg_duration_minutes - p.avg_duration_minutes) / (p.sample_count + 1),
    m2 = p.m2 + (EXCLUDED.avg_duration_minutes - p.avg_duration_minutes)
      * (EXCLUDED.avg_duration_minutes - (p.avg_duration_minutes
         + (EXCLUDED.avg_duration_minutes - p.avg_duration_minutes) / (p.sample_count + 1)))
  RETURNING id INTO pattern;
  RETURN pattern;
END $$;

-- One sample less (Welford in reverse): mean' = (n * mean - x) / (n - 1);
-- m2' = m2 - (x - mean') * (x - mean).
CREATE FUNCTION aura.remove_estimation_sample(pattern uuid, duration double precision)
  RETURNS void LANGUAGE sql AS $$
  UPDATE public.estimation_patterns p SET
    sample_count = p.sample_count - 1,
    avg_duration_minutes = CASE WHEN p.sample_count <= 1 THEN 0
      ELSE (p.sample_count * p.avg_duration_minutes - duration) / (p.sample_count - 1) END,
    m2 = CASE WHEN p.sample_count <= 1 THEN 0
      ELSE p.m2 - (duration - (p.sample_count * p.avg_duration_minutes - duration)
                              / (p.sample_count - 1))
                  * (duration - p.avg_duration_minutes) END
  WHERE p.id = pattern AND p.sample_count > 0 $$;
"""

_EXECUTIONS = """
-- Execution numbers count up per task; the lock serialises one task's inserts.
CREATE FUNCTION aura.number_task_execution() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('aura.task_executions:' || NEW.task_id, 0));
  SELECT coalesce(max(execution_number), 0) + 1 INTO NEW.execution_number
    FROM public.task_executions WHERE task_id = NEW.task_id;
  IF NEW.estimated_minutes IS NULL THEN
    SELECT estimated_minutes INTO NEW.estimated_minutes FROM public.tasks WHERE id = NEW.task_id;
  END IF;
  RETURN NEW;
END $$;

-- seed 002: duration and variance, on every change of the execution or its sessions.
CREATE FUNCTION aura.calculate_execution_metrics() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  session_count integer;
  tracked double precision;
  open_session integer;
  first_start timestamptz;
  last_end timestamptz;
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.task_id <> OLD.task_id THEN
    RAISE EXCEPTION 'taskId of a task execution cannot be changed' USING ERRCODE = 'AU400';
  END IF;
  -- Reopening clears the completion; finishing without a time sets it to now.
  IF TG_OP = 'UPDATE' AND NEW.status = 'IN_PROGRESS' AND OLD.status <> 'IN_PROGRESS'
     AND NEW.completed_at IS NOT DISTINCT FROM OLD.completed_at THEN
    NEW.completed_at := NULL;
  END IF;
  IF NEW.status = 'IN_PROGRESS' AND NEW.completed_at IS NOT NULL THEN
    RAISE EXCEPTION 'completedAt is only set on a finished execution (COMPLETED, FAILED or '
      'CANCELLED); this one is IN_PROGRESS' USING ERRCODE = 'AU400';
  END IF;
  IF NEW.status <> 'IN_PROGRESS' AND NEW.completed_at IS NULL THEN
    NEW.completed_at := greatest(now(), NEW.started_at);
  END IF;
  IF NEW.completed_at < NEW.started_at THEN
    RAISE EXCEPTION 'completedAt (%) must not be before startedAt (%)',
      NEW.completed_at, NEW.started_at USING ERRCODE = 'AU400';
  END IF;
  SELECT count(*), sum(s.duration_minutes) FILTER (WHERE s.ended_at IS NOT NULL),
         max(s.session_number) FILTER (WHERE s.ended_at IS NULL),
         min(s.started_at), max(s.ended_at)
    INTO session_count, tracked, open_session, first_start, last_end
    FROM public.time_tracking_sessions s WHERE s.task_execution_id = NEW.id;
  -- The sessions lie inside the execution.
  IF NEW.started_at > first_start THEN
    RAISE EXCEPTION 'startedAt (%) must not be after its first session started (%)',
      NEW.started_at, first_start USING ERRCODE = 'AU400';
  END IF;
  IF NEW.completed_at < last_end THEN
    RAISE EXCEPTION 'completedAt (%) must not be before its last session ended (%)',
      NEW.completed_at, last_end USING ERRCODE = 'AU400';
  END IF;
  IF NEW.status <> 'IN_PROGRESS' AND open_session IS NOT NULL THEN
    RAISE EXCEPTION 'task execution % has an open time-tracking session (number %): '
      'pause or stop it first', NEW.id, open_session USING ERRCODE = 'AU409';
  END IF;
  IF session_count > 0 THEN
    NEW.duration_minutes := coalesce(tracked, 0);
  ELSIF NEW.completed_at IS NOT NULL THEN
    NEW.duration_minutes := (extract(epoch FROM NEW.completed_at - NEW.started_at) / 60)::float8;
  ELSE
    NEW.duration_minutes := NULL;
  END IF;
  IF NEW.duration_minutes IS NOT NULL AND NEW.estimated_minutes IS NOT NULL THEN
    NEW.variance_minutes := NEW.duration_minutes - NEW.estimated_minutes;
    NEW.variance_percent := CASE WHEN NEW.estimated_minutes > 0
      THEN NEW.variance_minutes / NEW.estimated_minutes * 100 END;
  ELSE
    NEW.variance_minutes := NULL;
    NEW.variance_percent := NULL;
  END IF;
  RETURN NEW;
END $$;

-- A COMPLETED execution is one sample of its pattern, counted once (see the module).
CREATE FUNCTION aura.learn_execution() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  counts boolean;
  kind text;
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.pattern_id IS NOT NULL THEN
      PERFORM aura.remove_estimation_sample(OLD.pattern_id, OLD.duration_minutes);
    END IF;
    RETURN OLD;
  END IF;
  -- Only pattern_id changes when its pattern is deleted (ON DELETE SET NULL): forgotten.
  IF TG_OP = 'UPDATE' AND NEW.pattern_id IS DISTINCT FROM OLD.pattern_id THEN
    RETURN NEW;
  END IF;
  counts := NEW.status = 'COMPLETED' AND NEW.duration_minutes IS NOT NULL;
  IF TG_OP = 'UPDATE' AND OLD.pattern_id IS NOT NULL
     AND (NOT counts OR NEW.duration_minutes IS DISTINCT FROM OLD.duration_minutes
          OR NEW.complexity <> OLD.complexity) THEN
    PERFORM aura.remove_estimation_sample(OLD.pattern_id, OLD.duration_minutes);
    NEW.pattern_id := NULL;
  END IF;
  IF counts AND NEW.pattern_id IS NULL THEN
    SELECT type INTO kind FROM public.tasks WHERE id = NEW.task_id;
    IF kind IS NOT NULL THEN
      NEW.pattern_id := aura.update_estimation_pattern(
        NEW.project_id, kind, NEW.complexity, NEW.duration_minutes);
    END IF;
  END IF;
  RETURN NEW;
END $$;

-- The task's actual minutes: the rounded total of its COMPLETED executions (null when
-- none is; at most the column's 2^31 - 1), written only when an execution's
-- contribution changed.
CREATE FUNCTION aura.sync_task_actual_minutes() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  task uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.task_id ELSE NEW.task_id END;
  total integer;
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.status IS NOT DISTINCT FROM OLD.status
     AND NEW.duration_minutes IS NOT DISTINCT FROM OLD.duration_minutes THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' AND NEW.status <> 'COMPLETED' THEN
    RETURN NULL;
  END IF;
  -- The task's row lock first: the sum below then sees every completion committed
  -- before it (READ COMMITTED takes a snapshot per statement), so concurrent
  -- completions of one task cannot write a stale total.
  PERFORM 1 FROM public.tasks WHERE id = task FOR UPDATE;
  SELECT least(round(sum(duration_minutes)), 2147483647)::integer INTO total
    FROM public.task_executions WHERE task_id = task AND status = 'COMPLETED';
  UPDATE public.tasks SET actual_minutes = total
    WHERE id = task AND actual_minutes IS DISTINCT FROM total;
  RETURN NULL;
END $$;
"""

_SESSIONS = """
-- Sessions: numbered per execution, never overlapping, at most one open, only on an
-- execution IN_PROGRESS; the lock serialises one execution's session changes.
CREATE FUNCTION aura.check_time_tracking_session() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  execution record;
  other integer;
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.task_execution_id <> OLD.task_execution_id THEN
    RAISE EXCEPTION 'taskExecutionId of a session cannot be changed' USING ERRCODE = 'AU400';
  END IF;
  PERFORM pg_advisory_xact_lock(
    hashtextextended('aura.time_tracking_sessions:' || NEW.task_execution_id, 0));
  SELECT status, started_at INTO execution
    FROM public.task_executions WHERE id = NEW.task_execution_id;
  IF NEW.ended_at IS NULL AND execution.status <> 'IN_PROGRESS' THEN
    RAISE EXCEPTION 'task execution % is %: time is tracked only while it is IN_PROGRESS',
      NEW.task_execution_id, execution.status USING ERRCODE = 'AU409';
  END IF;
  IF NEW.ended_at IS NULL THEN
    SELECT session_number INTO other FROM public.time_tracking_sessions
      WHERE task_execution_id = NEW.task_execution_id AND ended_at IS NULL AND id <> NEW.id;
    IF other IS NOT NULL THEN
      RAISE EXCEPTION 'task execution % already has an open session (number %): pause or '
        'stop it first', NEW.task_execution_id, other USING ERRCODE = 'AU409';
    END IF;
  END IF;
  IF NEW.ended_at < NEW.started_at THEN
    RAISE EXCEPTION 'endedAt (%) must not be before startedAt (%): durations cannot be negative',
      NEW.ended_at, NEW.started_at USING ERRCODE = 'AU400';
  END IF;
  IF NEW.started_at < execution.started_at THEN
    RAISE EXCEPTION 'startedAt (%) must not be before the execution started (%)',
      NEW.started_at, execution.started_at USING ERRCODE = 'AU400';
  END IF;
  SELECT session_number INTO other FROM public.time_tracking_sessions s
    WHERE s.task_execution_id = NEW.task_execution_id AND s.id <> NEW.id
      AND tstzrange(s.started_at, coalesce(s.ended_at, 'infinity'), '[)')
          && tstzrange(NEW.started_at, coalesce(NEW.ended_at, 'infinity'), '[)')
    ORDER BY s.session_number LIMIT 1;
  IF other IS NOT NULL THEN
    RAISE EXCEPTION 'the session would overlap session % of this execution', other
      USING ERRCODE = 'AU400';
  END IF;
  IF TG_OP = 'INSERT' THEN
    SELECT coalesce(max(session_number), 0) + 1 INTO NEW.session_number
      FROM public.time_tracking_sessions WHERE task_execution_id = NEW.task_execution_id;
  END IF;
  NEW.duration_minutes := CASE WHEN NEW.ended_at IS NOT NULL
    THEN (extract(epoch FROM NEW.ended_at - NEW.started_at) / 60)::float8 END;
  RETURN NEW;
END $$;

-- A session change recomputes its execution (calculate_execution_metrics runs again).
CREATE FUNCTION aura.touch_task_execution() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  UPDATE public.task_executions SET updated_at = now()
    WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.task_execution_id
                    ELSE NEW.task_execution_id END;
  RETURN NULL;
END $$;
"""

_RECOMMENDATION = f"""
-- The completed executions a recommendation rests on (those counted in `pattern`, else
-- those of the type, and of the complexity when given, in the projects the caller can
-- see): their count, mean, sample standard deviation, and the factor adjustment
-- 1 + sum(sign * average_impact * factor_value) / count, at least 0.1.
CREATE FUNCTION aura.estimation_sample(pattern uuid, task_type text, complexity text)
  RETURNS TABLE (n integer, mean double precision, std double precision,
                 adjustment double precision)
  LANGUAGE sql STABLE AS $$
  WITH scope AS (
    SELECT e.id, e.duration_minutes
    FROM public.task_executions e JOIN public.tasks t ON t.id = e.task_id
    WHERE e.status = 'COMPLETED' AND e.duration_minutes IS NOT NULL
      AND CASE WHEN $1 IS NOT NULL THEN e.pattern_id = $1
               ELSE t.type = $2 AND ($3 IS NULL OR e.complexity = $3)
          END
  ), impact AS (
    SELECT coalesce(sum(CASE f.impact_type WHEN 'INCREASE' THEN 1 ELSE -1 END
                        * f.average_impact * x.factor_value), 0) AS total
    FROM public.task_execution_factors x
    JOIN public.estimation_factors f ON f.id = x.factor_id
    WHERE x.task_execution_id IN (SELECT id FROM scope)
  )
  SELECT count(*)::integer, avg(duration_minutes), coalesce(stddev_samp(duration_minutes), 0),
         CASE WHEN count(*) = 0 THEN 1::float8
              ELSE greatest(0.1, 1 + (SELECT total FROM impact) / count(*)) END
  FROM scope $$;

-- seed 002: the recommended estimate and the basis it was found on, first that has a
-- sample: the project's pattern, the same type and complexity in the caller's projects,
-- the type alone, else the default for the complexity (LOW 30, MEDIUM 60, HIGH 120
-- minutes, a range of half that either way).
CREATE FUNCTION aura.get_recommended_estimate(project uuid, task_type text, complexity text)
  RETURNS TABLE (minutes double precision, low double precision, high double precision,
                 confidence double precision, sample_count integer, basis text,
                 base_minutes double precision, adjustment double precision)
  LANGUAGE plpgsql STABLE AS $$
DECLARE
  found_pattern record;
  sample record;
  mean double precision;
  spread double precision;
  factor double precision := 1;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM public.projects WHERE id = project) THEN
    RAISE EXCEPTION 'no project with id %', project USING ERRCODE = 'AU404';
  END IF;
  SELECT p.id, p.avg_duration_minutes, p.std_deviation, p.sample_count, p.confidence_score
    INTO found_pattern
    FROM public.estimation_patterns p
    WHERE p.project_id = project AND p.task_type = $2 AND p.complexity = $3
      AND p.sample_count > 0
    ORDER BY p.pattern_name = '{LEARNED}' DESC, p.sample_count DESC, p.id LIMIT 1;
  IF FOUND THEN
    SELECT * INTO sample FROM aura.estimation_sample(found_pattern.id, NULL, NULL);
    basis := 'PROJECT_PATTERN';
    mean := found_pattern.avg_duration_minutes;
    spread := found_pattern.std_deviation;
    sample_count := found_pattern.sample_count;
    confidence := found_pattern.confidence_score;
    factor := sample.adjustment;
  ELSE
    SELECT * INTO sample FROM aura.estimation_sample(NULL, $2, $3);
    basis := 'SAME_TYPE_AND_COMPLEXITY';
    IF sample.n = 0 THEN
      SELECT * INTO sample FROM aura.estimation_sample(NULL, $2, NULL);
      basis := 'TYPE_ONLY';
    END IF;
    IF sample.n > 0 THEN
      mean := sample.mean;
      spread := sample.std;
      sample_count := sample.n;
      confidence := aura.estimation_confidence(sample.n, sample.mean, sample.std);
      factor := sample.adjustment;
    ELSE
      basis := 'DEFAULT';
      mean := CASE $3 WHEN 'LOW' THEN 30 WHEN 'HIGH' THEN 120 ELSE 60 END;
      spread := mean / 2;
      sample_count := 0;
      confidence := 0;
    END IF;
  END IF;
  base_minutes := mean;
  adjustment := factor;
  minutes := mean * factor;
  low := greatest(0, (mean - spread) * factor);
  high := (mean + spread) * factor;
  RETURN NEXT;
END $$;
"""

_TRIGGERS = """
CREATE TRIGGER t10_inherit_project BEFORE INSERT OR UPDATE OF project_id ON estimation_patterns
  FOR EACH ROW EXECUTE FUNCTION aura.inherit_project();
CREATE TRIGGER t50_statistics BEFORE INSERT OR UPDATE ON estimation_patterns
  FOR EACH ROW EXECUTE FUNCTION aura.derive_pattern_statistics();

CREATE TRIGGER t10_inherit_project BEFORE INSERT OR UPDATE ON task_executions
  FOR EACH ROW EXECUTE FUNCTION aura.inherit_project('task_id', 'tasks', 'taskId');
CREATE TRIGGER t20_number BEFORE INSERT ON task_executions
  FOR EACH ROW EXECUTE FUNCTION aura.number_task_execution();
CREATE TRIGGER t30_metrics BEFORE INSERT OR UPDATE ON task_executions
  FOR EACH ROW EXECUTE FUNCTION aura.calculate_execution_metrics();
CREATE TRIGGER t40_learn BEFORE INSERT OR UPDATE OR DELETE ON task_executions
  FOR EACH ROW EXECUTE FUNCTION aura.learn_execution();
CREATE TRIGGER t50_actual_minutes AFTER INSERT OR UPDATE OR DELETE ON task_executions
  FOR EACH ROW EXECUTE FUNCTION aura.sync_task_actual_minutes();

CREATE TRIGGER t10_inherit_project BEFORE INSERT OR UPDATE ON time_tracking_sessions
  FOR EACH ROW EXECUTE FUNCTION aura.inherit_project(
    'task_execution_id', 'task_executions', 'taskExecutionId');
CREATE TRIGGER t20_check_session BEFORE INSERT OR UPDATE ON time_tracking_sessions
  FOR EACH ROW EXECUTE FUNCTION aura.check_time_tracking_session();
CREATE TRIGGER t50_touch_execution AFTER INSERT OR UPDATE OR DELETE ON time_tracking_sessions
  FOR EACH ROW EXECUTE FUNCTION aura.touch_task_execution();

CREATE TRIGGER t10_inherit_project BEFORE INSERT OR UPDATE ON task_execution_factors
  FOR EACH ROW EXECUTE FUNCTION aura.inherit_project(
    'task_execution_id', 'task_executions', 'taskExecutionId');

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['estimation_patterns', 'task_executions', 'time_tracking_sessions',
                           'estimation_factors'] LOOP
    EXECUTE format('CREATE TRIGGER t90_touch_updated_at BEFORE UPDATE ON %I '
                   'FOR EACH ROW EXECUTE FUNCTION aura.touch_updated_at()', t);
  END LOOP;
END $$;
"""

_POLICIES = f"""
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['estimation_patterns', 'task_executions', 'time_tracking_sessions',
                           'task_execution_factors'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY %I ON %I USING (%s) WITH CHECK (%s)', t || '_tenant', t,
                   '{_PROJECT_RULE}', '{_PROJECT_RULE}');
  END LOOP;
END $$;

-- The factor catalogue is shared: members read it, administrators maintain it.
ALTER TABLE estimation_factors ENABLE ROW LEVEL SECURITY;
CREATE POLICY estimation_factors_read ON estimation_factors FOR SELECT USING ({_MEMBER});
CREATE POLICY estimation_factors_insert ON estimation_factors FOR INSERT WITH CHECK ({_ADMIN});
CREATE POLICY estimation_factors_update ON estimation_factors FOR UPDATE
  USING ({_ADMIN}) WITH CHECK ({_ADMIN});
CREATE POLICY estimation_factors_delete ON estimation_factors FOR DELETE USING ({_ADMIN});
"""

_VIEWS_AND_GRANTS = """
-- seed 002's views, with the caller's rights (security_invoker). Accuracy counts the
-- COMPLETED executions that have an estimate; over-estimated means it took less time.
CREATE VIEW estimation_accuracy_by_project WITH (security_invoker = true) AS
SELECT p.id AS project_id, p.name AS project_name,
       count(*)::int AS total_executions,
       avg(e.variance_percent) AS avg_variance_percent,
       stddev_samp(e.variance_percent) AS stddev_variance_percent,
       count(*) FILTER (WHERE abs(e.variance_percent) <= 10)::int AS within_10_percent,
       count(*) FILTER (WHERE abs(e.variance_percent) <= 25)::int AS within_25_percent,
       count(*) FILTER (WHERE e.variance_percent < 0)::int AS over_estimated,
       count(*) FILTER (WHERE e.variance_percent > 0)::int AS under_estimated
FROM projects p
JOIN task_executions e ON e.project_id = p.id
WHERE e.status = 'COMPLETED' AND e.variance_percent IS NOT NULL
GROUP BY p.id, p.name;

-- Tasks with more than one execution, whatever their status.
CREATE VIEW task_performance_trends WITH (security_invoker = true) AS
SELECT t.id AS task_id, t.title AS task_title, t.project_id,
       count(*)::int AS execution_count,
       avg(e.duration_minutes) AS avg_duration,
       min(e.duration_minutes) AS min_duration,
       max(e.duration_minutes) AS max_duration,
       avg(e.variance_percent) AS avg_variance_percent,
       sum(e.context_switches)::int AS total_context_switches,
       sum(e.interruptions)::int AS total_interruptions
FROM tasks t
JOIN task_executions e ON e.task_id = t.id
GROUP BY t.id, t.title, t.project_id
HAVING count(*) > 1;

GRANT SELECT, INSERT, UPDATE, DELETE
  ON task_executions, estimation_patterns, time_tracking_sessions, estimation_factors,
     task_execution_factors TO aura_app;
GRANT SELECT ON estimation_accuracy_by_project, task_performance_trends TO aura_app;
"""

# The seed's kind of factors: average_impact is the fraction by which each changes the
# time work takes (0.3 = 30 % longer for INCREASE, 30 % shorter for DECREASE).
FACTORS = (
    ("unfamiliar_codebase", "The code is new to whoever does the work.", "INCREASE", 0.30),
    (
        "unclear_requirements",
        "What is wanted had to be worked out along the way.",
        "INCREASE",
        0.40,
    ),
    ("external_dependency", "Waiting on another team, service or API.", "INCREASE", 0.25),
    ("interruptions", "The work was interrupted by other demands.", "INCREASE", 0.15),
    ("test_coverage_needed", "Tests had to be written for existing code first.", "INCREASE", 0.20),
    ("legacy_code", "Old code without documentation or tests.", "INCREASE", 0.35),
    ("well_documented", "Clear documentation and examples were at hand.", "DECREASE", 0.10),
    ("reused_solution", "An existing solution could be reused.", "DECREASE", 0.25),
)


def _seed_factors() -> str:
    rows = ",\n  ".join(
        f"('{name}', '{description}', '{impact}', {value})"
        for name, description, impact, value in FACTORS
    )
    return (
        "INSERT INTO estimation_factors (factor_name, description, impact_type, average_impact)"
        f" VALUES\n  {rows};\n"
    )


AFTER_TABLES = (
    _STATISTICS
    + _EXECUTIONS
    + _SESSIONS
    + _RECOMMENDATION
    + _TRIGGERS
    + _POLICIES
    + _VIEWS_AND_GRANTS
    + _seed_factors()
)

DROP_BEHAVIOUR = """
DROP VIEW IF EXISTS task_performance_trends;
DROP VIEW IF EXISTS estimation_accuracy_by_project;
DROP FUNCTION IF EXISTS aura.get_recommended_estimate(uuid, text, text);
DROP FUNCTION IF EXISTS aura.estimation_sample(uuid, text, text);
DROP FUNCTION IF EXISTS aura.touch_task_execution() CASCADE;
DROP FUNCTION IF EXISTS aura.check_time_tracking_session() CASCADE;
DROP FUNCTION IF EXISTS aura.sync_task_actual_minutes() CASCADE;
DROP FUNCTION IF EXISTS aura.learn_execution() CASCADE;
DROP FUNCTION IF EXISTS aura.calculate_execution_metrics() CASCADE;
DROP FUNCTION IF EXISTS aura.number_task_execution() CASCADE;
DROP FUNCTION IF EXISTS aura.remove_estimation_sample(uuid, double precision);
DROP FUNCTION IF EXISTS aura.update_estimation_pattern(uuid, text, text, double precision);
DROP FUNCTION IF EXISTS aura.derive_pattern_statistics() CASCADE;
DROP FUNCTION IF EXISTS aura.estimation_confidence(integer, double precision, double precision);
"""
