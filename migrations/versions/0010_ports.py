"""Ports (seed 002, migration 003): port ranges, allocations, health checks and
reservations; the allocator functions, range and allocation checks, row-level security
and the port_range_utilization / active_port_allocations views.

Revision ID: 0010_ports
Revises: 0009_estimation
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from migrations.sql import ports as sql
from migrations.sql import run_script

revision: str = "0010_ports"
down_revision: str | None = "0009_estimation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "port_ranges",
        sa.Column(
            "id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column("range_name", sa.Text(), nullable=False),
        sa.Column("start_port", sa.Integer(), nullable=False),
        sa.Column("end_port", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column(
            "metadata",
            postgresql.JSONB(none_as_null=True, astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "end_port BETWEEN 1 AND 65535", name=op.f("ck_port_ranges_end_port_valid")
        ),
        sa.CheckConstraint(
            "length(btrim(range_name)) > 0", name=op.f("ck_port_ranges_range_name_not_blank")
        ),
        sa.CheckConstraint(
            "start_port <= end_port", name=op.f("ck_port_ranges_end_port_valid_order")
        ),
        sa.CheckConstraint(
            "start_port BETWEEN 1 AND 65535", name=op.f("ck_port_ranges_start_port_valid")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_port_ranges")),
        sa.UniqueConstraint("range_name", name=op.f("uq_port_ranges_range_name")),
    )
    op.create_index(op.f("ix_port_ranges_is_active"), "port_ranges", ["is_active"], unique=False)
    op.create_index(
        op.f("ix_port_ranges_start_port_end_port"),
        "port_ranges",
        ["start_port", "end_port"],
        unique=False,
    )
    op.create_table(
        "port_allocations",
        sa.Column(
            "id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column("project_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("port_range_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("port_number", sa.Integer(), nullable=False),
        sa.Column("service_name", sa.Text(), nullable=False),
        sa.Column("service_type", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), server_default=sa.text("'ALLOCATED'"), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=True),
        sa.Column("hostname", sa.Text(), server_default=sa.text("'localhost'"), nullable=False),
        sa.Column("protocol", sa.Text(), server_default=sa.text("'TCP'"), nullable=False),
        sa.Column(
            "metadata",
            postgresql.JSONB(none_as_null=True, astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "allocated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(status = 'RELEASED') = (released_at IS NOT NULL)",
            name=op.f("ck_port_allocations_released_at_valid"),
        ),
        sa.CheckConstraint(
            "protocol IN ('TCP', 'UDP')", name=op.f("ck_port_allocations_protocol_valid")
        ),
        sa.CheckConstraint(
            "status IN ('ALLOCATED', 'IN_USE', 'RELEASED')",
            name=op.f("ck_port_allocations_status_valid"),
        ),
        sa.CheckConstraint(
            "length(btrim(hostname)) > 0", name=op.f("ck_port_allocations_hostname_not_blank")
        ),
        sa.CheckConstraint(
            "length(btrim(service_name)) > 0",
            name=op.f("ck_port_allocations_service_name_not_blank"),
        ),
        sa.CheckConstraint(
            "port_number BETWEEN 1 AND 65535", name=op.f("ck_port_allocations_port_number_valid")
        ),
        sa.CheckConstraint(
            "process_id IS NULL OR process_id > 0",
            name=op.f("ck_port_allocations_process_id_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["port_range_id"],
            ["port_ranges.id"],
            name=op.f("fk_port_allocations_port_range_id"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_port_allocations_project_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_port_allocations")),
    )
    op.create_index(
        op.f("ix_port_allocations_hostname"), "port_allocations", ["hostname"], unique=False
    )
    op.create_index(
        op.f("ix_port_allocations_port_number"), "port_allocations", ["port_number"], unique=False
    )
    op.create_index(
        op.f("ix_port_allocations_port_range_id"),
        "port_allocations",
        ["port_range_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_port_allocations_project_id"), "port_allocations", ["project_id"], unique=False
    )
    op.create_index(
        op.f("ix_port_allocations_service_name"), "port_allocations", ["service_name"], unique=False
    )
    op.create_index(
        op.f("ix_port_allocations_status"), "port_allocations", ["status"], unique=False
    )
    op.create_index(
        "ix_port_allocations_active_host_port",
        "port_allocations",
        ["hostname", "protocol", "port_number"],
        unique=False,
        postgresql_where=sa.text("status <> 'RELEASED'"),
    )
    op.create_index(
        "uq_port_allocations_active_port",
        "port_allocations",
        ["port_number", "hostname", "protocol"],
        unique=True,
        postgresql_where=sa.text("status <> 'RELEASED'"),
    )
    op.create_table(
        "port_reservations",
        sa.Column(
            "id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column("project_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("port_range_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("port_number", sa.Integer(), nullable=False),
        sa.Column("service_name", sa.Text(), nullable=False),
        sa.Column("reserved_by", sa.Text(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "metadata",
            postgresql.JSONB(none_as_null=True, astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "length(btrim(service_name)) > 0",
            name=op.f("ck_port_reservations_service_name_not_blank"),
        ),
        sa.CheckConstraint(
            "port_number BETWEEN 1 AND 65535", name=op.f("ck_port_reservations_port_number_valid")
        ),
        sa.ForeignKeyConstraint(
            ["port_range_id"],
            ["port_ranges.id"],
            name=op.f("fk_port_reservations_port_range_id"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_port_reservations_project_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_port_reservations")),
    )
    op.create_index(
        op.f("ix_port_reservations_expires_at"), "port_reservations", ["expires_at"], unique=False
    )
    op.create_index(
        op.f("ix_port_reservations_port_number"), "port_reservations", ["port_number"], unique=False
    )
    op.create_index(
        op.f("ix_port_reservations_port_range_id"),
        "port_reservations",
        ["port_range_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_port_reservations_project_id"), "port_reservations", ["project_id"], unique=False
    )
    op.create_table(
        "port_health_checks",
        sa.Column(
            "id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column("port_allocation_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("check_type", sa.Text(), server_default=sa.text("'tcp'"), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("response_time_ms", sa.Integer(), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column(
            "metadata",
            postgresql.JSONB(none_as_null=True, astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "checked_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('HEALTHY', 'UNHEALTHY', 'TIMEOUT')",
            name=op.f("ck_port_health_checks_status_valid"),
        ),
        sa.CheckConstraint(
            "length(btrim(check_type)) > 0", name=op.f("ck_port_health_checks_check_type_not_blank")
        ),
        sa.CheckConstraint(
            "response_time_ms IS NULL OR response_time_ms >= 0",
            name=op.f("ck_port_health_checks_response_time_ms_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["port_allocation_id"],
            ["port_allocations.id"],
            name=op.f("fk_port_health_checks_port_allocation_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_port_health_checks")),
    )
    op.create_index(
        op.f("ix_port_health_checks_checked_at"), "port_health_checks", ["checked_at"], unique=False
    )
    op.create_index(
        op.f("ix_port_health_checks_port_allocation_id"),
        "port_health_checks",
        ["port_allocation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_port_health_checks_status"), "port_health_checks", ["status"], unique=False
    )

    run_script(sql.AFTER_TABLES)


def downgrade() -> None:
    run_script(sql.DROP_BEHAVIOUR)
    op.drop_index(op.f("ix_port_health_checks_status"), table_name="port_health_checks")
    op.drop_index(op.f("ix_port_health_checks_port_allocation_id"), table_name="port_health_checks")
    op.drop_index(op.f("ix_port_health_checks_checked_at"), table_name="port_health_checks")
    op.drop_table("port_health_checks")
    op.drop_index(op.f("ix_port_reservations_project_id"), table_name="port_reservations")
    op.drop_index(op.f("ix_port_reservations_port_range_id"), table_name="port_reservations")
    op.drop_index(op.f("ix_port_reservations_port_number"), table_name="port_reservations")
    op.drop_index(op.f("ix_port_reservations_expires_at"), table_name="port_reservations")
    op.drop_table("port_reservations")
    op.drop_index(
        "ix_port_allocations_active_host_port",
        table_name="port_allocations",
        postgresql_where=sa.text("status <> 'RELEASED'"),
    )
    op.drop_index(
        "uq_port_allocations_active_port",
        table_name="port_allocations",
        postgresql_where=sa.text("status <> 'RELEASED'"),
    )
    op.drop_index(op.f("ix_port_allocations_status"), table_name="port_allocations")
    op.drop_index(op.f("ix_port_allocations_service_name"), table_name="port_allocations")
    op.drop_index(op.f("ix_port_allocations_project_id"), table_name="port_allocations")
    op.drop_index(op.f("ix_port_allocations_port_range_id"), table_name="port_allocations")
    op.drop_index(op.f("ix_port_allocations_port_number"), table_name="port_allocations")
    op.drop_index(op.f("ix_port_allocations_hostname"), table_name="port_allocations")
    op.drop_table("port_allocations")
    op.drop_index(op.f("ix_port_ranges_start_port_end_port"), table_name="port_ranges")
    op.drop_index(op.f("ix_port_ranges_is_active"), table_name="port_ranges")
    op.drop_table("port_ranges")
