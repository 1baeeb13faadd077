"""Request and response bodies for machine clients."""

import uuid
from typing import Annotated

from pydantic import BaseModel, Field

from app.auth.models import Scope
from app.schemas import InputModel, Name, ResourceRead, patch_field

Scopes = Annotated[list[Scope], Field(min_length=1, max_length=len(Scope))]
OrganisationIds = Annotated[
    list[uuid.UUID],
    Field(max_length=50, description="Organisations whose teams it acts for; none: every team."),
]


class ClientCreate(InputModel):
    name: Name
    scopes: Scopes
    organisation_ids: OrganisationIds = Field(default_factory=list)


class ClientUpdate(InputModel):
    name: Name = patch_field()
    scopes: Scopes = patch_field()
    organisation_ids: OrganisationIds = patch_field()
    disabled: bool = patch_field(description="A disabled client's tokens stop at once.")


class ClientRead(ResourceRead):
    name: str
    scopes: list[Scope]
    organisation_ids: list[uuid.UUID]
    disabled: bool
    secret_version: int = Field(description="Goes up each time the secret is rotated.")


class ClientWithSecret(BaseModel):
    client: ClientRead
    client_secret: str = Field(
        description="Shown only now (stored as a hash); use it with the client's id as"
        " client_id at POST /api/v1/auth/token."
    )
