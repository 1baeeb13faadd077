"""The members table: people, with their work details (never equality data)."""

import uuid
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Resource, enum_column, unique
from app.errors import Duplicate


class StaffGroup(StrEnum):
    """NHS national Staff Group codes 01-10 (NHS Data Dictionary)."""

    MEDICAL_AND_DENTAL = "medical_and_dental"
    STUDENTS = "students"
    NURSING_AND_MIDWIFERY_REGISTERED = "nursing_and_midwifery_registered"
    ALLIED_HEALTH_PROFESSIONALS = "allied_health_professionals"
    ADDITIONAL_PROFESSIONAL_SCIENTIFIC_AND_TECHNICAL = (
        "additional_professional_scientific_and_technical"
    )
    HEALTHCARE_SCIENTISTS = "healthcare_scientists"
    ADDITIONAL_CLINICAL_SERVICES = "additional_clinical_services"
    ADMINISTRATIVE_AND_CLERICAL = "administrative_and_clerical"
    ESTATES_AND_ANCILLARY = "estates_and_ancillary"
    SUPPLEMENTARY_ROLES = "supplementary_roles"


class Band(StrEnum):
    """Agenda for Change pay bands, plus staff on other pay scales."""

    BAND_1 = "1"
    BAND_2 = "2"
    BAND_3 = "3"
    BAND_4 = "4"
    BAND_5 = "5"
    BAND_6 = "6"
    BAND_7 = "7"
    BAND_8A = "8a"
    BAND_8B = "8b"
    BAND_8C = "8c"
    BAND_8D = "8d"
    BAND_9 = "9"
    VSM = "vsm"
    NOT_AFC = "not_afc"


EMAIL_TAKEN = Duplicate(
    "duplicate-email", "Another member already has this email address.", ("email",)
)


class Member(Resource, Base):
    __tablename__ = "members"
    __table_args__ = (unique("email", duplicate=EMAIL_TAKEN),)

    name: Mapped[str] = mapped_column(String(200))
    # Stored lower-cased so uniqueness ignores case on every database.
    email: Mapped[str] = mapped_column(String(254))
    job_title: Mapped[str | None] = mapped_column(String(200))
    staff_group: Mapped[StaffGroup | None] = mapped_column(enum_column(StaffGroup, 64))
    band: Mapped[Band | None] = mapped_column(enum_column(Band, 16))
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)

    def __repr__(self) -> str:
        return f"Member({self.name!r})"
