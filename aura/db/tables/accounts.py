"""Accounts domain: people and their roles (seeds 001, 003, 004)."""

import sqlalchemy as sa

from aura.db.enums import UserRole
from aura.db.tables.base import enum_check, enum_column, id_column, metadata, timestamps

users = sa.Table(
    "users",
    metadata,
    id_column(),
    sa.Column("email", sa.Text, nullable=False),
    sa.Column("display_name", sa.Text),
    enum_column("role", UserRole, default=UserRole.PENDING),
    sa.Column("must_reset_password", sa.Boolean, nullable=False, server_default=sa.false()),
    *timestamps(),
    enum_check("role", UserRole),
    sa.CheckConstraint("email ~ '^[^@\\s]+@[^@\\s]+$'", name="email_format"),
    sa.Index(
        "uq_users_email_lower", sa.text("lower(email)"), unique=True, info={"columns": ["email"]}
    ),
)
