"""Request and response bodies for team memberships."""

import uuid
from datetime import date

from pydantic import Field

from app.memberships.models import MembershipRole
from app.schemas import InputModel, JsonDate, ResourceRead, patch_field


class MembershipCreate(InputModel):
    member_id: uuid.UUID
    role: MembershipRole
    joined_on: JsonDate | None = Field(default=None, description="Defaults to today.")
    left_on: JsonDate | None = None


class MembershipUpdate(InputModel):
    role: MembershipRole = patch_field()
    joined_on: JsonDate = patch_field()
    left_on: JsonDate | None = patch_field(description="Set to record that the member left.")


class MembershipRead(ResourceRead):
    team_id: uuid.UUID
    member_id: uuid.UUID
    role: MembershipRole
    joined_on: date
    left_on: date | None
    current: bool = Field(description="True unless the member has left (left_on today or before).")
