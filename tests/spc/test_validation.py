"""Every 422 case of the chart contract raises SeriesError naming the offending location."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.spc import ChartOptions, ChartType, SeriesError, SeriesPoint, compute_chart
from app.spc.validation import point_problems

START = date(2024, 1, 1)


def day(i: int) -> date:
    return START + timedelta(days=i)


def values(*ys: float | None) -> list[SeriesPoint]:
    return [SeriesPoint(day(i), y) for i, y in enumerate(ys)]


def fractions(*pairs: tuple[float | None, float | None]) -> list[SeriesPoint]:
    return [SeriesPoint(day(i), numerator=x, denominator=n) for i, (x, n) in enumerate(pairs)]


def locations(points: list[SeriesPoint], options: ChartOptions) -> set[tuple[str | int, ...]]:
    with pytest.raises(SeriesError) as raised:
        compute_chart(points, options)
    problems = raised.value.problems
    assert all(message for _, message in problems)
    assert isinstance(raised.value, ValueError)
    return {location for location, _ in problems}


XMR = ChartOptions()
P = ChartOptions(chart=ChartType.P)
U = ChartOptions(chart=ChartType.U)
C = ChartOptions(chart=ChartType.C)


def test_an_empty_series_is_an_empty_chart_with_a_warning() -> None:
    result = compute_chart([], XMR)
    assert (result.points, result.periods, result.variation_icon) == ((), (), None)
    assert result.warnings == ("no points: the chart is empty",)


def test_duplicate_date_names_the_later_point_in_the_callers_order() -> None:
    points = [SeriesPoint(day(5), 1.0), SeriesPoint(day(1), 2.0), SeriesPoint(day(5), 3.0)]
    assert locations(points, XMR) == {("points", 2, "date")}


def test_rebase_date_that_is_no_points_date() -> None:
    options = ChartOptions(rebase=(day(2), day(40)))
    assert locations(values(*range(10)), options) == {("rebases", 1, "starts_on")}


def test_rebase_on_the_first_date_even_when_points_arrive_unsorted() -> None:
    points = [SeriesPoint(day(3), 1.0), SeriesPoint(day(0), 2.0), SeriesPoint(day(1), 3.0)]
    assert locations(points, ChartOptions(rebase=(day(1), day(0)))) == {("rebases", 1, "starts_on")}


@pytest.mark.parametrize("options", [P, U], ids=["p", "u"])
def test_only_one_of_numerator_and_denominator(options: ChartOptions) -> None:
    points = fractions((1, 10), (2, None), (None, 5), (None, None))
    assert locations(points, options) == {("points", 1, "denominator"), ("points", 2, "numerator")}


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_numbers(bad: float) -> None:
    assert locations(values(1, bad, 3), XMR) == {("points", 1, "value")}
    assert locations(fractions((1, 4), (bad, 4), (1, bad)), P) == {
        ("points", 1, "numerator"),
        ("points", 2, "denominator"),
    }
    assert locations(values(1, 2), ChartOptions(target=bad)) == {("target",)}
    fine = fractions((1, 2), (1, 2))
    assert locations(fine, ChartOptions(chart=ChartType.P, multiply=bad)) == {("multiply",)}


def test_values_up_to_the_magnitude_bound_are_charted() -> None:
    result = compute_chart(values(1e12, -1e12, 1.0), ChartOptions(chart=ChartType.RUN))
    assert result.points[0].centre == 1.0


def test_values_beyond_the_magnitude_bound_are_refused_each_by_name() -> None:
    """Even when their sum is finite (1e308 - 1e308) or overflows: no chart of them could be
    drawn or sent as JSON."""
    points = values(1e308, -1e308, 1.0, 2e12)
    with pytest.raises(SeriesError) as refused:
        compute_chart(points, ChartOptions(chart=ChartType.RUN))
    assert list(refused.value.problems) == [
        (("points", i, "value"), "must be between -1e12 and 1e12") for i in (0, 1, 3)
    ]


@pytest.mark.parametrize("options", [P, U], ids=["p", "u"])
@pytest.mark.parametrize("denominator", [0, -3])
def test_denominator_not_positive(options: ChartOptions, denominator: float) -> None:
    points = fractions((1, 10), (0, denominator))
    assert locations(points, options) == {("points", 1, "denominator")}


def test_p_numerator_outside_zero_to_denominator() -> None:
    points = fractions((1, 10), (-1, 10), (11, 10), (10, 10), (0, 10))
    assert locations(points, P) == {("points", 1, "numerator"), ("points", 2, "numerator")}


def test_u_numerator_may_exceed_its_denominator() -> None:
    result = compute_chart(fractions((12, 10), (3, 10)), U)
    assert result.points[0].value == 1.2


@pytest.mark.parametrize("count", [-1, 2.5, -0.5])
def test_c_counts_must_be_whole_and_not_negative(count: float) -> None:
    assert locations(values(1, count, 3, None), C) == {("points", 1, "value")}


def test_c_accepts_whole_floats() -> None:
    assert compute_chart(values(1.0, 0.0, 3.0), C).points[1].value == 0.0


@pytest.mark.parametrize("fix", [0, 1, 11, -12])
def test_fix_after_n_points_below_12(fix: int) -> None:
    assert locations(values(1, 2), ChartOptions(fix_after_n_points=fix)) == {
        ("fix_after_n_points",)
    }


@pytest.mark.parametrize("n", [0, 5, 8])
def test_points_for_significance_other_than_6_or_7(n: int) -> None:
    assert locations(values(1, 2), ChartOptions(points_for_significance=n)) == {
        ("points_for_significance",)
    }


@pytest.mark.parametrize("multiply", [0.0, -100.0])
def test_multiply_not_positive(multiply: float) -> None:
    assert locations(values(1, 2), ChartOptions(multiply=multiply)) == {("multiply",)}


def test_every_problem_is_reported_at_once_with_caller_indexes() -> None:
    points = [
        SeriesPoint(day(9), numerator=5, denominator=4),  # 0: numerator > denominator
        SeriesPoint(day(2), numerator=1, denominator=0),  # 1: denominator 0
        SeriesPoint(day(9), numerator=1, denominator=2),  # 2: duplicate date
        SeriesPoint(day(1), numerator=None, denominator=2),  # 3: numerator missing
        SeriesPoint(day(0), numerator=float("nan"), denominator=2),  # 4: not finite
    ]
    options = ChartOptions(
        chart=ChartType.P,
        rebase=(day(0), day(2), day(7)),
        fix_after_n_points=3,
        points_for_significance=9,
        multiply=0,
    )
    assert locations(points, options) == {
        ("points", 0, "numerator"),
        ("points", 1, "denominator"),
        ("points", 2, "date"),
        ("points", 3, "numerator"),
        ("points", 4, "numerator"),
        ("rebases", 0, "starts_on"),
        ("rebases", 2, "starts_on"),
        ("fix_after_n_points",),
        ("points_for_significance",),
        ("multiply",),
    }


def test_the_valid_edges_are_accepted() -> None:
    options = ChartOptions(fix_after_n_points=12, points_for_significance=6, multiply=1e-9)
    assert len(compute_chart(values(1, None, 2), options).points) == 3
    assert compute_chart(fractions((0, 1), (1, 1), (None, None)), P).points[2].value is None


number = st.sampled_from([-1.0, 0.0, 0.0005, 1.0, 2.5, 3.0, 10.0])
maybe_number = st.one_of(st.none(), number)
Row = tuple[float | None, float | None, float | None]
count = st.sampled_from([0.0, 1.0, 3.0, 10.0])
positive = st.sampled_from([1.0, 2.5, 3.0, 10.0])
SHAPES = {
    "fractions": st.tuples(st.none(), number, number),
    "usable fractions": st.tuples(st.none(), st.one_of(count, positive), positive),
    "values": st.tuples(maybe_number, st.none(), st.none()),
    "counts": st.tuples(st.one_of(st.none(), count, st.just(2.5)), st.none(), st.none()),
    "anything": st.tuples(maybe_number, maybe_number, maybe_number),
}


@st.composite
def series_rows(draw: st.DrawFn) -> list[Row]:
    """Mostly well-shaped series (all fractions or all values), so the whole-column checks
    are exercised, with now and then one odd row."""
    shape = draw(st.sampled_from(["fractions", "usable fractions", "values", "counts"]))
    rows = draw(st.lists(SHAPES[shape], max_size=8))
    if len(rows) > 0 and draw(st.booleans()):
        rows[draw(st.integers(0, len(rows) - 1))] = draw(SHAPES["anything"])
    return rows


@given(chart=st.sampled_from(list(ChartType)), rows=series_rows())
def test_a_series_is_refused_exactly_when_a_point_has_a_problem(
    chart: ChartType, rows: list[Row]
) -> None:
    """The engine checks whole columns at once when it can; the answer is always that of
    point_problems, the check a stored point gets, point by point."""
    points = [SeriesPoint(day(i), v, x, d) for i, (v, x, d) in enumerate(rows)]
    expected = {
        ("points", i, field)
        for i, (v, x, d) in enumerate(rows)
        for field, _ in point_problems(chart, v, x, d)
    }
    try:
        compute_chart(points, ChartOptions(chart=chart))
        refused: set[tuple[str | int, ...]] = set()
    except SeriesError as error:
        refused = {location for location, _ in error.problems}
    assert refused == expected
