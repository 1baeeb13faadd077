"""Add sign-in attempts: recorded before the credentials are checked, counted by the limits.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 21:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_attempts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("grant", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=254), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_attempts")),
    )
    op.create_index(
        "ix_sign_in_attempts_grant_subject_at",
        "sign_in_attempts",
        ["grant", "subject", "attempted_at"],
    )
    op.create_index(
        "ix_sign_in_attempts_grant_address_at",
        "sign_in_attempts",
        ["grant", "address", "attempted_at"],
    )
    op.create_index(op.f("ix_sign_in_attempts_attempted_at"), "sign_in_attempts", ["attempted_at"])


def downgrade() -> None:
    op.drop_table("sign_in_attempts")
