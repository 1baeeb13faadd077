"""Request and response bodies for applications, reviews and the selection."""

import uuid
from typing import Annotated, Literal

from pydantic import MISSING, AfterValidator, Field

from app.applications.models import ApplicationStatus
from app.memberships.models import MembershipRole
from app.schemas import (
    Email,
    InputModel,
    LongText,
    Name,
    Number,
    ReadModel,
    ResourceRead,
    ShortText,
    WholeNumber,
    patch_field,
    text,
)
from app.teams.schemas import OrganisationIds, TeamRead

Aim = Annotated[str, text(4000, min_length=1, strip=False)]
Hours = Annotated[Number, Field(gt=0, le=200)]
# Shapes only; the collaborative's `max_team_size` is checked by the service (422 too).
MAX_PROPOSED = 50


class Sponsor(InputModel):
    name: Name
    job_title: ShortText | None = None
    email: Email


class SponsorRead(ReadModel):
    name: str
    job_title: str | None
    email: str


class ProposedMember(InputModel):
    member_id: uuid.UUID
    role: MembershipRole = MembershipRole.MEMBER


class ProposedMemberRead(ReadModel):
    member_id: uuid.UUID
    role: MembershipRole


def _one_lead(members: list[ProposedMember]) -> list[ProposedMember]:
    leads = sum(1 for member in members if member.role == MembershipRole.LEAD)
    if leads != 1:
        raise ValueError(f"exactly one member must have role `lead`; {leads} do")
    ids = [member.member_id for member in members]
    if len(set(ids)) != len(ids):
        raise ValueError("a member is proposed twice")
    return members


ProposedMembers = Annotated[
    list[ProposedMember],
    Field(
        min_length=1,
        max_length=MAX_PROPOSED,
        description="The proposed team, at most the collaborative's `max_team_size`, exactly"
        " one with role `lead`. Anyone but an admin must name themself as the lead.",
    ),
    AfterValidator(_one_lead),
]


class ApplicationCreate(InputModel):
    team_name: Name
    organisation_ids: OrganisationIds
    service_area: ShortText | None = None
    aim: Aim = Field(description="What the team wants to improve and why it matters to them.")
    sponsor: Sponsor = Field(description="The senior manager who releases the team's time.")
    time_commitment_hours_per_month: Hours
    members: ProposedMembers


class ApplicationUpdate(InputModel):
    team_name: Name = patch_field()
    organisation_ids: OrganisationIds = patch_field()
    service_area: ShortText | None = patch_field()
    aim: Aim = patch_field()
    sponsor: Sponsor = patch_field()
    time_commitment_hours_per_month: Hours = patch_field()
    members: ProposedMembers = patch_field()
    status: Literal[ApplicationStatus.WITHDRAWN] = patch_field(
        description="Only `withdrawn` may be sent: the applicant (or an admin) withdraws it."
        " Selection and declining are the panel's (POST .../selection)."
    )


class ApplicationRead(ResourceRead):
    collaborative_id: uuid.UUID
    team_name: str
    organisation_ids: list[uuid.UUID]
    service_area: str | None
    aim: str
    sponsor: SponsorRead
    time_commitment_hours_per_month: float
    members: list[ProposedMemberRead]
    status: ApplicationStatus
    score: float | None = Field(
        description="The weighted mean (by the criteria's weights) of each criterion's mean"
        " score over the reviews; null before the first review."
    )
    reviews: int = Field(validation_alias="reviews_count", description="How many reviews.")
    team_id: uuid.UUID | None = Field(description="The team it became, once selected.")
    # MISSING leaves these out of the JSON for anyone who may not see them (as on teams).
    lead_criterion_met: bool | MISSING | None = Field(
        default=MISSING,
        description="Shown only to admins and to the proposed lead: whether the lead is in a"
        " group the collaborative names as under-represented; null when unknown.",
    )
    override_reason: str | MISSING | None = Field(
        default=MISSING,
        description="Admins only: why the panel selected it although the lead rule was not met.",
    )


Score = Annotated[WholeNumber, Field(ge=1, le=5)]


class ReviewWrite(InputModel):
    scores: dict[Annotated[str, Field(max_length=40)], Score] = Field(
        description="Every criterion of the collaborative scored 1 to 5, by its code."
    )
    comment: LongText | None = None


class ReviewRead(ResourceRead):
    application_id: uuid.UUID
    reviewer: str = Field(description="The panel member's account, as `user:<id>`.")
    scores: dict[str, int]
    comment: str | None


def _distinct(ids: list[uuid.UUID]) -> list[uuid.UUID]:
    if len(set(ids)) != len(ids):
        raise ValueError("an application is named twice")
    return ids


class SelectionCreate(InputModel):
    selected: Annotated[
        list[uuid.UUID], Field(min_length=1, max_length=50), AfterValidator(_distinct)
    ] = Field(description="The applications that become teams, submitted or declined ones.")
    decline_others: bool = Field(
        default=False, description="Decline every other submitted application."
    )
    override_reasons: dict[uuid.UUID, Aim] = Field(
        default_factory=dict,
        max_length=50,
        description="Why a selected application whose lead rule is not met is selected all"
        " the same (kept on the application, audited).",
    )


class SelectionRead(ReadModel):
    teams: list[TeamRead]
    declined: list[uuid.UUID]
