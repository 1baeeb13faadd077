"""compute_chart: validate, sort, split into periods, then compute each period and the icons."""

from collections.abc import Callable, Sequence
from datetime import date
from typing import NamedTuple

from app.spc.icons import CAUSES, POINT_TYPES, assurance, variation_icon
from app.spc.limits import (
    Limits,
    RowLimits,
    c_limits,
    pooled_centre,
    row_limits,
    run_centre,
    xmr_limits,
)
from app.spc.model import (
    ChartOptions,
    ChartResult,
    ChartSummary,
    ChartType,
    PeriodResult,
    RunsAnalysis,
    SeriesError,
    SeriesPoint,
    build_points,
)
from app.spc.rules import beyond_constant, beyond_rows, mdc_codes
from app.spc.runs import long_run_codes, runs_analysis, side_string
from app.spc.validation import Series, prepare, prepare_columns

TRIAL_LIMIT_VALUES = 12  # spc-rules.md 2.6 service rule: trial limits below 12 baseline values
# Below 12 values the limits are trial limits, flagged per period; from one or two values (a
# single moving range) they swing with every new point, so the response says so in words.
FEW_VALUES = 3
NO_POINTS_WARNING = "no points: the chart is empty"


class _Period(NamedTuple):
    """One period's columns in plotted units (after multiply) and its summary."""

    values: list[float | None]
    centre: float | None
    lower: list[float | None]
    upper: list[float | None]
    lower_warning: list[float | None]
    upper_warning: list[float | None]
    codes: list[int]
    runs: RunsAnalysis
    n_values: int
    screening_fallback: bool


_Handler = Callable[[Series, int, int, int, ChartOptions], _Period]


def _constant_lines(limits: Limits, values: list[float | None], length: int) -> _Period:
    """XmR and C: one centre and one set of lines for every row of the period."""
    m = len(values)
    sides = side_string(values, limits.centre)
    lines = (limits.lower, limits.upper, limits.lower_warning, limits.upper_warning)
    codes = mdc_codes(values, sides, beyond_constant(values, lines), length)
    return _Period(
        values,
        limits.centre,
        [limits.lower] * m,
        [limits.upper] * m,
        [limits.lower_warning] * m,
        [limits.upper_warning] * m,
        codes,
        runs_analysis(sides),  # spc-api.md: the runs analysis covers every chart type
        limits.n_values,
        limits.screening_fallback,
    )


def _xmr(series: Series, start: int, end: int, base_end: int, options: ChartOptions) -> _Period:
    values = series.values[start:end]
    limits = xmr_limits(values[: base_end - start], options.screen_outliers)
    return _constant_lines(limits, values, options.points_for_significance)


def _c(series: Series, start: int, end: int, base_end: int, options: ChartOptions) -> _Period:
    values = series.values[start:end]
    limits = c_limits(values[: base_end - start])
    return _constant_lines(limits, values, options.points_for_significance)


def _run(series: Series, start: int, end: int, base_end: int, options: ChartOptions) -> _Period:
    values = series.values[start:end]
    limits = run_centre(values[: base_end - start])
    sides = side_string(values, limits.centre)
    runs = runs_analysis(sides)
    nothing: list[float | None] = [None] * len(values)
    # spc-api.md: a run chart flags only the points of runs longer than longest_run_max.
    codes = long_run_codes(sides, runs)
    return _Period(
        values,
        limits.centre,
        nothing,
        nothing,
        nothing,
        nothing,
        codes,
        runs,
        limits.n_values,
        False,
    )


def _proportions(
    series: Series, start: int, end: int, base_end: int, options: ChartOptions
) -> _Period:
    numerators = series.numerators[start:end]
    denominators = series.denominators[start:end]
    base = base_end - start
    centre, n_values = pooled_centre(numerators[:base], denominators[:base])
    rates: list[float | None] = [
        None if x is None or d is None else x / d
        for x, d in zip(numerators, denominators, strict=True)
    ]
    rows = row_limits(centre, denominators, options.chart == ChartType.P)
    # spc-api.md numerical rules: P and U rows are judged before `multiply` is applied.
    sides = side_string(rates, centre)
    codes = mdc_codes(rates, sides, beyond_rows(rates, *rows), options.points_for_significance)
    scale = options.multiply
    if scale != 1:
        # spc-rules.md 5: multiply scales values, centre and limits after the computation.
        rates, rows = _scaled(rates, scale), RowLimits(*(_scaled(line, scale) for line in rows))
        centre = None if centre is None else centre * scale
    return _Period(rates, centre, *rows, codes, runs_analysis(sides), n_values, False)


def _scaled(column: list[float | None], scale: float) -> list[float | None]:
    return [None if v is None else v * scale for v in column]


_HANDLERS: dict[ChartType, _Handler] = {
    ChartType.XMR: _xmr,
    ChartType.RUN: _run,
    ChartType.P: _proportions,
    ChartType.U: _proportions,
    ChartType.C: _c,
}


class _Columns(NamedTuple):
    """The whole chart as columns, before any per-point result object is built."""

    dates: list[date]
    values: list[float | None]
    period_of: list[int]
    centres: list[float | None]
    lower: list[float | None]
    upper: list[float | None]
    lower_warning: list[float | None]
    upper_warning: list[float | None]
    codes: list[int]
    periods: tuple[PeriodResult, ...]
    warnings: tuple[str, ...]


def _columns(series: Series, options: ChartOptions) -> _Columns:
    handler = _HANDLERS[options.chart]
    dates = series.dates
    n = len(dates)
    fix = options.fix_after_n_points
    starts = series.starts if n else []  # an empty series has no period
    ends = [*starts[1:], n] if n else []
    values: list[float | None] = []
    centres: list[float | None] = []
    lower: list[float | None] = []
    upper: list[float | None] = []
    lower_w: list[float | None] = []
    upper_w: list[float | None] = []
    codes: list[int] = []
    period_of: list[int] = []
    periods: list[PeriodResult] = []
    warnings: list[str] = []
    for number, (start, end) in enumerate(zip(starts, ends, strict=True)):
        # 2.3.1: the baseline is the period's first N rows, missing rows included.
        base_end = end if fix is None else min(end, start + fix)
        part = handler(series, start, end, base_end, options)
        m = end - start
        values += part.values
        centres += [part.centre] * m
        lower += part.lower
        upper += part.upper
        lower_w += part.lower_warning
        upper_w += part.upper_warning
        codes += part.codes
        period_of += [number] * m
        periods.append(
            PeriodResult(
                number,
                dates[start],
                m,
                part.centre,
                part.n_values < TRIAL_LIMIT_VALUES,
                part.runs,
            )
        )
        few = _few_values_warning(options.chart, part)
        if few:
            warnings.append(f"period {number} (from {dates[start].isoformat()}): {few}")
        if part.screening_fallback:
            warnings.append(
                f"period {number} (from {dates[start].isoformat()}): screening would have "
                "removed every moving range, so the unscreened mean moving range was used"
            )
    return _Columns(
        dates,
        values,
        period_of,
        centres,
        lower,
        upper,
        lower_w,
        upper_w,
        codes,
        tuple(periods),
        tuple(warnings),
    )


def _few_values_warning(chart: ChartType, part: _Period) -> str | None:
    """Why a period's lines say little, or None when it has values enough."""
    n = part.n_values
    if n >= FEW_VALUES:
        return None
    if n == 0:
        return "no values, so no centre line or limits"
    values = f"only {n} value{'s' if n > 1 else ''}"
    if chart == ChartType.RUN:
        return f"{values}: too few for the runs rules to signal anything"
    if all(line is None for line in part.upper):
        return f"{values}, so no limits (they need at least 2 values in a row)"
    return f"{values}: the limits are unreliable until there are more points"


def compute_chart(points: Sequence[SeriesPoint], options: ChartOptions) -> ChartResult:
    """The chart of a series per spc-api.md; SeriesError lists every invalid input. An empty
    series gives an empty chart, with no icon and a warning."""
    series = prepare(points, options)
    c = _columns(series, options)
    if not c.dates:
        return ChartResult(options.chart, (), (), None, None, (NO_POINTS_WARNING,))
    # Suppressed rows hold null values, so every rule above already took them as missing
    # values (spc-api.md: the row stays, breaks runs and windows, counts toward nothing).
    suppressed = series.suppressed or [False] * len(c.dates)
    gaps = suppressed.count(True)
    warnings = (*c.warnings, suppressed_warning(gaps)) if gaps else c.warnings
    causes = list(map(CAUSES.__getitem__, c.codes))
    direction = options.improvement_direction
    kinds = list(map(POINT_TYPES[direction].__getitem__, c.codes))
    result_points = build_points(
        c.dates,
        c.values,
        c.period_of,
        c.centres,
        c.lower,
        c.upper,
        c.lower_warning,
        c.upper_warning,
        causes,
        kinds,
        suppressed,
    )
    return ChartResult(
        options.chart,
        result_points,
        c.periods,
        variation_icon(causes[-1], kinds[-1]),
        assurance(options.chart, direction, options.target, c.lower[-1], c.upper[-1]),
        warnings,
    )


def suppressed_warning(count: int) -> str:
    """What the chart says of its suppressed points (ingest spec 5.4)."""
    points = "1 point is" if count == 1 else f"{count} points are"
    return (
        f"{points} suppressed (fewer respondents or staff than the disclosure threshold)"
        " and shown as gaps"
    )


def summarise_chart(points: Sequence[SeriesPoint], options: ChartOptions) -> ChartSummary:
    """Only what a dashboard shows of a chart: the same numbers as compute_chart gives for the
    last point, without building a result object for every point."""
    return _summary(_columns(prepare(points, options), options), options)


def summarise_columns(
    dates: list[date],
    values: list[float | None],
    numerators: list[float | None],
    denominators: list[float | None],
    options: ChartOptions,
) -> ChartSummary:
    """summarise_chart() for a series held as columns, as a database returns them."""
    series = prepare_columns(dates, values, numerators, denominators, options)
    return _summary(_columns(series, options), options)


def _summary(c: _Columns, options: ChartOptions) -> ChartSummary:
    if not c.dates:
        raise SeriesError([(("points",), "at least one point is required")])
    code = c.codes[-1]
    cause = CAUSES[code]
    kind = POINT_TYPES[options.improvement_direction][code]
    return ChartSummary(
        c.dates[-1],
        c.values[-1],
        len(c.dates),
        variation_icon(cause, kind),
        assurance(
            options.chart, options.improvement_direction, options.target, c.lower[-1], c.upper[-1]
        ),
    )
