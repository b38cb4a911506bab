"""Extreme dates: the vault views' countdowns stay within Int, and a rotation schedule
never lands after year 9999.

``secondsUntilExpiry`` / ``secondsUntilRotation`` were ``floor(extract(epoch ...))::int``:
a secret that expired in 1900 made the whole view fail with "integer out of range". They
are now clamped to the GraphQL Int range (about 68 years either way). A rotation
interval that would schedule the next rotation after 9999-12-31 (which no client could
read back) is refused with BAD_USER_INPUT.

Revision ID: 0007_session_dates
Revises: 0006_account_guards
"""

from collections.abc import Sequence

from migrations.sql import run_script

revision: str = "0007_session_dates"
down_revision: str | None = "0006_account_guards"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RAW = "floor(extract(epoch FROM {column} - now()))::int"
_CLAMPED = (
    "greatest(least(floor(extract(epoch FROM {column} - now())), 2147483647), -2147483648)::int"
)

_VIEWS = """
CREATE OR REPLACE VIEW secrets_expiring_soon WITH (security_invoker = true) AS
SELECT s.id, s.project_id, s.key_name, s.secret_type, s.expires_at,
       {expiry} AS seconds_until_expiry,
       p.name AS project_name
FROM secrets s
JOIN projects p ON p.id = s.project_id
WHERE s.expires_at IS NOT NULL AND s.expires_at <= now() + interval '30 days';

CREATE OR REPLACE VIEW secrets_needing_rotation WITH (security_invoker = true) AS
SELECT s.id, s.project_id, s.key_name, s.secret_type, r.next_rotation_at,
       {rotation} AS seconds_until_rotation,
       r.auto_rotate, p.name AS project_name
FROM secret_rotation_schedule r
JOIN secrets s ON s.id = r.secret_id
JOIN projects p ON p.id = s.project_id
WHERE r.next_rotation_at <= now() + interval '7 days';
"""

_SCHEDULE = """
CREATE OR REPLACE FUNCTION aura.schedule_next_rotation() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  NEW.next_rotation_at := coalesce(NEW.last_rotation_at, now())
                          + make_interval(days => NEW.rotation_interval_days);{check}
  RETURN NEW;
END $$;
"""

# Clients read timestamps in years 0001-9999 only (an RFC 3339 date-time).
_CHECK = """
  IF NEW.next_rotation_at >= timestamptz '10000-01-01 00:00:00+00' THEN
    RAISE EXCEPTION 'rotationIntervalDays: the next rotation would fall after the year 9999'
      USING ERRCODE = 'AU400';
  END IF;"""


def _script(template: str) -> str:
    return _VIEWS.format(
        expiry=template.format(column="s.expires_at"),
        rotation=template.format(column="r.next_rotation_at"),
    )


def upgrade() -> None:
    run_script(_script(_CLAMPED) + _SCHEDULE.format(check=_CHECK))


def downgrade() -> None:
    run_script(_script(_RAW) + _SCHEDULE.format(check=""))
