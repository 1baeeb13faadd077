"""Add chart settings: rebase dates of a team's series, and a measure's `multiply`.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 01:18:37.008436
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("measures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("multiply", sa.Double(), server_default="1", nullable=False))
    op.create_table(
        "rebases",
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("measure_id", sa.Uuid(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["measure_id"], ["measures.id"], name=op.f("fk_rebases_measure_id_measures")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_rebases_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rebases")),
        sa.UniqueConstraint(
            "team_id",
            "measure_id",
            "starts_on",
            name=op.f("uq_rebases_team_id_measure_id_starts_on"),
        ),
    )
    with op.batch_alter_table("rebases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rebases_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_rebases_measure_id"), ["measure_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("rebases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rebases_measure_id"))
        batch_op.drop_index(batch_op.f("ix_rebases_created_at"))

    op.drop_table("rebases")
    with op.batch_alter_table("measures", schema=None) as batch_op:
        batch_op.drop_column("multiply")
