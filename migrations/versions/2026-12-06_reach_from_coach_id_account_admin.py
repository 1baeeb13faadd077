"""Coaches reach teams through the teams' coach_id; account and client administration.

- Coach accounts are linked to their member record (same email) and `coached_teams`, the copy
  of who coaches what, is dropped: a team's `coach_id` is the one truth.
- An account points at most at one member record, and one member record has at most one account.
- `users.must_change_password` (a password reset hands out a temporary password) and
  `clients.secret_version` (a rotated secret stops the access tokens issued with the old one).
- Scopes no route honours (`surveys:write`, `workforce:write`, `sync:run`) are taken off clients.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 23:50:00.000000
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REMOVED_SCOPES = {"surveys:write", "workforce:write", "sync:run"}


def _link_accounts_to_members() -> None:
    """An account without a member record takes the one with its email, where it is free."""
    connection = op.get_bind()
    connection.execute(
        sa.text(
            "UPDATE users SET member_id = (SELECT m.id FROM members m WHERE m.email = users.email)"
            " WHERE member_id IS NULL"
            " AND EXISTS (SELECT 1 FROM members m WHERE m.email = users.email)"
            " AND NOT EXISTS (SELECT 1 FROM users other JOIN members m ON m.id = other.member_id"
            "  WHERE m.email = users.email)"
        )
    )


def _drop_removed_scopes() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, scopes FROM clients")).all()
    for ident, stored in rows:
        scopes = json.loads(stored) if isinstance(stored, str) else list(stored or [])
        kept = [scope for scope in scopes if scope not in REMOVED_SCOPES]
        if kept != scopes:
            connection.execute(
                sa.text("UPDATE clients SET scopes = :scopes WHERE id = :id").bindparams(
                    sa.bindparam("scopes", type_=sa.JSON())
                ),
                {"scopes": kept, "id": ident},
            )


def upgrade() -> None:
    _link_accounts_to_members()
    with op.batch_alter_table("coached_teams", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_coached_teams_team_id"))
    op.drop_table("coached_teams")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_member_id"))
        batch_op.create_index(batch_op.f("ix_users_member_id"), ["member_id"], unique=True)
        batch_op.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("secret_version", sa.Integer(), server_default="1", nullable=False)
        )
    _drop_removed_scopes()


def downgrade() -> None:
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_column("secret_version")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("must_change_password")
        batch_op.drop_index(batch_op.f("ix_users_member_id"))
        batch_op.create_index(batch_op.f("ix_users_member_id"), ["member_id"], unique=False)
    op.create_table(
        "coached_teams",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_coached_teams_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_coached_teams_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "team_id", name=op.f("pk_coached_teams")),
    )
    with op.batch_alter_table("coached_teams", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_coached_teams_team_id"), ["team_id"], unique=False)
    # Who coaches what can be rebuilt from the teams themselves.
    op.get_bind().execute(
        sa.text(
            "INSERT INTO coached_teams (user_id, team_id) SELECT u.id, t.id FROM users u"
            " JOIN teams t ON t.coach_id = u.member_id WHERE u.role = 'coach'"
        )
    )
