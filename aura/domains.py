"""The registry of domains: each domain named once, with its tables, mapping, types and
root classes. Everything that lists domains derives from ``DOMAINS``: the root Query and
Mutation (``aura.api``), the scope names tokens may carry (``aura.auth.scopes``), the
entity registry (``aura.db.mapping``), the table metadata Alembic compares against, and
the cross-tenant test matrix.

Importing this module imports every domain's modules; that is what registers their
tables in ``metadata``, their entities (and the reverse relations they add to other
domains' entities) in the mapping, and the fields they add to other domains' types
(``Project.plans``). Adding a domain is one line below; README.md, "Adding an entity or a
domain", lists the files the line names.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from aura.auth.scopes import register_domain
from aura.db.mapping import accounts as accounts_mapping
from aura.db.mapping import dataops as dataops_mapping
from aura.db.mapping import estimation as estimation_mapping
from aura.db.mapping import knowledge as knowledge_mapping
from aura.db.mapping import orchestration as orchestration_mapping
from aura.db.mapping import ports as ports_mapping
from aura.db.mapping import teams as teams_mapping
from aura.db.mapping import unresolved
from aura.db.mapping import vault as vault_mapping
from aura.db.mapping import work as work_mapping
from aura.db.tables import accounts as accounts_tables
from aura.db.tables import dataops as dataops_tables
from aura.db.tables import estimation as estimation_tables
from aura.db.tables import knowledge as knowledge_tables
from aura.db.tables import orchestration as orchestration_tables
from aura.db.tables import ports as ports_tables
from aura.db.tables import teams as teams_tables
from aura.db.tables import vault as vault_tables
from aura.db.tables import work as work_tables
from aura.db.tables.base import metadata
from aura.resolvers.accounts import AccountsMutation, AccountsQuery
from aura.resolvers.dataops import DataopsMutation, DataopsQuery
from aura.resolvers.estimation import EstimationMutation, EstimationQuery
from aura.resolvers.knowledge import KnowledgeMutation, KnowledgeQuery
from aura.resolvers.orchestration import OrchestrationMutation, OrchestrationQuery
from aura.resolvers.ports import PortsMutation, PortsQuery
from aura.resolvers.realtime import RealtimeSubscription
from aura.resolvers.teams import TeamsMutation, TeamsQuery
from aura.resolvers.vault import VaultMutation, VaultQuery
from aura.resolvers.work import WorkMutation, WorkQuery
from aura.schema import (
    accounts,
    dataops,
    estimation,
    knowledge,
    orchestration,
    ports,
    teams,
    vault,
    work,
)


@dataclass(frozen=True)
class Domain:
    """A domain: its name (the ``<name>:read|write`` scopes), its modules, its roots.

    ``tables`` (``aura.db.tables.<name>``), ``mapping`` (``aura.db.mapping.<name>``) and
    ``types`` (``aura.schema.<name>``) are named so that importing this registry loads
    them; ``query`` and ``mutation`` are its root classes (``aura.resolvers.<name>``).
    """

    name: str
    tables: ModuleType
    mapping: ModuleType
    types: ModuleType
    query: type
    mutation: type


# One line per domain: name, tables, mapping, types, root Query and Mutation classes.
# fmt: off
DOMAINS: tuple[Domain, ...] = (
    Domain("accounts", accounts_tables, accounts_mapping, accounts, AccountsQuery, AccountsMutation),  # noqa: E501
    Domain("work", work_tables, work_mapping, work, WorkQuery, WorkMutation),
    Domain("orchestration", orchestration_tables, orchestration_mapping, orchestration, OrchestrationQuery, OrchestrationMutation),  # noqa: E501
    Domain("teams", teams_tables, teams_mapping, teams, TeamsQuery, TeamsMutation),
    Domain("vault", vault_tables, vault_mapping, vault, VaultQuery, VaultMutation),
    Domain("estimation", estimation_tables, estimation_mapping, estimation, EstimationQuery, EstimationMutation),  # noqa: E501
    Domain("ports", ports_tables, ports_mapping, ports, PortsQuery, PortsMutation),
    Domain("dataops", dataops_tables, dataops_mapping, dataops, DataopsQuery, DataopsMutation),
    Domain("knowledge", knowledge_tables, knowledge_mapping, knowledge, KnowledgeQuery, KnowledgeMutation),  # noqa: E501
)
# fmt: on

# The realtime subscriptions span domains: each message type counts as the domain of the
# node it carries (``aura.engine.scopes``), so they belong to none.
SUBSCRIPTIONS: tuple[type, ...] = (RealtimeSubscription,)

for _domain in DOMAINS:
    register_domain(_domain.name)
if _pending := unresolved():
    raise RuntimeError(f"relations were added to entities no domain registers: {_pending}")


def root_classes() -> dict[str, dict[str, type]]:
    """Operation kind → domain → root class: what ``aura.engine.schema.AuraSchema`` reads
    to know which domain each root field is of."""
    return {
        "query": {d.name: d.query for d in DOMAINS},
        "mutation": {d.name: d.mutation for d in DOMAINS},
    }


def names() -> tuple[str, ...]:
    return tuple(d.name for d in DOMAINS)


__all__ = ["DOMAINS", "SUBSCRIPTIONS", "Domain", "metadata", "names", "root_classes"]
