"""What the work domain adds to accounts' ``User`` (its relation is added in
``aura.db.mapping.work``)."""

from __future__ import annotations

from aura.engine.relay import connection_field, extend_type
from aura.schema.accounts import User
from aura.schema.common import lazy
from aura.schema.work.shared import HERE


@extend_type(User)
class UserWork:
    """The work fields of ``User`` (relations in ``aura.db.mapping.work``)."""

    projects = connection_field(
        "projects",
        via="users.projects",
        node=lazy("Project", HERE),
        filter=lazy("ProjectFilter", HERE),
        order=lazy("ProjectOrderBy", HERE),
        description="Projects this user owns.",
    )
