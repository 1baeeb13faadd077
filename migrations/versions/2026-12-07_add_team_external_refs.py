"""Team external references: what a trust's systems or a QI tool call a team.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 06:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "team_external_refs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("ods_code", sa.String(length=10), nullable=True),
        sa.Column(
            "system",
            sa.Enum("lifeqi", "improvewell", name="externalsystem", native_enum=False, length=32),
            nullable=True,
        ),
        sa.Column("ref", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(ods_code IS NULL) <> (system IS NULL)",
            name=op.f("ck_team_external_refs_one_owner"),
        ),
        sa.ForeignKeyConstraint(
            ["ods_code"],
            ["organisations.ods_code"],
            name=op.f("fk_team_external_refs_ods_code_organisations"),
            onupdate="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_team_external_refs_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_external_refs")),
    )
    with op.batch_alter_table("team_external_refs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_external_refs_team_id"), ["team_id"])
        batch_op.create_index(batch_op.f("ix_team_external_refs_ods_code"), ["ods_code"])


def downgrade() -> None:
    with op.batch_alter_table("team_external_refs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_external_refs_ods_code"))
        batch_op.drop_index(batch_op.f("ix_team_external_refs_team_id"))
    op.drop_table("team_external_refs")
