"""Input checks (the contract's 422 cases, all collected at once) and sorting into date order."""

import math
from collections.abc import Sequence
from datetime import date
from operator import le
from typing import NamedTuple, cast

from app.spc.model import ChartOptions, ChartType, SeriesError, SeriesPoint, SeriesProblem

# No real measure comes near these, and within them no sum, ratio or limit can overflow: a
# ratio is at most 1e12 / 1e-3 = 1e15 before `multiply` (at most 1e6 for the API).
MAX_MAGNITUDE = 1e12
MIN_DENOMINATOR = 1e-3
MIN_FIX_AFTER_N_POINTS = 12  # spc-rules.md 2.1: fix_after_n_points must be >= 12
SIGNIFICANCE_CHOICES = (6, 7)  # spc-rules.md 2.4.6


class Series(NamedTuple):
    """The validated series in date order; `starts` holds the first row index of each period.
    `suppressed` marks the rows that are gaps for disclosure's sake (their values are null, so
    every computation treats them as missing values); empty when no row is."""

    dates: list[date]
    values: list[float | None]
    numerators: list[float | None]
    denominators: list[float | None]
    starts: list[int]
    suppressed: list[bool]


def prepare(points: Sequence[SeriesPoint], options: ChartOptions) -> Series:
    """Validate everything, raising one SeriesError with every problem, then sort by date."""
    return prepare_columns(
        [p.date for p in points],
        [p.value for p in points],
        [p.numerator for p in points],
        [p.denominator for p in points],
        options,
        [p.suppressed for p in points],
    )


def prepare_columns(
    dates: list[date],
    values: list[float | None],
    numerators: list[float | None],
    denominators: list[float | None],
    options: ChartOptions,
    suppressed: list[bool] | None = None,
) -> Series:
    """prepare() for a series already held as columns (one list per field, same length)."""
    problems: list[SeriesProblem] = []
    if suppressed is not None and True not in suppressed:
        suppressed = None  # the common case: no column to sort or carry
    if suppressed is not None:
        _check_suppressed(values, numerators, denominators, suppressed, problems)
    _check_options(options, problems)
    n = len(dates)
    if len(set(dates)) != n:
        _check_duplicates(dates, problems)
    bad_numbers = _non_finite(values, "value", problems)
    bad_numbers |= _non_finite(numerators, "numerator", problems)
    bad_numbers |= _non_finite(denominators, "denominator", problems)
    _check_points(options.chart, values, numerators, denominators, bad_numbers, problems)

    sorted_dates = sorted(dates)
    if sorted_dates != dates:
        order = sorted(range(n), key=dates.__getitem__)
        values = [values[i] for i in order]
        numerators = [numerators[i] for i in order]
        denominators = [denominators[i] for i in order]
        if suppressed is not None:
            suppressed = [suppressed[i] for i in order]
    starts = [0]
    if options.rebase:
        starts = _rebase_starts(options.rebase, sorted_dates, problems)
    if problems:
        raise SeriesError(problems)
    return Series(sorted_dates, values, numerators, denominators, starts, suppressed or [])


def _check_options(options: ChartOptions, problems: list[SeriesProblem]) -> None:
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


def _check_suppressed(
    values: list[float | None],
    numerators: list[float | None],
    denominators: list[float | None],
    suppressed: list[bool],
    problems: list[SeriesProblem],
) -> None:
    """A suppressed row has no number: it is a gap, charted as a missing value."""
    for i, gap in enumerate(suppressed):
        if gap:
            problems.extend(
                (("points", i, field), "must be null on a suppressed point")
                for field, given in zip(
                    ("value", "numerator", "denominator"),
                    (values[i], numerators[i], denominators[i]),
                    strict=True,
                )
                if given is not None
            )


def _check_duplicates(dates: list[date], problems: list[SeriesProblem]) -> None:
    seen: set[date] = set()
    for i, day in enumerate(dates):
        if day in seen:
            problems.append((("points", i, "date"), "another point has the same date"))
        seen.add(day)


def _non_finite(column: list[float | None], field: str, problems: list[SeriesProblem]) -> set[int]:
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


FRACTION_CHARTS = (ChartType.P, ChartType.U)
FieldProblems = list[tuple[str, str]]


def point_problems(
    chart: ChartType,
    value: float | None,
    numerator: float | None,
    denominator: float | None,
    *,
    missing_allowed: bool = True,
) -> FieldProblems:
    """What is wrong with one point for this chart type, as (field, message) pairs: the one
    check behind both a posted series and a stored one. A posted series may mark a missing
    value with nulls (spc-api.md); a stored point must carry its numbers."""
    if chart in FRACTION_CHARTS:
        return _fraction_problems(chart, value, numerator, denominator, missing_allowed)
    problems = [
        (field, f"not used by a {chart} chart; send value")
        for field, given in (("numerator", numerator), ("denominator", denominator))
        if given is not None
    ]
    if value is None:
        if not missing_allowed:
            problems.append(("value", f"required for a {chart} chart"))
    elif chart == ChartType.C and (value < 0 or not float(value).is_integer()):
        problems.append(("value", "a c chart counts events: a whole number of 0 or more"))
    return problems


def _fraction_problems(
    chart: ChartType,
    value: float | None,
    numerator: float | None,
    denominator: float | None,
    missing_allowed: bool,
) -> FieldProblems:
    problems: FieldProblems = []
    if value is not None:
        problems.append(("value", f"a {chart} chart takes numerator and denominator, not value"))
    if numerator is None and denominator is None:
        if not missing_allowed:
            problems += [(f, f"required for a {chart} chart") for f in ("numerator", "denominator")]
        return problems
    usable = False
    if denominator is None:
        problems.append(("denominator", "required when numerator is given"))
    elif denominator <= 0:
        problems.append(("denominator", "must be greater than 0"))
    elif denominator < MIN_DENOMINATOR:
        problems.append(("denominator", "must be at least 0.001"))
    else:
        usable = True
    if numerator is None:
        problems.append(("numerator", "required when denominator is given"))
    elif numerator < 0:
        # A count of events cannot be negative; the contract is silent, a user would expect this.
        problems.append(("numerator", "must not be negative"))
    elif chart == ChartType.P and usable and denominator is not None and numerator > denominator:
        problems.append(("numerator", "must not exceed the denominator on a p chart"))
    return problems


def _check_points(
    chart: ChartType,
    values: list[float | None],
    numerators: list[float | None],
    denominators: list[float | None],
    bad: set[int],
    problems: list[SeriesProblem],
) -> None:
    if not bad and _plainly_valid(chart, values, numerators, denominators):
        return
    for i, (v, x, d) in enumerate(zip(values, numerators, denominators, strict=True)):
        if i not in bad:
            problems.extend((("points", i, f), m) for f, m in point_problems(chart, v, x, d))


def _plainly_valid(
    chart: ChartType,
    values: list[float | None],
    numerators: list[float | None],
    denominators: list[float | None],
) -> bool:
    """True when a whole series passes point_problems, checked a column at a time at C speed
    (a dashboard checks a quarter of a million stored points); False means "look point by
    point", not that a point is wrong."""
    n = len(values)
    if chart in FRACTION_CHARTS:
        if values.count(None) != n or None in numerators or None in denominators:
            return False
        nums, dens = cast(list[float], numerators), cast(list[float], denominators)
        if min(dens, default=1.0) < MIN_DENOMINATOR or min(nums, default=0.0) < 0:
            return False
        return chart != ChartType.P or all(map(le, nums, dens))
    if numerators.count(None) != n or denominators.count(None) != n:
        return False
    if chart != ChartType.C:
        return True
    counts = [v for v in values if v is not None]
    return min(counts, default=0.0) >= 0 and all(float(v).is_integer() for v in counts)


def _rebase_starts(
    rebase: tuple[date, ...], sorted_dates: list[date], problems: list[SeriesProblem]
) -> list[int]:
    index = {day: i for i, day in enumerate(sorted_dates)}
    starts = {0}
    for k, day in enumerate(rebase):
        i = index.get(day)
        where = ("rebases", k, "starts_on")
        if i is None:
            problems.append((where, "is not the date of any point"))
        elif i == 0:
            problems.append((where, "is the first point's date, which starts a period"))
        elif i in starts:
            problems.append((where, "another rebase starts on this date"))
        else:
            starts.add(i)
    return sorted(starts)
