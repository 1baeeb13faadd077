"""The engine's string-scanning rules agree with a window-by-window reading of the rules text."""

from datetime import date, timedelta
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from app.spc import (
    ChartOptions,
    ChartResult,
    ChartType,
    PointResult,
    RunsAnalysis,
    SeriesPoint,
    SpecialCause,
    compute_chart,
)
from app.spc.runs import anhoej_thresholds

START = date(2022, 1, 3)


def sign(x: float) -> int:
    return (x > 0) - (x < 0)


def flags(values: list[float | None], points: tuple[PointResult, ...], length: int) -> list[bool]:
    """The four rule flags of spc-rules.md 2.4, each by its own sliding window."""
    m = len(values)
    sides = [
        None if y is None or p.centre is None else sign(y - p.centre)
        for y, p in zip(values, points, strict=True)
    ]
    outside = [False] * m
    close = [False] * m
    for i, (y, p) in enumerate(zip(values, points, strict=True)):
        if y is None or p.lower_limit is None or p.upper_limit is None:
            continue
        assert p.lower_warning is not None
        assert p.upper_warning is not None
        outside[i] = y > p.upper_limit or y < p.lower_limit
        close[i] = not outside[i] and (y > p.upper_warning or y < p.lower_warning)
    shift, trend, two = [False] * m, [False] * m, [False] * m
    for end in range(length - 1, m):
        window = range(end - length + 1, end + 1)
        window_sides = [sides[i] for i in window]
        if None not in window_sides and len(set(window_sides)) == 1 and window_sides[0] != 0:
            for i in window:
                shift[i] = True
        ys = [values[i] for i in window]
        known = [y for y in ys if y is not None]
        if len(known) == length:
            steps = [b - a for a, b in pairwise(known)]
            if all(s > 0 for s in steps) or all(s < 0 for s in steps):
                for i in window:
                    trend[i] = True
    for j in range(m - 2):
        triple = sides[j : j + 3]
        same_side = None not in triple and abs(sum(s for s in triple if s is not None)) == 3
        if same_side and sum(close[j : j + 3]) >= 2:
            for i in range(j, j + 3):
                two[i] = two[i] or close[i]
    return [*outside, *trend, *two, *shift]


def expected_causes(
    values: list[float | None], result: ChartResult, length: int
) -> list[SpecialCause]:
    m = len(values)
    all_flags = flags(values, result.points, length)
    outside, trend, two, shift = (all_flags[k * m : (k + 1) * m] for k in range(4))
    labels = []
    for i, (y, p) in enumerate(zip(values, result.points, strict=True)):
        if y is None:
            labels.append(SpecialCause.COMMON_CAUSE)
        elif outside[i]:
            assert p.upper_limit is not None
            above = y > p.upper_limit
            labels.append(
                SpecialCause.ABOVE_UPPER_LIMIT if above else SpecialCause.BELOW_LOWER_LIMIT
            )
        elif trend[i]:
            after = values[i + 1] if i + 1 < m and trend[i + 1] else None
            before = values[i - 1]
            rising = (
                after > y if after is not None and after != y else before is not None and y > before
            )
            labels.append(
                SpecialCause.TREND_INCREASING if rising else SpecialCause.TREND_DECREASING
            )
        elif two[i]:
            assert p.centre is not None
            high = y > p.centre
            labels.append(
                SpecialCause.TWO_IN_THREE_ABOVE if high else SpecialCause.TWO_IN_THREE_BELOW
            )
        elif shift[i]:
            assert p.centre is not None
            labels.append(SpecialCause.SHIFT_ABOVE if y > p.centre else SpecialCause.SHIFT_BELOW)
        else:
            labels.append(SpecialCause.COMMON_CAUSE)
    return labels


def expected_runs(values: list[float | None], result: ChartResult) -> RunsAnalysis:
    """spc-rules.md 3.4, counted run by run."""
    sides = [
        sign(y - p.centre)
        for y, p in zip(values, result.points, strict=True)
        if y is not None and p.centre is not None and y != p.centre
    ]
    if not sides:
        return RunsAnalysis(None, None, None, None, None, False)
    runs, longest, current = 1, 1, 1
    for a, b in pairwise(sides):
        current = current + 1 if a == b else 1
        runs += a != b
        longest = max(longest, current)
    longest_max, crossings_min = anhoej_thresholds(len(sides))
    signal = longest > longest_max or runs - 1 < crossings_min
    return RunsAnalysis(len(sides), longest, longest_max, runs - 1, crossings_min, signal)


steps = st.one_of(st.none(), st.integers(-2, 3))


@st.composite
def walks(draw: st.DrawFn) -> list[float | None]:
    """Random walks with ties, gaps and occasional jumps: every rule fires in some of them."""
    level = 20
    values: list[float | None] = []
    for step in draw(st.lists(steps, min_size=1, max_size=50)):
        if step is None:
            values.append(None)
            continue
        level = max(0, level + (step if abs(step) < 3 else 4 * step))
        values.append(float(level))
    return values


@given(
    values=walks(),
    chart=st.sampled_from([ChartType.XMR, ChartType.C, ChartType.P, ChartType.U]),
    length=st.sampled_from([6, 7]),
    screen=st.booleans(),
)
def test_rules_and_runs_agree_with_a_direct_reading(
    values: list[float | None], chart: ChartType, length: int, screen: bool
) -> None:
    days = [START + timedelta(weeks=i) for i in range(len(values))]
    if chart in (ChartType.P, ChartType.U):
        # Rates out of 60 (multiply 1), so rows are judged on the plotted values.
        points = [
            SeriesPoint(
                d,
                numerator=None if v is None else min(v, 60),
                denominator=None if v is None else 60,
            )
            for d, v in zip(days, values, strict=True)
        ]
        plotted = [None if v is None else min(v, 60) / 60 for v in values]
    else:
        points = [SeriesPoint(d, v) for d, v in zip(days, values, strict=True)]
        plotted = values
    options = ChartOptions(chart=chart, points_for_significance=length, screen_outliers=screen)
    result = compute_chart(points, options)
    assert [p.special_cause for p in result.points] == expected_causes(plotted, result, length)
    assert result.periods[0].runs == expected_runs(plotted, result)
