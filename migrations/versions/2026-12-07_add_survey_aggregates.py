"""Stored survey aggregates per team, survey, period and group, and the keyed hashes of the
response ids each (team, survey, period) slice has counted.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "survey_aggregates",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("survey", sa.String(length=50), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("group_type", sa.String(length=100), nullable=False),
        sa.Column("group_value", sa.String(length=100), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column(
            "source",
            sa.Enum("responses", "counts", name="source", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("import_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_survey_aggregates_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_aggregates")),
        sa.UniqueConstraint(
            "team_id",
            "survey",
            "period_start",
            "group_type",
            "group_value",
            name="uq_survey_aggregates_slice_group",
        ),
    )
    with op.batch_alter_table("survey_aggregates", schema=None) as batch_op:
        batch_op.create_index(
            "ix_survey_aggregates_survey_period", ["survey", "period_start", "group_type"]
        )
        batch_op.create_index("ix_survey_aggregates_team_period", ["team_id", "period_start", "id"])
    op.create_table(
        "survey_response_hashes",
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("survey", sa.String(length=50), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("digest", sa.LargeBinary(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_survey_response_hashes_team_id_teams")
        ),
        sa.PrimaryKeyConstraint(
            "team_id", "survey", "period_start", "digest", name=op.f("pk_survey_response_hashes")
        ),
    )


def downgrade() -> None:
    op.drop_table("survey_response_hashes")
    with op.batch_alter_table("survey_aggregates", schema=None) as batch_op:
        batch_op.drop_index("ix_survey_aggregates_team_period")
        batch_op.drop_index("ix_survey_aggregates_survey_period")
    op.drop_table("survey_aggregates")
