"""The collaboratives table."""

from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Resource, enum_column

# The dates a collaborative may have, and the windows its records must fall in. Each window
# is wide enough for real programmes and narrow enough that a typo (2030 for 2023, 9999 for
# "never") is refused rather than kept forever.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)
MAX_DURATION = timedelta(days=10 * 366)
# Data points may start from 1 January this many years before the start year (the baseline).
BASELINE_YEARS = 3
# People may join, and meetings take place, up to this long before the start (recruitment)
# and, for leaving and meetings, after the end (follow-up).
MARGIN = timedelta(days=366)


class CollaborativeStatus(StrEnum):
    PLANNING = "planning"
    RECRUITING = "recruiting"
    RUNNING = "running"
    COMPLETED = "completed"


class Collaborative(Resource, Base):
    __tablename__ = "collaboratives"

    name: Mapped[str] = mapped_column(String(200))
    aim: Mapped[str | None] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(String(200))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    max_teams: Mapped[int] = mapped_column(default=6)
    max_team_size: Mapped[int] = mapped_column(default=5)
    status: Mapped[CollaborativeStatus] = mapped_column(
        enum_column(CollaborativeStatus), default=CollaborativeStatus.PLANNING
    )
    # The protected characteristics its lead rule counts (names from app.characteristics).
    under_represented: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    # Applications (workflow spec 1): the last day one is taken (inclusive, London), what the
    # panel scores them on ([{code, name, weight}]), and the day the panel selected.
    applications_close_on: Mapped[date | None]
    selection_criteria: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON, default=list, server_default="[]"
    )
    selected_on: Mapped[date | None]

    @property
    def baseline_start(self) -> date:
        """The earliest period a data point of this collaborative may start."""
        return date(self.starts_on.year - BASELINE_YEARS, 1, 1)

    @property
    def earliest_joining(self) -> date:
        return self.starts_on - MARGIN

    @property
    def latest_leaving(self) -> date:
        return self.ends_on + MARGIN

    def __repr__(self) -> str:
        return f"Collaborative({self.name!r})"
