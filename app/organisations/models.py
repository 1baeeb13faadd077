"""The organisations table."""

from enum import StrEnum

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Resource, enum_column, unique
from app.errors import Duplicate


class OrganisationKind(StrEnum):
    TRUST = "trust"
    ICB = "icb"
    PRIMARY_CARE = "primary_care"
    OTHER = "other"


ODS_CODE_TAKEN = Duplicate(
    "duplicate-ods-code", "Another organisation already has this ODS code.", ("ods_code",)
)


class Organisation(Resource, Base):
    __tablename__ = "organisations"
    __table_args__ = (unique("ods_code", duplicate=ODS_CODE_TAKEN),)

    ods_code: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OrganisationKind] = mapped_column(enum_column(OrganisationKind))

    def __repr__(self) -> str:
        return f"Organisation({self.ods_code!r}, {self.name!r})"
