"""Vault domain contract: secrets (their values only through `revealSecret`), their
access log, rotation schedules and templates, encryption keys, your provider tokens and
the system settings."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from aura import errors
from aura.auth.crypto import VaultError
from aura.auth.keyring import user_token_identity
from aura.engine.relay import OrderBy, connection_field, entity_type, related_field
from aura.schema import docs
from aura.schema.common import lazy
from aura.schema.filters import (
    BooleanFilter,
    DateTimeFilter,
    EnumFilter,
    IDFilter,
    IntFilter,
    JSONFilter,
    StringFilter,
    StringListFilter,
)

_HERE = "aura.schema.vault"
_WORK = "aura.schema.work"
_ACCOUNTS = "aura.schema.accounts"


@strawberry.enum(description="What was done with a secret's value.")
class SecretAccessType(Enum):
    REVEAL = strawberry.enum_value("REVEAL", description="Reading the value (`revealSecret`).")
    ROTATE = strawberry.enum_value("ROTATE", description="Replacing the value (`rotateSecret`).")


def _project(via: str) -> Any:
    return related_field(
        via, node=lazy("Project", _WORK), required=True, description="The project it belongs to."
    )


def _secret(via: str) -> Any:
    return related_field(via, node=lazy("Secret", _HERE), required=True, description="The secret.")


async def _open(info: Info, table: str, row: str, column: str, blob: bytes | None) -> str | None:
    """Decrypt a sealed column for a field; a value that does not open is a server fault
    (masked), never a plaintext of another row."""
    if blob is None:
        return None
    try:
        return await info.context.vault.open(info.context.session, table, row, column, blob)
    except VaultError as exc:
        raise errors.ApiError("this value cannot be decrypted") from exc


# -- encryption keys -------------------------------------------------------------------


@entity_type("encryption_keys")
@strawberry.type(
    description=(
        "A data key of the vault (administrators only). Values are encrypted with a data "
        "key, and data keys with the master key, which only the server holds; the key "
        "material itself is never exposed. One key is active: new values use it."
    )
)
class EncryptionKey:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    key_name: str = strawberry.field(description="A readable name (creation time, id prefix).")
    algorithm: str = strawberry.field(description="Cipher of the values (AES-256-GCM).")
    is_active: bool = strawberry.field(description="New values are encrypted with this key.")
    rotation_count: int = strawberry.field(
        description="How many rotations preceded this key (0 for the first)."
    )
    last_rotated_at: datetime | None = strawberry.field(
        description="When this key was replaced by a newer one; null while active."
    )
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)


@strawberry.input(description="Conditions on encryption keys.")
class EncryptionKeyFilter:
    id: IDFilter | None = None
    is_active: BooleanFilter | None = None
    created_at: DateTimeFilter | None = None
    and_: list[EncryptionKeyFilter] | None = strawberry.field(default=None, name="and")
    or_: list[EncryptionKeyFilter] | None = strawberry.field(default=None, name="or")
    not_: EncryptionKeyFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields encryption keys can be ordered by.")
class EncryptionKeyOrderField(Enum):
    CREATED_AT = "created_at"
    ROTATION_COUNT = "rotation_count"


@strawberry.input(description="One ordering term for encryption keys.")
class EncryptionKeyOrderBy(OrderBy[EncryptionKeyOrderField]):
    pass


@strawberry.type(description="What `rotateEncryptionKey` did.")
class KeyRotation:
    key_id: strawberry.ID = strawberry.field(description="The new active data key.")
    secrets: int = strawberry.field(description="Secrets re-encrypted under it.")
    user_tokens: int = strawberry.field(description="Provider tokens re-encrypted under it.")
    system_settings: int = strawberry.field(
        description="Secret system settings re-encrypted under it."
    )
    batches: int = strawberry.field(description="Short transactions the re-encryption took.")
    seconds: float = strawberry.field(description="Duration of the whole rotation.")


# -- secret templates ------------------------------------------------------------------


@entity_type("secret_templates")
@strawberry.type(
    description=(
        "A kind of secret (an API key, a database URL, …): its type, the pattern its "
        "values must match and how often it should be rotated. Shared by all projects; "
        "administrators maintain them."
    )
)
class SecretTemplate:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    template_name: str = strawberry.field(description="Unique name, e.g. `openai-api-key`.")
    secret_type: str = strawberry.field(description="The type given to secrets made from it.")
    description: str | None = strawberry.field(
        description="What secrets of this kind are, if written."
    )
    validation_pattern: str | None = strawberry.field(
        description=(
            "A regular expression (Python syntax) the whole value of a secret using this "
            "template must match, checked on create, update and rotation."
        )
    )
    rotation_interval_days: int | None = strawberry.field(
        description="When set, secrets created from it get a rotation schedule this often."
    )
    metadata: JSON = strawberry.field(description=docs.METADATA)
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    secrets = connection_field(
        "secrets",
        via="secret_templates.secrets",
        node=lazy("Secret", _HERE),
        filter=lazy("SecretFilter", _HERE),
        order=lazy("SecretOrderBy", _HERE),
        description="Your secrets that use this template.",
    )


@strawberry.input(description="Conditions on secret templates.")
class SecretTemplateFilter:
    id: IDFilter | None = None
    template_name: StringFilter | None = None
    secret_type: StringFilter | None = None
    created_at: DateTimeFilter | None = None
    and_: list[SecretTemplateFilter] | None = strawberry.field(default=None, name="and")
    or_: list[SecretTemplateFilter] | None = strawberry.field(default=None, name="or")
    not_: SecretTemplateFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields secret templates can be ordered by.")
class SecretTemplateOrderField(Enum):
    TEMPLATE_NAME = "template_name"
    SECRET_TYPE = "secret_type"
    CREATED_AT = "created_at"


@strawberry.input(description="One ordering term for secret templates.")
class SecretTemplateOrderBy(OrderBy[SecretTemplateOrderField]):
    pass


@strawberry.input(description="A new secret template (administrators only).")
class CreateSecretTemplateInput:
    template_name: str
    secret_type: str
    description: str | None = strawberry.UNSET
    validation_pattern: str | None = strawberry.field(
        default=strawberry.UNSET, description="A Python regular expression; must compile."
    )
    rotation_interval_days: int | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET


@strawberry.input(description="Changes to a secret template; omitted fields stay.")
class UpdateSecretTemplateInput:
    template_name: str | None = strawberry.UNSET
    secret_type: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    validation_pattern: str | None = strawberry.UNSET
    rotation_interval_days: int | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET


# -- secrets ---------------------------------------------------------------------------


@entity_type("secrets")
@strawberry.type(
    description=(
        "A secret of a project: an API key, a password, a connection string. Its value is "
        "stored encrypted and is never a field: read it with `revealSecret`, which is "
        "audited (see `accessLogs`)."
    )
)
class Secret:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    project_id: strawberry.ID = strawberry.field(description=docs.PROJECT_ID)
    key_name: str = strawberry.field(description="Name, unique in the project (`STRIPE_KEY`).")
    secret_type: str = strawberry.field(description="Free-form type (`api_key`, `password`, …).")
    template_id: strawberry.ID | None = strawberry.field(
        description="The template its value is validated against, if any."
    )
    description: str | None = strawberry.field(description="What the secret is for, if written.")
    metadata: JSON = strawberry.field(description=docs.METADATA)
    last_accessed_at: datetime | None = strawberry.field(
        description="Last reveal attempt, successful or not."
    )
    access_count: int = strawberry.field(
        description="Reveal attempts so far, refused ones included."
    )
    expires_at: datetime | None = strawberry.field(description="When the value stops working.")
    encryption_key_id: strawberry.ID = strawberry.field(
        description="The data key its value is currently encrypted with."
    )
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    project = _project("secrets.project")
    template = related_field(
        "secrets.template",
        node=lazy("SecretTemplate", _HERE),
        description="Its template, if any.",
    )
    rotation_schedule = related_field(
        "secrets.rotation_schedule",
        node=lazy("SecretRotationSchedule", _HERE),
        description="When it should be rotated, if it has a schedule.",
    )
    access_logs = connection_field(
        "secret_access_log",
        via="secrets.access_logs",
        node=lazy("SecretAccessLog", _HERE),
        filter=lazy("SecretAccessLogFilter", _HERE),
        order=lazy("SecretAccessLogOrderBy", _HERE),
        description="Its audit trail: every reveal (allowed or refused) and rotation.",
    )


@strawberry.input(description="Conditions on secrets; all given fields must match.")
class SecretFilter:
    id: IDFilter | None = None
    project_id: IDFilter | None = None
    key_name: StringFilter | None = None
    secret_type: StringFilter | None = None
    template_id: IDFilter | None = None
    metadata: JSONFilter | None = None
    access_count: IntFilter | None = None
    last_accessed_at: DateTimeFilter | None = None
    expires_at: DateTimeFilter | None = None
    created_at: DateTimeFilter | None = None
    updated_at: DateTimeFilter | None = None
    and_: list[SecretFilter] | None = strawberry.field(default=None, name="and")
    or_: list[SecretFilter] | None = strawberry.field(default=None, name="or")
    not_: SecretFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields secrets can be ordered by.")
class SecretOrderField(Enum):
    KEY_NAME = "key_name"
    SECRET_TYPE = "secret_type"
    ACCESS_COUNT = "access_count"
    LAST_ACCESSED_AT = "last_accessed_at"
    EXPIRES_AT = "expires_at"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


@strawberry.input(description="One ordering term for secrets.")
class SecretOrderBy(OrderBy[SecretOrderField]):
    pass


@strawberry.input(description="A new secret in one of your projects.")
class CreateSecretInput:
    project_id: strawberry.ID
    key_name: str
    value: str = strawberry.field(
        description=(
            "The secret value (at most 64 KiB). Encrypted before it is stored; it must "
            "match the template's `validationPattern` when a template is given."
        )
    )
    secret_type: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Defaults to the template's type, else `generic`.",
    )
    template_id: strawberry.ID | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET
    expires_at: datetime | None = strawberry.UNSET
    rotation_interval_days: int | None = strawberry.field(
        default=strawberry.UNSET,
        description=(
            "Give the secret a rotation schedule of this many days (defaults to the "
            "template's interval; none when neither is set)."
        ),
    )


@strawberry.input(
    description=(
        "Changes to a secret; omitted fields stay. A new `value` is validated like on "
        "creation; prefer `rotateSecret`, which also records the rotation."
    )
)
class UpdateSecretInput:
    key_name: str | None = strawberry.UNSET
    value: str | None = strawberry.field(
        default=strawberry.UNSET,
        description=(
            "A new value: not blank, at most 65,536 characters, matching the template's "
            "pattern if any. Not recorded as a rotation (see `rotateSecret`)."
        ),
    )
    secret_type: str | None = strawberry.UNSET
    template_id: strawberry.ID | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET
    expires_at: datetime | None = strawberry.UNSET


@strawberry.type(description="A secret's value, as `revealSecret` returns it (audited).")
class RevealedSecret:
    id: strawberry.ID = strawberry.field(description="The secret's ID.")
    key_name: str = strawberry.field(description="The secret's name.")
    value: str = strawberry.field(description="The decrypted value.")
    access_count: int = strawberry.field(description="Reveal attempts, this one included.")
    revealed_at: datetime = strawberry.field(description="When this reveal happened.")


# -- access log ------------------------------------------------------------------------


@entity_type("secret_access_log")
@strawberry.type(
    description=(
        "One entry of a secret's audit trail, written by the server and never changed: "
        "who tried to reveal or rotate it, when, from where, and whether it was allowed. "
        "Refused attempts by other users appear in the owner's trail."
    )
)
class SecretAccessLog:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    secret_id: strawberry.ID = strawberry.field(
        description="ID of the secret accessed (see `secret`)."
    )
    project_id: strawberry.ID = strawberry.field(description=docs.PROJECT_ID)
    accessed_by: strawberry.ID | None = strawberry.field(
        description="The user who asked (null once that user is deleted)."
    )
    access_type: SecretAccessType = strawberry.field(description="What was attempted.")
    success: bool = strawberry.field(description="False when the access was refused or failed.")
    error_message: str | None = strawberry.field(description="Why it failed.")
    ip_address: str | None = strawberry.field(description="The client's address.")
    metadata: JSON = strawberry.field(description="Details of the access as JSON; `{}` when none.")
    accessed_at: datetime = strawberry.field(description="When the access was attempted.")

    secret = _secret("secret_access_log.secret")
    project = _project("secret_access_log.project")
    user = related_field(
        "secret_access_log.user",
        node=lazy("User", _ACCOUNTS),
        description="The user who asked, if you can see them.",
    )


@strawberry.input(description="Conditions on secret access log entries.")
class SecretAccessLogFilter:
    id: IDFilter | None = None
    secret_id: IDFilter | None = None
    project_id: IDFilter | None = None
    accessed_by: IDFilter | None = None
    access_type: EnumFilter[SecretAccessType] | None = None
    success: BooleanFilter | None = None
    accessed_at: DateTimeFilter | None = None
    and_: list[SecretAccessLogFilter] | None = strawberry.field(default=None, name="and")
    or_: list[SecretAccessLogFilter] | None = strawberry.field(default=None, name="or")
    not_: SecretAccessLogFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields secret access log entries can be ordered by.")
class SecretAccessLogOrderField(Enum):
    ACCESSED_AT = "accessed_at"
    ACCESS_TYPE = "access_type"
    SUCCESS = "success"


@strawberry.input(description="One ordering term for secret access log entries.")
class SecretAccessLogOrderBy(OrderBy[SecretAccessLogOrderField]):
    pass


# -- rotation schedules ----------------------------------------------------------------


@entity_type("secret_rotation_schedule")
@strawberry.type(
    description=(
        "How often a secret should be rotated. `nextRotationAt` is computed: the last "
        "rotation (or the schedule's creation) plus the interval; `rotateSecret` moves it."
    )
)
class SecretRotationSchedule:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    secret_id: strawberry.ID = strawberry.field(
        description="ID of the secret (see `secret`); a secret has at most one schedule."
    )
    project_id: strawberry.ID = strawberry.field(description=docs.PROJECT_ID)
    rotation_interval_days: int = strawberry.field(
        description="Days between rotations (at least 1)."
    )
    last_rotation_at: datetime | None = strawberry.field(description="Set by `rotateSecret`.")
    next_rotation_at: datetime = strawberry.field(
        description=(
            "When the next rotation is due: the last rotation (or the schedule's creation) plus "
            "the interval."
        )
    )
    auto_rotate: bool = strawberry.field(
        description="An agent may rotate it automatically when due (a flag for agents)."
    )
    notification_days: int = strawberry.field(description="Days of notice before it is due.")
    metadata: JSON = strawberry.field(description=docs.METADATA)
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    secret = _secret("secret_rotation_schedule.secret")
    project = _project("secret_rotation_schedule.project")


@strawberry.input(description="Conditions on rotation schedules.")
class SecretRotationScheduleFilter:
    id: IDFilter | None = None
    secret_id: IDFilter | None = None
    project_id: IDFilter | None = None
    next_rotation_at: DateTimeFilter | None = None
    auto_rotate: BooleanFilter | None = None
    and_: list[SecretRotationScheduleFilter] | None = strawberry.field(default=None, name="and")
    or_: list[SecretRotationScheduleFilter] | None = strawberry.field(default=None, name="or")
    not_: SecretRotationScheduleFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields rotation schedules can be ordered by.")
class SecretRotationScheduleOrderField(Enum):
    NEXT_ROTATION_AT = "next_rotation_at"
    CREATED_AT = "created_at"


@strawberry.input(description="One ordering term for rotation schedules.")
class SecretRotationScheduleOrderBy(OrderBy[SecretRotationScheduleOrderField]):
    pass


@strawberry.input(description="A rotation schedule for one of your secrets (one per secret).")
class CreateSecretRotationScheduleInput:
    secret_id: strawberry.ID
    rotation_interval_days: int = strawberry.field(description="Days between rotations (> 0).")
    auto_rotate: bool | None = strawberry.UNSET
    notification_days: int | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET


@strawberry.input(description="Changes to a rotation schedule; `nextRotationAt` follows.")
class UpdateSecretRotationScheduleInput:
    rotation_interval_days: int | None = strawberry.UNSET
    auto_rotate: bool | None = strawberry.UNSET
    notification_days: int | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET


# -- views -----------------------------------------------------------------------------


@entity_type("secrets_expiring_soon")
@strawberry.type(description="A secret that expires within 30 days, or has expired (view).")
class SecretExpiringSoon:
    id: strawberry.ID = strawberry.field(description="The secret's ID.")
    project_id: strawberry.ID = strawberry.field(description="ID of the secret's project.")
    key_name: str = strawberry.field(description="The secret's name (see `Secret.keyName`).")
    secret_type: str = strawberry.field(description="The secret's free-form type.")
    expires_at: datetime = strawberry.field(
        description="When its value stops working (may be past)."
    )
    seconds_until_expiry: int = strawberry.field(
        description="Negative once expired; clamped to the Int range (about 68 years either way)."
    )
    project_name: str = strawberry.field(description="Name of the secret's project.")

    secret = _secret("secrets_expiring_soon.secret")
    project = _project("secrets_expiring_soon.project")


@strawberry.input(description="Conditions on secrets expiring soon.")
class SecretExpiringSoonFilter:
    project_id: IDFilter | None = None
    secret_type: StringFilter | None = None
    expires_at: DateTimeFilter | None = None
    and_: list[SecretExpiringSoonFilter] | None = strawberry.field(default=None, name="and")
    or_: list[SecretExpiringSoonFilter] | None = strawberry.field(default=None, name="or")
    not_: SecretExpiringSoonFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields secrets expiring soon can be ordered by.")
class SecretExpiringSoonOrderField(Enum):
    EXPIRES_AT = "expires_at"
    KEY_NAME = "key_name"


@strawberry.input(description="One ordering term for secrets expiring soon.")
class SecretExpiringSoonOrderBy(OrderBy[SecretExpiringSoonOrderField]):
    pass


@entity_type("secrets_needing_rotation")
@strawberry.type(description="A secret due for rotation within 7 days, or overdue (view).")
class SecretNeedingRotation:
    id: strawberry.ID = strawberry.field(description="The secret's ID.")
    project_id: strawberry.ID = strawberry.field(description="ID of the secret's project.")
    key_name: str = strawberry.field(description="The secret's name (see `Secret.keyName`).")
    secret_type: str = strawberry.field(description="The secret's free-form type.")
    next_rotation_at: datetime = strawberry.field(
        description="When it is due for rotation (may be past)."
    )
    seconds_until_rotation: int = strawberry.field(
        description="Negative once overdue; clamped to the Int range (about 68 years either way)."
    )
    auto_rotate: bool = strawberry.field(
        description="An agent may rotate it automatically when due."
    )
    project_name: str = strawberry.field(description="Name of the secret's project.")

    secret = _secret("secrets_needing_rotation.secret")
    project = _project("secrets_needing_rotation.project")


@strawberry.input(description="Conditions on secrets needing rotation.")
class SecretNeedingRotationFilter:
    project_id: IDFilter | None = None
    secret_type: StringFilter | None = None
    next_rotation_at: DateTimeFilter | None = None
    auto_rotate: BooleanFilter | None = None
    and_: list[SecretNeedingRotationFilter] | None = strawberry.field(default=None, name="and")
    or_: list[SecretNeedingRotationFilter] | None = strawberry.field(default=None, name="or")
    not_: SecretNeedingRotationFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields secrets needing rotation can be ordered by.")
class SecretNeedingRotationOrderField(Enum):
    NEXT_ROTATION_AT = "next_rotation_at"
    KEY_NAME = "key_name"


@strawberry.input(description="One ordering term for secrets needing rotation.")
class SecretNeedingRotationOrderBy(OrderBy[SecretNeedingRotationOrderField]):
    pass


# -- user (provider) tokens ------------------------------------------------------------


@entity_type("user_tokens")
@strawberry.type(
    description=(
        "Your token for a third-party provider (Google, GitHub, …), stored encrypted. "
        "Only you can read your tokens; administrators cannot."
    )
)
class UserToken:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    user_id: strawberry.ID = strawberry.field(
        description="The user the token belongs to (always you)."
    )
    provider: str = strawberry.field(description="The provider, unique per user (`google`).")
    token_type: str = strawberry.field(description="Usually `Bearer`.")
    scopes: list[str] = strawberry.field(description="Scopes the provider granted.")
    expires_at: datetime | None = strawberry.field(description="When the access token expires.")
    metadata: JSON = strawberry.field(description=docs.METADATA)
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    async def _token(self, info: Info, column: str) -> str | None:
        row = self.__dict__
        identity = user_token_identity(row["user_id"], row["provider"])
        return await _open(info, "user_tokens", identity, column, row[column])

    @strawberry.field(description="The access token (decrypted for you).")
    async def access_token(self, info: Info) -> str:
        return await self._token(info, "encrypted_access_token") or ""

    @strawberry.field(description="The refresh token, if the provider gave one.")
    async def refresh_token(self, info: Info) -> str | None:
        return await self._token(info, "encrypted_refresh_token")

    @strawberry.field(description="The access token has expired (`expiresAt` is past).")
    def is_expired(self) -> bool:
        expires = self.__dict__.get("expires_at")
        return expires is not None and expires <= datetime.now(UTC)


@strawberry.input(description="Conditions on your provider tokens.")
class UserTokenFilter:
    provider: StringFilter | None = None
    scopes: StringListFilter | None = None
    expires_at: DateTimeFilter | None = None
    and_: list[UserTokenFilter] | None = strawberry.field(default=None, name="and")
    or_: list[UserTokenFilter] | None = strawberry.field(default=None, name="or")
    not_: UserTokenFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields provider tokens can be ordered by.")
class UserTokenOrderField(Enum):
    PROVIDER = "provider"
    EXPIRES_AT = "expires_at"
    CREATED_AT = "created_at"


@strawberry.input(description="One ordering term for provider tokens.")
class UserTokenOrderBy(OrderBy[UserTokenOrderField]):
    pass


@strawberry.input(
    description=(
        "Your tokens for a provider: stored (encrypted) or replaced. Omitted optional "
        "fields are cleared on replacement, like a fresh OAuth grant."
    )
)
class UpsertUserTokenInput:
    provider: str = strawberry.field(
        description="The provider's name (`google`); stored lower case, one token set per provider."
    )
    access_token: str = strawberry.field(
        description="The provider's access token: not blank, at most 65,536 characters."
    )
    refresh_token: str | None = strawberry.field(
        default=None, description="The provider's refresh token, if it gave one."
    )
    expires_at: datetime | None = strawberry.field(
        default=None, description="When the access token expires, if known."
    )
    scopes: list[str] | None = strawberry.field(
        default=None, description="Scopes the provider granted; none when omitted."
    )
    token_type: str | None = strawberry.field(default=None, description="`Bearer` when omitted.")
    metadata: JSON | None = strawberry.field(
        default=None, description="Free-form JSON for clients; `{}` when omitted."
    )


# -- system settings -------------------------------------------------------------------


@entity_type("system_settings")
@strawberry.type(
    description=(
        "A system-wide setting (`ai_provider`, `llm_model`, `openrouter_key`, …). Members "
        "read plain settings; secret ones are stored encrypted and only administrators "
        "see them. Only administrators change settings."
    )
)
class SystemSetting:
    key: str = strawberry.field(description="Unique key (lower case, `a-z0-9_.-`).")
    is_secret: bool = strawberry.field(description="Stored encrypted, visible to admins only.")
    description: str | None = strawberry.field(description="What the setting controls, if written.")
    updated_by: strawberry.ID | None = strawberry.field(description="Who last changed it.")
    updated_at: datetime = strawberry.field(description="When it last changed.")

    @strawberry.field(name="value", description="The value (decrypted when secret).")
    async def resolve_value(self, info: Info) -> str:
        row = self.__dict__
        if not row["is_secret"]:
            return str(row["value"])
        value = await _open(
            info, "system_settings", row["key"], "encrypted_value", row["encrypted_value"]
        )
        return value or ""


@strawberry.input(description="Conditions on system settings.")
class SystemSettingFilter:
    key: StringFilter | None = None
    is_secret: BooleanFilter | None = None
    updated_at: DateTimeFilter | None = None
    and_: list[SystemSettingFilter] | None = strawberry.field(default=None, name="and")
    or_: list[SystemSettingFilter] | None = strawberry.field(default=None, name="or")
    not_: SystemSettingFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields system settings can be ordered by.")
class SystemSettingOrderField(Enum):
    KEY = "key"
    UPDATED_AT = "updated_at"


@strawberry.input(description="One ordering term for system settings.")
class SystemSettingOrderBy(OrderBy[SystemSettingOrderField]):
    pass


@strawberry.input(description="A setting to create or replace (administrators only).")
class SetSystemSettingInput:
    key: str = strawberry.field(
        description="The setting's key: a lower-case letter, then `a-z0-9_.-`; an existing "
        "key's setting is replaced."
    )
    value: str = strawberry.field(description="The value, at most 65,536 characters.")
    description: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="What the setting controls. Omitted: an existing description is kept; "
        "null removes it.",
    )
    secret: bool | None = strawberry.field(
        default=None,
        description=(
            "Store it encrypted and visible to admins only. Keys ending in `_key`, "
            "`_secret`, `_token` or `_password` are always secret."
        ),
    )
