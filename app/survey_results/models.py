"""The survey_aggregates table (one survey's aggregate per team, period and group) and the
keyed hashes of the response ids each (team, survey, period) slice has counted."""

import uuid
from datetime import date, datetime
from enum import StrEnum
from fractions import Fraction
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, enum_column, utc_now
from app.surveys.scoring import Aggregate, ScoreSum

# The group_type and group_value of a slice's totals row: every respondent, whatever group.
TOTALS = ""
GROUP_LENGTH = 100
SURVEY_CODE_LENGTH = 50  # as app.surveys.models' code
DIGEST_LENGTH = 64  # bytes: HMAC-SHA256 gives 32; room for a longer keyed hash later


class Source(StrEnum):
    """What a slice was last written from: respondents' answers (with their ids' hashes and
    composite sums), or a file of counts (per-question counts only)."""

    RESPONSES = "responses"
    COUNTS = "counts"


class SurveyAggregate(Base):
    """One `Aggregate` of one survey for one team and period: the totals (group_type and
    group_value both `TOTALS`) or one group's breakdown (e.g. `ethnicity`/`bme`), which feeds
    only the equality gaps. Counts are kept per question and option; a composite score as the
    exact sum of respondents' scores (a fraction written `"p/q"`, never a float, so that sums
    added in any order agree) and their number. Means and percentages are derived when read."""

    __tablename__ = "survey_aggregates"
    __table_args__ = (
        # Also the index of a team's reads (team, survey, period range).
        UniqueConstraint(
            "team_id",
            "survey",
            "period_start",
            "group_type",
            "group_value",
            name="uq_survey_aggregates_slice_group",  # the convention's name is over 63 bytes
        ),
        # The equality gaps: one survey's group rows of one period, over a collaborative's teams.
        Index("ix_survey_aggregates_survey_period", "survey", "period_start", "group_type"),
        # A team's results across surveys, in period order (the list's keyset).
        Index("ix_survey_aggregates_team_period", "team_id", "period_start", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id"))
    survey: Mapped[str] = mapped_column(String(SURVEY_CODE_LENGTH))
    period_start: Mapped[date]
    group_type: Mapped[str] = mapped_column(String(GROUP_LENGTH))
    group_value: Mapped[str] = mapped_column(String(GROUP_LENGTH))
    # {question: {option: count}}, zero counts left out.
    counts: Mapped[dict[str, dict[str, int]]] = mapped_column(JSON)
    # {score: {"sum": "p/q", "n": respondents}}
    scores: Mapped[dict[str, dict[str, Any]]] = mapped_column(JSON)
    source: Mapped[Source] = mapped_column(enum_column(Source, 16))
    # The import that last wrote the row (no foreign key yet: the imports table is to come).
    import_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)

    @property
    def is_totals(self) -> bool:
        return self.group_type == TOTALS

    def aggregate(self) -> Aggregate:
        return Aggregate(
            counts={q: dict(options) for q, options in self.counts.items()},
            scores={
                code: ScoreSum(Fraction(summed["sum"]), int(summed["n"]))
                for code, summed in self.scores.items()
            },
        )

    def hold(self, aggregate: Aggregate) -> None:
        """Store `aggregate` in the row (new dicts, so the ORM sees the change)."""
        self.counts = {q: dict(options) for q, options in aggregate.counts.items()}
        self.scores = {
            code: {"sum": str(summed.total), "n": summed.n}
            for code, summed in aggregate.scores.items()
        }

    def __repr__(self) -> str:
        group = f", {self.group_type}={self.group_value}" if self.group_type else ""
        return f"SurveyAggregate({self.survey}, {self.period_start}{group})"


class SurveyResponseHash(Base):
    """A response id one (team, survey, period) slice has counted, as the caller's keyed hash
    (HMAC with a server secret): never the id itself, never an answer. A slice holds each
    hash once (the primary key), so no response can be added to a slice twice."""

    __tablename__ = "survey_response_hashes"

    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id"), primary_key=True)
    survey: Mapped[str] = mapped_column(String(SURVEY_CODE_LENGTH), primary_key=True)
    period_start: Mapped[date] = mapped_column(primary_key=True)
    digest: Mapped[bytes] = mapped_column(LargeBinary(DIGEST_LENGTH), primary_key=True)
