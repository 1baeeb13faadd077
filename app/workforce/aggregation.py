"""Monthly workforce figures (ingest 3.3), their checks, and aggregation of staff rows (3.4)."""

import calendar
import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Generic, TypeVar

TeamT = TypeVar("TeamT", bound=Hashable)

# Aggregated FTE and days are sums of floats, so a sum that should equal its bound can miss it
# by a rounding error; a bound is only broken beyond this relative margin.
_TOLERANCE = 1e-9
# The decimals an aggregated FTE or days figure is rounded to (`_tidy`).
SUM_DECIMALS = 9


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One finding about an input row: the file's row number (when known), column and message."""

    row: int | None
    column: str
    message: str
    severity: Severity = Severity.ERROR


@dataclass(frozen=True)
class MonthlyFigures:
    """One team's month as ingest 3.3 stores it; `month` is the month's first day."""

    month: date
    headcount_start: int
    headcount_end: int
    starters: int
    leavers: int
    fte_start: float | None = None
    fte_end: float | None = None
    leavers_fte: float | None = None
    sickness_fte_days_lost: float | None = None
    fte_days_available: float | None = None
    establishment_fte: float | None = None
    vacancies_fte: float | None = None
    stable_headcount_12m: int | None = None

    def __post_init__(self) -> None:
        if self.month.day != 1:
            raise ValueError(f"month must be a month's first day, not {self.month}")


@dataclass(frozen=True)
class Assignment(Generic[TeamT]):
    """One person-level row: an employee's assignment in a team; `end` is its last day."""

    employee: str
    team: TeamT
    start: date
    end: date | None
    fte: float
    row: int | None = None


@dataclass(frozen=True)
class AbsenceEpisode(Generic[TeamT]):
    """One sickness episode, `start` to `end` inclusive, and the FTE days it lost."""

    employee: str
    team: TeamT
    start: date
    end: date
    fte_days_lost: float
    row: int | None = None


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    """The first day of the month `count` months after `month`'s (before, when negative)."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def last_of_month(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def month_range(first: date, last: date) -> list[date]:
    """The first days of every month from `first`'s to `last`'s, both included."""
    start, end = first_of_month(first), first_of_month(last)
    if end < start:
        raise ValueError(f"the window ends ({end:%Y-%m}) before it starts ({start:%Y-%m})")
    count = (end.year - start.year) * 12 + end.month - start.month + 1
    return [add_months(start, i) for i in range(count)]


def _over(value: float, bound: float) -> bool:
    return value > bound + _TOLERANCE * max(1.0, abs(bound))


_COUNTS = ("headcount_start", "headcount_end", "starters", "leavers", "stable_headcount_12m")
_AMOUNTS = (
    "fte_start",
    "fte_end",
    "leavers_fte",
    "sickness_fte_days_lost",
    "fte_days_available",
    "establishment_fte",
    "vacancies_fte",
)
# (part, whole): each pair comes together or not at all, and the part is at most the whole.
_PAIRS = (("sickness_fte_days_lost", "fte_days_available"), ("vacancies_fte", "establishment_fte"))


def check_monthly(figures: MonthlyFigures, row: int | None = None) -> list[Problem]:
    """The consistency rules of ingest 3.3: errors, and a warning when the headcounts do not
    balance (real extracts rarely do, so that row is still stored)."""
    problems: list[Problem] = []
    invalid: set[str] = set()
    for column in _COUNTS:
        count = getattr(figures, column)
        if count is not None and count < 0:
            problems.append(Problem(row, column, f"{column} must be a whole number >= 0"))
            invalid.add(column)
    for column in _AMOUNTS:
        amount = getattr(figures, column)
        if amount is not None and not (math.isfinite(amount) and amount >= 0):
            problems.append(Problem(row, column, f"{column} must be a number >= 0"))
            invalid.add(column)
    if not invalid & {"headcount_start", "starters", "leavers"} and figures.leavers > (
        figures.headcount_start + figures.starters
    ):
        problems.append(Problem(row, "leavers", "leavers is more than headcount_start + starters"))
    for part, whole in _PAIRS:
        part_value, whole_value = getattr(figures, part), getattr(figures, whole)
        if (part_value is None) != (whole_value is None):
            missing, given = (part, whole) if part_value is None else (whole, part)
            problems.append(Problem(row, missing, f"{missing} is required with {given}"))
        elif (
            part_value is not None
            and not invalid & {part, whole}
            and _over(part_value, whole_value)
        ):
            problems.append(Problem(row, part, f"{part} is more than {whole}"))
    if not problems and figures.headcount_end != (
        figures.headcount_start + figures.starters - figures.leavers
    ):
        problems.append(
            Problem(
                row,
                "headcount_end",
                "headcount_end is not headcount_start + starters - leavers "
                f"({figures.headcount_start} + {figures.starters} - {figures.leavers})",
                Severity.WARNING,
            )
        )
    return problems


@dataclass(frozen=True)
class _Spell(Generic[TeamT]):
    """An employee's continuous time in a team: assignments that overlap or touch."""

    start: date
    end: date | None
    assignments: tuple[Assignment[TeamT], ...]

    def fte_on(self, day: date) -> float:
        """The FTE in post on `day`, a day of the spell."""
        if len(self.assignments) == 1:  # most spells: skip the search
            return self.assignments[0].fte
        return sum(
            a.fte for a in self.assignments if a.start <= day and (a.end is None or a.end >= day)
        )

    def least_fte(self, first: date, last: date) -> float:
        """The smallest FTE in post on any day from `first` to `last` (within the spell)."""
        changes = {first}
        for a in self.assignments:
            changes.add(a.start)
            if a.end is not None and a.end < last:
                changes.add(a.end + timedelta(days=1))
        return min(self.fte_on(day) for day in changes if first <= day <= last)


def _spells(assignments: Iterable[Assignment[TeamT]]) -> list[_Spell[TeamT]]:
    """One employee's assignments in one team merged into spells, in date order."""
    spells: list[_Spell[TeamT]] = []
    current: list[Assignment[TeamT]] = []
    end: date | None = None
    for assignment in sorted(assignments, key=lambda a: a.start):
        # Compared as a difference: `end + 1 day` overflows on 9999-12-31, an open end in
        # some HR systems.
        if current and (end is None or (assignment.start - end).days <= 1):
            current.append(assignment)
            if end is not None:
                end = None if assignment.end is None else max(end, assignment.end)
            continue
        if current:
            spells.append(_Spell(current[0].start, end, tuple(current)))
        current, end = [assignment], assignment.end
    if current:
        spells.append(_Spell(current[0].start, end, tuple(current)))
    return spells


def _members(
    assignments: Iterable[Assignment[TeamT]],
) -> dict[tuple[TeamT, str], list[Assignment[TeamT]]]:
    members: dict[tuple[TeamT, str], list[Assignment[TeamT]]] = defaultdict(list)
    for assignment in assignments:
        members[(assignment.team, assignment.employee)].append(assignment)
    return members


def check_staff(
    assignments: Sequence[Assignment[TeamT]],
    absences: Sequence[AbsenceEpisode[TeamT]] | None = None,
) -> list[Problem]:
    """Row errors of a person-level file (ingest 3.4), in row order.

    Beyond the three the contract names (end before start, fte <= 0, an episode outside every
    spell), an episode must lie within one spell, may not overlap another episode of the same
    employee and team, and may not lose more FTE days than the FTE in post on its least-staffed
    day allows: otherwise its month's sickness could exceed its FTE days available, a row the
    monthly kind refuses, and the two kinds of file would no longer store the same months.
    """
    problems: list[Problem] = []
    valid: list[Assignment[TeamT]] = []
    for a in assignments:
        ok = True
        if a.end is not None and a.end < a.start:
            problems.append(Problem(a.row, "end_date", "end_date is before start_date"))
            ok = False
        if not (math.isfinite(a.fte) and a.fte > 0):
            problems.append(Problem(a.row, "fte", "fte must be more than 0"))
            ok = False
        if ok:
            valid.append(a)
    spells = {key: _spells(group) for key, group in _members(valid).items()}
    episodes: dict[tuple[TeamT, str], list[AbsenceEpisode[TeamT]]] = defaultdict(list)
    for e in absences or ():
        if e.end < e.start:
            problems.append(Problem(e.row, "end_date", "end_date is before start_date"))
            continue
        if not (math.isfinite(e.fte_days_lost) and e.fte_days_lost >= 0):
            problems.append(Problem(e.row, "fte_days_lost", "fte_days_lost must be a number >= 0"))
            continue
        found = _check_episode(e, spells.get((e.team, e.employee), []))
        problems.extend(found)
        if not found:  # overlaps are looked for among otherwise good episodes only
            episodes[(e.team, e.employee)].append(e)
    for group in episodes.values():
        group.sort(key=lambda e: (e.start, e.row or 0))
        reaching = group[0]  # of the episodes so far, the one that ends last
        for e in group[1:]:
            if e.start <= reaching.end:
                message = f"the episode overlaps the one on row {reaching.row}"
                problems.append(Problem(e.row, "start_date", message))
            if e.end > reaching.end:
                reaching = e
    return sorted(problems, key=lambda p: p.row or 0)


def _check_episode(e: AbsenceEpisode[TeamT], spells: list[_Spell[TeamT]]) -> list[Problem]:
    holder = next(
        (s for s in spells if s.start <= e.start and (s.end is None or s.end >= e.start)), None
    )
    if holder is None:
        message = "the episode is outside every spell of this employee in this team"
        return [Problem(e.row, "start_date", message)]
    if holder.end is not None and e.end > holder.end:
        message = f"the episode runs past the employee's last day in this team ({holder.end})"
        return [Problem(e.row, "end_date", message)]
    days = (e.end - e.start).days + 1
    allowed = holder.least_fte(e.start, e.end) * days
    if _over(e.fte_days_lost, allowed):
        message = (
            f"fte_days_lost is more than the FTE in post allows over the episode "
            f"(at most {allowed:g})"
        )
        return [Problem(e.row, "fte_days_lost", message)]
    return []


class _Window:
    """The window's months, and per team per month accumulators."""

    def __init__(self, first: date, last: date) -> None:
        self.months = month_range(first, last)
        self.size = len(self.months)
        self.last_days = [last_of_month(month) for month in self.months]
        self._origin = self.months[0].year * 12 + self.months[0].month - 1

    def index(self, day: date) -> int:
        """The position of `day`'s month in the window (outside it: < 0 or >= size)."""
        return day.year * 12 + day.month - 1 - self._origin

    def clip(self, first: int, last: int) -> range:
        return range(max(first, 0), min(last, self.size - 1) + 1)

    def add_days(self, totals: list[float], start: date, end: date | None, per_day: float) -> None:
        """Adds `per_day` x the days from `start` to `end` (open: to the window's end) per month."""
        for m in self.clip(self.index(start), self.size if end is None else self.index(end)):
            month_end = self.last_days[m]
            last_day = month_end if end is None else min(end, month_end)
            totals[m] += per_day * ((last_day - max(start, self.months[m])).days + 1)


class _Team:
    """One team's figures for each month of the window, as they are summed."""

    def __init__(self, size: int) -> None:
        self.headcount_start = [0] * size
        self.headcount_end = [0] * size
        self.starters = [0] * size
        self.leavers = [0] * size
        self.stable = [0] * size
        self.fte_start = [0.0] * size
        self.fte_end = [0.0] * size
        self.leavers_fte = [0.0] * size
        self.available = [0.0] * size
        self.sickness = [0.0] * size

    def add_member(self, window: _Window, assignments: list[Assignment[TeamT]]) -> None:
        """Adds one employee's assignments in this team."""
        months = window.months
        # Per month index: [spells begun, spells ended]; and the FTE of the last one to end.
        events: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        last_leaving: dict[int, float] = {}
        for spell in _spells(assignments):
            began = window.index(spell.start)
            ended = window.size if spell.end is None else window.index(spell.end)
            # In post as month m opens: began before its first day, not ended before it.
            for m in window.clip(began + 1, ended):
                self.headcount_start[m] += 1
                self.fte_start[m] += spell.fte_on(months[m])
            # In post after month m's last day: began on or before it, not ended on or before.
            for m in window.clip(began, ended - 1):
                self.headcount_end[m] += 1
                self.fte_end[m] += spell.fte_on(window.last_days[m])
            # In post as month m - 11 opens and still after month m.
            for m in window.clip(began + 12, ended - 1):
                self.stable[m] += 1
            events[began][0] += 1
            if spell.end is not None:
                events[ended][1] += 1
                last_leaving[ended] = spell.fte_on(spell.end)
            for a in spell.assignments:
                window.add_days(self.available, a.start, a.end, a.fte)
        for m, (begun, ended_count) in events.items():
            if not 0 <= m < window.size:
                continue
            net = begun - ended_count  # = (in post after the month) - (in post as it opened)
            if net >= 0 and begun:
                self.starters[m] += 1
            if net <= 0 and ended_count:
                self.leavers[m] += 1
                self.leavers_fte[m] += last_leaving[m]

    def figures(self, m: int, month: date, with_sickness: bool) -> MonthlyFigures:
        return MonthlyFigures(
            month=month,
            headcount_start=self.headcount_start[m],
            headcount_end=self.headcount_end[m],
            starters=self.starters[m],
            leavers=self.leavers[m],
            fte_start=_tidy(self.fte_start[m]),
            fte_end=_tidy(self.fte_end[m]),
            leavers_fte=_tidy(self.leavers_fte[m]),
            sickness_fte_days_lost=_tidy(self.sickness[m]) if with_sickness else None,
            fte_days_available=_tidy(self.available[m]) if with_sickness else None,
            stable_headcount_12m=self.stable[m],
        )


def _tidy(amount: float) -> float:
    """A sum of FTEs without the binary noise of its terms (0.6 + ... = 30.700000000000003,
    stored and shown as such otherwise): nine decimals keep every real figure (ESR's FTEs
    have four) and what even spreads of days give, to well within a billionth."""
    return round(amount, SUM_DECIMALS)


def aggregate_staff(
    assignments: Iterable[Assignment[TeamT]],
    absences: Iterable[AbsenceEpisode[TeamT]] | None,
    window_first_month: date,
    window_last_month: date,
) -> dict[TeamT, list[MonthlyFigures]]:
    """Every team's monthly rows for every month of the window (ingest 3.4), from rows that
    `check_staff` accepts; without absences (None) the months have no sickness figures (and
    so, the two being a pair, no FTE days available either).

    Counts are of distinct employees. An employee who has more than one spell begin or end in
    one month counts once at most as a starter and once as a leaver, so that headcount_end =
    headcount_start + starters - leavers holds: out as the month opens and in after it, a
    starter only; in and then out, a leaver only; otherwise a starter and a leaver when any
    spell began or ended in the month. FTE at the start and the end is that in force on the
    month's first and last day (3.3); a leaver's FTE is that of their last day.
    """
    window = _Window(window_first_month, window_last_month)
    teams: dict[TeamT, _Team] = {}
    for (team, _), group in _members(assignments).items():
        acc = teams.get(team)
        if acc is None:
            acc = teams[team] = _Team(window.size)
        acc.add_member(window, group)
    if absences is not None:
        for e in absences:
            acc = teams.get(e.team)
            if acc is not None:  # an episode of a team without assignments is a row error
                days = (e.end - e.start).days + 1
                window.add_days(acc.sickness, e.start, e.end, e.fte_days_lost / days)
    return {
        team: [acc.figures(m, month, absences is not None) for m, month in enumerate(window.months)]
        for team, acc in teams.items()
    }
