"""Progress scores: a team's assessments on the IHI scale, by the team and by its coach.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 00:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "progress_scores",
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("half_points", sa.Integer(), nullable=False),
        sa.Column(
            "assessor",
            sa.Enum("team", "coach", name="assessor", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=True),
        sa.Column("rationale", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "half_points BETWEEN 1 AND 10", name=op.f("ck_progress_scores_on_the_scale")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_progress_scores_meeting_id_meetings"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_progress_scores_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_progress_scores")),
    )
    with op.batch_alter_table("progress_scores", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_progress_scores_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_progress_scores_meeting_id"), ["meeting_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_progress_scores_team_id"), ["team_id"], unique=False)
        batch_op.create_index(
            "uq_progress_scores_team_assessor_meeting",
            ["team_id", "assessor", "meeting_id"],
            unique=True,
            sqlite_where=sa.text("meeting_id IS NOT NULL"),
            postgresql_where=sa.text("meeting_id IS NOT NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("progress_scores", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_progress_scores_team_assessor_meeting",
            sqlite_where=sa.text("meeting_id IS NOT NULL"),
            postgresql_where=sa.text("meeting_id IS NOT NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_progress_scores_team_id"))
        batch_op.drop_index(batch_op.f("ix_progress_scores_meeting_id"))
        batch_op.drop_index(batch_op.f("ix_progress_scores_created_at"))

    op.drop_table("progress_scores")
