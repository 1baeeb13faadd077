"""The teams table and the link from teams to their organisations."""

import uuid
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.collaboratives.statuses import TeamStatus
from app.db import Base, Resource, enum_column, unique
from app.errors import Duplicate

if TYPE_CHECKING:
    from app.organisations.models import Organisation


team_organisations = Table(
    "team_organisations",
    Base.metadata,
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id"), primary_key=True, index=True),
)


NAME_TAKEN = Duplicate(
    "duplicate-team-name", "The collaborative already has a team with this name.", ("name",)
)


class Team(Resource, Base):
    __tablename__ = "teams"
    __table_args__ = (unique("collaborative_id", "name", duplicate=NAME_TAKEN),)

    collaborative_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("collaboratives.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    aim: Mapped[str | None] = mapped_column(Text)
    service_area: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[TeamStatus] = mapped_column(enum_column(TeamStatus), default=TeamStatus.APPLIED)
    coach_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("members.id"), index=True)

    organisations: Mapped[list["Organisation"]] = relationship(
        secondary=team_organisations, lazy="selectin", order_by="Organisation.ods_code"
    )

    @property
    def organisation_ids(self) -> list[uuid.UUID]:
        return [organisation.id for organisation in self.organisations]

    def __repr__(self) -> str:
        return f"Team({self.name!r})"
