"""Service rules the examples do not cover, and where the contract departs from the references."""

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import pytest

from app.spc import (
    Assurance,
    ChartOptions,
    ChartResult,
    ChartType,
    Direction,
    PointType,
    SeriesError,
    SeriesPoint,
    SpecialCause,
    VariationIcon,
    compute_chart,
    rules,
    runs,
)
from app.spc.icons import CAUSES, variation_icon

START = date(2024, 1, 1)
ZIGZAG = [10, 30, 10, 30, 10, 30]  # wide limits, so a trend is not also outside them
COMMON = SpecialCause.COMMON_CAUSE


def day(i: int) -> date:
    return START + timedelta(days=i)


def chart(values: Sequence[float | None], **options: Any) -> ChartResult:
    points = [SeriesPoint(day(i), v) for i, v in enumerate(values)]
    return compute_chart(points, ChartOptions(**options))


def causes(result: ChartResult) -> list[SpecialCause]:
    return [p.special_cause for p in result.points]


class TestScreening:
    def test_constant_period_falls_back_to_the_unscreened_range_with_a_warning(self) -> None:
        # spc-rules.md 2.3: the reference leaves the limits missing; the service falls back.
        result = chart([5.0] * 10)
        first = result.points[0]
        assert (first.lower_limit, first.centre, first.upper_limit) == (5.0, 5.0, 5.0)
        assert (first.lower_warning, first.upper_warning) == (5.0, 5.0)
        assert len(result.warnings) == 1
        assert "screening would have removed every moving range" in result.warnings[0]
        assert "unscreened mean moving range" in result.warnings[0]
        assert causes(result) == [COMMON] * 10

    def test_no_warning_without_screening_or_for_the_unaffected_period(self) -> None:
        assert chart([5.0] * 10, screen_outliers=False).warnings == ()
        rebased = chart([1, 3, 2, 4, 2, 7, 7, 7, 7], rebase=(day(5),))
        assert len(rebased.warnings) == 1
        assert rebased.warnings[0].startswith("period 1 (from 2024-01-06)")

    def test_screening_drops_large_ranges_from_the_limits_but_not_the_centre(self) -> None:
        values = [1, 2] * 6 + [20, 1]
        screened, unscreened = chart(values), chart(values, screen_outliers=False)
        assert screened.points[0].centre == unscreened.points[0].centre
        assert screened.points[0].upper_limit < unscreened.points[0].upper_limit  # type: ignore[operator]


class TestTrend:
    def test_a_tie_between_two_rising_trends_stays_increasing(self) -> None:
        # spc-api.md numerical rules: the reference labels the first 20 as decreasing.
        values = [*ZIGZAG, 14, 15, 16, 17, 18, 19, 20, 20, 21, 22, 23, 24, 25, 26, *ZIGZAG]
        result = chart(values, screen_outliers=False, improvement_direction=Direction.INCREASE)
        labels = causes(result)
        assert labels[6:20] == [SpecialCause.TREND_INCREASING] * 14
        assert labels[:6] == labels[20:] == [COMMON] * 6
        assert {p.point_type for p in result.points[6:20]} == {PointType.SPECIAL_CAUSE_IMPROVEMENT}

    def test_a_shared_peak_takes_the_direction_of_the_following_trend(self) -> None:
        values = [*ZIGZAG, 14, 15, 16, 17, 18, 19, 20, 19, 18, 17, 16, 15, 14, 30, 10]
        labels = causes(chart(values, screen_outliers=False))
        assert labels[6:12] == [SpecialCause.TREND_INCREASING] * 6
        assert labels[12:19] == [SpecialCause.TREND_DECREASING] * 7

    def test_a_gap_breaks_a_trend_window(self) -> None:
        rising = [*ZIGZAG, 14, 15, 16, 17, 18, 19, 20, *ZIGZAG]
        assert (
            causes(chart(rising, screen_outliers=False))[6:13]
            == [SpecialCause.TREND_INCREASING] * 7
        )
        gapped = [*ZIGZAG, 14, 15, 16, None, 18, 19, 20, 21, *ZIGZAG]
        assert causes(chart(gapped, screen_outliers=False)) == [COMMON] * len(gapped)

    def test_six_points_make_a_trend_when_chosen(self) -> None:
        values = [*ZIGZAG, 14, 15, 16, 17, 18, 19, *ZIGZAG]
        assert causes(chart(values, screen_outliers=False)) == [COMMON] * 18
        six = causes(chart(values, screen_outliers=False, points_for_significance=6))
        assert six[6:12] == [SpecialCause.TREND_INCREASING] * 6


class TestShiftAndTwoInThree:
    def test_a_gap_breaks_a_shift(self) -> None:
        low, high = [20, 0] * 5, [12, 13, 12, 13, 12, 13, 12]
        assert causes(chart([*low, *high]))[10:] == [SpecialCause.SHIFT_ABOVE] * 7
        gapped = causes(chart([*low, 12, 13, 12, None, 13, 12, 13]))
        assert gapped == [COMMON] * 17

    def test_a_shift_does_not_span_a_rebase(self) -> None:
        values = [20, 0] * 5 + [12, 13, 12, 13, 12, 13, 12, 20, 0, 20, 0]
        assert causes(chart(values))[10:18] == [SpecialCause.SHIFT_ABOVE] * 8
        rebased = chart(values, rebase=(day(14),))
        assert causes(rebased) == [COMMON] * 21
        assert [p.period for p in rebased.points] == [0] * 14 + [1] * 7

    def test_a_gap_breaks_two_in_three(self) -> None:
        base = [10, 10.5, 9.6, 10.3, 9.8, 10.4, 9.7, 10.1, 9.9, 10.2] * 2
        flagged = chart([*base, 11.3, 11.3, 10.5, *base])
        assert causes(flagged)[20:22] == [SpecialCause.TWO_IN_THREE_ABOVE] * 2
        gapped = chart([*base, 11.3, None, 11.3, *base], fix_after_n_points=20)
        assert SpecialCause.TWO_IN_THREE_ABOVE not in causes(gapped)


class TestRunChart:
    def test_only_runs_longer_than_the_limit_are_flagged_and_skipped_points_stay_common(
        self,
    ) -> None:
        # Vector 09: 9 below the median (point 5 on it), later a run of 7 above (not > 7).
        values = [14, 12, 15, 13, 16, 14, 13, 15, 12, 14, 17, 18, 16, 19, 14, 18, 20, 17, 19, 21]
        values += [18, 20]
        result = chart(values, chart=ChartType.RUN, improvement_direction=Direction.DECREASE)
        expected = [SpecialCause.SHIFT_BELOW] * 10 + [COMMON] * 12
        expected[4] = COMMON
        assert causes(result) == expected
        assert result.points[0].point_type == PointType.SPECIAL_CAUSE_IMPROVEMENT
        assert all(p.lower_limit is None and p.upper_warning is None for p in result.points)
        assert result.assurance is None

    def test_a_missing_point_is_skipped_by_the_runs_analysis_not_a_break(self) -> None:
        values: list[float | None] = [1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2]
        values += [9, 8, 9, None, 8, 9, 8, 9]
        result = chart(values, chart=ChartType.RUN)
        assert result.periods[0].runs.longest_run == 7
        assert result.periods[0].runs.longest_run_max == 7  # 19 useful points
        assert SpecialCause.SHIFT_ABOVE not in causes(result)
        longer = chart([*values, 9], chart=ChartType.RUN)
        assert longer.periods[0].runs.longest_run == 8
        labels = causes(longer)
        assert labels[15] == COMMON
        assert [i for i, c in enumerate(labels) if c == SpecialCause.SHIFT_ABOVE] == [
            12,
            13,
            14,
            16,
            17,
            18,
            19,
            20,
        ]


class TestCountsAndRates:
    def test_c_chart_lines(self) -> None:
        result = chart([6, 0, 1, None, 0, 1, 0, 2], chart=ChartType.C)
        centre = 10 / 7
        row = result.points[3]
        assert row.value is None
        assert row.special_cause == COMMON
        assert row.centre == pytest.approx(centre)
        assert row.upper_limit == pytest.approx(centre + 3 * centre**0.5)
        assert row.upper_warning == pytest.approx(centre + 2 * centre**0.5)
        assert row.lower_limit == row.lower_warning == 0
        assert result.points[0].special_cause == SpecialCause.ABOVE_UPPER_LIMIT

    def test_missing_p_row_carries_the_centre_and_null_limits(self) -> None:
        points = [
            SeriesPoint(day(0), numerator=1, denominator=10),
            SeriesPoint(day(1)),
            SeriesPoint(day(2), numerator=3, denominator=10),
        ]
        result = compute_chart(points, ChartOptions(chart=ChartType.P, multiply=100))
        row = result.points[1]
        assert row.value is None
        assert row.centre == pytest.approx(20.0)
        assert (row.lower_limit, row.upper_limit, row.lower_warning, row.upper_warning) == (
            None,
            None,
            None,
            None,
        )
        assert result.points[2].value == pytest.approx(30.0)
        assert result.periods[0].centre == pytest.approx(20.0)

    def test_a_negative_u_numerator_is_refused(self) -> None:
        points = [SeriesPoint(day(i), numerator=2 - i * 2, denominator=5) for i in range(3)]
        with pytest.raises(SeriesError) as raised:
            compute_chart(points, ChartOptions(chart=ChartType.U))
        assert raised.value.problems == ((("points", 2, "numerator"), "must not be negative"),)


class TestAssuranceAndIcons:
    @pytest.mark.parametrize(
        ("target", "direction", "expected"),
        [
            (100, Direction.INCREASE, Assurance.CONSISTENT_FAIL),
            (100, Direction.DECREASE, Assurance.CONSISTENT_PASS),
            (-100, Direction.INCREASE, Assurance.CONSISTENT_PASS),
            (-100, Direction.DECREASE, Assurance.CONSISTENT_FAIL),
            (10, Direction.INCREASE, Assurance.INCONSISTENT),
            (100, Direction.NEUTRAL, None),
            (None, Direction.INCREASE, None),
        ],
    )
    def test_assurance_table(
        self, target: float | None, direction: Direction, expected: Assurance | None
    ) -> None:
        values = [8, 12, 9, 11, 10, 12, 8, 10]
        assert chart(values, target=target, improvement_direction=direction).assurance == expected

    def test_a_target_exactly_on_a_limit_is_inconsistent(self) -> None:
        values = [8, 12, 8, 12]  # centre 10, MRbar 4: limits 10 -/+ 10.64
        upper = chart(values).points[-1].upper_limit
        assert upper is not None
        result = chart(values, target=upper, improvement_direction=Direction.INCREASE)
        assert result.assurance == Assurance.INCONSISTENT

    def test_no_limits_on_the_last_point_gives_null_assurance(self) -> None:
        assert chart([7], target=1, improvement_direction=Direction.INCREASE).assurance is None
        points = [SeriesPoint(day(0), numerator=1, denominator=4), SeriesPoint(day(1))]
        options = ChartOptions(chart=ChartType.P, target=0.1, improvement_direction="increase")  # type: ignore[arg-type]
        assert compute_chart(points, options).assurance is None

    def test_a_missing_last_value_is_common_cause_but_keeps_xmr_limits(self) -> None:
        values: list[float | None] = [1, 2, 1, 2, 1, 2, 1, 30, None]
        result = chart(values, target=100, improvement_direction=Direction.INCREASE)
        assert result.variation_icon == VariationIcon.COMMON_CAUSE
        assert result.assurance == Assurance.CONSISTENT_FAIL

    @pytest.mark.parametrize(
        ("cause", "kind", "icon"),
        [
            (COMMON, PointType.COMMON_CAUSE, VariationIcon.COMMON_CAUSE),
            (
                SpecialCause.SHIFT_ABOVE,
                PointType.SPECIAL_CAUSE_IMPROVEMENT,
                VariationIcon.IMPROVEMENT_HIGH,
            ),
            (
                SpecialCause.SHIFT_BELOW,
                PointType.SPECIAL_CAUSE_IMPROVEMENT,
                VariationIcon.IMPROVEMENT_LOW,
            ),
            (
                SpecialCause.TREND_INCREASING,
                PointType.SPECIAL_CAUSE_CONCERN,
                VariationIcon.CONCERN_HIGH,
            ),
            (
                SpecialCause.BELOW_LOWER_LIMIT,
                PointType.SPECIAL_CAUSE_CONCERN,
                VariationIcon.CONCERN_LOW,
            ),
            (
                SpecialCause.TWO_IN_THREE_ABOVE,
                PointType.SPECIAL_CAUSE_NEUTRAL_HIGH,
                VariationIcon.NEUTRAL_HIGH,
            ),
            (
                SpecialCause.TREND_DECREASING,
                PointType.SPECIAL_CAUSE_NEUTRAL_LOW,
                VariationIcon.NEUTRAL_LOW,
            ),
        ],
    )
    def test_variation_icon_table(
        self, cause: SpecialCause, kind: PointType, icon: VariationIcon
    ) -> None:
        assert variation_icon(cause, kind) == icon


class TestPeriods:
    def test_trial_limits_below_twelve_baseline_values(self) -> None:
        assert chart(list(range(11))).periods[0].trial_limits
        assert not chart(list(range(12))).periods[0].trial_limits
        with_gap: list[float | None] = [*range(11), None]
        assert chart(with_gap).periods[0].trial_limits
        fixed = chart(list(range(30)), fix_after_n_points=12)
        assert not fixed.periods[0].trial_limits

    def test_fixed_baseline_judges_later_points_and_runs_cover_all(self) -> None:
        values = [1, 2] * 6 + [9] * 8
        result = chart(values, fix_after_n_points=12)
        assert result.points[-1].centre == 1.5
        assert result.periods[0].runs.n_useful == 20
        assert causes(result)[12:] == [SpecialCause.ABOVE_UPPER_LIMIT] * 8

    def test_a_single_point_has_a_centre_and_no_limits_or_runs(self) -> None:
        result = chart([4.5])
        point, period = result.points[0], result.periods[0]
        assert (point.centre, point.lower_limit, point.upper_limit) == (4.5, None, None)
        assert period.trial_limits
        assert period.n_points == 1
        assert period.start == day(0)
        assert period.runs.n_useful is None
        assert period.runs.signal is False

    def test_results_keep_date_order_from_unsorted_input(self) -> None:
        points = [SeriesPoint(day(i), float(i)) for i in (3, 0, 2, 1)]
        result = compute_chart(points, ChartOptions())
        assert [p.date for p in result.points] == [day(0), day(1), day(2), day(3)]
        assert [p.value for p in result.points] == [0.0, 1.0, 2.0, 3.0]


def test_the_engines_integer_codes_name_the_special_causes() -> None:
    assert CAUSES[0] == COMMON
    assert CAUSES[rules.ABOVE_LIMIT] == SpecialCause.ABOVE_UPPER_LIMIT
    assert CAUSES[rules.BELOW_LIMIT] == SpecialCause.BELOW_LOWER_LIMIT
    assert CAUSES[rules.TREND_UP] == SpecialCause.TREND_INCREASING
    assert CAUSES[rules.TREND_DOWN] == SpecialCause.TREND_DECREASING
    assert CAUSES[rules.TWO_IN_THREE_ABOVE] == SpecialCause.TWO_IN_THREE_ABOVE
    assert CAUSES[rules.TWO_IN_THREE_BELOW] == SpecialCause.TWO_IN_THREE_BELOW
    assert CAUSES[rules.SHIFT_ABOVE] == CAUSES[runs.SHIFT_ABOVE_CODE] == SpecialCause.SHIFT_ABOVE
    assert CAUSES[rules.SHIFT_BELOW] == CAUSES[runs.SHIFT_BELOW_CODE] == SpecialCause.SHIFT_BELOW
