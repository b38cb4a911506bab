"""Account guards: only administrators change anything of an account but its profile;
a revoked access token stays revoked.

The guard of 0004 covered role, disabled_at and manager_id, so a user could clear an
administrator's ``must_reset_password`` on themself (``updateUser``), or, with SQL run
as the request role, rewrite their ``created_at``. Now a non-administrator may change
only ``email`` and ``display_name`` (``updated_at`` follows by trigger); a column added
later is guarded until it is named here.

An owner may update their tokens' ``revoked_at`` (that is how ``aura.revoke_token``
revokes, as the caller), so SQL run as the request role could also clear it and bring
back a token revoked for refresh-token reuse. Now nobody un-revokes a token.

The downgrade restores 0004's guard exactly and drops the token guard.

Revision ID: 0006_account_guards
Revises: 0005
Create Date: 2026-12-01 09:00:00.000000
"""

from collections.abc import Sequence

from migrations.sql import run_script

revision: str = "0006_account_guards"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE = r"""
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
DROP TRIGGER t10_guard_role ON users;
CREATE TRIGGER t10_guard_role BEFORE UPDATE ON users
  FOR EACH ROW EXECUTE FUNCTION aura.guard_user_role();

CREATE FUNCTION aura.guard_token_revocation() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.revoked_at IS DISTINCT FROM OLD.revoked_at
     OR NEW.revoked_reason IS DISTINCT FROM OLD.revoked_reason THEN
    RAISE EXCEPTION 'a revoked access token stays revoked' USING ERRCODE = 'AU403';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER t10_guard_revocation BEFORE UPDATE OF revoked_at, revoked_reason
  ON oauth_tokens FOR EACH ROW WHEN (OLD.revoked_at IS NOT NULL)
  EXECUTE FUNCTION aura.guard_token_revocation();
"""

# 0004's definitions (migrations/sql/accounts_security.py), restored by the downgrade.
DOWNGRADE = r"""
DROP TRIGGER t10_guard_revocation ON oauth_tokens;
DROP FUNCTION aura.guard_token_revocation();
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
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
