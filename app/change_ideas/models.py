"""The change_ideas table, and a team's driver diagram: its aim and its tree of drivers."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Resource, enum_column, utc_now


class IdeaOrigin(StrEnum):
    TEAM = "team"
    STAFF_SUGGESTION = "staff_suggestion"
    COLLABORATIVE = "collaborative"
    EVIDENCE = "evidence"


class IdeaStatus(StrEnum):
    PROPOSED = "proposed"
    TESTING = "testing"
    ADOPTED = "adopted"
    ADAPTED = "adapted"
    ABANDONED = "abandoned"


class DriverDiagram(Resource, Base):
    """A team's diagram: its aim; its version moves with every PUT of the tree."""

    __tablename__ = "driver_diagrams"
    ETAG_KIND = "driver-diagram"

    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id"), unique=True)
    aim: Mapped[str | None] = mapped_column(Text)


class Driver(Base):
    """A node of a team's diagram: a primary driver (no parent) or a secondary one."""

    __tablename__ = "drivers"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id"), index=True)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("drivers.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(500))
    position: Mapped[int] = mapped_column(Integer)


class ChangeIdea(Resource, Base):
    __tablename__ = "change_ideas"

    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    origin: Mapped[IdeaOrigin] = mapped_column(enum_column(IdeaOrigin))
    # A secondary driver of the team's diagram; a PUT that removes it leaves this null.
    driver_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("drivers.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[IdeaStatus] = mapped_column(enum_column(IdeaStatus))
    # When the status last changed, by a person or by a finished cycle: the later event wins.
    status_changed_at: Mapped[datetime] = mapped_column(default=utc_now)
    shared: Mapped[bool] = mapped_column(default=False)
    needs_funding: Mapped[bool] = mapped_column(default=False)
    theme: Mapped[str | None] = mapped_column(String(200))
    # [{"system": "improvewell", "ref": "<id>"}]: the id it has in another tool.
    external_refs: Mapped[list[dict[str, str]]] = mapped_column(
        JSON, default=list, server_default="[]"
    )
