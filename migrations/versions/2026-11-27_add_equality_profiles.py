"""Add equality profiles, and the characteristics a collaborative's lead rule counts.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 02:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHARACTERISTICS = (
    "ethnic_category",
    "sex",
    "gender_identity",
    "sexual_orientation",
    "religion_or_belief",
    "disability",
    "age_band",
    "marriage_civil_partnership",
    "pregnancy_maternity",
)


def upgrade() -> None:
    with op.batch_alter_table("collaboratives", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("under_represented", sa.JSON(), server_default="[]", nullable=False)
        )
    op.create_table(
        "equality_profiles",
        sa.Column("member_id", sa.Uuid(), nullable=False),
        *(sa.Column(name, sa.String(length=32), nullable=True) for name in CHARACTERISTICS),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_equality_profiles_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_equality_profiles")),
    )


def downgrade() -> None:
    op.drop_table("equality_profiles")
    with op.batch_alter_table("collaboratives", schema=None) as batch_op:
        batch_op.drop_column("under_represented")
