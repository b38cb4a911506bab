"""What the work domain adds to accounts' ``User`` (its relation is added in
``aura.db.mapping.work``)."""

from __future__ import annotations

from aura.engine.relay import connection_field, extend_type
from aura.schema.accounts import User
from aura.schema.common import lazy
from aura.schema.work.shared import _HERE


@extend_type(User)
class UserWork:
    """The work fields of ``User`` (relations in ``aura.db.mapping.work``)."""

    projects = connection_field(
        "projects",
        via="users.projects",
        node=lazy("Project", _HERE),
        filter=lazy("ProjectFilter", _HERE),
        order=lazy("ProjectOrderBy", _HERE),
        description="Projects this user owns.",
    )
