"""Imports: the record of each import, the teams and organisations it is about, and the
workforce months that workforce-monthly imports store.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 14:32:04.432815
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "imports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "survey-responses",
                "survey-counts",
                "workforce-monthly",
                "workforce-staff",
                name="importkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum("succeeded", "failed", name="importstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("collaborative_id", sa.Uuid(), nullable=False),
        sa.Column("survey", sa.String(length=50), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column("rows_read", sa.BigInteger(), nullable=False),
        sa.Column("rows_skipped", sa.BigInteger(), nullable=False),
        sa.Column("unmapped", sa.JSON(), nullable=False),
        sa.Column("teams", sa.JSON(), nullable=False),
        sa.Column("period_first", sa.Date(), nullable=True),
        sa.Column("period_last", sa.Date(), nullable=True),
        sa.Column("aggregates_written", sa.BigInteger(), nullable=False),
        sa.Column("cells_suppressed", sa.BigInteger(), nullable=False),
        sa.Column("points_written", sa.BigInteger(), nullable=False),
        sa.Column("typed_points_replaced", sa.BigInteger(), nullable=False),
        sa.Column("error_count", sa.BigInteger(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("warning_count", sa.BigInteger(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("ignored_columns", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["collaborative_id"],
            ["collaboratives.id"],
            name=op.f("fk_imports_collaborative_id_collaboratives"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imports")),
    )
    with op.batch_alter_table("imports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_imports_collaborative_id"), ["collaborative_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_imports_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_imports_created_by"), ["created_by"], unique=False)
        batch_op.create_index(batch_op.f("ix_imports_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_imports_status"), ["status"], unique=False)

    op.create_table(
        "import_organisations",
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["imports.id"],
            name=op.f("fk_import_organisations_import_id_imports"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_import_organisations_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "import_id", "organisation_id", name=op.f("pk_import_organisations")
        ),
    )
    with op.batch_alter_table("import_organisations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_import_organisations_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "import_teams",
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["imports.id"],
            name=op.f("fk_import_teams_import_id_imports"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_import_teams_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("import_id", "team_id", name=op.f("pk_import_teams")),
    )
    with op.batch_alter_table("import_teams", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_teams_team_id"), ["team_id"], unique=False)

    op.create_table(
        "workforce_months",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("headcount_start", sa.BigInteger(), nullable=False),
        sa.Column("headcount_end", sa.BigInteger(), nullable=False),
        sa.Column("starters", sa.BigInteger(), nullable=False),
        sa.Column("leavers", sa.BigInteger(), nullable=False),
        sa.Column("fte_start", sa.Double(), nullable=True),
        sa.Column("fte_end", sa.Double(), nullable=True),
        sa.Column("leavers_fte", sa.Double(), nullable=True),
        sa.Column("sickness_fte_days_lost", sa.Double(), nullable=True),
        sa.Column("fte_days_available", sa.Double(), nullable=True),
        sa.Column("establishment_fte", sa.Double(), nullable=True),
        sa.Column("vacancies_fte", sa.Double(), nullable=True),
        sa.Column("stable_headcount_12m", sa.BigInteger(), nullable=True),
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"], ["imports.id"], name=op.f("fk_workforce_months_import_id_imports")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_workforce_months_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workforce_months")),
        sa.UniqueConstraint("team_id", "month", name=op.f("uq_workforce_months_team_id_month")),
    )
    with op.batch_alter_table("workforce_months", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_workforce_months_import_id"), ["import_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("workforce_months", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workforce_months_import_id"))

    op.drop_table("workforce_months")
    with op.batch_alter_table("import_teams", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_teams_team_id"))

    op.drop_table("import_teams")
    with op.batch_alter_table("import_organisations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_organisations_organisation_id"))

    op.drop_table("import_organisations")
    with op.batch_alter_table("imports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_imports_status"))
        batch_op.drop_index(batch_op.f("ix_imports_kind"))
        batch_op.drop_index(batch_op.f("ix_imports_created_by"))
        batch_op.drop_index(batch_op.f("ix_imports_created_at"))
        batch_op.drop_index(batch_op.f("ix_imports_collaborative_id"))

    op.drop_table("imports")
