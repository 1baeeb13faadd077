"""Properties of the chart engine that hold for every series, checked with Hypothesis."""

import math
from datetime import date, timedelta

from hypothesis import assume, given
from hypothesis import strategies as st

from app.spc import (
    ChartOptions,
    ChartResult,
    ChartType,
    Direction,
    PointType,
    SeriesPoint,
    SpecialCause,
    compute_chart,
    summarise_chart,
)

START = date(2023, 1, 2)
HIGH = {
    SpecialCause.ABOVE_UPPER_LIMIT,
    SpecialCause.TREND_INCREASING,
    SpecialCause.TWO_IN_THREE_ABOVE,
    SpecialCause.SHIFT_ABOVE,
}
# spc-rules.md 2.5: the point type of a high (+1) and a low (-1) label for each direction.
EXPECTED_TYPES = {
    Direction.INCREASE: (PointType.SPECIAL_CAUSE_IMPROVEMENT, PointType.SPECIAL_CAUSE_CONCERN),
    Direction.DECREASE: (PointType.SPECIAL_CAUSE_CONCERN, PointType.SPECIAL_CAUSE_IMPROVEMENT),
    Direction.NEUTRAL: (PointType.SPECIAL_CAUSE_NEUTRAL_HIGH, PointType.SPECIAL_CAUSE_NEUTRAL_LOW),
}

# Multiples of 0.25 in a modest range are exact in binary, so sums, shifts and power-of-two
# scalings introduce no rounding of their own.
quarters = st.integers(-2000, 2000).map(lambda k: k / 4)
maybe_quarters = st.one_of(st.none(), quarters, quarters, quarters)
counts = st.one_of(st.none(), st.integers(0, 40).map(float))
directions = st.sampled_from(Direction)


@st.composite
def options_for(draw: st.DrawFn, chart: ChartType, n: int) -> ChartOptions:
    starts = draw(st.sets(st.integers(1, n - 1), max_size=3)) if n > 1 else set()
    return ChartOptions(
        chart=chart,
        improvement_direction=draw(directions),
        target=draw(st.one_of(st.none(), quarters)),
        rebase=tuple(START + timedelta(weeks=i) for i in sorted(starts)),
        fix_after_n_points=draw(st.one_of(st.none(), st.integers(12, 30))),
        screen_outliers=draw(st.booleans()),
        multiply=draw(st.sampled_from([1.0, 100.0, 1000.0])),
        points_for_significance=draw(st.sampled_from([6, 7])),
    )


@st.composite
def fraction_points(draw: st.DrawFn, chart: ChartType) -> list[SeriesPoint]:
    rows = draw(
        st.lists(
            st.one_of(
                st.none(),
                st.tuples(st.integers(1, 500), st.integers(0, 500)),
            ),
            min_size=1,
            max_size=60,
        )
    )
    points = []
    for i, row in enumerate(rows):
        day = START + timedelta(weeks=i)
        if row is None:
            points.append(SeriesPoint(day))
            continue
        denominator, numerator = row
        if chart == ChartType.P:
            numerator = min(numerator, denominator)
        points.append(SeriesPoint(day, numerator=numerator, denominator=denominator))
    return points


@st.composite
def charts(draw: st.DrawFn, kinds: tuple[ChartType, ...]) -> tuple[list[SeriesPoint], ChartOptions]:
    chart = draw(st.sampled_from(kinds))
    if chart in (ChartType.P, ChartType.U):
        points = draw(fraction_points(chart))
    else:
        values = draw(
            st.lists(counts if chart == ChartType.C else maybe_quarters, min_size=1, max_size=60)
        )
        points = [SeriesPoint(START + timedelta(weeks=i), v) for i, v in enumerate(values)]
    return points, draw(options_for(chart, len(points)))


ALL = tuple(ChartType)


def near(a: float | None, b: float | None, scale: float = 1.0) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9 * scale)


def lines(result: ChartResult) -> list[tuple[float | None, ...]]:
    return [
        (p.centre, p.lower_limit, p.upper_limit, p.lower_warning, p.upper_warning)
        for p in result.points
    ]


@given(chart=charts(ALL), data=st.data())
def test_the_order_of_the_points_does_not_matter(
    chart: tuple[list[SeriesPoint], ChartOptions], data: st.DataObject
) -> None:
    points, options = chart
    shuffled = data.draw(st.permutations(points))
    assert compute_chart(shuffled, options) == compute_chart(points, options)


def clear_of_lines(result: ChartResult, margin: float) -> bool:
    """No value within `margin` of a limit or warning line (there rounding may decide a flag)."""
    for p in result.points:
        for line in (p.lower_limit, p.upper_limit, p.lower_warning, p.upper_warning):
            if p.value is not None and line is not None and abs(p.value - line) < margin:
                return False
    return True


def same_flags(a: ChartResult, b: ChartResult) -> None:
    assert [p.special_cause for p in a.points] == [p.special_cause for p in b.points]
    assert [p.point_type for p in a.points] == [p.point_type for p in b.points]
    assert [p.runs for p in a.periods] == [p.runs for p in b.periods]
    assert a.variation_icon == b.variation_icon


@given(chart=charts((ChartType.XMR, ChartType.RUN)), shift=quarters)
def test_adding_a_constant_shifts_the_lines_and_keeps_every_flag(
    chart: tuple[list[SeriesPoint], ChartOptions], shift: float
) -> None:
    points, options = chart
    options = ChartOptions(
        chart=options.chart,
        improvement_direction=options.improvement_direction,
        rebase=options.rebase,
        fix_after_n_points=options.fix_after_n_points,
        screen_outliers=options.screen_outliers,
        points_for_significance=options.points_for_significance,
    )
    before = compute_chart(points, options)
    assume(clear_of_lines(before, 1e-6))
    moved = [SeriesPoint(p.date, None if p.value is None else p.value + shift) for p in points]
    after = compute_chart(moved, options)
    for old, new in zip(lines(before), lines(after), strict=True):
        for x, y in zip(old, new, strict=True):
            assert near(None if x is None else x + shift, y, 1000)
    for old_period, new_period in zip(before.periods, after.periods, strict=True):
        assert near(
            None if old_period.centre is None else old_period.centre + shift,
            new_period.centre,
            1000,
        )
    same_flags(before, after)


@given(chart=charts((ChartType.XMR, ChartType.RUN)), power=st.integers(-4, 4))
def test_scaling_by_a_power_of_two_scales_the_lines_and_keeps_every_flag(
    chart: tuple[list[SeriesPoint], ChartOptions], power: int
) -> None:
    points, options = chart
    factor = 2.0**power
    before = compute_chart(points, options)
    scaled = [SeriesPoint(p.date, None if p.value is None else p.value * factor) for p in points]
    after = compute_chart(scaled, options)
    for old, new in zip(lines(before), lines(after), strict=True):
        for x, y in zip(old, new, strict=True):
            assert near(None if x is None else x * factor, y)
    same_flags(before, after)


@given(chart=charts(ALL))
def test_point_type_follows_the_special_cause_and_direction(
    chart: tuple[list[SeriesPoint], ChartOptions],
) -> None:
    points, options = chart
    result = compute_chart(points, options)
    high, low = EXPECTED_TYPES[options.improvement_direction]
    for p in result.points:
        if p.special_cause == SpecialCause.COMMON_CAUSE:
            assert p.point_type == PointType.COMMON_CAUSE
        else:
            assert p.point_type == (high if p.special_cause in HIGH else low)
        if p.value is None:
            assert p.special_cause == SpecialCause.COMMON_CAUSE
    if options.chart == ChartType.RUN:
        assert result.assurance is None
        assert {p.special_cause for p in result.points} <= {
            SpecialCause.COMMON_CAUSE,
            SpecialCause.SHIFT_ABOVE,
            SpecialCause.SHIFT_BELOW,
        }


@given(chart=charts((ChartType.XMR,)))
def test_xmr_limits_are_symmetric_about_the_centre(
    chart: tuple[list[SeriesPoint], ChartOptions],
) -> None:
    points, options = chart
    for p in compute_chart(points, options).points:
        if p.upper_limit is None:
            assert p.lower_limit is None
            assert p.upper_warning is None
            assert p.lower_warning is None
            continue
        assert p.centre is not None
        assert p.lower_limit is not None
        assert p.lower_warning is not None
        assert p.upper_warning is not None
        assert near(p.upper_limit - p.centre, p.centre - p.lower_limit, 1000)
        assert near(p.upper_warning - p.centre, p.centre - p.lower_warning, 1000)
        assert p.lower_limit <= p.lower_warning <= p.centre <= p.upper_warning <= p.upper_limit


@given(chart=charts((ChartType.P,)))
def test_p_limits_stay_within_zero_and_multiply(
    chart: tuple[list[SeriesPoint], ChartOptions],
) -> None:
    points, options = chart
    top = options.multiply
    for p in compute_chart(points, options).points:
        for line in (p.centre, p.lower_limit, p.upper_limit, p.lower_warning, p.upper_warning):
            assert line is None or 0 <= line <= top
        if p.value is None:
            assert p.lower_limit is None
            assert p.upper_limit is None
        elif p.lower_limit is not None and p.upper_limit is not None:
            assert p.lower_warning is not None
            assert p.upper_warning is not None
            assert p.lower_limit <= p.lower_warning <= p.upper_warning <= p.upper_limit


@given(chart=charts((ChartType.P, ChartType.U)), multiply=st.sampled_from([100.0, 1000.0, 0.3]))
def test_multiply_scales_p_and_u_lines_and_changes_no_flag(
    chart: tuple[list[SeriesPoint], ChartOptions], multiply: float
) -> None:
    # spc-api.md numerical rules: rows are judged before multiply, so it cannot move a flag.
    points, options = chart
    plain = ChartOptions(chart=options.chart, improvement_direction=options.improvement_direction)
    scaled = ChartOptions(
        chart=options.chart, improvement_direction=options.improvement_direction, multiply=multiply
    )
    before, after = compute_chart(points, plain), compute_chart(points, scaled)
    for old, new in zip(lines(before), lines(after), strict=True):
        for x, y in zip(old, new, strict=True):
            assert near(None if x is None else x * multiply, y, multiply)
    same_flags(before, after)


@given(chart=charts(ALL))
def test_the_summary_is_the_charts_last_point(
    chart: tuple[list[SeriesPoint], ChartOptions],
) -> None:
    points, options = chart
    full = compute_chart(points, options)
    summary = summarise_chart(points, options)
    assert (summary.latest_date, summary.latest_value, summary.n_points) == (
        full.points[-1].date,
        full.points[-1].value,
        len(full.points),
    )
    assert (summary.variation_icon, summary.assurance) == (full.variation_icon, full.assurance)


# The largest values the API accepts (|value| <= 1e12, denominators >= 0.001, multiply up to
# 1e6), mixed with ordinary ones: every number the engine returns is finite.
extremes = st.one_of(
    st.sampled_from([-1e12, 1e12, 0.0, 1.0, -1.0]), st.floats(-1e12, 1e12, allow_nan=False)
)
big_counts = st.one_of(st.sampled_from([0.0, 1e12]), st.integers(0, 10**12).map(float))
denominators = st.one_of(st.sampled_from([1e-3, 1e12]), st.floats(1e-3, 1e12))


@st.composite
def extreme_series(draw: st.DrawFn) -> tuple[ChartType, list[SeriesPoint], float]:
    chart = draw(st.sampled_from(ChartType))
    n = draw(st.integers(1, 40))
    points = []
    for k in range(n):
        day = START + timedelta(weeks=k)
        if chart in (ChartType.P, ChartType.U):
            den = draw(denominators)
            top = den if chart == ChartType.P else 1e12
            points.append(SeriesPoint(day, None, draw(st.floats(0, top)), den))
        elif chart == ChartType.C:
            points.append(SeriesPoint(day, draw(big_counts)))
        else:
            points.append(SeriesPoint(day, draw(extremes)))
    return chart, points, draw(st.sampled_from([1.0, 100.0, 1e6]))


@given(extreme_series(), directions)
def test_the_largest_allowed_values_never_overflow(
    series: tuple[ChartType, list[SeriesPoint], float], direction: Direction
) -> None:
    chart_type, points, multiply = series
    options = ChartOptions(
        chart=chart_type, improvement_direction=direction, target=1e12, multiply=multiply
    )
    chart = compute_chart(points, options)
    numbers = [
        number
        for point in chart.points
        for number in (
            point.value,
            point.centre,
            point.lower_limit,
            point.upper_limit,
            point.lower_warning,
            point.upper_warning,
        )
        if number is not None
    ] + [period.centre for period in chart.periods if period.centre is not None]
    assert all(math.isfinite(number) for number in numbers)
