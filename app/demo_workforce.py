"""The demo's monthly workforce figures, stored as a real deployment's would be: each team's
months are generated (seeded, fictitious) as a trust's ESR `workforce-monthly` extract would
give them, stored by one import of the demo (an `imports` record the months point at), and
the points of the measures bound to workforce metrics are then derived from the stored months.

The figures are counted from a simulated establishment, not drawn one by one: a team's funded
posts, each with its contracted FTE, are vacated and filled month by month. So every month
balances (headcount_end = headcount_start + starters - leavers), FTE, leavers' FTE and vacancies
follow the posts, and the 12-month stability counts the people actually still in post.
"""

import calendar
import csv
import hashlib
import io
import math
import random
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from itertools import count

from sqlalchemy import insert
from sqlalchemy.orm import Session

from app.bindings.service import Recomputed, recompute_workforce
from app.db import utc_now
from app.demo_data import FIRST_MONTH, LAST_MONTH, MEASURES, SEED, TeamSpec
from app.imports.models import (
    Import,
    ImportKind,
    ImportStatus,
    import_organisations,
    import_teams,
)
from app.workforce import monthly_extract
from app.workforce.aggregation import MonthlyFigures, add_months
from app.workforce.metrics import ROLLING_MONTHS, WorkforceMetric
from app.workforce.service import replace_months, suppressed_months

# The months before the demo's first that the extract also covers, so that a rolling
# 12-month point has all its months from the first demo month on.
MONTHS_BEFORE = ROLLING_MONTHS - 1
# A post's contracted FTE and how common it is: most of the NHS's frontline staff work full
# time, and about a third part time.
FTE_SHARES = ((1.0, 0.62), (0.8, 0.16), (0.6, 0.12), (0.4, 0.10))
VACANT_AT_START = 0.06  # the chance a post is vacant on the extract's first day
# The chance a post vacant on a month's first day is filled in the month: NHS recruitment
# (advert, interview, pre-employment checks) takes about four months.
FILL = 0.25
# Sickness absence is higher in winter: the rate's swing above its level in January and
# below it in July, in percentage points.
SEASON = 0.4
SICKNESS = next(m for m in MEASURES if m.metric is WorkforceMetric.SICKNESS_ABSENCE_RATE)
CREATED_BY = "demo"  # the demo import's `created_by`: no user or client posted it
MEDIA_TYPE = "text/csv"


def extract_months() -> list[date]:
    """The months the demo's extract covers: the demo's monthly periods and the eleven before."""
    first = add_months(FIRST_MONTH, -MONTHS_BEFORE)
    span = (LAST_MONTH.year - first.year) * 12 + LAST_MONTH.month - first.month
    return [add_months(first, n) for n in range(span + 1)]


def leaving_rates(spec: TeamSpec, months: Sequence[date]) -> dict[date, float]:
    """The annual rate (%) at which each month's staff leave: the team's `before` leaver rate
    until its change, and from the change's first month the rate that brings the rolling
    12-month leaver rate down to `after` by the last month (the twelve months ending then mix
    months before the change and after it)."""
    before = spec.before.leaver_rate
    changed = {m for m in months if spec.change_on is not None and m >= spec.change_on}
    if spec.after is None or not changed:
        return dict.fromkeys(months, before)
    window = months[-ROLLING_MONTHS:]
    after = sum(1 for m in window if m in changed)
    rate = (ROLLING_MONTHS * spec.after.leaver_rate - (ROLLING_MONTHS - after) * before) / after
    return {m: max(0.0, rate) if m in changed else before for m in months}


@dataclass(slots=True)
class _Post:
    """A funded post: its contracted FTE, and who holds it (a person's number) if anyone."""

    fte: float
    holder: int | None


def _fte(rng: random.Random) -> float:
    ftes, shares = zip(*FTE_SHARES, strict=True)
    return rng.choices(ftes, shares)[0]


def _sickness_rate(rng: random.Random, month: date, level: float) -> float:
    season = SEASON * math.cos(2 * math.pi * (month.month - 1) / 12)
    low, high = SICKNESS.bounds
    return min(high, max(low, rng.gauss(level + season, SICKNESS.noise)))


def team_months(spec: TeamSpec, sickness: Mapping[date, float]) -> list[MonthlyFigures]:
    """The team's figures for each of `extract_months()`, seeded by its team_ref. `sickness`:
    its expected sickness absence rate (%) by demo month; the months before the demo's first
    are at its `before` level."""
    rng = random.Random(f"{SEED}:workforce:{spec.team_ref}")
    people = count(1)
    posts = [
        _Post(_fte(rng), None if rng.random() < VACANT_AT_START else next(people))
        for _ in range(spec.posts)
    ]
    establishment = round(sum(post.fte for post in posts), 2)
    months = extract_months()
    leaving = leaving_rates(spec, months)
    # Leavers are drawn so that their running total keeps close to the expected one: the
    # carry (expected leavers not yet drawn) stays within 0.75 either way, so a 12-month count
    # is within 1.5 leavers of what the team's rate expects, as its level describes a year.
    # (Independent draws would stray by two or three, a whole level's difference.)
    carry = rng.uniform(-0.25, 0.25)
    in_post_on_first_day: list[frozenset[int]] = []
    figures = []
    for index, month in enumerate(months):
        filled = [post for post in posts if post.holder is not None]
        vacant = [post for post in posts if post.holder is None]
        in_post_on_first_day.append(frozenset(p.holder for p in filled if p.holder is not None))
        carry += len(filled) * leaving[month] / 100 / 12
        leavers = max(0, min(len(filled), math.floor(carry + rng.uniform(0.25, 0.75))))
        carry -= leavers
        gone = rng.sample(filled, leavers)
        joining = [post for post in vacant if rng.random() < FILL]
        for post in gone:
            post.holder = None
        for post in joining:
            post.holder = next(people)
        in_post = [post for post in posts if post.holder is not None]
        fte_start = sum(post.fte for post in filled)
        fte_end = sum(post.fte for post in in_post)
        days = calendar.monthrange(month.year, month.month)[1]
        available = round((fte_start + fte_end) / 2 * days, 2)
        level = sickness.get(month, spec.before.sickness)
        stable = None
        if index >= MONTHS_BEFORE:
            still_here = {post.holder for post in in_post}
            stable = len(in_post_on_first_day[index - MONTHS_BEFORE] & still_here)
        figures.append(
            MonthlyFigures(
                month=month,
                headcount_start=len(filled),
                headcount_end=len(in_post),
                starters=len(joining),
                leavers=leavers,
                fte_start=round(fte_start, 2),
                fte_end=round(fte_end, 2),
                leavers_fte=round(sum(post.fte for post in gone), 2),
                sickness_fte_days_lost=round(
                    available * _sickness_rate(rng, month, level) / 100, 2
                ),
                fte_days_available=available,
                establishment_fte=establishment,
                vacancies_fte=round(establishment - fte_end, 2),
                stable_headcount_12m=stable,
            )
        )
    return figures


COLUMNS = (*monthly_extract.REQUIRED, *monthly_extract.OPTIONAL)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def extract_csv(rows: Sequence[tuple[TeamSpec, MonthlyFigures]]) -> bytes:
    """The `workforce-monthly` CSV (ingest 3.3) these rows would be sent in: what the demo's
    import record describes (its size and SHA-256), and what an import of it would store."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(COLUMNS)
    for spec, figures in rows:
        cells = {"ods_code": spec.ods_code, "team_ref": spec.team_ref, **asdict(figures)}
        cells["month"] = figures.month.isoformat()
        writer.writerow(_cell(cells[column]) for column in COLUMNS)
    return text.getvalue().encode()


def extract_filename(months: Sequence[date]) -> str:
    return f"esr-workforce-monthly-{months[0]:%Y-%m}-to-{months[-1]:%Y-%m}.csv"


@dataclass(frozen=True)
class WorkforceLoaded:
    """What `load_workforce` stored and derived."""

    import_id: uuid.UUID
    months: int
    points: Recomputed


def _rows(
    teams: Sequence[tuple[uuid.UUID, TeamSpec, Mapping[date, float]]],
) -> Iterator[tuple[uuid.UUID, TeamSpec, MonthlyFigures]]:
    for team_id, spec, sickness in teams:
        for figures in team_months(spec, sickness):
            yield team_id, spec, figures


def load_workforce(
    session: Session,
    collaborative_id: uuid.UUID,
    teams: Sequence[tuple[uuid.UUID, TeamSpec, Mapping[date, float]]],
    organisations: Mapping[str, uuid.UUID],
    *,
    threshold: int,
) -> WorkforceLoaded:
    """For each (team id, its spec, its expected sickness rate by demo month): its months
    stored by one `workforce-monthly` import of the demo, recorded as a real import is
    (`created_by` "demo"), then the points of every measure bound to a workforce metric
    recomputed from them (source `import:<id>`). `organisations` maps ODS codes to ids: the
    organisations the import is about, as its list filters them."""
    started_at, started = utc_now(), time.monotonic()
    rows = list(_rows(teams))
    months = {(team_id, figures.month): figures for team_id, _, figures in rows}
    file = extract_csv([(spec, figures) for _, spec, figures in rows])
    covered = extract_months()
    record = Import(
        id=uuid.uuid4(),
        version=1,
        created_at=started_at,
        kind=ImportKind.WORKFORCE_MONTHLY,
        status=ImportStatus.SUCCEEDED,
        collaborative_id=collaborative_id,
        survey=None,
        filename=extract_filename(covered),
        media_type=MEDIA_TYPE,
        sha256=hashlib.sha256(file).hexdigest(),
        bytes=len(file),
        rows_read=len(rows),
        rows_skipped=0,
        unmapped=[],
        teams=sorted(str(team_id) for team_id, _, _ in teams),
        period_first=covered[0],
        period_last=covered[-1],
        aggregates_written=0,
        cells_suppressed=suppressed_months(months.values(), threshold),
        points_written=0,
        typed_points_replaced=0,
        error_count=0,
        errors=[],
        warning_count=0,  # every month balances
        warnings=[],
        ignored_columns=[],
        created_by=CREATED_BY,
        finished_at=started_at,
        duration_ms=0,
    )
    session.add(record)
    session.flush()  # the record first: the months and links refer to it
    session.execute(
        insert(import_teams), [{"import_id": record.id, "team_id": t} for t, _, _ in teams]
    )
    ods_codes = sorted({spec.ods_code for _, spec, _ in teams})
    session.execute(
        insert(import_organisations),
        [{"import_id": record.id, "organisation_id": organisations[c]} for c in ods_codes],
    )
    record.aggregates_written = replace_months(session, months, record.id)
    points = recompute_workforce(
        session,
        [team_id for team_id, _, _ in teams],
        set(covered),
        threshold=threshold,
        import_id=record.id,
    )
    record.points_written = points.points_written
    record.typed_points_replaced = points.replaced_typed
    elapsed = time.monotonic() - started
    record.duration_ms = round(elapsed * 1000)
    record.finished_at = started_at + timedelta(seconds=elapsed)
    session.flush()
    return WorkforceLoaded(record.id, len(months), points)
