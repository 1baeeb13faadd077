"""Input checks (the contract's 422 cases, all collected at once) and sorting into date order."""

import math
from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

from app.spc.model import ChartOptions, ChartType, Problem, SeriesError, SeriesPoint

# No real measure comes near these, and within them no sum, ratio or limit can overflow: a
# ratio is at most 1e12 / 1e-3 = 1e15 before `multiply` (at most 1e6 for the API).
MAX_MAGNITUDE = 1e12
MIN_DENOMINATOR = 1e-3
MIN_FIX_AFTER_N_POINTS = 12  # spc-rules.md 2.1: fix_after_n_points must be >= 12
SIGNIFICANCE_CHOICES = (6, 7)  # spc-rules.md 2.4.6


class Series(NamedTuple):
    """The validated series in date order; `starts` holds the first row index of each period."""

    dates: list[date]
    values: list[float | None]
    numerators: list[float | None]
    denominators: list[float | None]
    starts: list[int]


def prepare(points: Sequence[SeriesPoint], options: ChartOptions) -> Series:
    """Validate everything, raising one SeriesError with every problem, then sort by date."""
    return prepare_columns(
        [p.date for p in points],
        [p.value for p in points],
        [p.numerator for p in points],
        [p.denominator for p in points],
        options,
    )


def prepare_columns(
    dates: list[date],
    values: list[float | None],
    numerators: list[float | None],
    denominators: list[float | None],
    options: ChartOptions,
) -> Series:
    """prepare() for a series already held as columns (one list per field, same length)."""
    problems: list[Problem] = []
    _check_options(options, problems)
    n = len(dates)
    if n == 0:
        problems.append((("points",), "at least one point is required"))
    if len(set(dates)) != n:
        _check_duplicates(dates, problems)
    bad_numbers = _non_finite(values, "value", problems)
    bad_numbers |= _non_finite(numerators, "numerator", problems)
    bad_numbers |= _non_finite(denominators, "denominator", problems)
    chart = options.chart
    if chart in (ChartType.P, ChartType.U):
        _check_fractions(numerators, denominators, chart == ChartType.P, bad_numbers, problems)
    elif chart == ChartType.C:
        _check_counts(values, bad_numbers, problems)

    sorted_dates = sorted(dates)
    if sorted_dates != dates:
        order = sorted(range(n), key=dates.__getitem__)
        values = [values[i] for i in order]
        numerators = [numerators[i] for i in order]
        denominators = [denominators[i] for i in order]
    starts = [0]
    if options.rebase:
        starts = _rebase_starts(options.rebase, sorted_dates, problems)
    if problems:
        raise SeriesError(problems)
    return Series(sorted_dates, values, numerators, denominators, starts)


def _check_options(options: ChartOptions, problems: list[Problem]) -> None:
    fix = options.fix_after_n_points
    if fix is not None and fix < MIN_FIX_AFTER_N_POINTS:
        problems.append((("fix_after_n_points",), "must be null or at least 12"))
    if options.points_for_significance not in SIGNIFICANCE_CHOICES:
        problems.append((("points_for_significance",), "must be 6 or 7"))
    if not math.isfinite(options.multiply):
        problems.append((("multiply",), "must be a finite number"))
    elif options.multiply <= 0:
        problems.append((("multiply",), "must be greater than 0"))
    if options.target is not None and not math.isfinite(options.target):
        problems.append((("target",), "must be a finite number"))


def _check_duplicates(dates: list[date], problems: list[Problem]) -> None:
    seen: set[date] = set()
    for i, day in enumerate(dates):
        if day in seen:
            problems.append((("points", i, "date"), "another point has the same date"))
        seen.add(day)


def _non_finite(column: list[float | None], field: str, problems: list[Problem]) -> set[int]:
    """Indexes of non-finite numbers in one field (each reported as a problem)."""
    if column.count(None) == len(column):
        return set()
    # Fast path: a sum is finite when every term is (overflow only sends us to the slow path);
    # filter(None, ...) skips the nulls (and zeros, which do not change the sum) at C speed.
    total = sum(filter(None, column))
    if total - total == 0 and max(map(abs, filter(None, column)), default=0) <= MAX_MAGNITUDE:
        return set()
    bad = {i for i, v in enumerate(column) if v is not None and not math.isfinite(v)}
    problems.extend((("points", i, field), "must be a finite number") for i in sorted(bad))
    huge = {
        i for i, v in enumerate(column) if v is not None and i not in bad and abs(v) > MAX_MAGNITUDE
    }
    problems.extend((("points", i, field), "must be between -1e12 and 1e12") for i in sorted(huge))
    return bad | huge


def _check_fractions(
    numerators: list[float | None],
    denominators: list[float | None],
    is_p: bool,
    bad: set[int],
    problems: list[Problem],
) -> None:
    for i, (x, d) in enumerate(zip(numerators, denominators, strict=True)):
        if x is None and d is None:
            continue  # a missing row (spc-api.md: both null = missing)
        if d is None:
            problems.append((("points", i, "denominator"), "required when numerator is given"))
            continue
        if x is None:
            problems.append((("points", i, "numerator"), "required when denominator is given"))
            continue
        if i in bad:
            continue
        if d <= 0:
            problems.append((("points", i, "denominator"), "must be greater than 0"))
        elif d < MIN_DENOMINATOR:
            problems.append((("points", i, "denominator"), "must be at least 0.001"))
        elif is_p and not 0 <= x <= d:
            problems.append((("points", i, "numerator"), "must be between 0 and the denominator"))
        elif x < 0:
            # A rate of events cannot be negative; the contract is silent, a user would expect this.
            problems.append((("points", i, "numerator"), "must not be negative"))


def _check_counts(values: list[float | None], bad: set[int], problems: list[Problem]) -> None:
    for i, v in enumerate(values):
        if v is not None and i not in bad and (v < 0 or not float(v).is_integer()):
            problems.append((("points", i, "value"), "must be a whole count of 0 or more"))


def _rebase_starts(
    rebase: tuple[date, ...], sorted_dates: list[date], problems: list[Problem]
) -> list[int]:
    index = {day: i for i, day in enumerate(sorted_dates)}
    starts = {0}
    for k, day in enumerate(rebase):
        i = index.get(day)
        if i is None:
            problems.append((("rebase", k), "is not the date of any point"))
        elif i == 0:
            problems.append((("rebase", k), "is the first point's date, which starts a period"))
        else:
            starts.add(i)
    return sorted(starts)
