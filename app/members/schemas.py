"""Request and response bodies for members."""

import uuid
from typing import Annotated

from pydantic import AfterValidator

from app.members.models import Band, StaffGroup
from app.schemas import Email, InputModel, Name, ResourceRead, ShortText, patch_field

# Work emails are matched without regard to case.
WorkEmail = Annotated[Email, AfterValidator(str.lower)]


class MemberCreate(InputModel):
    name: Name
    email: WorkEmail
    organisation_id: uuid.UUID
    job_title: ShortText | None = None
    staff_group: StaffGroup | None = None
    band: Band | None = None


class MemberUpdate(InputModel):
    name: Name = patch_field()
    email: WorkEmail = patch_field()
    organisation_id: uuid.UUID = patch_field()
    job_title: ShortText | None = patch_field()
    staff_group: StaffGroup | None = patch_field()
    band: Band | None = patch_field()


class MemberRead(ResourceRead):
    name: str
    email: str
    organisation_id: uuid.UUID
    job_title: str | None
    staff_group: StaffGroup | None
    band: Band | None
