"""SQL of revision 0004: account lifecycle, opaque access tokens, teams and bonus windows.

Frozen with its revision. ``PREVIOUS`` holds the 0001 definitions this revision
replaces, so that the downgrade restores them exactly.

Notifications: whenever a token is revoked, or a user is disabled, deleted or has their
role changed, ``pg_notify('aura_auth', …)`` fires in the same transaction with
``{"user_id": …}`` or ``{"token_id": …, "user_id": …}``: listeners (open
subscriptions) re-check the principal with ``aura.principal_active``.
"""

AFTER_TABLES = r"""
-- Requests signed with a JWT: the user must exist and not be disabled.
CREATE OR REPLACE FUNCTION aura.begin_request(principal uuid, timeout_ms integer) RETURNS text
  LANGUAGE plpgsql AS $$
DECLARE
  principal_role text;
  principal_disabled timestamptz;
BEGIN
  SELECT role, disabled_at INTO principal_role, principal_disabled
    FROM public.users WHERE id = principal;
  IF principal_role IS NULL THEN
    RAISE EXCEPTION 'the user of this token no longer exists' USING ERRCODE = 'AU401';
  END IF;
  IF principal_disabled IS NOT NULL THEN
    RAISE EXCEPTION 'this account is disabled' USING ERRCODE = 'AU401';
  END IF;
  PERFORM set_config('aura.user_id', principal::text, true);
  PERFORM set_config('aura.user_role', principal_role, true);
  PERFORM set_config('aura.token_id', '', true);
  PERFORM set_config('statement_timeout', timeout_ms::text, true);
  PERFORM set_config('role', 'aura_app', true);
  RETURN principal_role;
END $$;

-- Requests with an opaque access token (named by its SHA-256): the token must exist, be
-- neither revoked nor expired, and its user not disabled, checked at the start of every
-- request so that a revocation applies at once. Records the last use at most once a
-- minute, without ever waiting for a concurrent request that holds the row.
CREATE FUNCTION aura.begin_token_request(token_hash bytea, timeout_ms integer) RETURNS text
  LANGUAGE plpgsql AS $$
DECLARE
  t record;
BEGIN
  SELECT o.id, o.user_id, o.expires_at, o.revoked_at, o.last_used_at, u.role, u.disabled_at
    INTO t
    FROM public.oauth_tokens o JOIN public.users u ON u.id = o.user_id
   WHERE o.access_token_hash = token_hash;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown access token' USING ERRCODE = 'AU401';
  ELSIF t.revoked_at IS NOT NULL THEN
    RAISE EXCEPTION 'this access token has been revoked' USING ERRCODE = 'AU401';
  ELSIF t.expires_at <= now() THEN
    RAISE EXCEPTION 'this access token has expired' USING ERRCODE = 'AU401';
  ELSIF t.disabled_at IS NOT NULL THEN
    RAISE EXCEPTION 'this account is disabled' USING ERRCODE = 'AU401';
  END IF;
  IF t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute' THEN
    PERFORM 1 FROM public.oauth_tokens WHERE id = t.id FOR NO KEY UPDATE SKIP LOCKED;
    IF FOUND THEN
      UPDATE public.oauth_tokens SET last_used_at = now() WHERE id = t.id;
    END IF;
  END IF;
  PERFORM set_config('aura.user_id', t.user_id::text, true);
  PERFORM set_config('aura.user_role', t.role, true);
  PERFORM set_config('aura.token_id', t.id::text, true);
  PERFORM set_config('statement_timeout', timeout_ms::text, true);
  PERFORM set_config('role', 'aura_app', true);
  RETURN t.role;
END $$;
REVOKE ALL ON FUNCTION aura.begin_token_request(bytea, integer) FROM PUBLIC;

-- What an opaque token names, and whether it is usable ('valid', 'revoked', 'expired',
-- 'disabled'); no row for an unknown token. Used to authenticate HTTP requests and
-- websocket connections before any request SQL runs.
CREATE FUNCTION aura.token_principal(token_hash bytea)
  RETURNS TABLE (status text, token_id uuid, user_id uuid, scopes text[], expires_at timestamptz)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT CASE WHEN o.revoked_at IS NOT NULL THEN 'revoked'
              WHEN o.expires_at <= now() THEN 'expired'
              WHEN u.disabled_at IS NOT NULL THEN 'disabled'
              ELSE 'valid' END,
         o.id, o.user_id, o.scopes, o.expires_at
    FROM public.oauth_tokens o JOIN public.users u ON u.id = o.user_id
   WHERE o.access_token_hash = $1
$$;
REVOKE ALL ON FUNCTION aura.token_principal(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION aura.token_principal(bytea) TO aura_app;

-- May this user (and this token, when given) still act? For long-lived connections
-- (subscriptions) re-checking after an 'aura_auth' notification.
CREATE FUNCTION aura.principal_active(user_id uuid, token_id uuid) RETURNS boolean
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT EXISTS (SELECT 1 FROM public.users u WHERE u.id = $1 AND u.disabled_at IS NULL)
     AND ($2 IS NULL OR EXISTS (
           SELECT 1 FROM public.oauth_tokens o
            WHERE o.id = $2 AND o.user_id = $1 AND o.revoked_at IS NULL
              AND o.expires_at > now()))
$$;
REVOKE ALL ON FUNCTION aura.principal_active(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION aura.principal_active(uuid, uuid) TO aura_app;

-- Self-registration: a PENDING user and their first token, in one transaction.
CREATE FUNCTION aura.register_user(
  new_email text, new_display_name text, access_hash bytea, refresh_hash bytea,
  token_scopes text[], access_expires_at timestamptz, refresh_expires_at timestamptz
) RETURNS TABLE (user_id uuid, token_id uuid)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  new_user uuid;
  new_token uuid := gen_random_uuid();
BEGIN
  INSERT INTO public.users (email, display_name, role)
    VALUES (new_email, new_display_name, 'PENDING') RETURNING id INTO new_user;
  INSERT INTO public.oauth_tokens (id, user_id, name, access_token_hash, refresh_token_hash,
                                   scopes, family_id, expires_at, refresh_expires_at)
    VALUES (new_token, new_user, 'registration', access_hash, refresh_hash, token_scopes,
            new_token, access_expires_at, register_user.refresh_expires_at);
  RETURN QUERY SELECT new_user, new_token;
END $$;
REVOKE ALL ON FUNCTION aura.register_user(text, text, bytea, bytea, text[], timestamptz,
  timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION aura.register_user(text, text, bytea, bytea, text[], timestamptz,
  timestamptz) TO aura_app;

-- Refresh with rotation: the refresh token is exchanged once for a new pair in the same
-- family. Exchanging it again means a copy leaked: the whole family is revoked (and the
-- status says 'reused'). Runs in its own transaction, so the revocation commits even
-- though the caller is refused.
CREATE FUNCTION aura.refresh_access_token(
  old_refresh_hash bytea, access_hash bytea, refresh_hash bytea
) RETURNS TABLE (status text, token_id uuid, user_id uuid, expires_at timestamptz)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  old public.oauth_tokens;
  new_id uuid := gen_random_uuid();
  new_expiry timestamptz;
BEGIN
  SELECT * INTO old FROM public.oauth_tokens o WHERE o.refresh_token_hash = old_refresh_hash
    FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'invalid', NULL::uuid, NULL::uuid, NULL::timestamptz;
    RETURN;
  END IF;
  IF old.refreshed_at IS NOT NULL THEN
    UPDATE public.oauth_tokens o
       SET revoked_at = now(), revoked_reason = 'REFRESH_TOKEN_REUSED'
     WHERE o.family_id = old.family_id AND o.revoked_at IS NULL;
    RETURN QUERY SELECT 'reused', old.id, old.user_id, NULL::timestamptz;
    RETURN;
  END IF;
  IF old.revoked_at IS NOT NULL THEN
    RETURN QUERY SELECT 'revoked', old.id, old.user_id, NULL::timestamptz;
    RETURN;
  END IF;
  IF old.refresh_expires_at <= now() THEN
    RETURN QUERY SELECT 'expired', old.id, old.user_id, NULL::timestamptz;
    RETURN;
  END IF;
  IF EXISTS (SELECT 1 FROM public.users u WHERE u.id = old.user_id
             AND u.disabled_at IS NOT NULL) THEN
    RETURN QUERY SELECT 'disabled', old.id, old.user_id, NULL::timestamptz;
    RETURN;
  END IF;
  UPDATE public.oauth_tokens SET refreshed_at = now() WHERE id = old.id;
  new_expiry := now() + (old.expires_at - old.created_at);
  INSERT INTO public.oauth_tokens (id, user_id, name, client_id, access_token_hash,
      refresh_token_hash, scopes, family_id, parent_id, expires_at, refresh_expires_at)
    VALUES (new_id, old.user_id, old.name, old.client_id, access_hash, refresh_hash,
      old.scopes, old.family_id, old.id, new_expiry,
      now() + (old.refresh_expires_at - old.created_at));
  RETURN QUERY SELECT 'ok', new_id, old.user_id, new_expiry;
END $$;
REVOKE ALL ON FUNCTION aura.refresh_access_token(bytea, bytea, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION aura.refresh_access_token(bytea, bytea, bytea) TO aura_app;

-- Tokens created by requests start a family of their own, unused and unrevoked; only
-- aura.refresh_access_token chains tokens.
CREATE FUNCTION aura.new_token_family() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF current_user = 'aura_app' THEN
    NEW.family_id := NEW.id;
    NEW.parent_id := NULL;
    NEW.refreshed_at := NULL;
    NEW.revoked_at := NULL;
    NEW.revoked_reason := NULL;
    NEW.last_used_at := NULL;
  END IF;
  NEW.family_id := coalesce(NEW.family_id, NEW.id);
  RETURN NEW;
END $$;

-- Revoking a token revokes its family: the tokens it was refreshed from and into.
-- Runs as the caller: row-level security decides whose tokens these may be.
CREATE FUNCTION aura.revoke_token(target uuid) RETURNS SETOF public.oauth_tokens
  LANGUAGE plpgsql AS $$
BEGIN
  UPDATE public.oauth_tokens o SET revoked_at = now(), revoked_reason = 'REVOKED'
   WHERE o.family_id = (SELECT family_id FROM public.oauth_tokens WHERE id = target)
     AND o.revoked_at IS NULL;
  RETURN QUERY SELECT * FROM public.oauth_tokens WHERE id = target;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no access token with id %', target USING ERRCODE = 'AU404';
  END IF;
END $$;

-- Administrators' changes to an account: approve, role, disable/enable, must reset
-- password, manager. Keys of ``changes``: approve, role, disabled, must_reset_password,
-- manager_id (null to clear).
CREATE FUNCTION aura.admin_update_user(target uuid, changes jsonb) RETURNS SETOF public.users
  LANGUAGE plpgsql AS $$
DECLARE
  current_role_of_target text;
  manager uuid := (changes ->> 'manager_id')::uuid;
BEGIN
  IF NOT aura.is_admin() THEN
    RAISE EXCEPTION 'only administrators can manage users' USING ERRCODE = 'AU403';
  END IF;
  SELECT role INTO current_role_of_target FROM public.users WHERE id = target;
  IF current_role_of_target IS NULL THEN
    RAISE EXCEPTION 'no user with id %', target USING ERRCODE = 'AU404';
  END IF;
  IF changes ? 'approve' AND current_role_of_target <> 'PENDING' THEN
    RAISE EXCEPTION 'only PENDING users can be approved; this user is %',
      current_role_of_target USING ERRCODE = 'AU400';
  END IF;
  IF target = aura.current_user_id()
     AND ((changes ? 'role' AND changes ->> 'role' <> 'ADMIN')
          OR coalesce((changes ->> 'disabled')::boolean, false)) THEN
    RAISE EXCEPTION 'administrators cannot demote or disable themselves'
      USING ERRCODE = 'AU400';
  END IF;
  IF manager IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM public.users WHERE id = manager AND role IN ('MANAGER', 'ADMIN')
  ) THEN
    RAISE EXCEPTION 'managerId: no MANAGER or ADMIN with id %', manager
      USING ERRCODE = 'AU400';
  END IF;
  UPDATE public.users u SET
    role = CASE WHEN changes ? 'approve' THEN 'USER'
                WHEN changes ? 'role' THEN changes ->> 'role' ELSE u.role END,
    disabled_at = CASE WHEN NOT changes ? 'disabled' THEN u.disabled_at
                       WHEN (changes ->> 'disabled')::boolean
                         THEN coalesce(u.disabled_at, now())
                       ELSE NULL END,
    must_reset_password = CASE WHEN changes ? 'must_reset_password'
                               THEN (changes ->> 'must_reset_password')::boolean
                               ELSE u.must_reset_password END,
    manager_id = CASE WHEN changes ? 'manager_id' THEN manager ELSE u.manager_id END
  WHERE u.id = target;
  RETURN QUERY SELECT * FROM public.users WHERE id = target;
END $$;

-- Only administrators change roles, disable accounts or move people between teams:
-- also for SQL run directly as the request role.
CREATE OR REPLACE FUNCTION aura.guard_user_role() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF (aura.in_request() OR current_user = 'aura_app') AND NOT aura.is_admin() THEN
    IF NEW.role IS DISTINCT FROM OLD.role THEN
      RAISE EXCEPTION 'only administrators can change roles' USING ERRCODE = 'AU403';
    END IF;
    IF NEW.disabled_at IS DISTINCT FROM OLD.disabled_at
       OR NEW.manager_id IS DISTINCT FROM OLD.manager_id THEN
      RAISE EXCEPTION 'only administrators can disable users or change teams'
        USING ERRCODE = 'AU403';
    END IF;
  END IF;
  RETURN NEW;
END $$;
DROP TRIGGER t10_guard_role ON users;
CREATE TRIGGER t10_guard_role BEFORE UPDATE OF role, disabled_at, manager_id ON users
  FOR EACH ROW EXECUTE FUNCTION aura.guard_user_role();

CREATE FUNCTION aura.notify_auth() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'users' THEN
    PERFORM pg_notify('aura_auth', json_build_object('user_id', OLD.id)::text);
  ELSE
    PERFORM pg_notify('aura_auth',
      json_build_object('token_id', OLD.id, 'user_id', OLD.user_id)::text);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER t80_notify_auth AFTER UPDATE OF role, disabled_at ON users FOR EACH ROW
  WHEN (NEW.role IS DISTINCT FROM OLD.role
        OR (NEW.disabled_at IS NOT NULL AND OLD.disabled_at IS NULL))
  EXECUTE FUNCTION aura.notify_auth();
CREATE TRIGGER t80_notify_auth_deleted AFTER DELETE ON users FOR EACH ROW
  EXECUTE FUNCTION aura.notify_auth();
CREATE TRIGGER t80_notify_auth AFTER UPDATE OF revoked_at ON oauth_tokens FOR EACH ROW
  WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
  EXECUTE FUNCTION aura.notify_auth();

CREATE TRIGGER t10_new_token_family BEFORE INSERT ON oauth_tokens
  FOR EACH ROW EXECUTE FUNCTION aura.new_token_family();
CREATE TRIGGER t90_touch_updated_at BEFORE UPDATE OF name, revoked_at ON oauth_tokens
  FOR EACH ROW EXECUTE FUNCTION aura.touch_updated_at();
CREATE TRIGGER t90_touch_updated_at BEFORE UPDATE ON bonus_windows
  FOR EACH ROW EXECUTE FUNCTION aura.touch_updated_at();

-- Tokens: their owner (whatever their role, PENDING included) and administrators.
ALTER TABLE oauth_tokens ENABLE ROW LEVEL SECURITY;
CREATE POLICY oauth_tokens_read ON oauth_tokens FOR SELECT
  USING (user_id = (SELECT aura.current_user_id()) OR (SELECT aura.is_admin()));
CREATE POLICY oauth_tokens_insert ON oauth_tokens FOR INSERT
  WITH CHECK (user_id = (SELECT aura.current_user_id()));
CREATE POLICY oauth_tokens_update ON oauth_tokens FOR UPDATE
  USING (user_id = (SELECT aura.current_user_id()) OR (SELECT aura.is_admin()))
  WITH CHECK (user_id = (SELECT aura.current_user_id()) OR (SELECT aura.is_admin()));

-- Bonus windows: managers and administrators read them, administrators write them.
ALTER TABLE bonus_windows ENABLE ROW LEVEL SECURITY;
CREATE POLICY bonus_windows_read ON bonus_windows FOR SELECT
  USING ((SELECT aura.current_user_role()) IN ('MANAGER', 'ADMIN'));
CREATE POLICY bonus_windows_write ON bonus_windows
  USING ((SELECT aura.is_admin())) WITH CHECK ((SELECT aura.is_admin()));

-- A manager's view of their team's time tracking: only the time fields of the tasks of
-- projects their team members own (administrators: every project). The function reads
-- past row-level security (a manager cannot read those tasks themselves) and applies
-- the team rule; the view over it runs with the caller's rights like every view.
CREATE FUNCTION aura.team_task_times() RETURNS TABLE (
  id uuid, project_id uuid, project_name text, member_id uuid, member_name text,
  manager_id uuid, task_key text, task_title text, status text, estimated_minutes integer,
  actual_minutes integer, completed_at timestamptz, created_at timestamptz,
  updated_at timestamptz
) LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT t.id, t.project_id, p.name, m.id, coalesce(m.display_name, m.email), m.manager_id,
         t.key, t.title, t.status, t.estimated_minutes, t.actual_minutes, t.completed_at,
         t.created_at, t.updated_at
    FROM public.tasks t
    JOIN public.projects p ON p.id = t.project_id
    JOIN public.users m ON m.id = p.owner_id
   WHERE aura.is_admin()
      OR (aura.current_user_role() = 'MANAGER' AND m.manager_id = aura.current_user_id())
$$;
REVOKE ALL ON FUNCTION aura.team_task_times() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION aura.team_task_times() TO aura_app;
CREATE VIEW team_time_entries WITH (security_invoker = true) AS
  SELECT * FROM aura.team_task_times();

GRANT SELECT, INSERT ON oauth_tokens TO aura_app;
GRANT UPDATE (name, revoked_at, revoked_reason, updated_at) ON oauth_tokens TO aura_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON bonus_windows TO aura_app;
GRANT SELECT ON team_time_entries TO aura_app;
"""

DROP_BEHAVIOUR = r"""
DROP VIEW IF EXISTS team_time_entries;
DROP FUNCTION IF EXISTS aura.team_task_times();
DROP TRIGGER IF EXISTS t80_notify_auth ON users;
DROP TRIGGER IF EXISTS t80_notify_auth_deleted ON users;
DROP FUNCTION IF EXISTS aura.notify_auth() CASCADE;
DROP FUNCTION IF EXISTS aura.admin_update_user(uuid, jsonb);
DROP FUNCTION IF EXISTS aura.revoke_token(uuid);
DROP FUNCTION IF EXISTS aura.new_token_family() CASCADE;
DROP FUNCTION IF EXISTS aura.refresh_access_token(bytea, bytea, bytea);
DROP FUNCTION IF EXISTS aura.register_user(text, text, bytea, bytea, text[], timestamptz,
  timestamptz);
DROP FUNCTION IF EXISTS aura.principal_active(uuid, uuid);
DROP FUNCTION IF EXISTS aura.token_principal(bytea);
DROP FUNCTION IF EXISTS aura.begin_token_request(bytea, integer);
DROP TRIGGER t10_guard_role ON users;
"""

# The 0001 definitions, restored by the downgrade (after the columns are gone).
PREVIOUS = r"""
CREATE OR REPLACE FUNCTION aura.begin_request(principal uuid, timeout_ms integer) RETURNS text
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

CREATE OR REPLACE FUNCTION aura.guard_user_role() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF aura.in_request() AND NOT aura.is_admin() AND NEW.role IS DISTINCT FROM OLD.role THEN
    RAISE EXCEPTION 'only administrators can change roles' USING ERRCODE = 'AU403';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER t10_guard_role BEFORE UPDATE OF role ON users
  FOR EACH ROW EXECUTE FUNCTION aura.guard_user_role();
"""
