"""The teams table and the link from teams to their organisations."""

import uuid
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, String, Table, Text
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


class ExternalSystem(StrEnum):
    """The QI tools whose ids a team may carry (integrations.md)."""

    LIFEQI = "lifeqi"
    IMPROVEWELL = "improvewell"


class TeamExternalRef(Base):
    """One identifier another system uses for a team: an organisation's own (an ESR unit, a
    survey tool's team name), or a QI tool's. Exactly one of `ods_code` and `system` says
    whose it is. A pair belongs to one team of a collaborative: the teams service checks that
    under the collaborative's rule lock, since the key spans teams."""

    __tablename__ = "team_external_refs"
    __table_args__ = (CheckConstraint("(ods_code IS NULL) <> (system IS NULL)", name="one_owner"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    team_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), index=True
    )
    # The organisation's code itself, so a renamed code follows and a referenced
    # organisation cannot be removed.
    ods_code: Mapped[str | None] = mapped_column(
        String(10), ForeignKey("organisations.ods_code", onupdate="CASCADE"), index=True
    )
    system: Mapped[ExternalSystem | None] = mapped_column(enum_column(ExternalSystem))
    ref: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)  # the order the client gave


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

    # Loaded when read (lists load a page's refs in one query): most routes under a team
    # never look at them.
    external_refs: Mapped[list[TeamExternalRef]] = relationship(
        order_by=TeamExternalRef.position, cascade="all, delete-orphan"
    )

    @property
    def organisation_ids(self) -> list[uuid.UUID]:
        return [organisation.id for organisation in self.organisations]

    def __repr__(self) -> str:
        return f"Team({self.name!r})"
