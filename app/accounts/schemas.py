"""Request and response bodies for accounts, password changes and /me."""

import uuid
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

from app.auth.models import Role, Scope
from app.collaboratives.statuses import TeamStatus
from app.members.schemas import MemberRead
from app.schemas import Email, InputModel, ResourceRead, patch_field

AccountEmail = Annotated[Email, AfterValidator(str.lower)]
Password = Annotated[str, Field(max_length=1000)]


class AccountCreate(InputModel):
    email: AccountEmail = Field(
        description="The person's work email; coaches and members need a member record with it."
    )
    role: Role


class AccountUpdate(InputModel):
    role: Role = patch_field()
    disabled: bool = patch_field(description="A disabled account's tokens stop at once.")


class AccountRead(ResourceRead):
    email: str
    role: Role
    member_id: uuid.UUID | None = Field(description="The member record with the same email.")
    disabled: bool
    must_change_password: bool = Field(
        description="After a reset: only GET /me and POST /me/password answer until it is changed."
    )


class AccountWithPassword(BaseModel):
    account: AccountRead
    temporary_password: str = Field(
        description="Shown only now; the person must choose a new one at their first sign-in."
    )


class PasswordChange(InputModel):
    current_password: Password
    new_password: Password = Field(description="12 characters or more.")


class MyTeam(BaseModel):
    id: uuid.UUID
    name: str
    collaborative_id: uuid.UUID
    status: TeamStatus
    relation: Literal["coach", "lead", "member", "organisation"] = Field(
        description="Why the caller reaches it: they coach it, lead it, are a member, or (a"
        " client) it comes from one of the client's organisations."
    )


class Me(BaseModel):
    kind: Literal["person", "client"]
    id: uuid.UUID = Field(description="The account's or the client's id.")
    email: str | None = Field(description="A person's sign-in email.")
    name: str | None = Field(description="The member record's name, or the client's name.")
    role: Role | None = Field(description="A person's role.")
    scopes: list[Scope] = Field(description="A client's scopes.")
    member: MemberRead | None = Field(description="A person's member record, if any.")
    organisation_ids: list[uuid.UUID] = Field(description="A client's organisations.")
    reaches_all_teams: bool = Field(
        description="True for programme leads and clients bound to no organisation."
    )
    teams: list[MyTeam] = Field(description="The teams the caller reaches, and why.")
    must_change_password: bool
