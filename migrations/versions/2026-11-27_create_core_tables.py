"""Create the core tables: organisations, collaboratives, teams, members, measures, meetings.

Revision ID: 0001
Revises:
Create Date: 2026-11-27 00:58:53.254984
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "collaboratives",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("aim", sa.Text(), nullable=True),
        sa.Column("region", sa.String(length=200), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("max_teams", sa.Integer(), nullable=False),
        sa.Column("max_team_size", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "planning",
                "recruiting",
                "running",
                "completed",
                name="collaborativestatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collaboratives")),
    )
    with op.batch_alter_table("collaboratives", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_collaboratives_created_at"), ["created_at"], unique=False
        )

    op.create_table(
        "organisations",
        sa.Column("ods_code", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "trust",
                "icb",
                "primary_care",
                "other",
                name="organisationkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("ods_code", name=op.f("uq_organisations_ods_code")),
    )
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_organisations_created_at"), ["created_at"], unique=False
        )

    op.create_table(
        "meetings",
        sa.Column("collaborative_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "learning_session",
                "coaching",
                "showcase",
                "other",
                name="meetingkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("online_url", sa.String(length=2000), nullable=True),
        sa.Column("agenda", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["collaborative_id"],
            ["collaboratives.id"],
            name=op.f("fk_meetings_collaborative_id_collaboratives"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
    )
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meetings_collaborative_id"), ["collaborative_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_meetings_created_at"), ["created_at"], unique=False)

    op.create_table(
        "members",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("job_title", sa.String(length=200), nullable=True),
        sa.Column(
            "staff_group",
            sa.Enum(
                "medical_and_dental",
                "students",
                "nursing_and_midwifery_registered",
                "allied_health_professionals",
                "additional_professional_scientific_and_technical",
                "healthcare_scientists",
                "additional_clinical_services",
                "administrative_and_clerical",
                "estates_and_ancillary",
                "supplementary_roles",
                name="staffgroup",
                native_enum=False,
                length=64,
            ),
            nullable=True,
        ),
        sa.Column(
            "band",
            sa.Enum(
                "1",
                "2",
                "3",
                "4",
                "5",
                "6",
                "7",
                "8a",
                "8b",
                "8c",
                "8d",
                "9",
                "vsm",
                "not_afc",
                name="band",
                native_enum=False,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_members_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
        sa.UniqueConstraint("email", name=op.f("uq_members_email")),
    )
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_members_created_at"), ["created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_members_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "attendance",
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "present",
                "apologies",
                "absent",
                name="attendancestatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_attendance_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_attendance_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendance")),
        sa.UniqueConstraint(
            "meeting_id", "member_id", name=op.f("uq_attendance_meeting_id_member_id")
        ),
    )
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attendance_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_attendance_member_id"), ["member_id"], unique=False)

    op.create_table(
        "teams",
        sa.Column("collaborative_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("aim", sa.Text(), nullable=True),
        sa.Column("service_area", sa.String(length=200), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "applied",
                "selected",
                "active",
                "completed",
                "withdrawn",
                "declined",
                name="teamstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("coach_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["coach_id"], ["members.id"], name=op.f("fk_teams_coach_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id"],
            ["collaboratives.id"],
            name=op.f("fk_teams_collaborative_id_collaboratives"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.UniqueConstraint(
            "collaborative_id", "name", name=op.f("uq_teams_collaborative_id_name")
        ),
    )
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_teams_coach_id"), ["coach_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_teams_collaborative_id"), ["collaborative_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_teams_created_at"), ["created_at"], unique=False)

    op.create_table(
        "measures",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "outcome", "process", "balancing", name="measurekind", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("unit", sa.String(length=40), nullable=True),
        sa.Column(
            "chart",
            sa.Enum("xmr", "run", "p", "u", "c", name="charttype", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "improvement_direction",
            sa.Enum(
                "increase",
                "decrease",
                "neutral",
                name="improvementdirection",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("target", sa.Double(), nullable=True),
        sa.Column(
            "frequency",
            sa.Enum(
                "weekly", "monthly", "quarterly", name="frequency", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("numerator_definition", sa.Text(), nullable=True),
        sa.Column("denominator_definition", sa.Text(), nullable=True),
        sa.Column("collaborative_id", sa.Uuid(), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(collaborative_id IS NULL AND team_id IS NOT NULL) OR (collaborative_id IS NOT NULL AND team_id IS NULL)",
            name=op.f("ck_measures_one_owner"),
        ),
        sa.ForeignKeyConstraint(
            ["collaborative_id"],
            ["collaboratives.id"],
            name=op.f("fk_measures_collaborative_id_collaboratives"),
        ),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_measures_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measures")),
        sa.UniqueConstraint(
            "collaborative_id", "code", name=op.f("uq_measures_collaborative_id_code")
        ),
        sa.UniqueConstraint("team_id", "code", name=op.f("uq_measures_team_id_code")),
    )
    with op.batch_alter_table("measures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_measures_collaborative_id"), ["collaborative_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_measures_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_measures_team_id"), ["team_id"], unique=False)

    op.create_table(
        "memberships",
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column(
            "role",
            sa.Enum("lead", "member", name="membershiprole", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_memberships_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_memberships_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memberships")),
    )
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_memberships_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_memberships_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_memberships_team_id"), ["team_id"], unique=False)

    op.create_table(
        "team_organisations",
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_team_organisations_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_team_organisations_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("team_id", "organisation_id", name=op.f("pk_team_organisations")),
    )
    with op.batch_alter_table("team_organisations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_team_organisations_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "data_points",
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("measure_id", sa.Uuid(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("value", sa.Double(), nullable=True),
        sa.Column("numerator", sa.Double(), nullable=True),
        sa.Column("denominator", sa.Double(), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("source", sa.String(length=100), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["measure_id"], ["measures.id"], name=op.f("fk_data_points_measure_id_measures")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_data_points_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_points")),
        sa.UniqueConstraint(
            "team_id",
            "measure_id",
            "period_start",
            name=op.f("uq_data_points_team_id_measure_id_period_start"),
        ),
    )
    with op.batch_alter_table("data_points", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_data_points_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_data_points_measure_id"), ["measure_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("data_points", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_points_measure_id"))
        batch_op.drop_index(batch_op.f("ix_data_points_created_at"))

    op.drop_table("data_points")
    with op.batch_alter_table("team_organisations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_organisations_organisation_id"))

    op.drop_table("team_organisations")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_memberships_team_id"))
        batch_op.drop_index(batch_op.f("ix_memberships_member_id"))
        batch_op.drop_index(batch_op.f("ix_memberships_created_at"))

    op.drop_table("memberships")
    with op.batch_alter_table("measures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measures_team_id"))
        batch_op.drop_index(batch_op.f("ix_measures_created_at"))
        batch_op.drop_index(batch_op.f("ix_measures_collaborative_id"))

    op.drop_table("measures")
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_teams_created_at"))
        batch_op.drop_index(batch_op.f("ix_teams_collaborative_id"))
        batch_op.drop_index(batch_op.f("ix_teams_coach_id"))

    op.drop_table("teams")
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attendance_member_id"))
        batch_op.drop_index(batch_op.f("ix_attendance_created_at"))

    op.drop_table("attendance")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_members_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_members_created_at"))

    op.drop_table("members")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meetings_created_at"))
        batch_op.drop_index(batch_op.f("ix_meetings_collaborative_id"))

    op.drop_table("meetings")
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisations_created_at"))

    op.drop_table("organisations")
    with op.batch_alter_table("collaboratives", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_collaboratives_created_at"))

    op.drop_table("collaboratives")
