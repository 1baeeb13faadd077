"""Applications to a collaborative, their proposed members and organisations, the panel's
reviews, and the collaborative's application window, selection criteria and selection day.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08 00:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "applications",
        sa.Column("collaborative_id", sa.Uuid(), nullable=False),
        sa.Column("team_name", sa.String(length=200), nullable=False),
        sa.Column("service_area", sa.String(length=200), nullable=True),
        sa.Column("aim", sa.Text(), nullable=False),
        sa.Column("sponsor_name", sa.String(length=200), nullable=False),
        sa.Column("sponsor_job_title", sa.String(length=200), nullable=True),
        sa.Column("sponsor_email", sa.String(length=254), nullable=False),
        sa.Column("time_commitment_hours_per_month", sa.Float(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "submitted",
                "withdrawn",
                "selected",
                "declined",
                name="applicationstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("submitted_by", sa.String(length=100), nullable=False),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("reviews_count", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Float(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["collaborative_id"],
            ["collaboratives.id"],
            name=op.f("fk_applications_collaborative_id_collaboratives"),
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_applications_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
    )
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_applications_collaborative_id"), ["collaborative_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_applications_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_applications_rank"), ["rank"], unique=False)
        batch_op.create_index(batch_op.f("ix_applications_team_id"), ["team_id"], unique=False)

    op.create_table(
        "application_members",
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column(
            "role",
            sa.Enum("lead", "member", name="membershiprole", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_application_members_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_application_members_member_id_members")
        ),
        sa.PrimaryKeyConstraint("application_id", "member_id", name=op.f("pk_application_members")),
    )
    with op.batch_alter_table("application_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_application_members_member_id"), ["member_id"], unique=False
        )

    op.create_table(
        "application_organisations",
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_application_organisations_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_application_organisations_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint(
            "application_id", "organisation_id", name=op.f("pk_application_organisations")
        ),
    )
    with op.batch_alter_table("application_organisations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_application_organisations_organisation_id"),
            ["organisation_id"],
            unique=False,
        )

    op.create_table(
        "application_reviews",
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("reviewer", sa.String(length=100), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_application_reviews_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_reviews")),
        sa.UniqueConstraint(
            "application_id",
            "reviewer",
            name=op.f("uq_application_reviews_application_id_reviewer"),
        ),
    )
    with op.batch_alter_table("application_reviews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_application_reviews_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_application_reviews_created_at"), ["created_at"], unique=False
        )

    with op.batch_alter_table("collaboratives", schema=None) as batch_op:
        batch_op.add_column(sa.Column("applications_close_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("selection_criteria", sa.JSON(), server_default="[]", nullable=False)
        )
        batch_op.add_column(sa.Column("selected_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("collaboratives", schema=None) as batch_op:
        batch_op.drop_column("selected_on")
        batch_op.drop_column("selection_criteria")
        batch_op.drop_column("applications_close_on")

    with op.batch_alter_table("application_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_application_reviews_created_at"))
        batch_op.drop_index(batch_op.f("ix_application_reviews_application_id"))

    op.drop_table("application_reviews")
    with op.batch_alter_table("application_organisations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_application_organisations_organisation_id"))

    op.drop_table("application_organisations")
    with op.batch_alter_table("application_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_application_members_member_id"))

    op.drop_table("application_members")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_applications_team_id"))
        batch_op.drop_index(batch_op.f("ix_applications_rank"))
        batch_op.drop_index(batch_op.f("ix_applications_created_at"))
        batch_op.drop_index(batch_op.f("ix_applications_collaborative_id"))

    op.drop_table("applications")
