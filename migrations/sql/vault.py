"""SQL of revision 0005 (vault): key lookup, the access audit, rotation dates, row-level
security, the seed 002 views and the grants.

Frozen with its revision: later revisions add their own modules rather than edit this.
Encryption happens in Python (``aura.auth.crypto``): nothing here ever sees a plaintext
or the master key.
"""

# Writers of sealed values hold this lock shared while they use the active key; a key
# rotation takes it exclusively to switch keys, so no value is sealed under the old key
# after the switch (see aura.auth.keyring).
ACTIVE_KEY_LOCK = "hashtextextended('aura.vault.active_key', 0)"

_FUNCTIONS = f"""
-- The active data key (wrapped) for sealing a value, held until the transaction ends.
CREATE FUNCTION aura.vault_active_key() RETURNS TABLE (id uuid, encrypted_key bytea)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  PERFORM pg_advisory_xact_lock_shared({ACTIVE_KEY_LOCK});
  RETURN QUERY SELECT k.id, k.encrypted_key FROM public.encryption_keys k WHERE k.is_active;
END $$;

-- Any data key (wrapped), to open a value sealed under it. Useless without the master key.
CREATE FUNCTION aura.vault_key(key uuid) RETURNS bytea
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT encrypted_key FROM public.encryption_keys WHERE id = key $$;

-- Appends to a secret's audit trail as the current principal, whether or not the caller
-- may see the secret (a refused attempt is audited in the owner's log), and with
-- bump_count also counts the access. False when no such secret exists.
CREATE FUNCTION aura.log_secret_access(
  secret uuid, kind text, ok boolean, message text, client inet, bump_count boolean
) RETURNS boolean
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  project uuid;
BEGIN
  IF NOT aura.in_request() THEN
    RAISE EXCEPTION 'no principal' USING ERRCODE = 'AU401';
  END IF;
  SELECT project_id INTO project FROM public.secrets WHERE id = secret;
  IF project IS NULL THEN
    RETURN false;
  END IF;
  INSERT INTO public.secret_access_log
    (secret_id, project_id, accessed_by, access_type, success, error_message, ip_address)
  VALUES (secret, project, aura.current_user_id(), kind, ok, message, client);
  IF bump_count THEN
    UPDATE public.secrets SET access_count = access_count + 1, last_accessed_at = now()
    WHERE id = secret;
  END IF;
  RETURN true;
END $$;

-- seed 002: the next rotation follows from the last one (or from now) and the interval.
CREATE FUNCTION aura.schedule_next_rotation() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  NEW.next_rotation_at := coalesce(NEW.last_rotation_at, now())
                          + make_interval(days => NEW.rotation_interval_days);
  RETURN NEW;
END $$;

REVOKE ALL ON FUNCTION aura.vault_active_key() FROM PUBLIC;
REVOKE ALL ON FUNCTION aura.vault_key(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION aura.log_secret_access(uuid, text, boolean, text, inet, boolean)
  FROM PUBLIC;
GRANT EXECUTE ON FUNCTION aura.vault_active_key(), aura.vault_key(uuid),
  aura.log_secret_access(uuid, text, boolean, text, inet, boolean) TO aura_app;
"""

_TRIGGERS = """
CREATE TRIGGER t10_inherit_project BEFORE INSERT OR UPDATE OF project_id ON secrets
  FOR EACH ROW EXECUTE FUNCTION aura.inherit_project();
CREATE TRIGGER t10_inherit_project BEFORE INSERT OR UPDATE OF project_id, secret_id
  ON secret_rotation_schedule FOR EACH ROW
  EXECUTE FUNCTION aura.inherit_project('secret_id', 'secrets', 'secretId');
CREATE TRIGGER t20_next_rotation BEFORE INSERT OR UPDATE ON secret_rotation_schedule
  FOR EACH ROW EXECUTE FUNCTION aura.schedule_next_rotation();
CREATE TRIGGER t90_touch_updated_at BEFORE UPDATE ON secret_rotation_schedule
  FOR EACH ROW EXECUTE FUNCTION aura.touch_updated_at();
CREATE TRIGGER t90_touch_updated_at BEFORE UPDATE ON secret_templates
  FOR EACH ROW EXECUTE FUNCTION aura.touch_updated_at();
"""

_PROJECT_RULE = "(SELECT aura.is_admin()) OR project_id IN (SELECT id FROM public.projects)"
_ADMIN = "(SELECT aura.is_admin())"
_MEMBER = "(SELECT aura.is_member())"

_POLICIES = f"""
ALTER TABLE encryption_keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY encryption_keys_admin ON encryption_keys FOR SELECT USING ({_ADMIN});

ALTER TABLE secret_templates ENABLE ROW LEVEL SECURITY;
CREATE POLICY secret_templates_read ON secret_templates FOR SELECT USING ({_MEMBER});
CREATE POLICY secret_templates_insert ON secret_templates FOR INSERT WITH CHECK ({_ADMIN});
CREATE POLICY secret_templates_update ON secret_templates FOR UPDATE
  USING ({_ADMIN}) WITH CHECK ({_ADMIN});
CREATE POLICY secret_templates_delete ON secret_templates FOR DELETE USING ({_ADMIN});

ALTER TABLE secrets ENABLE ROW LEVEL SECURITY;
CREATE POLICY secrets_tenant ON secrets USING ({_PROJECT_RULE}) WITH CHECK ({_PROJECT_RULE});

ALTER TABLE secret_rotation_schedule ENABLE ROW LEVEL SECURITY;
CREATE POLICY secret_rotation_schedule_tenant ON secret_rotation_schedule
  USING ({_PROJECT_RULE}) WITH CHECK ({_PROJECT_RULE});

-- The audit trail is read-only to requests: rows come from aura.log_secret_access.
ALTER TABLE secret_access_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY secret_access_log_read ON secret_access_log FOR SELECT USING ({_PROJECT_RULE});

-- Provider tokens are their user's alone: administrators do not read them either.
ALTER TABLE user_tokens ENABLE ROW LEVEL SECURITY;
CREATE POLICY user_tokens_owner ON user_tokens
  USING (user_id = (SELECT aura.current_user_id()) AND {_MEMBER})
  WITH CHECK (user_id = (SELECT aura.current_user_id()) AND {_MEMBER});

-- Members read plain settings; secret ones, and every change, are for administrators.
ALTER TABLE system_settings ENABLE ROW LEVEL SECURITY;
CREATE POLICY system_settings_read ON system_settings FOR SELECT
  USING ({_ADMIN} OR (NOT is_secret AND {_MEMBER}));
CREATE POLICY system_settings_insert ON system_settings FOR INSERT WITH CHECK ({_ADMIN});
CREATE POLICY system_settings_update ON system_settings FOR UPDATE
  USING ({_ADMIN}) WITH CHECK ({_ADMIN});
CREATE POLICY system_settings_delete ON system_settings FOR DELETE USING ({_ADMIN});
"""

_VIEWS_AND_GRANTS = """
-- seed 002's views, with the caller's rights (security_invoker): expired secrets count
-- as expiring, overdue rotations as needed.
CREATE VIEW secrets_expiring_soon WITH (security_invoker = true) AS
SELECT s.id, s.project_id, s.key_name, s.secret_type, s.expires_at,
       floor(extract(epoch FROM s.expires_at - now()))::int AS seconds_until_expiry,
       p.name AS project_name
FROM secrets s
JOIN projects p ON p.id = s.project_id
WHERE s.expires_at IS NOT NULL AND s.expires_at <= now() + interval '30 days';

CREATE VIEW secrets_needing_rotation WITH (security_invoker = true) AS
SELECT s.id, s.project_id, s.key_name, s.secret_type, r.next_rotation_at,
       floor(extract(epoch FROM r.next_rotation_at - now()))::int AS seconds_until_rotation,
       r.auto_rotate, p.name AS project_name
FROM secret_rotation_schedule r
JOIN secrets s ON s.id = r.secret_id
JOIN projects p ON p.id = s.project_id
WHERE r.next_rotation_at <= now() + interval '7 days';

-- The wrapped key material is not even selectable by requests.
GRANT SELECT (id, key_name, algorithm, is_active, rotation_count, last_rotated_at,
              created_at, updated_at) ON encryption_keys TO aura_app;
GRANT SELECT, INSERT, UPDATE, DELETE
  ON secrets, secret_templates, secret_rotation_schedule, user_tokens, system_settings
  TO aura_app;
GRANT SELECT ON secret_access_log, secrets_expiring_soon, secrets_needing_rotation TO aura_app;
"""

AFTER_TABLES = _FUNCTIONS + _TRIGGERS + _POLICIES + _VIEWS_AND_GRANTS

DROP_BEHAVIOUR = """
DROP VIEW IF EXISTS secrets_needing_rotation;
DROP VIEW IF EXISTS secrets_expiring_soon;
DROP FUNCTION IF EXISTS aura.schedule_next_rotation() CASCADE;
DROP FUNCTION IF EXISTS aura.log_secret_access(uuid, text, boolean, text, inet, boolean);
DROP FUNCTION IF EXISTS aura.vault_key(uuid);
DROP FUNCTION IF EXISTS aura.vault_active_key();
"""
