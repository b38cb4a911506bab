"""The API: root Query, Mutation and Subscription composed once from the domains."""

from __future__ import annotations

import logging
from datetime import datetime

from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from aura.config import Settings
from aura.engine.docs import derive_descriptions
from aura.engine.executor import LeanExecutor, accelerate
from aura.engine.limits import (
    Limits,
)
from aura.engine.scalars import SCALAR_OVERRIDES, DateTime
from aura.engine.schema import AuraSchema
from aura.resolvers.accounts import AccountsMutation, AccountsQuery
from aura.resolvers.orchestration import OrchestrationMutation, OrchestrationQuery
from aura.resolvers.realtime import RealtimeSubscription
from aura.resolvers.teams import TeamsMutation, TeamsQuery
from aura.resolvers.vault import VaultMutation, VaultQuery
from aura.resolvers.work import WorkMutation, WorkQuery

log = logging.getLogger(__name__)

# The root fields of each domain: the domain classes, by operation kind.
DOMAIN_ROOTS: dict[str, dict[str, type]] = {
    "query": {
        "accounts": AccountsQuery,
        "work": WorkQuery,
        "orchestration": OrchestrationQuery,
        "teams": TeamsQuery,
        "vault": VaultQuery,
    },
    "mutation": {
        "accounts": AccountsMutation,
        "work": WorkMutation,
        "orchestration": OrchestrationMutation,
        "teams": TeamsMutation,
        "vault": VaultMutation,
    },
}

Query = merge_types("Query", tuple(DOMAIN_ROOTS["query"].values()))
Mutation = merge_types("Mutation", tuple(DOMAIN_ROOTS["mutation"].values()))
Subscription = merge_types("Subscription", (RealtimeSubscription,))


def build_schema(settings: Settings) -> AuraSchema:
    schema = AuraSchema(
        root_classes=DOMAIN_ROOTS,
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        introspection=settings.introspection,
        limits=Limits.from_settings(settings),
        execution_context_class=LeanExecutor,
        scalar_overrides=SCALAR_OVERRIDES,
        config=StrawberryConfig(scalar_map={datetime: DateTime}),
    )
    accelerate(schema)
    derive_descriptions(schema._schema)
    return schema


def printed_schema() -> str:
    """The SDL clients code against; committed as ``schema.graphql``."""
    return build_schema(Settings()).as_str() + "\n"
