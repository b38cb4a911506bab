"""Vault domain contract: secrets (their values only through `revealSecret`), their
access log, rotation schedules and templates, encryption keys, your provider tokens and
the system settings.

One module per concept; this package re-exports every type, so other modules (and
``lazy`` references) name ``aura.schema.vault``. Importing it adds the vault fields to
``Project`` (``extends``).
"""

from __future__ import annotations

from aura.schema.vault import extends as extends
from aura.schema.vault.keys import (
    EncryptionKey,
    EncryptionKeyFilter,
    EncryptionKeyOrderBy,
    EncryptionKeyOrderField,
    KeyRotation,
)
from aura.schema.vault.secrets import (
    CreateSecretInput,
    CreateSecretRotationScheduleInput,
    CreateSecretTemplateInput,
    RevealedSecret,
    Secret,
    SecretAccessLog,
    SecretAccessLogFilter,
    SecretAccessLogOrderBy,
    SecretAccessLogOrderField,
    SecretExpiringSoon,
    SecretExpiringSoonFilter,
    SecretExpiringSoonOrderBy,
    SecretExpiringSoonOrderField,
    SecretFilter,
    SecretNeedingRotation,
    SecretNeedingRotationFilter,
    SecretNeedingRotationOrderBy,
    SecretNeedingRotationOrderField,
    SecretOrderBy,
    SecretOrderField,
    SecretRotationSchedule,
    SecretRotationScheduleFilter,
    SecretRotationScheduleOrderBy,
    SecretRotationScheduleOrderField,
    SecretTemplate,
    SecretTemplateFilter,
    SecretTemplateOrderBy,
    SecretTemplateOrderField,
    UpdateSecretInput,
    UpdateSecretRotationScheduleInput,
    UpdateSecretTemplateInput,
)
from aura.schema.vault.settings import (
    SetSystemSettingInput,
    SystemSetting,
    SystemSettingFilter,
    SystemSettingOrderBy,
    SystemSettingOrderField,
)
from aura.schema.vault.shared import SecretAccessType
from aura.schema.vault.tokens import (
    UpsertUserTokenInput,
    UserToken,
    UserTokenFilter,
    UserTokenOrderBy,
    UserTokenOrderField,
)

__all__ = [
    "CreateSecretInput",
    "CreateSecretRotationScheduleInput",
    "CreateSecretTemplateInput",
    "EncryptionKey",
    "EncryptionKeyFilter",
    "EncryptionKeyOrderBy",
    "EncryptionKeyOrderField",
    "KeyRotation",
    "RevealedSecret",
    "Secret",
    "SecretAccessLog",
    "SecretAccessLogFilter",
    "SecretAccessLogOrderBy",
    "SecretAccessLogOrderField",
    "SecretAccessType",
    "SecretExpiringSoon",
    "SecretExpiringSoonFilter",
    "SecretExpiringSoonOrderBy",
    "SecretExpiringSoonOrderField",
    "SecretFilter",
    "SecretNeedingRotation",
    "SecretNeedingRotationFilter",
    "SecretNeedingRotationOrderBy",
    "SecretNeedingRotationOrderField",
    "SecretOrderBy",
    "SecretOrderField",
    "SecretRotationSchedule",
    "SecretRotationScheduleFilter",
    "SecretRotationScheduleOrderBy",
    "SecretRotationScheduleOrderField",
    "SecretTemplate",
    "SecretTemplateFilter",
    "SecretTemplateOrderBy",
    "SecretTemplateOrderField",
    "SetSystemSettingInput",
    "SystemSetting",
    "SystemSettingFilter",
    "SystemSettingOrderBy",
    "SystemSettingOrderField",
    "UpdateSecretInput",
    "UpdateSecretRotationScheduleInput",
    "UpdateSecretTemplateInput",
    "UpsertUserTokenInput",
    "UserToken",
    "UserTokenFilter",
    "UserTokenOrderBy",
    "UserTokenOrderField",
]
