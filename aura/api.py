"""The API: root Query, Mutation and Subscription composed once from the registry of
domains (``aura.domains``)."""

from __future__ import annotations

import logging

from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from aura.config import Settings
from aura.domains import DOMAINS, SUBSCRIPTIONS, root_classes
from aura.engine.compiler import Compiler
from aura.engine.docs import derive_descriptions
from aura.engine.executor import LeanExecutor, accelerate
from aura.engine.limits import Limits
from aura.engine.node import NodeQuery
from aura.engine.scalars import SCALAR_MAP, SCALAR_OVERRIDES
from aura.engine.schema import AuraSchema

log = logging.getLogger(__name__)

# ``node``/``nodes`` belong to no domain: they check the scope of the type they find.
Query = merge_types("Query", (*(d.query for d in DOMAINS), NodeQuery))
Mutation = merge_types("Mutation", tuple(d.mutation for d in DOMAINS))
Subscription = merge_types("Subscription", SUBSCRIPTIONS)


def _root_classes() -> dict[str, dict[str, type]]:
    # ``node``/``nodes`` are of the domain "" (no scope of their own): they check the
    # scope of the type each global ID names (``aura.engine.node``).
    classes = root_classes()
    return {**classes, "query": {**classes["query"], "": NodeQuery}}


def build_schema(settings: Settings) -> AuraSchema:
    schema = AuraSchema(
        root_classes=_root_classes(),
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        introspection=settings.introspection,
        limits=Limits.from_settings(settings),
        execution_context_class=LeanExecutor,
        scalar_overrides=SCALAR_OVERRIDES,
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
    )
    accelerate(schema)
    derive_descriptions(schema.graphql_schema)
    if settings.compiled_queries:
        schema.compiler = Compiler(
            schema,
            default_page_size=settings.default_page_size,
            max_page_size=settings.max_page_size,
        )
    return schema


def printed_schema() -> str:
    """The SDL clients code against; committed as ``schema.graphql``."""
    return build_schema(Settings()).as_str() + "\n"
