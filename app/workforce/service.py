"""Storing a team's monthly workforce figures, and reading them back with their metrics."""

import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import TypeVar

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from app.workforce.aggregation import MonthlyFigures
from app.workforce.metrics import (
    DisclosedMonth,
    MetricPoint,
    WorkforceMetric,
    disclose_month,
    metric_series,
)
from app.workforce.models import WorkforceMonth

T = TypeVar("T")
# Rows per statement: far below every database's limit on bound parameters (SQLite's 32,766).
BATCH = 500


def _batches(items: Sequence[T], size: int = BATCH) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def replace_months(
    session: Session,
    months: Mapping[tuple[uuid.UUID, date], MonthlyFigures],
    import_id: uuid.UUID,
) -> int:
    """Stores each (team, month) of `months`, replacing what was stored for it (ingest spec 2:
    a workforce import replaces every team-month it covers). The caller holds the teams' locks,
    so no other import writes these months meanwhile. Returns the number of months written."""
    by_team: dict[uuid.UUID, list[date]] = defaultdict(list)
    for team_id, month in months:
        by_team[team_id].append(month)
    for team_id, team_months in by_team.items():
        for dates in _batches(sorted(team_months)):
            session.execute(
                delete(WorkforceMonth).where(
                    WorkforceMonth.team_id == team_id, WorkforceMonth.month.in_(dates)
                )
            )
    rows = [
        {"id": uuid.uuid4(), "team_id": team_id, "import_id": import_id, **asdict(figures)}
        for (team_id, _), figures in months.items()
    ]
    for batch in _batches(rows):
        session.execute(insert(WorkforceMonth), list(batch))
    return len(rows)


def suppressed_months(months: Iterable[MonthlyFigures], threshold: int) -> int:
    """How many of `months` are stored but suppressed (ingest 5.4): an import's
    `cells_suppressed`."""
    return sum(1 for figures in months if disclose_month(figures, threshold).suppressed)


@dataclass(frozen=True)
class StoredMonth:
    shown: DisclosedMonth
    import_id: uuid.UUID


@dataclass(frozen=True)
class TeamWorkforce:
    """A team's stored months as they may be shown, and each metric's series (one point per
    stored month), all suppressed below `threshold` as ingest 5.4 says."""

    threshold: int
    months: list[StoredMonth]
    metrics: dict[WorkforceMetric, list[MetricPoint]]


def team_workforce(session: Session, team_id: uuid.UUID, threshold: int) -> TeamWorkforce:
    stored = list(
        session.scalars(
            select(WorkforceMonth)
            .where(WorkforceMonth.team_id == team_id)
            .order_by(WorkforceMonth.month)
        )
    )
    figures = [row.figures() for row in stored]
    return TeamWorkforce(
        threshold=threshold,
        months=[
            StoredMonth(disclose_month(month, threshold), row.import_id)
            for row, month in zip(stored, figures, strict=True)
        ],
        metrics={metric: metric_series(metric, figures, threshold) for metric in WorkforceMetric},
    )


def stored_figures(
    session: Session, team_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, dict[date, MonthlyFigures]]:
    """Every stored month of these teams, by team and month: what bound measures' points are
    recomputed from (a rolling point reads the eleven months before its own)."""
    found: dict[uuid.UUID, dict[date, MonthlyFigures]] = {}
    teams = sorted(set(team_ids))
    for batch in _batches(teams):
        for row in session.scalars(select(WorkforceMonth).where(WorkforceMonth.team_id.in_(batch))):
            found.setdefault(row.team_id, {})[row.month] = row.figures()
    return found
