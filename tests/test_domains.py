"""The registry of domains (``aura.domains``) and what derives from it: scope names, root
fields, declared scope domains of types, and reverse relations a domain adds to another's
entities and types."""

from __future__ import annotations

from functools import cache

import pytest
import strawberry
from graphql import GraphQLObjectType, GraphQLSchema

from aura.api import build_schema
from aura.auth import scopes
from aura.config import Settings
from aura.db.mapping import REGISTRY, Entity, entity, extend, many, register, unresolved
from aura.db.tables.work import projects as projects_table
from aura.domains import DOMAINS, metadata, names
from aura.engine.relay import extend_type, related_field
from aura.engine.scopes import in_domain, own_domains, type_domains
from aura.schema.work.projects import Project

# Object types that carry no domain's data: readable with any scope.
DOMAIN_FREE = {"PageInfo"}


@cache
def schema() -> GraphQLSchema:
    return build_schema(Settings()).graphql_schema


def test_the_registry_is_the_list_of_domains() -> None:
    assert names() == (
        "accounts", "work", "orchestration", "teams", "vault", "estimation", "ports",
        "dataops", "knowledge",
    )  # fmt: skip
    assert scopes.domains() == names()
    for domain in DOMAINS:
        assert domain.types.__name__ == f"aura.schema.{domain.name}"
    # Alembic's metadata holds every domain's tables.
    for domain in DOMAINS:
        for table in vars(domain.tables).values():
            if hasattr(table, "c") and hasattr(table, "fullname"):
                assert table.fullname in metadata.tables


def test_scopes_name_registered_domains_only() -> None:
    assert scopes.normalize(["vault:read", "orchestration:write"]) == [
        "orchestration:write",
        "vault:read",
    ]
    with pytest.raises(ValueError, match="unknown scope 'payroll:read'"):
        scopes.normalize(["payroll:read"])


def test_every_root_field_has_a_domain() -> None:
    built = build_schema(Settings())
    for kind, root in (
        ("query", built.graphql_schema.query_type),
        ("mutation", built.graphql_schema.mutation_type),
    ):
        assert root is not None
        missing = set(root.fields) - set(built.root_domains(kind))
        assert not missing, f"{kind} fields of no domain: {sorted(missing)}"


def test_no_object_type_is_silently_domain_less() -> None:
    """Every object type is declared in a domain, or is a wrapper (connection, edge,
    subscription message) whose domain derives from the types it wraps."""
    graphql_schema = schema()
    declared = own_domains(graphql_schema)
    derived = type_domains(graphql_schema)
    roots = {"Query", "Mutation", "Subscription"}
    lacking = sorted(
        name
        for name, graphql_type in graphql_schema.type_map.items()
        if isinstance(graphql_type, GraphQLObjectType)
        and not name.startswith("__")
        and name not in roots | DOMAIN_FREE
        and name not in declared
        and not derived.get(name)
    )
    assert not lacking, f"object types of no domain (declare one): {lacking}"
    assert set(declared.values()) <= set(names())
    # wrappers count as their node's domain
    assert derived["PlanConnection"] == {"orchestration"}
    assert derived["SecretEdge"] == {"vault"}


@in_domain("payroll")
@strawberry.type(description="A probe of an unregistered domain.")
class Payslip:
    amount: int = strawberry.field(description="An amount.")


@strawberry.type
class PayrollQuery:
    payslip: Payslip = strawberry.field(description="A probe.")


def test_a_declared_domain_must_be_registered() -> None:
    with pytest.raises(ValueError, match="Payslip declares domain 'payroll'"):
        own_domains(strawberry.Schema(query=PayrollQuery)._schema)


def test_domains_add_their_reverse_relations() -> None:
    """``projects.plans`` and ``Project.plans`` come from orchestration's modules, not
    from work's."""
    assert entity("projects").relations["plans"].target == "plans"
    assert entity("projects").relations["secrets"].target == "secrets"
    assert entity("users").relations["projects"].target == "projects"
    assert entity("projects").field_columns["plans"] == ("id",)
    project = schema().type_map["Project"]
    assert isinstance(project, GraphQLObjectType)
    for name in ("plans", "events", "executionLogs", "secrets"):
        assert name in project.fields, name
    user = schema().type_map["User"]
    assert isinstance(user, GraphQLObjectType)
    assert "projects" in user.fields


def test_extending_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="projects already has a field plans"):
        extend("projects", many("plans", "plans", remote="project_id"))
    field = related_field("projects.owner", node=Project, description="A duplicate.")
    with pytest.raises(TypeError, match="Project already has a field owner"):
        extend_type(Project)(type("Duplicate", (), {"owner": field}))


def test_extend_waits_for_the_entity() -> None:
    """A domain module may load before the one whose entity it extends; until it does,
    the name is reported (the registry refuses to load with one left over)."""
    assert unresolved() == []
    extend("probe_later", many("others", "projects", remote="owner_id"))
    try:
        assert unresolved() == ["probe_later"]
        register(Entity("probe_later", projects_table))
        assert "others" in REGISTRY["probe_later"].relations
        assert unresolved() == []
    finally:
        REGISTRY.pop("probe_later", None)
