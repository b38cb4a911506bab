"""Shared column helpers for the domain tables."""

from __future__ import annotations

from enum import Enum

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from aura.db.enums import values

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
    }
)

JSONB = pg.JSONB(none_as_null=True)
UUID = pg.UUID(as_uuid=False)
TEXT_ARRAY = pg.ARRAY(sa.Text)
NOW = sa.text("now()")


def id_column() -> sa.Column:
    return sa.Column("id", UUID, primary_key=True, server_default=sa.text("gen_random_uuid()"))


def timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
    ]


def json_column(name: str, default: str = "{}") -> sa.Column:
    return sa.Column(name, JSONB, nullable=False, server_default=sa.text(f"'{default}'::jsonb"))


def text_array(name: str) -> sa.Column:
    return sa.Column(name, TEXT_ARRAY, nullable=False, server_default=sa.text("'{}'::text[]"))


def enum_column(
    name: str, enum: type[Enum], *, default: Enum | None = None, nullable: bool = False
) -> sa.Column:
    server_default = sa.text(f"'{default.value}'") if default is not None else None
    return sa.Column(name, sa.Text, nullable=nullable, server_default=server_default)


def enum_check(column: str, enum: type[Enum]) -> sa.CheckConstraint:
    allowed = ", ".join(f"'{v}'" for v in values(enum))
    return sa.CheckConstraint(f"{column} IN ({allowed})", name=f"{column}_valid")


def fk(column: str, target: str, *, ondelete: str, nullable: bool = True) -> sa.Column:
    return sa.Column(column, UUID, sa.ForeignKey(target, ondelete=ondelete), nullable=nullable)
