"""The applications, their proposed members and organisations, and the panel's reviews."""

import uuid
from enum import StrEnum

from sqlalchemy import JSON, Column, Float, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, Resource, enum_column, unique
from app.errors import Duplicate
from app.memberships.models import MembershipRole
from app.organisations.models import Organisation


class ApplicationStatus(StrEnum):
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"
    SELECTED = "selected"
    DECLINED = "declined"


# What an unreviewed application sorts as in `?order=score` (scores run from 1 to 5): last.
UNSCORED = -1.0

application_organisations = Table(
    "application_organisations",
    Base.metadata,
    Column("application_id", ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id"), primary_key=True, index=True),
)


class ApplicationMember(Base):
    """A person the application proposes, in the order given; exactly one is the lead."""

    __tablename__ = "application_members"

    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("members.id"), primary_key=True, index=True
    )
    role: Mapped[MembershipRole] = mapped_column(enum_column(MembershipRole))
    position: Mapped[int] = mapped_column(Integer)


class Application(Resource, Base):
    __tablename__ = "applications"

    collaborative_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("collaboratives.id"), index=True)
    team_name: Mapped[str] = mapped_column(String(200))
    service_area: Mapped[str | None] = mapped_column(String(200))
    aim: Mapped[str] = mapped_column(Text)
    sponsor_name: Mapped[str] = mapped_column(String(200))
    sponsor_job_title: Mapped[str | None] = mapped_column(String(200))
    sponsor_email: Mapped[str] = mapped_column(String(254))
    time_commitment_hours_per_month: Mapped[float] = mapped_column(Float)
    status: Mapped[ApplicationStatus] = mapped_column(
        enum_column(ApplicationStatus), default=ApplicationStatus.SUBMITTED
    )
    # Who submitted it ("user:<id>"): an applicant sees the applications they submitted.
    submitted_by: Mapped[str] = mapped_column(String(100))
    # Why the panel selected it although its lead rule was not met (audited when set).
    override_reason: Mapped[str | None] = mapped_column(Text)
    # The team it became, once selected.
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id"), index=True)
    # The weighted mean of its reviews (kept as reviews and criteria change), and how many.
    score: Mapped[float | None] = mapped_column(Float)
    reviews_count: Mapped[int] = mapped_column(Integer, default=0)
    # `score`, or UNSCORED: the key `?order=score` pages on.
    rank: Mapped[float] = mapped_column(Float, default=UNSCORED, index=True)

    organisations: Mapped[list[Organisation]] = relationship(
        secondary=application_organisations,
        lazy="selectin",
        order_by="Organisation.ods_code",
    )
    members: Mapped[list[ApplicationMember]] = relationship(
        order_by=ApplicationMember.position, cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def organisation_ids(self) -> list[uuid.UUID]:
        return [organisation.id for organisation in self.organisations]

    @property
    def lead_id(self) -> uuid.UUID | None:
        leads = [m.member_id for m in self.members if m.role == MembershipRole.LEAD]
        return leads[0] if leads else None

    @property
    def sponsor(self) -> dict[str, str | None]:
        return {
            "name": self.sponsor_name,
            "job_title": self.sponsor_job_title,
            "email": self.sponsor_email,
        }

    def __repr__(self) -> str:
        return f"Application({self.team_name!r}, {self.status})"


REVIEWED = Duplicate(
    "duplicate-review", "This reviewer has already reviewed the application.", ("reviewer",)
)


class ApplicationReview(Resource, Base):
    """One panel member's scores of one application: {criterion code: 1..5}."""

    __tablename__ = "application_reviews"
    __table_args__ = (unique("application_id", "reviewer", duplicate=REVIEWED),)

    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    reviewer: Mapped[str] = mapped_column(String(100))  # "user:<id>"
    scores: Mapped[dict[str, int]] = mapped_column(JSON)
    comment: Mapped[str | None] = mapped_column(Text)
