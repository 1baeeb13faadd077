"""The memberships table: a member's time in a team, in a role."""

import uuid
from datetime import date
from enum import StrEnum

from sqlalchemy import BindParameter, ColumnElement, ForeignKey, or_
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import today
from app.db import Base, Resource, enum_column


class MembershipRole(StrEnum):
    LEAD = "lead"
    MEMBER = "member"


class Membership(Resource, Base):
    __tablename__ = "memberships"

    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id"), index=True)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"), index=True)
    role: Mapped[MembershipRole] = mapped_column(enum_column(MembershipRole))
    joined_on: Mapped[date]
    left_on: Mapped[date | None]

    def is_current(self, on: date) -> bool:
        """Current until the day they leave; someone booked to join later already counts."""
        return self.left_on is None or self.left_on > on

    @classmethod
    def is_current_clause(cls, on: date | BindParameter[date] | None = None) -> ColumnElement[bool]:
        """The SQL form of is_current(on), today unless given (a bind parameter for a statement
        built once and run on many days)."""
        return or_(cls.left_on.is_(None), cls.left_on > (today() if on is None else on))

    @property
    def current(self) -> bool:
        return self.is_current(today())

    def __repr__(self) -> str:
        return f"Membership(team={self.team_id}, member={self.member_id}, {self.role})"
