"""Vault domain mapping: secrets with their project, template, audit trail and rotation
schedule; templates; keys; user tokens; system settings; the seed 002 views.

Sealed columns are never fields: fields that decrypt (``UserToken.accessToken``,
``SystemSetting.value``) name the columns they open below.
"""

from aura.db.mapping import Entity, Relation, extend, many, one, register
from aura.db.mapping import relations as _relations
from aura.db.tables import vault as t


def _project() -> Relation:
    return one("project", "projects", local="project_id")


def _secret() -> Relation:
    return one("secret", "secrets", local="secret_id")


_SEALED = frozenset({"encrypted_value", "encryption_key_id"})
_DERIVED = frozenset({"id", "created_at", "updated_at", "project_id"})

user_tokens = Entity(
    "user_tokens",
    t.user_tokens,
    relations=_relations(one("user", "users", local="user_id")),
    read_only=frozenset(
        {"id", "created_at", "updated_at", "user_id", "encryption_key_id"}
        | {"encrypted_access_token", "encrypted_refresh_token"}
    ),
)
user_tokens.field_columns.update(
    accessToken=("user_id", "provider", "encrypted_access_token"),
    refreshToken=("user_id", "provider", "encrypted_refresh_token"),
    isExpired=("expires_at",),
)

system_settings = Entity(
    "system_settings",
    t.system_settings,
    relations=_relations(one("updated_by_user", "users", local="updated_by")),
    default_order=("key",),
    primary_key="key",
    read_only=_SEALED | {"updated_at", "updated_by", "is_secret"},
)
system_settings.field_columns.update(value=("value", "encrypted_value", "is_secret"))

register(
    Entity(
        "encryption_keys",
        t.encryption_keys,
        read_only=frozenset(c.name for c in t.encryption_keys.columns),
    ),
    Entity(
        "secret_templates",
        t.secret_templates,
        relations=_relations(many("secrets", "secrets", remote="template_id")),
    ),
    Entity(
        "secrets",
        t.secrets,
        relations=_relations(
            _project(),
            one("template", "secret_templates", local="template_id"),
            many("access_logs", "secret_access_log", remote="secret_id"),
            one("rotation_schedule", "secret_rotation_schedule", local="id", remote="secret_id"),
        ),
        read_only=_DERIVED - {"project_id"} | _SEALED | {"access_count", "last_accessed_at"},
    ),
    Entity(
        "secret_access_log",
        t.secret_access_log,
        relations=_relations(_secret(), _project(), one("user", "users", local="accessed_by")),
        default_order=("accessed_at", "id"),
        read_only=frozenset(c.name for c in t.secret_access_log.columns),
    ),
    Entity(
        "secret_rotation_schedule",
        t.secret_rotation_schedule,
        relations=_relations(_secret(), _project()),
        read_only=_DERIVED | {"next_rotation_at"},
    ),
    user_tokens,
    system_settings,
    Entity(
        "secrets_expiring_soon",
        t.secrets_expiring_soon,
        relations=_relations(one("secret", "secrets", local="id"), _project()),
        default_order=("expires_at", "id"),
    ),
    Entity(
        "secrets_needing_rotation",
        t.secrets_needing_rotation,
        relations=_relations(one("secret", "secrets", local="id"), _project()),
        default_order=("next_rotation_at", "id"),
    ),
)

# The vault domain's reverse relation on work's projects.
extend("projects", many("secrets", "secrets", remote="project_id"))
