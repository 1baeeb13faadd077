"""The imports table: one record per import that ran (succeeded, or failed on its rows), and
the teams and organisations it is about, which the list filters by."""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, enum_column


class ImportKind(StrEnum):
    """The file kinds of ingest spec 3."""

    SURVEY_RESPONSES = "survey-responses"
    SURVEY_COUNTS = "survey-counts"
    WORKFORCE_MONTHLY = "workforce-monthly"
    WORKFORCE_STAFF = "workforce-staff"


class ImportStatus(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"


# What an import's rows were for: its list's `organisation_id` filter, and who may see it (the
# teams in a caller's reach). Cascading: removing a team or an organisation leaves the record,
# whose `teams` column still names the team.
import_teams = Table(
    "import_teams",
    Base.metadata,
    Column("import_id", ForeignKey("imports.id", ondelete="CASCADE"), primary_key=True),
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True, index=True),
)
import_organisations = Table(
    "import_organisations",
    Base.metadata,
    Column("import_id", ForeignKey("imports.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "organisation_id",
        ForeignKey("organisations.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class Import(Base):
    """An import as ingest spec 2 describes it. Recorded when the import ends, in the
    transaction that stores what it read when it succeeded, or alone when it failed (then its
    errors, and nothing else of the file, are kept). It never changes afterwards, so its
    `version` stays 1 (no optimistic versioning: the transaction that stores an import
    completes its own record). `errors` and `warnings` keep the first 1,000 of `error_count`
    and `warning_count`, as `{"row", "column", "message"}`, never a cell's value."""

    __tablename__ = "imports"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    created_at: Mapped[datetime] = mapped_column(index=True)  # when the import began
    version: Mapped[int] = mapped_column(default=1)
    kind: Mapped[ImportKind] = mapped_column(enum_column(ImportKind), index=True)
    status: Mapped[ImportStatus] = mapped_column(enum_column(ImportStatus, 16), index=True)
    collaborative_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("collaboratives.id"), index=True)
    survey: Mapped[str | None] = mapped_column(String(50))
    filename: Mapped[str | None] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    bytes: Mapped[int] = mapped_column(BigInteger)
    rows_read: Mapped[int] = mapped_column(BigInteger)
    rows_skipped: Mapped[int] = mapped_column(BigInteger)
    unmapped: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    teams: Mapped[list[str]] = mapped_column(JSON)
    period_first: Mapped[date | None]
    period_last: Mapped[date | None]
    aggregates_written: Mapped[int] = mapped_column(BigInteger)
    cells_suppressed: Mapped[int] = mapped_column(BigInteger)
    points_written: Mapped[int] = mapped_column(BigInteger)
    typed_points_replaced: Mapped[int] = mapped_column(BigInteger, default=0)
    error_count: Mapped[int] = mapped_column(BigInteger)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    warning_count: Mapped[int] = mapped_column(BigInteger)
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    ignored_columns: Mapped[list[str]] = mapped_column(JSON)
    # "user:<id>" or "client:<id>", as the audit trail names callers.
    created_by: Mapped[str] = mapped_column(String(100), index=True)
    finished_at: Mapped[datetime]
    duration_ms: Mapped[int] = mapped_column(BigInteger)

    @property
    def periods(self) -> dict[str, date] | None:
        """The first and last period stored, as the resource shows them."""
        if self.period_first is None or self.period_last is None:
            return None
        return {"first": self.period_first, "last": self.period_last}

    def __repr__(self) -> str:
        return f"Import({self.kind}, {self.status}, {self.id})"
