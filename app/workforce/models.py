"""The workforce_months table: a team's stored monthly figures (ingest 3.3), one row per team
and month, replaced by each import that covers it."""

import uuid
from datetime import date

from sqlalchemy import BigInteger, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.workforce.aggregation import MonthlyFigures


class WorkforceMonth(Base):
    """`MonthlyFigures` as stored; `month` is the month's first day, `import_id` the import that
    wrote it. Counts are 64-bit, as the file reader allows."""

    __tablename__ = "workforce_months"
    __table_args__ = (UniqueConstraint("team_id", "month"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id"))
    month: Mapped[date]
    headcount_start: Mapped[int] = mapped_column(BigInteger)
    headcount_end: Mapped[int] = mapped_column(BigInteger)
    starters: Mapped[int] = mapped_column(BigInteger)
    leavers: Mapped[int] = mapped_column(BigInteger)
    fte_start: Mapped[float | None]
    fte_end: Mapped[float | None]
    leavers_fte: Mapped[float | None]
    sickness_fte_days_lost: Mapped[float | None]
    fte_days_available: Mapped[float | None]
    establishment_fte: Mapped[float | None]
    vacancies_fte: Mapped[float | None]
    stable_headcount_12m: Mapped[int | None] = mapped_column(BigInteger)
    import_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("imports.id"), index=True)

    def figures(self) -> MonthlyFigures:
        return MonthlyFigures(
            month=self.month,
            headcount_start=self.headcount_start,
            headcount_end=self.headcount_end,
            starters=self.starters,
            leavers=self.leavers,
            fte_start=self.fte_start,
            fte_end=self.fte_end,
            leavers_fte=self.leavers_fte,
            sickness_fte_days_lost=self.sickness_fte_days_lost,
            fte_days_available=self.fte_days_available,
            establishment_fte=self.establishment_fte,
            vacancies_fte=self.vacancies_fte,
            stable_headcount_12m=self.stable_headcount_12m,
        )

    def __repr__(self) -> str:
        return f"WorkforceMonth({self.team_id}, {self.month})"
