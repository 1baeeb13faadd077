"""Properties of the person-level aggregation over random staff histories (Hypothesis): it
matches a day-by-day reading of ingest 3.4, it balances, and its monthly rows give the same
metrics as the same rows sent as a 3.3 file, read by the service's own reader."""

import csv
import io
import math
from dataclasses import fields
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import given, settings
from hypothesis import strategies as st

from app.integrations.directory import TeamDirectory, fold_ref
from app.integrations.tabular import read_csv
from app.workforce.aggregation import (
    AbsenceEpisode,
    Assignment,
    MonthlyFigures,
    add_months,
    aggregate_staff,
    check_monthly,
    check_staff,
    last_of_month,
    month_range,
)
from app.workforce.metrics import WorkforceMetric, metric_series
from app.workforce.monthly_extract import OPTIONAL, REQUIRED, read_workforce_monthly

DAY0 = date(2023, 1, 1)
SPAN = 760  # days in which assignments begin
FIRST, LAST = date(2023, 6, 1), date(2024, 12, 1)  # the window
MONTHS = month_range(FIRST, LAST)
HORIZON = last_of_month(LAST) + timedelta(days=1)  # the one day after the window that matters
EMPLOYEES = ["e1", "e2", "e3", "e4", "e5", "e6"]
TEAMS = ["A", "B"]
FTES = st.sampled_from([0.1, 0.2, 0.3, 0.5, 0.6, 0.8, 1.0])


@st.composite
def assignments(draw: st.DrawFn) -> Assignment[str]:
    start = DAY0 + timedelta(days=draw(st.integers(0, SPAN)))
    # Short assignments too, so that spells begin and end in the same month.
    length = draw(st.one_of(st.none(), st.integers(0, 40), st.integers(0, 500)))
    end = None if length is None else start + timedelta(days=length)
    return Assignment(
        draw(st.sampled_from(EMPLOYEES)), draw(st.sampled_from(TEAMS)), start, end, draw(FTES)
    )


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[Assignment[str]], list[AbsenceEpisode[str]] | None]:
    rows = draw(st.lists(assignments(), max_size=12))
    for a in list(rows):
        # Sometimes the same person's next assignment a few days on, or touching, or overlapping:
        # new contracts, and leaving and coming back within a month.
        if a.end is not None and draw(st.booleans()):
            start = a.end + timedelta(days=draw(st.integers(-3, 12)))
            length = draw(st.one_of(st.none(), st.integers(0, 20)))
            end = None if length is None else start + timedelta(days=length)
            rows.append(Assignment(a.employee, a.team, start, end, draw(FTES)))
    if not draw(st.booleans()):
        return rows, None
    episodes: list[AbsenceEpisode[str]] = []
    for a in rows:
        if not draw(st.booleans()):
            continue
        # An episode inside the assignment, losing at most its FTE a day: within a spell, under
        # the FTE in post. Skipped when it overlaps one already kept for the same person.
        start = a.start + timedelta(days=draw(st.integers(0, 30)))
        end = start + timedelta(days=draw(st.integers(0, 45)))
        if a.end is not None and end > a.end:
            continue
        days = (end - start).days + 1
        lost = a.fte * days * draw(st.sampled_from([0.0, 0.25, 0.5, 1.0]))
        if any(
            (e.employee, e.team) == (a.employee, a.team) and e.start <= end and start <= e.end
            for e in episodes
        ):
            continue
        episodes.append(AbsenceEpisode(a.employee, a.team, start, end, lost))
    return rows, episodes


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def oracle(
    rows: list[Assignment[str]], episodes: list[AbsenceEpisode[str]] | None, team: str
) -> list[dict[str, float | int | None]]:
    """The 3.4 definitions read literally, day by day, for one team."""
    in_team = [a for a in rows if a.team == team]

    # Each person's FTE in post on each day, summed over their assignments in the team.
    daily: dict[str, dict[date, float]] = {}
    for a in in_team:
        for day in days(a.start, min(a.end or HORIZON, HORIZON)):
            person = daily.setdefault(a.employee, {})
            person[day] = person.get(day, 0.0) + a.fte

    def fte(employee: str, day: date) -> float:
        return daily.get(employee, {}).get(day, 0.0)

    def in_post(employee: str, day: date) -> bool:
        return day <= HORIZON and fte(employee, day) > 0

    people = sorted({a.employee for a in in_team})
    result = []
    for month in MONTHS:
        d1, dn = month, last_of_month(month)
        figures: dict[str, float | int | None] = dict.fromkeys(
            ("headcount_start", "headcount_end", "starters", "leavers", "stable_headcount_12m"), 0
        )
        figures |= dict.fromkeys(("fte_start", "fte_end", "leavers_fte", "fte_days_available"), 0.0)
        back = add_months(month, -11)
        for e in people:
            opens = in_post(e, d1 - timedelta(days=1)) and in_post(e, d1)
            closes = in_post(e, dn) and in_post(e, dn + timedelta(days=1))
            began = any(
                in_post(e, d) and not in_post(e, d - timedelta(days=1)) for d in days(d1, dn)
            )
            ended = [
                d for d in days(d1, dn) if in_post(e, d) and not in_post(e, d + timedelta(days=1))
            ]
            # Out then in: a starter; in then out: a leaver; else both if anything moved.
            starter = (not opens and closes) or (opens == closes and began)
            leaver = (opens and not closes) or (opens == closes and bool(ended))
            figures["headcount_start"] += opens  # type: ignore[operator]
            figures["headcount_end"] += closes  # type: ignore[operator]
            figures["starters"] += starter  # type: ignore[operator]
            figures["leavers"] += leaver  # type: ignore[operator]
            figures["fte_start"] += fte(e, d1) if opens else 0.0  # type: ignore[operator]
            figures["fte_end"] += fte(e, dn) if closes else 0.0  # type: ignore[operator]
            figures["leavers_fte"] += fte(e, ended[-1]) if leaver else 0.0  # type: ignore[operator]
            figures["fte_days_available"] += sum(fte(e, d) for d in days(d1, dn))  # type: ignore[operator]
            stable = all(
                in_post(e, d) for d in days(back - timedelta(days=1), dn + timedelta(days=1))
            )
            figures["stable_headcount_12m"] += stable  # type: ignore[operator]
        if episodes is None:
            figures["fte_days_available"] = figures["sickness_fte_days_lost"] = None
        else:
            figures["sickness_fte_days_lost"] = sum(
                e.fte_days_lost
                * sum(d1 <= d <= dn for d in days(e.start, e.end))
                / ((e.end - e.start).days + 1)
                for e in episodes
                if e.team == team
            )
        result.append(figures)
    return result


@settings(max_examples=60, deadline=None)
@given(histories())
def test_the_aggregation_is_the_definitions_read_day_by_day(
    history: tuple[list[Assignment[str]], list[AbsenceEpisode[str]] | None],
) -> None:
    rows, episodes = history
    assert check_staff(rows, episodes) == []
    result = aggregate_staff(rows, episodes, FIRST, LAST)
    assert sorted(result) == sorted({a.team for a in rows})
    for team, months in result.items():
        for got, expected in zip(months, oracle(rows, episodes, team), strict=True):
            for name, value in expected.items():
                actual = getattr(got, name)
                if isinstance(value, float):
                    assert math.isclose(actual, value, rel_tol=1e-9, abs_tol=1e-9), (got, name)
                else:
                    assert actual == value, (got.month, name)


@settings(max_examples=100, deadline=None)
@given(histories())
def test_every_month_balances_and_follows_on_from_the_one_before(
    history: tuple[list[Assignment[str]], list[AbsenceEpisode[str]] | None],
) -> None:
    rows, episodes = history
    for months in aggregate_staff(rows, episodes, FIRST, LAST).values():
        for f in months:
            assert f.headcount_end == f.headcount_start + f.starters - f.leavers
            assert check_monthly(f) == []  # no error and no warning
        for before, after in pairwise(months):
            assert before.headcount_end == after.headcount_start


COLUMNS = [f.name for f in fields(MonthlyFigures)]


def as_monthly_file(result: dict[str, list[MonthlyFigures]]) -> str:
    """The rows written as a workforce-monthly (3.3) CSV, blank for a missing figure."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["ods_code", "team_ref", *COLUMNS])
    for team, months in result.items():
        for f in months:
            values = [getattr(f, name) for name in COLUMNS]
            writer.writerow(["RHQ", team, *("" if v is None else str(v) for v in values)])
    return out.getvalue()


def read_monthly_file(text: str) -> dict[str, list[MonthlyFigures]]:
    """The file read back by the service's own reader (app.workforce.monthly_extract)."""
    directory = TeamDirectory({("RHQ", fold_ref(team)): team for team in TEAMS}, frozenset({"RHQ"}))
    with TemporaryDirectory() as folder:
        path = Path(folder) / "monthly.csv"
        path.write_text(text, encoding="utf-8")
        with read_csv(
            path, charset=None, required=REQUIRED, optional=OPTIONAL, max_rows=10**6
        ) as table:
            extract = read_workforce_monthly(table, directory)
    assert not extract.errors, extract.errors.errors
    assert not extract.warnings
    result: dict[str, list[MonthlyFigures]] = {}
    for (team, _), figures in extract.months.items():
        result.setdefault(team, []).append(figures)
    return result


@settings(max_examples=100, deadline=None)
@given(histories(), st.sampled_from([0, 1, 2, 3, 10]))
def test_the_staff_file_and_the_monthly_file_of_its_aggregates_give_the_same_metrics(
    history: tuple[list[Assignment[str]], list[AbsenceEpisode[str]] | None], threshold: int
) -> None:
    rows, episodes = history
    direct = aggregate_staff(rows, episodes, FIRST, LAST)
    via_file = read_monthly_file(as_monthly_file(direct))
    assert via_file == {team: months for team, months in direct.items() if months}
    for team, months in direct.items():
        for metric in WorkforceMetric:
            assert metric_series(metric, months, threshold) == metric_series(
                metric, via_file[team], threshold
            )
