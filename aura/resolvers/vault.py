"""Vault domain: root queries and mutations for secrets, their audit trail, rotation and
templates, key rotation, provider tokens and system settings.

Values are encrypted and decrypted here, in Python, with the process's key ring
(``aura.auth.keyring``); SQL only ever sees ciphertexts. Error messages never quote a value.

Auditing a reveal: the access log row (and the access count) is written in a short
transaction of its own (``Session.autonomous``) that commits before the value leaves
the server, whatever happens to the request afterwards. A refused reveal is therefore
audited even though the request fails (and rolls back its other changes), and a value
disclosed in a response whose other fields fail is still on record.
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from aura import errors
from aura.auth.crypto import VaultError
from aura.auth.keyring import user_token_identity
from aura.db.mapping import entity
from aura.db.sql.values import check_id
from aura.engine import bulk, crud
from aura.engine.crud import CREATE_INPUT, UPDATE_INPUT
from aura.engine.relay import ID_ARGUMENT, by_id_field, connection_field, instantiate
from aura.engine.selection import columns_for, node_fields
from aura.schema.vault import (
    CreateSecretInput,
    CreateSecretRotationScheduleInput,
    CreateSecretTemplateInput,
    EncryptionKey,
    EncryptionKeyFilter,
    EncryptionKeyOrderBy,
    KeyRotation,
    RevealedSecret,
    Secret,
    SecretAccessLog,
    SecretAccessLogFilter,
    SecretAccessLogOrderBy,
    SecretExpiringSoon,
    SecretExpiringSoonFilter,
    SecretExpiringSoonOrderBy,
    SecretFilter,
    SecretNeedingRotation,
    SecretNeedingRotationFilter,
    SecretNeedingRotationOrderBy,
    SecretOrderBy,
    SecretRotationSchedule,
    SecretRotationScheduleFilter,
    SecretRotationScheduleOrderBy,
    SecretTemplate,
    SecretTemplateFilter,
    SecretTemplateOrderBy,
    SetSystemSettingInput,
    SystemSetting,
    SystemSettingFilter,
    SystemSettingOrderBy,
    UpdateSecretInput,
    UpdateSecretRotationScheduleInput,
    UpdateSecretTemplateInput,
    UpsertUserTokenInput,
    UserToken,
    UserTokenFilter,
    UserTokenOrderBy,
)

MAX_VALUE_CHARS = 64 * 1024
MAX_BATCH_SIZE = 10_000
# Setting keys that always hold a secret, whatever the caller says.
SECRET_SETTING = re.compile(r"(_key|_secret|_token|_password)$")

_REVEAL = """
UPDATE secrets SET access_count = access_count + 1, last_accessed_at = now()
WHERE id = $1::uuid
RETURNING id, key_name, encrypted_value, access_count, last_accessed_at"""

_LOG = "SELECT aura.log_secret_access($1::uuid, $2, $3, $4, $5::inet, $6)"

_TEMPLATE = """
SELECT secret_type, validation_pattern, rotation_interval_days
FROM secret_templates WHERE id = $1::uuid"""

_UPSERT_TOKEN = """
INSERT INTO user_tokens (provider, encrypted_access_token, encrypted_refresh_token,
                         encryption_key_id, expires_at, scopes, token_type, metadata)
VALUES ($1, $2, $3, $4::uuid, $5, $6, $7, $8)
ON CONFLICT (user_id, provider) DO UPDATE SET
  encrypted_access_token = EXCLUDED.encrypted_access_token,
  encrypted_refresh_token = EXCLUDED.encrypted_refresh_token,
  encryption_key_id = EXCLUDED.encryption_key_id, expires_at = EXCLUDED.expires_at,
  scopes = EXCLUDED.scopes, token_type = EXCLUDED.token_type, metadata = EXCLUDED.metadata,
  updated_at = now()
RETURNING *"""

# -- checks ------------------------------------------------------------------------------


def _check_value(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise errors.BadUserInput(f"{field} must not be blank")
    if len(value) > MAX_VALUE_CHARS:
        raise errors.BadUserInput(f"{field} is longer than {MAX_VALUE_CHARS} characters")
    return value


def _check_pattern(pattern: Any) -> None:
    if pattern in (None, strawberry.UNSET):
        return
    try:
        re.compile(pattern)
    except re.error as exc:
        raise errors.BadUserInput(
            f"validationPattern is not a valid regular expression: {exc}"
        ) from exc


async def _template(info: Info, template_id: str) -> Any:
    row = await info.context.session.fetchrow(_TEMPLATE, check_id(template_id, "templateId"))
    if row is None:
        raise errors.BadUserInput(f"templateId: no such secret template {template_id}")
    return row


def _validate(template: Any, value: str) -> None:
    pattern = template["validation_pattern"] if template is not None else None
    if not pattern:
        return
    try:
        matched = re.fullmatch(pattern, value) is not None
    except re.error:
        matched = False
    if not matched:
        raise errors.BadUserInput(
            "value does not match the validation pattern of the secret's template"
        )


def _client_address(info: Info) -> str | None:
    client = getattr(info.context.request, "client", None)
    host = getattr(client, "host", None)
    try:
        return str(ipaddress.ip_address(host)) if host else None
    except ValueError:
        return None


async def _require_admin(info: Info, action: str) -> None:
    if not await info.context.session.fetchval("SELECT aura.is_admin()"):
        raise errors.Forbidden(f"only administrators can {action}")


def _given(value: Any) -> bool:
    return value is not strawberry.UNSET


async def _sealed_secret(info: Info, secret_id: str, value: str) -> dict[str, Any]:
    """The columns of a secret holding ``value``, sealed under the active key."""
    sealer = await info.context.vault.sealer(info.context.session)
    return {
        "encrypted_value": sealer.seal("secrets", secret_id, "encrypted_value", value),
        "encryption_key_id": sealer.key_id,
    }


async def _template_values(info: Info, data: Any) -> dict[str, Any]:
    _check_pattern(data.validation_pattern)
    return bulk.input_values(info, "secret_templates", data)


async def _setting_values(info: Info, data: SetSystemSettingInput) -> dict[str, Any]:
    """The columns of a setting: administrators only, a secret one's value sealed (bound
    to its key) and only its ciphertext stored."""
    key = data.key.strip()
    value = data.value
    if len(value) > MAX_VALUE_CHARS:
        raise errors.BadUserInput(f"value is longer than {MAX_VALUE_CHARS} characters")
    await _require_admin(info, "change system settings")
    secret = bool(data.secret) or SECRET_SETTING.search(key) is not None
    values: dict[str, Any] = {
        "key": key,
        "value": value,
        "encrypted_value": None,
        "encryption_key_id": None,
        "is_secret": secret,
        "updated_by": info.context.principal.user_id,
        # the transaction's time, as every other timestamp the database writes
        "updated_at": await info.context.session.fetchval("SELECT now()"),
    }
    if secret:
        sealer = await info.context.vault.sealer(info.context.session)
        values["value"] = None
        values["encrypted_value"] = sealer.seal("system_settings", key, "encrypted_value", value)
        values["encryption_key_id"] = sealer.key_id
    if _given(data.description):
        values["description"] = data.description
    return values


# -- queries -----------------------------------------------------------------------------


@strawberry.type
class VaultQuery:
    secret = by_id_field(
        "secrets", node=Secret, description="A secret by ID (without its value; see revealSecret)."
    )
    secrets = connection_field(
        "secrets",
        node=Secret,
        filter=SecretFilter,
        order=SecretOrderBy,
        description="Secrets of your projects (all for admins), without their values.",
    )
    secret_access_logs = connection_field(
        "secret_access_log",
        node=SecretAccessLog,
        filter=SecretAccessLogFilter,
        order=SecretAccessLogOrderBy,
        description="The audit trail of your projects' secrets, oldest first.",
    )
    secret_template = by_id_field(
        "secret_templates", node=SecretTemplate, description="A secret template by ID."
    )
    secret_templates = connection_field(
        "secret_templates",
        node=SecretTemplate,
        filter=SecretTemplateFilter,
        order=SecretTemplateOrderBy,
        description="Secret templates (members can read them).",
    )
    secret_rotation_schedule = by_id_field(
        "secret_rotation_schedule",
        node=SecretRotationSchedule,
        description="A rotation schedule by ID.",
    )
    secret_rotation_schedules = connection_field(
        "secret_rotation_schedule",
        node=SecretRotationSchedule,
        filter=SecretRotationScheduleFilter,
        order=SecretRotationScheduleOrderBy,
        description="Rotation schedules of your secrets.",
    )
    secrets_expiring_soon = connection_field(
        "secrets_expiring_soon",
        node=SecretExpiringSoon,
        filter=SecretExpiringSoonFilter,
        order=SecretExpiringSoonOrderBy,
        description="Your secrets expiring within 30 days (or expired), soonest first.",
    )
    secrets_needing_rotation = connection_field(
        "secrets_needing_rotation",
        node=SecretNeedingRotation,
        filter=SecretNeedingRotationFilter,
        order=SecretNeedingRotationOrderBy,
        description="Your secrets due for rotation within 7 days (or overdue), soonest first.",
    )
    encryption_keys = connection_field(
        "encryption_keys",
        node=EncryptionKey,
        filter=EncryptionKeyFilter,
        order=EncryptionKeyOrderBy,
        description="The vault's data keys, oldest first (administrators only; empty otherwise).",
    )
    user_tokens = connection_field(
        "user_tokens",
        node=UserToken,
        filter=UserTokenFilter,
        order=UserTokenOrderBy,
        description="Your provider tokens (only yours, also for administrators).",
    )
    system_settings = connection_field(
        "system_settings",
        node=SystemSetting,
        filter=SystemSettingFilter,
        order=SystemSettingOrderBy,
        description="System settings you may read, by key.",
    )

    @strawberry.field(description="Your token for a provider; null when you have none.")
    async def user_token(
        self,
        info: Info,
        provider: Annotated[
            str,
            strawberry.argument(description="The provider's name, case-insensitive (`google`)."),
        ],
    ) -> UserToken | None:
        return await _one(info, "user_tokens", UserToken, "provider", provider.strip().lower())

    @strawberry.field(description="A system setting by key; null when absent or not for you.")
    async def system_setting(
        self,
        info: Info,
        key: Annotated[str, strawberry.argument(description="The setting's key, exactly.")],
    ) -> SystemSetting | None:
        return await _one(info, "system_settings", SystemSetting, "key", key)


async def _one(info: Info, entity_name: str, cls: type, column: str, value: str) -> Any:
    columns = columns_for(entity(entity_name), node_fields(info, connection=False), column)
    row = await info.context.session.fetchrow(
        f"SELECT {', '.join(columns)} FROM {entity_name} WHERE {column} = $1", value
    )
    return None if row is None else instantiate(cls, row)


# -- mutations ---------------------------------------------------------------------------


@strawberry.type
class VaultMutation:
    # -- secrets ---------------------------------------------------------------------------

    @strawberry.mutation(
        description=(
            "Store a secret in one of your projects. The value is validated against the "
            "template, encrypted, and never returned by ordinary queries."
        )
    )
    async def create_secret(
        self, info: Info, input: Annotated[CreateSecretInput, CREATE_INPUT]
    ) -> Secret:
        value = _check_value(input.value, "value")
        values = crud.values_from(
            entity("secrets"), input, skip=frozenset({"value", "rotation_interval_days"})
        )
        interval = input.rotation_interval_days if _given(input.rotation_interval_days) else None
        if values.get("template_id"):
            template = await _template(info, values["template_id"])
            _validate(template, value)
            values.setdefault("secret_type", template["secret_type"])
            if interval is None:
                interval = template["rotation_interval_days"]
        if interval is not None and interval <= 0:
            raise errors.BadUserInput("rotationIntervalDays must be positive")
        secret_id = str(uuid.uuid4())
        values.update(id=secret_id, **await _sealed_secret(info, secret_id, value))
        row = await crud.insert(info, "secrets", values)
        if interval is not None:
            schedule = {"secret_id": secret_id, "rotation_interval_days": interval}
            await crud.insert(info, "secret_rotation_schedule", schedule)
        return crud.as_object("secrets", row)

    @strawberry.mutation(
        description=(
            "Change a secret. A new value (or a new template) is validated against the "
            "template; the old value is replaced, not kept."
        )
    )
    async def update_secret(
        self, info: Info, id: ID_ARGUMENT, input: Annotated[UpdateSecretInput, UPDATE_INPUT]
    ) -> Secret:
        key = check_id(id)
        session = info.context.session
        values = crud.values_from(entity("secrets"), input, skip=frozenset({"value"}))
        new_value = _check_value(input.value, "value") if _given(input.value) else None
        if new_value is not None or values.get("template_id"):
            current = await session.fetchrow(
                "SELECT template_id, encrypted_value FROM secrets WHERE id = $1::uuid", key
            )
            if current is None:
                raise errors.NotFound(f"no secret with id {key}")
            template_id = values.get("template_id", current["template_id"])
            if template_id:
                checked = new_value
                if checked is None:
                    checked = await info.context.vault.open(
                        session, "secrets", key, "encrypted_value", current["encrypted_value"]
                    )
                _validate(await _template(info, template_id), checked)
        if new_value is not None:
            values.update(await _sealed_secret(info, key, new_value))
        if values:
            values["updated_at"] = datetime.now(UTC)
        return crud.as_object("secrets", await crud.update(info, "secrets", key, values))

    delete_secret = crud.delete_field(
        "secrets", description="Delete a secret with its audit trail and schedule. Returns its ID."
    )

    @strawberry.mutation(
        description=(
            "The value of a secret (project owner or administrator). Every attempt is "
            "audited in `secretAccessLogs` and counted in `accessCount`, refused ones too: "
            "the audit commits on its own even when the request fails. A secret you may "
            "not read is NOT_FOUND, like one that does not exist."
        )
    )
    async def reveal_secret(self, info: Info, id: ID_ARGUMENT) -> RevealedSecret:
        key = check_id(id)
        audit = info.context.session.autonomous()
        value: str | None = None
        failure: str | None = None
        try:
            row = await audit.fetchrow(_REVEAL, key)
            if row is None:
                failure = "not permitted (or no such secret)"
            else:
                try:
                    value = await info.context.vault.open(
                        audit, "secrets", key, "encrypted_value", row["encrypted_value"]
                    )
                except VaultError:
                    failure = "the value could not be decrypted"
            await audit.fetchval(
                _LOG, key, "REVEAL", failure is None, failure, _client_address(info), row is None
            )
        finally:
            await audit.close(commit=True)
        if row is None:
            raise errors.NotFound(f"no secret with id {key}")
        if value is None:
            raise errors.ApiError("the secret's value could not be decrypted")
        return RevealedSecret(
            id=strawberry.ID(key),
            key_name=row["key_name"],
            value=value,
            access_count=row["access_count"],
            revealed_at=row["last_accessed_at"],
        )

    @strawberry.mutation(
        description=(
            "Replace a secret's value (validated against its template), record the "
            "rotation in its audit trail and move its schedule: `lastRotationAt` becomes "
            "now and `nextRotationAt` now plus the interval."
        )
    )
    async def rotate_secret(
        self,
        info: Info,
        id: ID_ARGUMENT,
        new_value: Annotated[
            str,
            strawberry.argument(
                description="The new value: not blank, at most 65,536 characters, matching "
                "the template's pattern if any."
            ),
        ],
    ) -> Secret:
        key = check_id(id)
        value = _check_value(new_value, "newValue")
        session = info.context.session
        template_id = await session.fetchval(
            "SELECT coalesce(template_id::text, '') FROM secrets WHERE id = $1::uuid", key
        )
        if template_id is None:
            raise errors.NotFound(f"no secret with id {key}")
        if template_id:
            _validate(await _template(info, template_id), value)
        values = {**await _sealed_secret(info, key, value), "updated_at": datetime.now(UTC)}
        row = await crud.update(info, "secrets", key, values)
        await session.execute(
            "UPDATE secret_rotation_schedule SET last_rotation_at = now() "
            "WHERE secret_id = $1::uuid",
            key,
        )
        await session.fetchval(_LOG, key, "ROTATE", True, None, _client_address(info), False)
        return crud.as_object("secrets", row)

    # -- rotation schedules and templates --------------------------------------------------

    create_secret_rotation_schedule = crud.create_field(
        "secret_rotation_schedule",
        input=CreateSecretRotationScheduleInput,
        node=SecretRotationSchedule,
        description="Give one of your secrets a rotation schedule (CONFLICT if it has one).",
    )

    upsert_secret_rotation_schedule = bulk.upsert_field(
        "secret_rotation_schedule",
        input=CreateSecretRotationScheduleInput,
        node=SecretRotationSchedule,
        key=("secret_id",),
        description=(
            "Schedule a secret's rotation, or change its schedule (a secret has one); "
            "`nextRotationAt` is recomputed."
        ),
    )

    update_secret_rotation_schedule = crud.update_field(
        "secret_rotation_schedule",
        input=UpdateSecretRotationScheduleInput,
        node=SecretRotationSchedule,
        description="Change a rotation schedule; `nextRotationAt` is recomputed.",
    )

    delete_secret_rotation_schedule = crud.delete_field(
        "secret_rotation_schedule", description="Remove a rotation schedule. Returns its ID."
    )

    @strawberry.mutation(description="Create a secret template (administrators only).")
    async def create_secret_template(
        self, info: Info, input: Annotated[CreateSecretTemplateInput, CREATE_INPUT]
    ) -> SecretTemplate:
        _check_pattern(input.validation_pattern)
        return await crud.create_object(info, "secret_templates", input)

    upsert_secret_template = bulk.upsert_field(
        "secret_templates",
        input=CreateSecretTemplateInput,
        node=SecretTemplate,
        key=("template_name",),
        prepare=_template_values,
        description=(
            "Create a secret template, or change the one of the same name (administrators "
            "only). Existing values stay."
        ),
    )

    @strawberry.mutation(
        description="Change a secret template (administrators only). Existing values stay."
    )
    async def update_secret_template(
        self, info: Info, id: ID_ARGUMENT, input: Annotated[UpdateSecretTemplateInput, UPDATE_INPUT]
    ) -> SecretTemplate:
        _check_pattern(input.validation_pattern)
        return await crud.update_object(info, "secret_templates", id, input)

    delete_secret_template = crud.delete_field(
        "secret_templates",
        description=(
            "Delete a secret template (administrators only); its secrets keep their "
            "values and lose the template. Returns its ID."
        ),
    )

    # -- keys --------------------------------------------------------------------------------

    @strawberry.mutation(
        description=(
            "Create a new data key and re-encrypt every secret, provider token and secret "
            "setting under it (administrators only), in short batches: reads and writes "
            "go on meanwhile and every value stays readable throughout. Old keys are kept, "
            "inactive."
        )
    )
    async def rotate_encryption_key(
        self,
        info: Info,
        batch_size: Annotated[
            int,
            strawberry.argument(description="Values re-encrypted per transaction: 1 to 10,000."),
        ] = 500,
    ) -> KeyRotation:
        if not 1 <= batch_size <= MAX_BATCH_SIZE:
            raise errors.BadUserInput(f"batchSize must be between 1 and {MAX_BATCH_SIZE}")
        await _require_admin(info, "rotate the encryption key")
        rotation = await info.context.vault.rotate(info.context.session.pool, batch_size=batch_size)
        return KeyRotation(
            key_id=strawberry.ID(rotation.key_id),
            secrets=rotation.rows["secrets"],
            user_tokens=rotation.rows["user_tokens"],
            system_settings=rotation.rows["system_settings"],
            batches=rotation.batches,
            seconds=rotation.seconds,
        )

    # -- provider tokens -----------------------------------------------------------------

    @strawberry.mutation(
        description="Store (or replace) your tokens for a provider, encrypted. Yours only."
    )
    async def upsert_user_token(
        self,
        info: Info,
        input: Annotated[
            UpsertUserTokenInput,
            strawberry.argument(
                description="The tokens; they replace all stored fields for the provider."
            ),
        ],
    ) -> UserToken:
        provider = input.provider.strip().lower()
        if not provider:
            raise errors.BadUserInput("provider must not be blank")
        access = _check_value(input.access_token, "accessToken")
        refresh = input.refresh_token
        if refresh is not None:
            _check_value(refresh, "refreshToken")
        session = info.context.session
        sealer = await info.context.vault.sealer(session)
        user_id = session.principal.user_id  # authenticated by the statement above
        identity = user_token_identity(user_id, provider)
        row = await session.fetchrow(
            _UPSERT_TOKEN,
            provider,
            sealer.seal("user_tokens", identity, "encrypted_access_token", access),
            None
            if refresh is None
            else sealer.seal("user_tokens", identity, "encrypted_refresh_token", refresh),
            sealer.key_id,
            input.expires_at,
            input.scopes or [],
            (input.token_type or "Bearer").strip() or "Bearer",
            input.metadata if input.metadata is not None else {},
        )
        return crud.as_object("user_tokens", row)

    @strawberry.mutation(description="Forget your tokens for a provider. Returns their ID.")
    async def delete_user_token(
        self,
        info: Info,
        provider: Annotated[
            str, strawberry.argument(description="The provider's name, case-insensitive.")
        ],
    ) -> strawberry.ID:
        deleted = await info.context.session.fetchval(
            "DELETE FROM user_tokens WHERE user_id = aura.current_user_id() AND provider = $1 "
            "RETURNING id",
            provider.strip().lower(),
        )
        if deleted is None:
            raise errors.NotFound(f"you have no token for provider {provider!r}")
        return strawberry.ID(deleted)

    # -- system settings -----------------------------------------------------------------

    @strawberry.mutation(
        description=(
            "Create or replace a system setting (administrators only). Secret settings are "
            "stored encrypted; see `SetSystemSettingInput.secret`."
        )
    )
    async def set_system_setting(
        self,
        info: Info,
        input: Annotated[
            SetSystemSettingInput,
            strawberry.argument(description="The setting's key, value and optional description."),
        ],
    ) -> SystemSetting:
        values = await _setting_values(info, input)
        return await bulk.upsert(
            info, "system_settings", values, ("key",), bulk.ConflictAction.UPDATE
        )

    upsert_system_setting = bulk.upsert_field(
        "system_settings",
        input=SetSystemSettingInput,
        node=SystemSetting,
        key=("key",),
        prepare=_setting_values,
        description=(
            "Create a system setting, or replace the one with the same key (UPDATE, as "
            "setSystemSetting) or leave it as it is (KEEP). Administrators only; secret "
            "settings are stored encrypted, as in setSystemSetting."
        ),
    )

    @strawberry.mutation(
        description="Delete a system setting (administrators only). Returns its key."
    )
    async def delete_system_setting(
        self,
        info: Info,
        key: Annotated[str, strawberry.argument(description="The setting's key, exactly.")],
    ) -> str:
        await _require_admin(info, "change system settings")
        deleted = await info.context.session.fetchval(
            "DELETE FROM system_settings WHERE key = $1 RETURNING key", key
        )
        if deleted is None:
            raise errors.NotFound(f"no system setting {key!r}")
        return str(deleted)
