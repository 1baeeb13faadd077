"""Change ideas, driver diagrams (their aim and tree of drivers) and PDSA cycles with the
measures they watch.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08 01:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "driver_diagrams",
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("aim", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_driver_diagrams_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_driver_diagrams")),
        sa.UniqueConstraint("team_id", name=op.f("uq_driver_diagrams_team_id")),
    )
    with op.batch_alter_table("driver_diagrams", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_driver_diagrams_created_at"), ["created_at"], unique=False
        )

    op.create_table(
        "drivers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["drivers.id"],
            name=op.f("fk_drivers_parent_id_drivers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_drivers_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drivers")),
    )
    with op.batch_alter_table("drivers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_drivers_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_drivers_team_id"), ["team_id"], unique=False)

    op.create_table(
        "change_ideas",
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "origin",
            sa.Enum(
                "team",
                "staff_suggestion",
                "collaborative",
                "evidence",
                name="ideaorigin",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("driver_id", sa.Uuid(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "proposed",
                "testing",
                "adopted",
                "adapted",
                "abandoned",
                name="ideastatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("needs_funding", sa.Boolean(), nullable=False),
        sa.Column("theme", sa.String(length=200), nullable=True),
        sa.Column("external_refs", sa.JSON(), server_default="[]", nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["drivers.id"],
            name=op.f("fk_change_ideas_driver_id_drivers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_change_ideas_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_ideas")),
    )
    with op.batch_alter_table("change_ideas", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_change_ideas_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_change_ideas_driver_id"), ["driver_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_change_ideas_team_id"), ["team_id"], unique=False)

    op.create_table(
        "pdsa_cycles",
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("change_idea_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("objective", sa.Text(), nullable=True),
        sa.Column("prediction", sa.Text(), nullable=True),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("data_plan", sa.Text(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "doing",
                "studying",
                "done",
                name="cyclestatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("observations", sa.Text(), nullable=True),
        sa.Column("study", sa.Text(), nullable=True),
        sa.Column(
            "decision",
            sa.Enum("adopt", "adapt", "abandon", name="decision", native_enum=False, length=32),
            nullable=True,
        ),
        sa.Column("next_steps", sa.Text(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["change_idea_id"],
            ["change_ideas.id"],
            name=op.f("fk_pdsa_cycles_change_idea_id_change_ideas"),
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_pdsa_cycles_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pdsa_cycles")),
        sa.UniqueConstraint(
            "change_idea_id", "number", name=op.f("uq_pdsa_cycles_change_idea_id_number")
        ),
    )
    with op.batch_alter_table("pdsa_cycles", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pdsa_cycles_change_idea_id"), ["change_idea_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_pdsa_cycles_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_pdsa_cycles_team_id"), ["team_id"], unique=False)

    op.create_table(
        "pdsa_cycle_measures",
        sa.Column("pdsa_cycle_id", sa.Uuid(), nullable=False),
        sa.Column("measure_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["measure_id"], ["measures.id"], name=op.f("fk_pdsa_cycle_measures_measure_id_measures")
        ),
        sa.ForeignKeyConstraint(
            ["pdsa_cycle_id"],
            ["pdsa_cycles.id"],
            name=op.f("fk_pdsa_cycle_measures_pdsa_cycle_id_pdsa_cycles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pdsa_cycle_id", "measure_id", name=op.f("pk_pdsa_cycle_measures")),
    )
    with op.batch_alter_table("pdsa_cycle_measures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pdsa_cycle_measures_measure_id"), ["measure_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("pdsa_cycle_measures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pdsa_cycle_measures_measure_id"))

    op.drop_table("pdsa_cycle_measures")
    with op.batch_alter_table("pdsa_cycles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pdsa_cycles_team_id"))
        batch_op.drop_index(batch_op.f("ix_pdsa_cycles_created_at"))
        batch_op.drop_index(batch_op.f("ix_pdsa_cycles_change_idea_id"))

    op.drop_table("pdsa_cycles")
    with op.batch_alter_table("change_ideas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_ideas_team_id"))
        batch_op.drop_index(batch_op.f("ix_change_ideas_driver_id"))
        batch_op.drop_index(batch_op.f("ix_change_ideas_created_at"))

    op.drop_table("change_ideas")
    with op.batch_alter_table("drivers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_drivers_team_id"))
        batch_op.drop_index(batch_op.f("ix_drivers_parent_id"))

    op.drop_table("drivers")
    with op.batch_alter_table("driver_diagrams", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_driver_diagrams_created_at"))

    op.drop_table("driver_diagrams")
