"""Measures bound to extracts (`data_source`) and suppressed data points.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("measures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("data_source", sa.JSON(none_as_null=True), nullable=True))
    with op.batch_alter_table("data_points", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("suppressed", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_check_constraint(
            op.f("ck_data_points_suppressed_is_empty"),
            "NOT suppressed OR (value IS NULL AND numerator IS NULL AND denominator IS NULL)",
        )


def downgrade() -> None:
    with op.batch_alter_table("data_points", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_data_points_suppressed_is_empty"), type_="check")
        batch_op.drop_column("suppressed")
    with op.batch_alter_table("measures", schema=None) as batch_op:
        batch_op.drop_column("data_source")
