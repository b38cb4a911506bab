"""SQL of revision 0010_ports: the port allocator (seed 002's find_available_port,
allocate_port, reserve and cleanup), range and allocation checks, row-level security,
the port_range_utilization / active_port_allocations views and the grants.

Frozen with its revision: later revisions add their own modules rather than edit this.

How allocate_port stays correct under concurrency without serialising anybody:

* Candidates, in order: the project's own unexpired reservations for the service; the
  *holes* (ports released, or freed by a deleted project, kept in ``aura.port_holes`` by
  a trigger), lowest first; the ports above the highest one held on that host and
  protocol (one index probe: ``aura.port_frontier``); and only when the top of the range
  is reached, every free port of the range lowest first (``aura.port_gaps``, one pass over
  the partial unique index), which also finds ports freed without a hole (a rolled-back
  allocation) and is what "full" is decided on. So an allocation costs the same with 10
  or 10,000 ports held. Ports of unexpired reservations of other projects (or of the
  same project for another service) are skipped throughout. The lookups see every
  project's rows (SECURITY DEFINER functions returning only port numbers); everything
  else runs with the caller's rights, so row-level security decides which projects can
  be written.
* A candidate is taken only by whoever gets ``pg_try_advisory_xact_lock(PORT_LOCK, port)``:
  callers skip ports others are busy with instead of waiting (skip-locked semantics), and
  the lock is held until that transaction has committed and become visible.
* The INSERT is ``ON CONFLICT DO NOTHING`` on the partial unique index: a port whose
  allocation committed after the candidate scan's snapshot returns no row, and the next
  candidate is tried. The same statement (a fresh snapshot, after the lock) re-checks the
  reservations, which no index guards.
* When every free port is locked by someone else, the caller waits for one of them
  (``pg_advisory_xact_lock``) and scans again; when no free port is left the range is
  full: AU409 naming the range.

Nothing is locked per range or per table: two callers only ever meet on the same port.
"""

# The class key of the per-port advisory locks (the two-int4 form, so no collision with
# the bigint locks of other modules): "port".
PORT_LOCK = 0x706F7274

_RULE = "(SELECT aura.is_admin()) OR project_id IN (SELECT id FROM public.projects)"
_ADMIN = "(SELECT aura.is_admin())"
_MEMBER = "(SELECT aura.is_member())"
_CHECK_RULE = (
    "(SELECT aura.is_admin()) OR port_allocation_id IN (SELECT id FROM public.port_allocations)"
)

_HOLES = """
-- Ports that stopped being held, per range, host and protocol (kept by aura.port_hole,
-- consumed by the allocator): no tenant data, only port numbers.
CREATE TABLE aura.port_holes (
  port_range_id uuid NOT NULL REFERENCES public.port_ranges (id) ON DELETE CASCADE,
  hostname text NOT NULL,
  protocol text NOT NULL,
  port_number integer NOT NULL,
  PRIMARY KEY (port_range_id, hostname, protocol, port_number)
);
GRANT SELECT, DELETE ON aura.port_holes TO aura_app;
"""

_CHECKS = r"""
-- A range's ports, with messages for API users (the CHECK and EXCLUDE constraints are
-- the backstop under concurrency).
CREATE FUNCTION aura.check_port_range() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  other record;
BEGIN
  IF NEW.start_port NOT BETWEEN 1 AND 65535 OR NEW.end_port NOT BETWEEN 1 AND 65535 THEN
    RAISE EXCEPTION 'ports are numbered 1 to 65535: startPort % and endPort % are not both',
      NEW.start_port, NEW.end_port USING ERRCODE = 'AU400';
  END IF;
  IF NEW.end_port < NEW.start_port THEN
    RAISE EXCEPTION 'endPort (%) is below startPort (%)', NEW.end_port, NEW.start_port
      USING ERRCODE = 'AU400';
  END IF;
  IF NEW.is_active THEN
    SELECT range_name, start_port, end_port INTO other FROM public.port_ranges
    WHERE is_active AND id <> NEW.id
      AND int4range(start_port, end_port, '[]') && int4range(NEW.start_port, NEW.end_port, '[]')
    ORDER BY start_port LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'ports %-% overlap the active port range "%" (%-%)', NEW.start_port,
        NEW.end_port, other.range_name, other.start_port, other.end_port USING ERRCODE = 'AU409';
    END IF;
  END IF;
  IF TG_OP = 'UPDATE' AND EXISTS (
      SELECT 1 FROM public.port_allocations a
      WHERE a.port_range_id = NEW.id AND a.status <> 'RELEASED'
        AND a.port_number NOT BETWEEN NEW.start_port AND NEW.end_port) THEN
    RAISE EXCEPTION 'port range "%" has allocated ports outside %-%: release them first',
      NEW.range_name, NEW.start_port, NEW.end_port USING ERRCODE = 'AU409';
  END IF;
  RETURN NEW;
END $$;

-- The range a port is taken from: it exists (for the caller), is active and holds it.
CREATE FUNCTION aura.port_range_holding(port_range uuid, port integer)
  RETURNS public.port_ranges
  LANGUAGE plpgsql STABLE AS $$
DECLARE
  r public.port_ranges;
BEGIN
  SELECT * INTO r FROM public.port_ranges WHERE id = port_range;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'rangeId: no such port range %', port_range USING ERRCODE = 'AU400';
  END IF;
  IF port IS NOT NULL AND port NOT BETWEEN r.start_port AND r.end_port THEN
    RAISE EXCEPTION 'portNumber % is outside the port range "%" (%-%)', port, r.range_name,
      r.start_port, r.end_port USING ERRCODE = 'AU400';
  END IF;
  IF NOT r.is_active THEN
    RAISE EXCEPTION 'the port range "%" is not active', r.range_name USING ERRCODE = 'AU409';
  END IF;
  RETURN r;
END $$;

CREATE FUNCTION aura.check_port_in_range() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM public.port_ranges r
                 WHERE r.id = NEW.port_range_id AND r.is_active
                   AND NEW.port_number BETWEEN r.start_port AND r.end_port) THEN
    PERFORM aura.port_range_holding(NEW.port_range_id, NEW.port_number);  -- says why
  END IF;
  RETURN NEW;
END $$;

-- Released is final; releasing stamps released_at.
CREATE FUNCTION aura.guard_port_allocation() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status = 'RELEASED' THEN
    RAISE EXCEPTION 'port % on % (%) was released: allocate it again instead',
      OLD.port_number, OLD.hostname, OLD.protocol USING ERRCODE = 'AU409';
  END IF;
  IF NEW.status = 'RELEASED' THEN
    NEW.released_at := now();
  END IF;
  RETURN NEW;
END $$;

-- A health check belongs to an allocation the caller can see, and a released one is no
-- longer checked. Runs as the caller: another tenant's allocation reads as missing.
CREATE FUNCTION aura.check_port_health_check() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  state text;
BEGIN
  SELECT status INTO state FROM public.port_allocations WHERE id = NEW.port_allocation_id;
  IF state IS NULL THEN
    RAISE EXCEPTION 'allocationId: no such port allocation %', NEW.port_allocation_id
      USING ERRCODE = 'AU400';
  END IF;
  IF state = 'RELEASED' THEN
    RAISE EXCEPTION 'port allocation % was released: it is no longer checked',
      NEW.port_allocation_id USING ERRCODE = 'AU409';
  END IF;
  RETURN NEW;
END $$;

-- seed 002: a successful check means the port is in use now.
CREATE FUNCTION aura.port_health_checked() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status = 'HEALTHY' THEN
    UPDATE public.port_allocations
    SET last_used_at = greatest(coalesce(last_used_at, NEW.checked_at), NEW.checked_at)
    WHERE id = NEW.port_allocation_id;
  END IF;
  RETURN NULL;
END $$;
"""

# The most free stretches one call of aura.port_gaps returns (callers ask again from
# where it stopped, rarely: each stretch holds at least one free port).
_STRETCHES = 64

_ALLOCATOR = f"""
-- The free stretches [lo, hi] of a range at or above ``_from`` on a host and protocol,
-- lowest first: the ports no allocation that is not released holds. One pass over the
-- partial unique index in port order that stops after the first {_STRETCHES} gaps, so its
-- cost is the number of allocated ports below them. Sees every tenant's rows but returns
-- only port numbers. (Reservations are few: callers skip them, see ports_reserved.)
CREATE FUNCTION aura.port_gaps(_range uuid, _host text, _proto text, _from integer)
  RETURNS TABLE (lo integer, hi integer)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  WITH r AS (
    SELECT greatest(start_port, _from) AS s, end_port AS e FROM port_ranges WHERE id = _range
  ),
  head AS (
    SELECT r.s AS lo,
           coalesce((SELECT min(a.port_number) FROM port_allocations a
                     WHERE a.port_number BETWEEN r.s AND r.e AND a.hostname = _host
                       AND a.protocol = _proto AND a.status <> 'RELEASED'), r.e + 1) - 1 AS hi
    FROM r
  ),
  body AS (
    SELECT x.p + 1 AS lo, coalesce(x.n, r.e + 1) - 1 AS hi
    FROM r, LATERAL (
      SELECT a.port_number AS p, lead(a.port_number) OVER (ORDER BY a.port_number) AS n
      FROM port_allocations a
      WHERE a.port_number BETWEEN r.s AND r.e AND a.hostname = _host
        AND a.protocol = _proto AND a.status <> 'RELEASED'
      ORDER BY a.port_number
    ) x
    WHERE x.n IS DISTINCT FROM x.p + 1
    LIMIT {_STRETCHES}
  )
  SELECT lo, hi FROM (SELECT * FROM head UNION ALL SELECT * FROM body) g
  WHERE lo <= hi ORDER BY lo $$;

-- The ports of a range held by unexpired reservations, except those of ``_project`` (for
-- ``_service``, or for any service when it is null).
CREATE FUNCTION aura.ports_reserved(_range uuid, _project uuid, _service text)
  RETURNS integer[]
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT coalesce(array_agg(DISTINCT v.port_number), '{{}}')
  FROM port_reservations v JOIN port_ranges r ON r.id = _range
  WHERE v.port_number BETWEEN r.start_port AND r.end_port AND v.expires_at > now()
    AND NOT (v.project_id IS NOT DISTINCT FROM _project
             AND (_service IS NULL OR v.service_name = _service)) $$;

-- Is the port reserved (unexpired) by another project, or for another of its services?
CREATE FUNCTION aura.port_reserved_elsewhere(_port integer, _project uuid, _service text)
  RETURNS boolean
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT EXISTS (
    SELECT 1 FROM port_reservations
    WHERE port_number = _port AND expires_at > now()
      AND NOT (project_id = _project AND service_name = _service)) $$;

-- Why a port cannot be reserved now ('allocated', 'reserved'), or null.
CREATE FUNCTION aura.port_occupied(_port integer) RETURNS text
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT CASE
    WHEN EXISTS (SELECT 1 FROM port_allocations
                 WHERE port_number = _port AND status <> 'RELEASED') THEN 'allocated'
    WHEN EXISTS (SELECT 1 FROM port_reservations
                 WHERE port_number = _port AND expires_at > now()) THEN 'reserved'
  END $$;

-- The highest port of a range held on a host and protocol (one index probe), or null.
CREATE FUNCTION aura.port_frontier(_host text, _proto text, _start integer, _end integer)
  RETURNS integer
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT max(port_number) FROM port_allocations
  WHERE hostname = _host AND protocol = _proto AND status <> 'RELEASED'
    AND port_number BETWEEN _start AND _end $$;

-- A port that stops being held (released, or its project deleted) becomes a hole: the
-- allocator's first pick after reservations, so released ports are handed out again
-- without scanning the range.
CREATE FUNCTION aura.port_hole() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  IF OLD.status <> 'RELEASED' AND (TG_OP = 'DELETE' OR NEW.status = 'RELEASED') THEN
    INSERT INTO aura.port_holes (port_range_id, hostname, protocol, port_number)
    VALUES (OLD.port_range_id, OLD.hostname, OLD.protocol, OLD.port_number)
    ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END $$;

-- seed 002's find_available_port: the lowest free port (null when the range is full).
-- With a project, that project's own reservations count as free.
CREATE FUNCTION aura.find_available_port(
  port_range uuid, host text, proto text, project uuid
) RETURNS integer
  LANGUAGE plpgsql STABLE AS $$
DECLARE
  r public.port_ranges;
  blocked integer[];
  stretch record;
  candidate integer;
  from_port integer;
  found_any boolean;
BEGIN
  r := aura.port_range_holding(port_range, NULL);
  blocked := aura.ports_reserved(r.id, project, NULL);
  from_port := r.start_port;
  LOOP
    found_any := false;
    FOR stretch IN SELECT * FROM aura.port_gaps(r.id, host, proto, from_port) LOOP
      found_any := true;
      FOR candidate IN stretch.lo .. stretch.hi LOOP
        IF NOT candidate = ANY (blocked) THEN
          RETURN candidate;
        END IF;
      END LOOP;
      from_port := stretch.hi + 1;
    END LOOP;
    EXIT WHEN NOT found_any OR from_port > r.end_port;
  END LOOP;
  RETURN NULL;
END $$;

-- One attempt at a port the caller holds the lock of: the new row, or null when the port
-- is taken (an allocation committed since the scan, or a reservation of someone else).
CREATE FUNCTION aura.try_allocate(
  project uuid, port_range uuid, port integer, service text, service_kind text, host text,
  proto text, pid integer, extra jsonb
) RETURNS public.port_allocations
  LANGUAGE plpgsql AS $$
DECLARE
  got public.port_allocations;
BEGIN
  INSERT INTO public.port_allocations AS a (project_id, port_range_id, port_number,
    service_name, service_type, hostname, protocol, process_id, metadata)
  SELECT project, port_range, port, service, service_kind, host, proto, pid,
         coalesce(extra, '{{}}'::jsonb)
  WHERE NOT aura.port_reserved_elsewhere(port, project, service)
  ON CONFLICT (port_number, hostname, protocol) WHERE status <> 'RELEASED' DO NOTHING
  RETURNING a.* INTO got;
  RETURN got;
END $$;

-- seed 002's allocate_port: the project's own unexpired reservations for the service
-- first (used up), then the lowest free port; with ``wanted``, exactly that port
-- (CONFLICT if taken). A full range is AU409 naming it.
CREATE FUNCTION aura.allocate_port(
  project uuid, port_range uuid, service text, service_kind text, host text, proto text,
  wanted integer, pid integer, extra jsonb
) RETURNS SETOF public.port_allocations
  LANGUAGE plpgsql AS $$
DECLARE
  r public.port_ranges;
  blocked integer[];
  own integer[];
  stretch record;
  candidate integer;
  busy integer;
  from_port integer;
  found_any boolean;
  got public.port_allocations;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM public.projects WHERE id = project) THEN
    RAISE EXCEPTION 'projectId: no such project %', project USING ERRCODE = 'AU400';
  END IF;
  r := aura.port_range_holding(port_range, wanted);
  -- the project's own reservations for the service (visible to it: its rows)
  own := ARRAY(
    SELECT port_number FROM public.port_reservations
    WHERE project_id = project AND port_range_id = r.id AND service_name = service
      AND expires_at > now()
    ORDER BY port_number);
  IF wanted IS NOT NULL THEN
    -- waits only for whoever is taking this very port right now
    PERFORM pg_advisory_xact_lock({PORT_LOCK}, wanted);
    got := aura.try_allocate(project, r.id, wanted, service, service_kind, host, proto, pid,
                             extra);
    IF got.id IS NULL THEN
      RAISE EXCEPTION 'port % on % (%) is already allocated or reserved', wanted, host, proto
        USING ERRCODE = 'AU409';
    END IF;
  ELSE
    FOREACH candidate IN ARRAY own LOOP
      IF pg_try_advisory_xact_lock({PORT_LOCK}, candidate) THEN
        got := aura.try_allocate(project, r.id, candidate, service, service_kind, host,
                                 proto, pid, extra);
        EXIT WHEN got.id IS NOT NULL;
      END IF;
    END LOOP;
  END IF;
  IF got.id IS NULL THEN
    blocked := aura.ports_reserved(r.id, project, service);
    -- 1. holes: ports released earlier, lowest first
    FOR candidate IN
      SELECT h.port_number FROM aura.port_holes h
      WHERE h.port_range_id = r.id AND h.hostname = host AND h.protocol = proto
      ORDER BY h.port_number LIMIT {_STRETCHES}
    LOOP
      CONTINUE WHEN candidate = ANY (blocked);
      IF pg_try_advisory_xact_lock({PORT_LOCK}, candidate) THEN
        got := aura.try_allocate(project, r.id, candidate, service, service_kind, host,
                                 proto, pid, extra);
        -- filled now, or already (a hole the frontier or a wanted port took): gone
        DELETE FROM aura.port_holes h
        WHERE h.port_range_id = r.id AND h.hostname = host AND h.protocol = proto
          AND h.port_number = candidate
          AND (got.id IS NOT NULL OR NOT aura.port_reserved_elsewhere(candidate, project,
                                                                      service));
        EXIT WHEN got.id IS NOT NULL;
      ELSIF busy IS NULL THEN
        busy := candidate;
      END IF;
    END LOOP;
  END IF;
  IF got.id IS NULL THEN
    -- 2. above the highest port held: a conflict means others committed meanwhile, so
    -- look at the top again rather than walking up behind them
    candidate := coalesce(aura.port_frontier(host, proto, r.start_port, r.end_port),
                          r.start_port - 1);
    WHILE candidate < r.end_port LOOP
      candidate := candidate + 1;
      CONTINUE WHEN candidate = ANY (blocked);
      IF pg_try_advisory_xact_lock({PORT_LOCK}, candidate) THEN
        got := aura.try_allocate(project, r.id, candidate, service, service_kind, host,
                                 proto, pid, extra);
        EXIT WHEN got.id IS NOT NULL;
        candidate := greatest(candidate,
          aura.port_frontier(host, proto, r.start_port, r.end_port));
      ELSIF busy IS NULL THEN
        busy := candidate;
      END IF;
    END LOOP;
  END IF;
  IF got.id IS NULL THEN
    -- 3. the whole range, lowest first: ports freed without a hole (a rolled-back
    -- allocation, a port above a wanted one) are found here, and "full" is said only
    -- after it
    <<rescan>>
    LOOP
      busy := NULL;
      from_port := r.start_port;
      <<scan>>
      LOOP
        found_any := false;
        FOR stretch IN SELECT * FROM aura.port_gaps(r.id, host, proto, from_port) LOOP
          found_any := true;
          FOR candidate IN stretch.lo .. stretch.hi LOOP
            CONTINUE WHEN candidate = ANY (blocked);
            IF pg_try_advisory_xact_lock({PORT_LOCK}, candidate) THEN
              got := aura.try_allocate(project, r.id, candidate, service, service_kind, host,
                                       proto, pid, extra);
              EXIT rescan WHEN got.id IS NOT NULL;
            ELSIF busy IS NULL THEN
              busy := candidate;
            END IF;
          END LOOP;
          from_port := stretch.hi + 1;
        END LOOP;
        EXIT scan WHEN NOT found_any OR from_port > r.end_port;
      END LOOP;
      IF busy IS NULL THEN
        RAISE EXCEPTION 'the port range "%" (%-%) has no free port on % (%)', r.range_name,
          r.start_port, r.end_port, host, proto USING ERRCODE = 'AU409';
      END IF;
      -- Every free port is being taken by someone else right now: wait for one of them to
      -- finish (it may roll back), then look again.
      PERFORM pg_advisory_xact_lock({PORT_LOCK}, busy);
    END LOOP;
  END IF;
  IF got.port_number = ANY (own) THEN
    -- the project's reservation of this port for this service is used up
    DELETE FROM public.port_reservations
    WHERE project_id = project AND port_number = got.port_number AND service_name = service;
  END IF;
  RETURN NEXT got;
END $$;

-- Reserve a port of a range for a project's service until ``until``.
CREATE FUNCTION aura.reserve_port(
  project uuid, port_range uuid, port integer, service text, who text,
  until timestamptz, extra jsonb
) RETURNS SETOF public.port_reservations
  LANGUAGE plpgsql AS $$
DECLARE
  reason text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM public.projects WHERE id = project) THEN
    RAISE EXCEPTION 'projectId: no such project %', project USING ERRCODE = 'AU400';
  END IF;
  PERFORM aura.port_range_holding(port_range, port);
  IF until <= now() THEN
    RAISE EXCEPTION 'expiresAt must be in the future' USING ERRCODE = 'AU400';
  END IF;
  PERFORM pg_advisory_xact_lock({PORT_LOCK}, port);
  reason := aura.port_occupied(port);
  IF reason IS NOT NULL THEN
    RAISE EXCEPTION 'port % is already %', port, reason USING ERRCODE = 'AU409';
  END IF;
  RETURN QUERY
  INSERT INTO public.port_reservations (project_id, port_range_id, port_number, service_name,
                                        reserved_by, expires_at, metadata)
  VALUES (project, port_range, port, service, who, until, coalesce(extra, '{{}}'::jsonb))
  RETURNING *;
END $$;
"""

_TRIGGERS = """
CREATE TRIGGER t10_check_port_range BEFORE INSERT OR UPDATE ON port_ranges
  FOR EACH ROW EXECUTE FUNCTION aura.check_port_range();
-- (allocations are inserted by aura.allocate_port only, which checks the project first;
-- projectId is read-only afterwards, and the policy keeps it in the caller's projects)
CREATE TRIGGER t10_inherit_project BEFORE INSERT OR UPDATE OF project_id ON port_reservations
  FOR EACH ROW EXECUTE FUNCTION aura.inherit_project();
CREATE TRIGGER t20_port_in_range BEFORE INSERT OR UPDATE OF port_range_id, port_number
  ON port_allocations FOR EACH ROW EXECUTE FUNCTION aura.check_port_in_range();
CREATE TRIGGER t20_port_in_range BEFORE INSERT OR UPDATE OF port_range_id, port_number
  ON port_reservations FOR EACH ROW EXECUTE FUNCTION aura.check_port_in_range();
CREATE TRIGGER t30_guard_allocation BEFORE UPDATE ON port_allocations
  FOR EACH ROW EXECUTE FUNCTION aura.guard_port_allocation();
CREATE TRIGGER t10_check_allocation BEFORE INSERT ON port_health_checks
  FOR EACH ROW EXECUTE FUNCTION aura.check_port_health_check();
CREATE TRIGGER t60_port_hole AFTER UPDATE OF status OR DELETE ON port_allocations
  FOR EACH ROW EXECUTE FUNCTION aura.port_hole();
CREATE TRIGGER t50_last_used AFTER INSERT ON port_health_checks
  FOR EACH ROW EXECUTE FUNCTION aura.port_health_checked();
CREATE TRIGGER t90_touch_updated_at BEFORE UPDATE ON port_ranges
  FOR EACH ROW EXECUTE FUNCTION aura.touch_updated_at();
CREATE TRIGGER t90_touch_updated_at BEFORE UPDATE ON port_allocations
  FOR EACH ROW EXECUTE FUNCTION aura.touch_updated_at();
CREATE TRIGGER t90_touch_updated_at BEFORE UPDATE ON port_reservations
  FOR EACH ROW EXECUTE FUNCTION aura.touch_updated_at();
"""

_CONSTRAINTS = """
-- No two active ranges share a port. int4range && alone needs only plain gist.
ALTER TABLE port_ranges ADD CONSTRAINT ex_port_ranges_active_ports
  EXCLUDE USING gist (int4range(start_port, end_port, '[]') WITH &&) WHERE (is_active);
"""

_POLICIES = f"""
ALTER TABLE port_ranges ENABLE ROW LEVEL SECURITY;
CREATE POLICY port_ranges_read ON port_ranges FOR SELECT USING ({_MEMBER});
CREATE POLICY port_ranges_insert ON port_ranges FOR INSERT WITH CHECK ({_ADMIN});
CREATE POLICY port_ranges_update ON port_ranges FOR UPDATE USING ({_ADMIN}) WITH CHECK ({_ADMIN});
CREATE POLICY port_ranges_delete ON port_ranges FOR DELETE USING ({_ADMIN});

ALTER TABLE port_allocations ENABLE ROW LEVEL SECURITY;
CREATE POLICY port_allocations_tenant ON port_allocations USING ({_RULE}) WITH CHECK ({_RULE});

ALTER TABLE port_reservations ENABLE ROW LEVEL SECURITY;
CREATE POLICY port_reservations_tenant ON port_reservations
  USING ({_RULE}) WITH CHECK ({_RULE});

-- Health checks are appended, never changed; they follow their allocation.
ALTER TABLE port_health_checks ENABLE ROW LEVEL SECURITY;
CREATE POLICY port_health_checks_read ON port_health_checks FOR SELECT USING ({_CHECK_RULE});
CREATE POLICY port_health_checks_insert ON port_health_checks FOR INSERT
  WITH CHECK ({_CHECK_RULE});
"""

_VIEWS_AND_GRANTS = """
-- Counts over every project: a range is shared, so its use is everybody's.
CREATE FUNCTION aura.port_range_counts(_range uuid)
  RETURNS TABLE (allocated integer, released integer, reserved integer)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT (SELECT count(*) FROM port_allocations
          WHERE port_range_id = _range AND status <> 'RELEASED')::integer,
         (SELECT count(*) FROM port_allocations
          WHERE port_range_id = _range AND status = 'RELEASED')::integer,
         (SELECT count(DISTINCT port_number) FROM port_reservations
          WHERE port_range_id = _range AND expires_at > now())::integer $$;

CREATE VIEW port_range_utilization WITH (security_invoker = true) AS
SELECT r.id AS range_id, r.range_name, r.start_port, r.end_port, r.is_active,
       r.end_port - r.start_port + 1 AS total_ports,
       c.allocated AS allocated_ports, c.released AS released_ports,
       c.reserved AS reserved_ports,
       round(100.0 * c.allocated / (r.end_port - r.start_port + 1), 2)::float8
         AS utilization_percent
FROM port_ranges r
CROSS JOIN LATERAL aura.port_range_counts(r.id) c;

CREATE VIEW active_port_allocations WITH (security_invoker = true) AS
SELECT a.id, a.project_id, a.port_range_id, a.port_number, a.service_name, a.service_type,
       a.status, a.hostname, a.protocol, a.allocated_at, a.last_used_at,
       p.name AS project_name, r.range_name
FROM port_allocations a
JOIN projects p ON p.id = a.project_id
JOIN port_ranges r ON r.id = a.port_range_id
WHERE a.status <> 'RELEASED';

REVOKE ALL ON FUNCTION aura.port_gaps(uuid, text, text, integer),
  aura.port_frontier(text, text, integer, integer),
  aura.ports_reserved(uuid, uuid, text),
  aura.port_reserved_elsewhere(integer, uuid, text), aura.port_occupied(integer),
  aura.port_range_counts(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION aura.port_gaps(uuid, text, text, integer),
  aura.port_frontier(text, text, integer, integer),
  aura.ports_reserved(uuid, uuid, text),
  aura.port_reserved_elsewhere(integer, uuid, text), aura.port_occupied(integer),
  aura.port_range_counts(uuid) TO aura_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON port_ranges, port_allocations, port_reservations
  TO aura_app;
GRANT SELECT, INSERT ON port_health_checks TO aura_app;
GRANT SELECT ON port_range_utilization, active_port_allocations TO aura_app;
"""

AFTER_TABLES = (
    _HOLES + _CHECKS + _ALLOCATOR + _TRIGGERS + _CONSTRAINTS + _POLICIES + _VIEWS_AND_GRANTS
)

DROP_BEHAVIOUR = """
DROP TABLE IF EXISTS aura.port_holes;
DROP VIEW IF EXISTS active_port_allocations;
DROP VIEW IF EXISTS port_range_utilization;
ALTER TABLE port_ranges DROP CONSTRAINT IF EXISTS ex_port_ranges_active_ports;
DROP FUNCTION IF EXISTS aura.port_range_counts(uuid);
DROP FUNCTION IF EXISTS aura.port_hole() CASCADE;
DROP FUNCTION IF EXISTS aura.port_frontier(text, text, integer, integer);
DROP FUNCTION IF EXISTS aura.reserve_port(uuid, uuid, integer, text, text, timestamptz, jsonb);
DROP FUNCTION IF EXISTS aura.allocate_port(uuid, uuid, text, text, text, text, integer, integer,
  jsonb);
DROP FUNCTION IF EXISTS aura.try_allocate(uuid, uuid, integer, text, text, text, text, integer,
  jsonb);
DROP FUNCTION IF EXISTS aura.find_available_port(uuid, text, text, uuid);
DROP FUNCTION IF EXISTS aura.port_occupied(integer);
DROP FUNCTION IF EXISTS aura.port_reserved_elsewhere(integer, uuid, text);
DROP FUNCTION IF EXISTS aura.ports_reserved(uuid, uuid, text);
DROP FUNCTION IF EXISTS aura.port_gaps(uuid, text, text, integer);
DROP FUNCTION IF EXISTS aura.port_health_checked() CASCADE;
DROP FUNCTION IF EXISTS aura.check_port_health_check() CASCADE;
DROP FUNCTION IF EXISTS aura.guard_port_allocation() CASCADE;
DROP FUNCTION IF EXISTS aura.check_port_in_range() CASCADE;
DROP FUNCTION IF EXISTS aura.port_range_holding(uuid, integer);
DROP FUNCTION IF EXISTS aura.check_port_range() CASCADE;
"""
