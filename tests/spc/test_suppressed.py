"""Suppressed points (ingest spec 5.4) in the chart engine, for every series (Hypothesis).

What holds, precisely:
- A suppressed point is charted exactly as a missing value (a null value) is: the whole chart
  is the same but for its `suppressed` flag and one more warning.
- Against the same series with those points *removed*, without `fix_after_n_points` (whose
  baseline counts missing rows, so a gap moves it):
  - every period's centre, trial-limits flag and runs analysis are the same (the mean, the
    median, the pooled rate and the runs analysis all leave missing points out);
  - on P, U and C charts each other point's limits and two-sigma lines are the same (they
    depend on the centre and the point's own denominator), so are its beyond-the-limits
    signals; a gap can only take a shift, trend or two-in-three signal away (spc-rules 2.10:
    a gap breaks every window that contains it), never add one;
  - on a run chart every signal is the same (long runs are counted over the useful points);
  - on an XmR chart the two moving ranges that touch a gap are missing, not bridged, so the
    limits may differ;
  - with gaps only before the first point or after the last, nothing breaks: every other
    point's lines and signals are the same on every chart type.
"""

from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.spc import (
    ChartOptions,
    ChartResult,
    ChartType,
    PointResult,
    SeriesError,
    SeriesPoint,
    compute_chart,
)
from app.spc.engine import suppressed_warning
from tests.spc.test_properties import ALL, START, charts

Chart = tuple[list[SeriesPoint], ChartOptions]
LIMITS = ("centre", "lower_limit", "upper_limit", "lower_warning", "upper_warning")
BEYOND = {"above_upper_limit", "below_lower_limit"}


def _gap_before(i: int) -> SeriesPoint:
    """A suppressed point three days before the i-th weekly point (after the last for i = n)."""
    return SeriesPoint(START + timedelta(weeks=i, days=-3), suppressed=True)


def _others(result: ChartResult) -> list[PointResult]:
    return [point for point in result.points if not point.suppressed]


def _unfixed(options: ChartOptions) -> ChartOptions:
    return replace(options, fix_after_n_points=None)


@given(chart=charts(ALL), data=st.data())
def test_a_suppressed_point_is_charted_as_a_missing_value(
    chart: Chart, data: st.DataObject
) -> None:
    points, options = chart
    chosen = data.draw(st.sets(st.integers(0, len(points) - 1), min_size=1))
    missing = [SeriesPoint(p.date) if i in chosen else p for i, p in enumerate(points)]
    suppressed = [replace(p, suppressed=True) if i in chosen else p for i, p in enumerate(missing)]
    as_missing = compute_chart(missing, options)
    as_suppressed = compute_chart(suppressed, options)
    assert [replace(p, suppressed=False) for p in as_suppressed.points] == list(as_missing.points)
    assert [p.suppressed for p in as_suppressed.points] == [i in chosen for i in range(len(points))]
    assert as_suppressed.periods == as_missing.periods
    assert (as_suppressed.variation_icon, as_suppressed.assurance) == (
        as_missing.variation_icon,
        as_missing.assurance,
    )
    assert as_suppressed.warnings == (*as_missing.warnings, suppressed_warning(len(chosen)))


@given(chart=charts(ALL), data=st.data())
def test_gaps_anywhere_keep_centres_runs_and_what_does_not_depend_on_neighbours(
    chart: Chart, data: st.DataObject
) -> None:
    points, options = chart
    options = _unfixed(options)
    n = len(points)
    positions = data.draw(st.sets(st.integers(0, n), min_size=1))
    without = compute_chart(points, options)
    gapped = compute_chart([*points, *map(_gap_before, positions)], options)
    others = _others(gapped)
    assert [p.date for p in others] == [p.date for p in without.points]
    for was, now in zip(without.periods, gapped.periods, strict=True):
        assert (was.centre, was.trial_limits, was.runs) == (now.centre, now.trial_limits, now.runs)
    assert [p.centre for p in others] == [p.centre for p in without.points]
    if options.chart == ChartType.RUN:
        assert [p.special_cause for p in others] == [p.special_cause for p in without.points]
    if options.chart in (ChartType.P, ChartType.U, ChartType.C):
        for after, before in zip(others, without.points, strict=True):
            assert [getattr(after, line) for line in LIMITS] == [
                getattr(before, line) for line in LIMITS
            ]
            # Beyond the limits is the rule of highest precedence and looks at no neighbour.
            assert (after.special_cause in BEYOND) == (before.special_cause in BEYOND)
            if after.special_cause in BEYOND:
                assert after.special_cause == before.special_cause
            # A window that spans a gap is broken: signals can be lost, never gained.
            if after.special_cause != "common_cause":
                assert before.special_cause != "common_cause"
    assert gapped.warnings[-1] == suppressed_warning(len(positions))


@given(chart=charts(ALL), data=st.data())
def test_gaps_at_the_ends_change_nothing_for_the_other_points(
    chart: Chart, data: st.DataObject
) -> None:
    points, options = chart
    options = _unfixed(options)
    n = len(points)
    before_first = data.draw(st.integers(0, 3))
    after_last = data.draw(st.integers(0 if before_first else 1, 3))
    gaps = [
        *(
            SeriesPoint(START - timedelta(days=k), suppressed=True)
            for k in range(1, before_first + 1)
        ),
        *(
            SeriesPoint(START + timedelta(weeks=n - 1, days=k), suppressed=True)
            for k in range(1, after_last + 1)
        ),
    ]
    without = compute_chart(points, options)
    gapped = compute_chart([*gaps, *points], options)
    assert _others(gapped) == list(without.points)
    for was, now in zip(without.periods, gapped.periods, strict=True):
        assert (was.centre, was.trial_limits, was.runs) == (now.centre, now.trial_limits, now.runs)
    first = gapped.points[0].date.isoformat()
    renamed = [
        w.replace(f"(from {START.isoformat()})", f"(from {first})") for w in without.warnings
    ]
    assert gapped.warnings == (*renamed, suppressed_warning(len(gaps)))
    if not after_last:
        assert (gapped.variation_icon, gapped.assurance) == (
            without.variation_icon,
            without.assurance,
        )


def test_on_xmr_a_gap_leaves_the_moving_ranges_across_it_out() -> None:
    values = [10.0, 12.0, 30.0, 32.0]
    points = [SeriesPoint(START + timedelta(weeks=i), v) for i, v in enumerate(values)]
    options = ChartOptions(chart=ChartType.XMR)
    without = compute_chart(points, options)
    gapped = compute_chart([*points, _gap_before(2)], options)
    # Removed: moving ranges 2, 18 and 2; gapped: 2 and 2, the jump across the gap unmeasured.
    assert [p.upper_limit for p in without.points] == pytest.approx([21.0 + 2.66 * 22 / 3] * 4)
    assert [p.upper_limit for p in gapped.points] == pytest.approx([21.0 + 2.66 * 2] * 5)
    assert [p.centre for p in gapped.points] == [21.0] * 5


def test_a_suppressed_point_with_a_value_is_refused() -> None:
    points = [
        SeriesPoint(START, 3.0),
        SeriesPoint(START + timedelta(weeks=1), 4.0, suppressed=True),
    ]
    with pytest.raises(SeriesError) as refused:
        compute_chart(points, ChartOptions())
    assert refused.value.problems == (
        (("points", 1, "value"), "must be null on a suppressed point"),
    )
