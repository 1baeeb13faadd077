"""The organisations table."""

from enum import StrEnum

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Resource, enum_column


class OrganisationKind(StrEnum):
    TRUST = "trust"
    ICB = "icb"
    PRIMARY_CARE = "primary_care"
    OTHER = "other"


class Organisation(Resource, Base):
    __tablename__ = "organisations"

    ods_code: Mapped[str] = mapped_column(String(10), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OrganisationKind] = mapped_column(enum_column(OrganisationKind))

    def __repr__(self) -> str:
        return f"Organisation({self.ods_code!r}, {self.name!r})"
