"""The surveys table: local survey definitions (built-ins live in app.surveys.builtins)."""

from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Resource, unique
from app.errors import Duplicate

SURVEY_CODE_TAKEN = Duplicate(
    "duplicate-survey-code", "Another survey already has this code.", ("code",)
)


class LocalSurvey(Resource, Base):
    """A survey a collaborative defined itself; `questions` and `scores` hold the JSON shape of
    ingest spec 5.1 as `definitions.as_dict` writes it, checked before it is stored."""

    __tablename__ = "surveys"
    __table_args__ = (unique("code", duplicate=SURVEY_CODE_TAKEN),)

    code: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(200))
    frequency: Mapped[str] = mapped_column(String(16))
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    scores: Mapped[list[dict[str, Any]]] = mapped_column(JSON)

    def __repr__(self) -> str:
        return f"LocalSurvey({self.code!r})"
