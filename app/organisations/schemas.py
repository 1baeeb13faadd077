"""Request and response bodies for organisations."""

from typing import Annotated

from pydantic import Field, StringConstraints

from app.organisations.models import OrganisationKind
from app.schemas import InputModel, Name, ResourceRead, patch_field

# ODS codes: 3 characters for trusts and ICBs (RHQ, QF7), 5 for sites, 6 for GP practices.
OdsCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z0-9]{3,10}$"),
    Field(examples=["RHQ"], description="Organisation Data Service code."),
]


class OrganisationCreate(InputModel):
    ods_code: OdsCode
    name: Name
    kind: OrganisationKind


class OrganisationUpdate(InputModel):
    ods_code: OdsCode = patch_field()
    name: Name = patch_field()
    kind: OrganisationKind = patch_field()


class OrganisationRead(ResourceRead):
    ods_code: str
    name: str
    kind: OrganisationKind
