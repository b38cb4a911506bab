"""Secret rotation that acts (seed 002's ``secret_rotation_schedule``): a scheduled job of
the workers (``aura.db.maintenance``).

- A secret whose schedule says ``autoRotate`` and whose type Aura can generate (below)
  rotates itself once due: a fresh random value (matching its template's pattern, if
  any), sealed under the active data key, with the rotation in its audit trail
  (``ROTATE``, by nobody: the system), its schedule moved on as ``rotateSecret`` moves
  it, and a ``secret.rotated`` event.
- Any other scheduled secret (issued elsewhere: API keys, certificates, …, or a
  generated one without ``autoRotate``) gets a ``secret.rotation_due`` event on its
  project's timeline ``notificationDays`` before it is due: once per due date (the
  event is the record that it was sent), so a job running every hour notifies once.
  Subscribers receive it through ``events(eventTypes: ["secret.*"])``.

Each secret is handled in a transaction of its own that locks its schedule
(``FOR UPDATE SKIP LOCKED``): workers running the job at once never rotate or notify
twice, and a failure on one secret leaves the others to go on.
"""

from __future__ import annotations

import base64
import logging
import os
import re
import secrets as random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from prometheus_client import Counter

from aura.auth.keyring import KeyRing

log = logging.getLogger("aura.secret_rotation")

ROTATED = Counter("aura_secrets_auto_rotated", "Secrets rotated automatically when due.")
NOTIFIED = Counter("aura_secret_rotation_notices", "secret.rotation_due events appended.")


def _token(chars: int) -> Callable[[], str]:
    return lambda: random.token_urlsafe(chars * 3 // 4)[:chars]


# The secret types whose values Aura can make itself (the seeded templates' types); each
# generator's values match the seeded template's pattern.
GENERATORS: dict[str, Callable[[], str]] = {
    "jwt_secret": _token(64),
    "password": _token(32),
    "webhook_secret": _token(48),
    "encryption_key": lambda: base64.b64encode(os.urandom(32)).decode(),
}

_DUE = """
SELECT r.id, r.secret_id, r.project_id, r.next_rotation_at, r.auto_rotate,
       r.notification_days, s.key_name, s.secret_type, t.validation_pattern
FROM secret_rotation_schedule r
JOIN secrets s ON s.id = r.secret_id
LEFT JOIN secret_templates t ON t.id = s.template_id
WHERE r.next_rotation_at <= now() + make_interval(days => r.notification_days)
ORDER BY r.next_rotation_at, r.id"""

_LOCK = """
SELECT r.next_rotation_at, r.next_rotation_at <= now() AS due
FROM secret_rotation_schedule r WHERE r.id = $1 FOR UPDATE SKIP LOCKED"""

# The notice of a due date is on record in the events, or (retention) in their archive.
_NOTIFIED = """
SELECT EXISTS (
  SELECT 1 FROM events WHERE event_type = 'secret.rotation_due'
    AND project_id = $1 AND payload @> $2::jsonb)
  OR EXISTS (
  SELECT 1 FROM events_archive WHERE event_type = 'secret.rotation_due'
    AND project_id = $1 AND payload @> $2::jsonb)"""

_EVENT = "INSERT INTO events (project_id, event_type, payload) VALUES ($1, $2, $3::jsonb)"


@dataclass
class RotationRun:
    rotated: list[str] = field(default_factory=list)
    notified: list[str] = field(default_factory=list)


def _generated(secret_type: str, pattern: str | None) -> str | None:
    """A fresh value for the type, or None when Aura cannot make one that fits."""
    generator = GENERATORS.get(secret_type)
    if generator is None:
        return None
    value = generator()
    if pattern:
        try:
            if re.fullmatch(pattern, value) is None:
                return None
        except re.error:
            return None
    return value


def _stamp(moment: Any) -> str:
    return str(moment.isoformat())


async def _rotate(conn: asyncpg.Connection, ring: KeyRing, due: Any, value: str) -> None:
    sealer = await ring.sealer(conn)
    sealed = sealer.seal("secrets", str(due["secret_id"]), "encrypted_value", value)
    await conn.execute(
        "UPDATE secrets SET encrypted_value = $2, encryption_key_id = $3::uuid, "
        "updated_at = now() WHERE id = $1",
        due["secret_id"],
        sealed,
        sealer.key_id,
    )
    await conn.execute(
        "UPDATE secret_rotation_schedule SET last_rotation_at = now() WHERE id = $1", due["id"]
    )
    await conn.execute(
        "INSERT INTO secret_access_log (secret_id, project_id, access_type, success, metadata) "
        "VALUES ($1, $2, 'ROTATE', true, $3)",
        due["secret_id"],
        due["project_id"],
        {"automatic": True},
    )
    payload = {
        "secretId": str(due["secret_id"]),
        "keyName": due["key_name"],
        "secretType": due["secret_type"],
        "automatic": True,
    }
    await conn.execute(_EVENT, due["project_id"], "secret.rotated", payload)


async def _notify(conn: asyncpg.Connection, due: Any, due_at: Any) -> bool:
    """Append the notice for this due date unless it was appended already."""
    marker = {"secretId": str(due["secret_id"]), "dueAt": _stamp(due_at)}
    if await conn.fetchval(_NOTIFIED, due["project_id"], marker):
        return False
    payload = {
        **marker,
        "keyName": due["key_name"],
        "secretType": due["secret_type"],
        "autoRotate": due["auto_rotate"],
        "notificationDays": due["notification_days"],
    }
    await conn.execute(_EVENT, due["project_id"], "secret.rotation_due", payload)
    return True


async def run_secret_rotation(pool: asyncpg.Pool, ring: KeyRing) -> RotationRun:
    """One pass over the schedules due or within their notice period."""
    run = RotationRun()
    async with pool.acquire() as conn:
        for due in await conn.fetch(_DUE):
            secret_id = str(due["secret_id"])
            try:
                async with conn.transaction():
                    locked = await conn.fetchrow(_LOCK, due["id"])
                    if locked is None:  # another worker has it
                        continue
                    value = None
                    if due["auto_rotate"] and locked["due"]:
                        value = _generated(due["secret_type"], due["validation_pattern"])
                    if value is not None:
                        await _rotate(conn, ring, due, value)
                        run.rotated.append(secret_id)
                    elif await _notify(conn, due, locked["next_rotation_at"]):
                        run.notified.append(secret_id)
            except (asyncpg.PostgresConnectionError, OSError):
                raise
            except Exception:
                log.exception("secret rotation of %s failed", secret_id)
    ROTATED.inc(len(run.rotated))
    NOTIFIED.inc(len(run.notified))
    if run.rotated or run.notified:
        log.info("secret rotation: %d rotated, %d notified", len(run.rotated), len(run.notified))
    return run
