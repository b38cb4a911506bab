"""Secrets, their templates, access log and rotation schedules, and the secrets views."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from aura.engine.relay import OrderBy, connection_field, entity_type, related_field
from aura.engine.scopes import in_domain
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
)
from aura.schema.vault.shared import ACCOUNTS, HERE, SecretAccessType, project_field, secret_field

# -- secret templates ------------------------------------------------------------------


@entity_type("secret_templates", domain="vault")
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
        node=lazy("Secret", HERE),
        filter=lazy("SecretFilter", HERE),
        order=lazy("SecretOrderBy", HERE),
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


@entity_type("secrets", domain="vault")
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

    project = project_field("secrets.project")
    template = related_field(
        "secrets.template",
        node=lazy("SecretTemplate", HERE),
        description="Its template, if any.",
    )
    rotation_schedule = related_field(
        "secrets.rotation_schedule",
        node=lazy("SecretRotationSchedule", HERE),
        description="When it should be rotated, if it has a schedule.",
    )
    access_logs = connection_field(
        "secret_access_log",
        via="secrets.access_logs",
        node=lazy("SecretAccessLog", HERE),
        filter=lazy("SecretAccessLogFilter", HERE),
        order=lazy("SecretAccessLogOrderBy", HERE),
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


@in_domain("vault")
@strawberry.type(description="A secret's value, as `revealSecret` returns it (audited).")
class RevealedSecret:
    id: strawberry.ID = strawberry.field(description="The secret's ID.")
    key_name: str = strawberry.field(description="The secret's name.")
    value: str = strawberry.field(description="The decrypted value.")
    access_count: int = strawberry.field(description="Reveal attempts, this one included.")
    revealed_at: datetime = strawberry.field(description="When this reveal happened.")


# -- access log ------------------------------------------------------------------------


@entity_type("secret_access_log", domain="vault")
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

    secret = secret_field("secret_access_log.secret")
    project = project_field("secret_access_log.project")
    user = related_field(
        "secret_access_log.user",
        node=lazy("User", ACCOUNTS),
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


@entity_type("secret_rotation_schedule", domain="vault")
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

    secret = secret_field("secret_rotation_schedule.secret")
    project = project_field("secret_rotation_schedule.project")


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


@entity_type("secrets_expiring_soon", domain="vault")
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

    secret = secret_field("secrets_expiring_soon.secret")
    project = project_field("secrets_expiring_soon.project")


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


@entity_type("secrets_needing_rotation", domain="vault")
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

    secret = secret_field("secrets_needing_rotation.secret")
    project = project_field("secrets_needing_rotation.project")


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
