"""SQL of revision 0014_signin: password and external sign-in, reset tokens, and the
``mustResetPassword`` restriction on every request.

Frozen with its revision. ``PREVIOUS`` holds the definitions this revision replaces
(0004's request openers, 0006's account guard), restored exactly by the downgrade.
"""

UPGRADE = r"""
ALTER TABLE user_credentials ENABLE ROW LEVEL SECURITY;
ALTER TABLE password_reset_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE external_identities ENABLE ROW LEVEL SECURITY;
-- Identities are readable by their user and administrators; credentials and reset tokens
-- by nobody but the functions below (no privilege is granted on them).
CREATE POLICY external_identities_read ON external_identities FOR SELECT
  USING (user_id = (SELECT aura.current_user_id()) OR (SELECT aura.is_admin()));
GRANT SELECT ON external_identities TO aura_app;

-- A request opens only after the account may act. A user who must reset their password
-- may run only what changes it (``password_change``: the API passes true for
-- changePassword, signOut, me, signIn and refreshAccessToken, selecting only account
-- types); anything else is refused until they have.
DROP FUNCTION aura.begin_request(uuid, integer);
CREATE FUNCTION aura.begin_request(
  principal uuid, timeout_ms integer, password_change boolean DEFAULT false
) RETURNS text
  LANGUAGE plpgsql AS $$
DECLARE
  u record;
BEGIN
  SELECT role, disabled_at, must_reset_password INTO u FROM public.users WHERE id = principal;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'the user of this token no longer exists' USING ERRCODE = 'AU401';
  END IF;
  IF u.disabled_at IS NOT NULL THEN
    RAISE EXCEPTION 'this account is disabled' USING ERRCODE = 'AU401';
  END IF;
  IF u.must_reset_password AND NOT password_change THEN
    RAISE EXCEPTION 'you must change your password first (changePassword); until then '
      'only changePassword, signOut and me are allowed' USING ERRCODE = 'AU403';
  END IF;
  PERFORM set_config('aura.user_id', principal::text, true);
  PERFORM set_config('aura.user_role', u.role, true);
  PERFORM set_config('aura.token_id', '', true);
  PERFORM set_config('statement_timeout', timeout_ms::text, true);
  PERFORM set_config('role', 'aura_app', true);
  RETURN u.role;
END $$;

DROP FUNCTION aura.begin_token_request(bytea, integer);
CREATE FUNCTION aura.begin_token_request(
  token_hash bytea, timeout_ms integer, password_change boolean DEFAULT false
) RETURNS text
  LANGUAGE plpgsql AS $$
DECLARE
  t record;
BEGIN
  SELECT o.id, o.user_id, o.expires_at, o.revoked_at, o.last_used_at, u.role, u.disabled_at,
         u.must_reset_password
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
  ELSIF t.must_reset_password AND NOT password_change THEN
    RAISE EXCEPTION 'you must change your password first (changePassword); until then '
      'only changePassword, signOut and me are allowed' USING ERRCODE = 'AU403';
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
REVOKE ALL ON FUNCTION aura.begin_token_request(bytea, integer, boolean) FROM PUBLIC;

-- 0006's guard, and one exception: aura.set_password clears the user's own
-- must_reset_password (it marks the transaction with the user it changed).
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
    IF NEW.must_reset_password IS DISTINCT FROM OLD.must_reset_password
       AND NOT (NOT NEW.must_reset_password
                AND current_setting('aura.password_set_for', true) = NEW.id::text) THEN
      RAISE EXCEPTION 'only administrators can change mustResetPassword'
        USING ERRCODE = 'AU403';
    END IF;
    IF (to_jsonb(NEW) - 'email' - 'display_name' - 'updated_at' - 'must_reset_password')
       IS DISTINCT FROM
       (to_jsonb(OLD) - 'email' - 'display_name' - 'updated_at' - 'must_reset_password') THEN
      RAISE EXCEPTION 'you can change only your email and display name'
        USING ERRCODE = 'AU403';
    END IF;
  END IF;
  RETURN NEW;
END $$;

-- Password sign-in, step 1: what checking a password needs (the argon2id hash is
-- verified by the server). No row for an unknown email; a null hash for a user without
-- a password.
CREATE FUNCTION aura.password_credentials(login text)
  RETURNS TABLE (user_id uuid, email text, password_hash text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT u.id, u.email, c.password_hash
    FROM public.users u LEFT JOIN public.user_credentials c ON c.user_id = u.id
   WHERE lower(u.email) = lower(login)
$$;
REVOKE ALL ON FUNCTION aura.password_credentials(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION aura.password_credentials(text) TO aura_app;

-- Step 2, once the hash matched: a token pair, unless the account is disabled or its
-- password changed meanwhile ('invalid').
CREATE FUNCTION aura.password_sign_in(
  target uuid, checked_hash text, access_hash bytea, refresh_hash bytea, token_scopes text[],
  access_seconds integer, refresh_seconds integer
) RETURNS TABLE (status text, token_id uuid, expires_at timestamptz)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  new_token uuid := gen_random_uuid();
  expiry timestamptz := now() + make_interval(secs => access_seconds);
BEGIN
  IF NOT EXISTS (SELECT 1 FROM public.user_credentials c
                  WHERE c.user_id = target AND c.password_hash = checked_hash) THEN
    RETURN QUERY SELECT 'invalid', NULL::uuid, NULL::timestamptz;
    RETURN;
  END IF;
  IF EXISTS (SELECT 1 FROM public.users u WHERE u.id = target AND u.disabled_at IS NOT NULL)
  THEN
    RETURN QUERY SELECT 'disabled', NULL::uuid, NULL::timestamptz;
    RETURN;
  END IF;
  INSERT INTO public.oauth_tokens (id, user_id, name, access_token_hash, refresh_token_hash,
                                   scopes, family_id, expires_at, refresh_expires_at)
    VALUES (new_token, target, 'sign-in', access_hash, refresh_hash, token_scopes, new_token,
            expiry, now() + make_interval(secs => refresh_seconds));
  RETURN QUERY SELECT 'ok', new_token, expiry;
END $$;
REVOKE ALL ON FUNCTION aura.password_sign_in(uuid, text, bytea, bytea, text[], integer,
  integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION aura.password_sign_in(uuid, text, bytea, bytea, text[], integer,
  integer) TO aura_app;

-- The request user's password hash (null without one), to check their current password.
CREATE FUNCTION aura.current_password_hash() RETURNS text
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT password_hash FROM public.user_credentials WHERE user_id = aura.current_user_id()
$$;
REVOKE ALL ON FUNCTION aura.current_password_hash() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION aura.current_password_hash() TO aura_app;

-- Sets a user's password and clears must_reset_password. In a request only the request
-- user's own (changePassword), keeping the token family in use and revoking every other
-- token of theirs; outside one (a reset token, the CLI) any user's, revoking them all.
CREATE FUNCTION aura.set_password(target uuid, new_hash text) RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  keep uuid;
BEGIN
  IF aura.in_request() AND target IS DISTINCT FROM aura.current_user_id() THEN
    RAISE EXCEPTION 'you can change only your own password' USING ERRCODE = 'AU403';
  END IF;
  INSERT INTO public.user_credentials (user_id, password_hash) VALUES (target, new_hash)
    ON CONFLICT (user_id) DO UPDATE SET password_hash = EXCLUDED.password_hash,
                                        changed_at = now();
  PERFORM set_config('aura.password_set_for', target::text, true);
  UPDATE public.users SET must_reset_password = false
   WHERE id = target AND must_reset_password;
  PERFORM set_config('aura.password_set_for', '', true);
  SELECT family_id INTO keep FROM public.oauth_tokens
   WHERE id = nullif(current_setting('aura.token_id', true), '')::uuid;
  UPDATE public.oauth_tokens SET revoked_at = now(), revoked_reason = 'PASSWORD_CHANGED'
   WHERE user_id = target AND revoked_at IS NULL AND family_id IS DISTINCT FROM keep;
END $$;
REVOKE ALL ON FUNCTION aura.set_password(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION aura.set_password(uuid, text) TO aura_app;

-- A one-time reset token for the account of ``login`` (administrators, or the CLI outside
-- any request); earlier unused tokens of the account stop working.
CREATE FUNCTION aura.create_password_reset(login text, token_hash bytea, valid_seconds integer)
  RETURNS TABLE (user_id uuid, email text, expires_at timestamptz)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  target public.users;
  expiry timestamptz := now() + make_interval(secs => valid_seconds);
BEGIN
  IF aura.in_request() AND NOT aura.is_admin() THEN
    RAISE EXCEPTION 'only administrators can issue password reset tokens'
      USING ERRCODE = 'AU403';
  END IF;
  SELECT * INTO target FROM public.users u WHERE lower(u.email) = lower(login);
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no user with email %', login USING ERRCODE = 'AU404';
  END IF;
  UPDATE public.password_reset_tokens t SET used_at = now()
   WHERE t.user_id = target.id AND t.used_at IS NULL;
  INSERT INTO public.password_reset_tokens (user_id, token_hash, expires_at, created_by)
    VALUES (target.id, create_password_reset.token_hash, expiry, aura.current_user_id());
  RETURN QUERY SELECT target.id, target.email, expiry;
END $$;
REVOKE ALL ON FUNCTION aura.create_password_reset(text, bytea, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION aura.create_password_reset(text, bytea, integer) TO aura_app;

-- Spends a reset token: 'ok' (the password is set), or 'invalid', 'used', 'expired',
-- 'disabled'. With ``new_hash`` null it only says whose token it is (and spends nothing).
CREATE FUNCTION aura.reset_password(token bytea, new_hash text)
  RETURNS TABLE (status text, user_id uuid, email text)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  t record;
BEGIN
  SELECT r.id, r.user_id, r.expires_at, r.used_at, u.email, u.disabled_at INTO t
    FROM public.password_reset_tokens r JOIN public.users u ON u.id = r.user_id
   WHERE r.token_hash = token FOR UPDATE OF r;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'invalid', NULL::uuid, NULL::text;
  ELSIF t.used_at IS NOT NULL THEN
    RETURN QUERY SELECT 'used', t.user_id, t.email;
  ELSIF t.expires_at <= now() THEN
    RETURN QUERY SELECT 'expired', t.user_id, t.email;
  ELSIF t.disabled_at IS NOT NULL THEN
    RETURN QUERY SELECT 'disabled', t.user_id, t.email;
  ELSE
    IF new_hash IS NOT NULL THEN
      UPDATE public.password_reset_tokens SET used_at = now() WHERE id = t.id;
      PERFORM aura.set_password(t.user_id, new_hash);
    END IF;
    RETURN QUERY SELECT 'ok', t.user_id, t.email;
  END IF;
END $$;
REVOKE ALL ON FUNCTION aura.reset_password(bytea, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION aura.reset_password(bytea, text) TO aura_app;

-- The Aura user of an external identity (issuer, subject): the one it is linked to; else
-- the user with its email when the provider verified that email (then linked); else a new
-- user, USER when ``admit`` (the email's domain is admitted) or PENDING.
CREATE FUNCTION aura.external_user(
  iss text, sub text, login text, verified boolean, admit boolean
) RETURNS uuid
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  found_user uuid;
BEGIN
  UPDATE public.external_identities i SET last_seen_at = now()
   WHERE i.issuer = iss AND i.subject = sub
     AND i.last_seen_at < now() - interval '1 minute';
  SELECT i.user_id INTO found_user FROM public.external_identities i
   WHERE i.issuer = iss AND i.subject = sub;
  IF found_user IS NOT NULL THEN
    RETURN found_user;
  END IF;
  IF login IS NULL THEN
    RAISE EXCEPTION 'the token names no email: Aura needs one to create the account'
      USING ERRCODE = 'AU401';
  END IF;
  SELECT u.id INTO found_user FROM public.users u WHERE lower(u.email) = lower(login);
  IF found_user IS NOT NULL AND NOT verified THEN
    RAISE EXCEPTION 'an account with this email exists; the provider must verify the '
      'email (email_verified) to sign in to it' USING ERRCODE = 'AU401';
  END IF;
  IF found_user IS NULL THEN
    INSERT INTO public.users (email, role)
      VALUES (login, CASE WHEN admit THEN 'USER' ELSE 'PENDING' END)
      ON CONFLICT DO NOTHING RETURNING id INTO found_user;
    IF found_user IS NULL THEN  -- created concurrently, by another sign-in
      SELECT u.id INTO found_user FROM public.users u WHERE lower(u.email) = lower(login);
    END IF;
  END IF;
  INSERT INTO public.external_identities (user_id, issuer, subject, email)
    VALUES (found_user, iss, sub, login) ON CONFLICT (issuer, subject) DO NOTHING;
  SELECT i.user_id INTO found_user FROM public.external_identities i
   WHERE i.issuer = iss AND i.subject = sub;
  RETURN found_user;
END $$;
REVOKE ALL ON FUNCTION aura.external_user(text, text, text, boolean, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION aura.external_user(text, text, text, boolean, boolean) TO aura_app;
"""

DOWNGRADE = r"""
DROP FUNCTION aura.external_user(text, text, text, boolean, boolean);
DROP FUNCTION aura.reset_password(bytea, text);
DROP FUNCTION aura.create_password_reset(text, bytea, integer);
DROP FUNCTION aura.set_password(uuid, text);
DROP FUNCTION aura.current_password_hash();
DROP FUNCTION aura.password_sign_in(uuid, text, bytea, bytea, text[], integer, integer);
DROP FUNCTION aura.password_credentials(text);
DROP FUNCTION aura.begin_request(uuid, integer, boolean);
DROP FUNCTION aura.begin_token_request(bytea, integer, boolean);
"""

# 0004's request openers and 0006's guard, restored by the downgrade.
PREVIOUS = r"""
CREATE FUNCTION aura.begin_request(principal uuid, timeout_ms integer) RETURNS text
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
    IF NEW.must_reset_password IS DISTINCT FROM OLD.must_reset_password THEN
      RAISE EXCEPTION 'only administrators can change mustResetPassword'
        USING ERRCODE = 'AU403';
    END IF;
    -- Everything else but the profile: id, created_at, and any column added later.
    IF (to_jsonb(NEW) - 'email' - 'display_name' - 'updated_at')
       IS DISTINCT FROM (to_jsonb(OLD) - 'email' - 'display_name' - 'updated_at') THEN
      RAISE EXCEPTION 'you can change only your email and display name'
        USING ERRCODE = 'AU403';
    END IF;
  END IF;
  RETURN NEW;
END $$;
"""
