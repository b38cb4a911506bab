"""What the vault adds to work's ``Project`` (its relation is added in
``aura.db.mapping.vault``)."""

from __future__ import annotations

from aura.engine.relay import connection_field, extend_type
from aura.schema.common import lazy
from aura.schema.vault.shared import HERE
from aura.schema.work import Project


@extend_type(Project)
class ProjectVault:
    """The vault fields of ``Project`` (relations in ``aura.db.mapping.vault``)."""

    secrets = connection_field(
        "secrets",
        via="projects.secrets",
        node=lazy("Secret", HERE),
        filter=lazy("SecretFilter", HERE),
        order=lazy("SecretOrderBy", HERE),
        description="Secrets of the project (without their values; see `revealSecret`).",
    )
