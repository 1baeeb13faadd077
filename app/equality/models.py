"""The equality_profiles table: one member's self-declared protected characteristics.

Kept apart from `members` so that no query of people ever loads it by accident; each
characteristic is a nullable code from `app.characteristics` (null: not answered).
"""

import uuid
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.characteristics import CODE_LENGTH, Characteristic
from app.db import Base, utc_now


class EqualityProfile(Base):
    __tablename__ = "equality_profiles"

    # Deleting the member deletes the profile too, on every database.
    member_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    ethnic_category: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    sex: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    gender_identity: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    sexual_orientation: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    religion_or_belief: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    disability: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    age_band: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    marriage_civil_partnership: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    pregnancy_maternity: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)
    # SQLAlchemy's version counter, as on every resource: the ETag is derived from it.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__: dict[str, Any] = {"version_id_col": version}
    # Its ETag names its kind: otherwise it would be the member's, id and version alike.
    ETAG_KIND: ClassVar[str] = "equality-profile"

    @property
    def id(self) -> uuid.UUID:
        """The profile is identified by its member (for ETags)."""
        return self.member_id

    def answers(self) -> dict[Characteristic, str | None]:
        return {characteristic: getattr(self, characteristic) for characteristic in Characteristic}

    def __repr__(self) -> str:
        # Never the values: a repr can end up in a log.
        return f"EqualityProfile(member={self.member_id})"


# The columns that hold characteristics, in the order of `Characteristic`.
CHARACTERISTIC_COLUMNS = [
    EqualityProfile.__table__.c[characteristic] for characteristic in Characteristic
]
