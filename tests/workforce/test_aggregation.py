"""Person-level rows into monthly rows (ingest 3.4): each definition's edge, by hand."""

from datetime import date

from app.workforce.aggregation import (
    AbsenceEpisode,
    Assignment,
    MonthlyFigures,
    aggregate_staff,
    check_monthly,
    check_staff,
)

JAN, FEB, MAR = date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)


def post(employee: str, start: date, end: date | None, fte: float = 1.0) -> Assignment[str]:
    return Assignment(employee, "ward", start, end, fte)


def absence(employee: str, start: date, end: date, lost: float) -> AbsenceEpisode[str]:
    return AbsenceEpisode(employee, "ward", start, end, lost)


def months(
    *rows: Assignment[str], absences: list[AbsenceEpisode[str]] | None = None
) -> list[MonthlyFigures]:
    result = aggregate_staff(rows, absences, JAN, MAR)
    assert check_staff(rows, absences) == []
    for figures in result["ward"]:
        assert check_monthly(figures) == [], figures
    return result["ward"]


def movement(figures: list[MonthlyFigures]) -> list[tuple[int, int, int, int]]:
    """(headcount_start, starters, leavers, headcount_end) per month."""
    return [(f.headcount_start, f.starters, f.leavers, f.headcount_end) for f in figures]


def test_touching_assignments_are_one_spell_so_a_new_contract_is_no_move() -> None:
    figures = months(
        post("ann", date(2024, 6, 1), date(2025, 1, 31), 1.0),
        post("ann", date(2025, 2, 1), None, 0.6),
    )
    assert movement(figures) == [(1, 0, 0, 1)] * 3
    # FTE in force on the first and on the last day of each month.
    assert [(f.fte_start, f.fte_end) for f in figures] == [(1.0, 1.0), (0.6, 0.6), (0.6, 0.6)]
    assert figures[0].leavers_fte == 0.0


def test_a_day_between_two_assignments_makes_a_leaver_and_a_starter() -> None:
    figures = months(
        post("ann", date(2024, 6, 1), date(2025, 1, 30)),
        post("ann", date(2025, 2, 1), None),
    )
    assert movement(figures) == [(1, 0, 1, 0), (0, 1, 0, 1), (1, 0, 0, 1)]
    assert figures[0].leavers_fte == 1.0


def test_overlapping_assignments_count_one_person_and_add_their_fte() -> None:
    figures = months(
        post("ann", date(2024, 6, 1), None, 0.6),
        post("ann", date(2025, 2, 10), date(2025, 2, 20), 0.2),
        post("bob", date(2025, 2, 10), None, 0.5),
        post("bob", date(2025, 2, 10), None, 0.3),
    )
    assert movement(figures) == [(1, 0, 0, 1), (1, 1, 0, 2), (2, 0, 0, 2)]
    assert [f.fte_start for f in figures] == [0.6, 0.6, 1.4]
    # February: ann 0.6 x 28 + 0.2 x 11 days, bob 0.8 x 19 days.
    assert figures[1].fte_days_available is None  # no absence part: no sickness pair at all
    with_absence = months(*[post("ann", date(2024, 6, 1), None, 0.6)], absences=[])
    assert with_absence[1].fte_days_available == 0.6 * 28
    assert with_absence[1].sickness_fte_days_lost == 0.0


def test_starting_on_the_first_is_a_starter_of_that_month_not_in_its_opening_headcount() -> None:
    figures = months(post("ann", FEB, None))
    assert movement(figures) == [(0, 0, 0, 0), (0, 1, 0, 1), (1, 0, 0, 1)]
    assert (figures[1].fte_start, figures[1].fte_end) == (0.0, 1.0)


def test_leaving_on_the_last_day_is_a_leaver_and_not_in_the_closing_headcount() -> None:
    figures = months(post("ann", date(2024, 6, 1), date(2025, 2, 28)))
    assert movement(figures) == [(1, 0, 0, 1), (1, 0, 1, 0), (0, 0, 0, 0)]
    assert (figures[1].fte_start, figures[1].fte_end, figures[1].leavers_fte) == (1.0, 0.0, 1.0)


def test_leaving_on_the_first_counts_in_the_opening_headcount_and_leaves() -> None:
    figures = months(post("ann", date(2024, 6, 1), FEB, 0.8))
    assert movement(figures) == [(1, 0, 0, 1), (1, 0, 1, 0), (0, 0, 0, 0)]
    assert figures[1].leavers_fte == 0.8


def test_a_spell_across_both_ends_of_the_window_neither_starts_nor_leaves_in_it() -> None:
    figures = months(post("ann", date(2024, 11, 15), date(2025, 4, 10)))
    assert movement(figures) == [(1, 0, 0, 1)] * 3


def test_starting_and_leaving_in_one_month_is_a_starter_and_a_leaver() -> None:
    figures = months(post("ann", date(2025, 2, 3), date(2025, 2, 20)))
    assert movement(figures) == [(0, 0, 0, 0), (0, 1, 1, 0), (0, 0, 0, 0)]


def test_someone_who_leaves_and_comes_back_in_one_month_counts_once_each_way_at_most() -> None:
    # In, out on the 5th, back on the 10th: a leaver and a starter.
    back = months(
        post("ann", date(2024, 6, 1), date(2025, 2, 5)), post("ann", date(2025, 2, 10), None)
    )
    assert movement(back)[1] == (1, 1, 1, 1)
    # Joins, leaves, joins again in February: one person more at the end, a starter only.
    joins = months(
        post("ann", date(2025, 2, 3), date(2025, 2, 5)), post("ann", date(2025, 2, 10), None)
    )
    assert movement(joins)[1] == (0, 1, 0, 1)
    # In, out, in, out: a leaver only, with the FTE of the last spell's last day.
    leaves = months(
        post("ann", date(2024, 6, 1), date(2025, 2, 5), 1.0),
        post("ann", date(2025, 2, 10), date(2025, 2, 20), 0.4),
    )
    assert movement(leaves)[1] == (1, 0, 1, 0)
    assert leaves[1].leavers_fte == 0.4


def test_two_posts_starting_the_same_day_are_one_starter() -> None:
    figures = months(post("ann", FEB, None, 0.5), post("ann", FEB, date(2025, 2, 14), 0.5))
    assert movement(figures)[1] == (0, 1, 0, 1)


def test_stable_headcount_counts_those_in_post_as_month_m_minus_11_opened_and_still_after_m() -> (
    None
):
    figures = months(
        post("ann", date(2024, 1, 31), None),  # in post as February 2024 opened
        post("bob", date(2024, 2, 1), None),  # not yet: began on that day
        post("cat", date(2023, 5, 1), date(2025, 2, 28)),  # gone after February's last day
        post("dan", date(2023, 5, 1), date(2025, 3, 1)),  # still there after February
    )
    # January 2025 looks back to February 2024; February 2025 to March 2024.
    assert [f.stable_headcount_12m for f in figures] == [3, 3, 2]


def test_an_absence_is_spread_evenly_over_its_calendar_days() -> None:
    figures = months(
        post("ann", date(2024, 6, 1), None, 1.0),
        absences=[absence("ann", date(2025, 1, 30), date(2025, 2, 2), 3.0)],
    )
    assert [f.sickness_fte_days_lost for f in figures] == [1.5, 1.5, 0.0]
    assert [f.fte_days_available for f in figures] == [31.0, 28.0, 31.0]


def test_an_absence_outside_the_window_adds_only_its_share_inside() -> None:
    figures = months(
        post("ann", date(2024, 6, 1), None, 0.5),
        absences=[absence("ann", date(2024, 12, 29), date(2025, 1, 2), 2.5)],
    )
    assert figures[0].sickness_fte_days_lost == 1.0


def test_without_an_absence_part_the_months_say_nothing_of_sickness() -> None:
    figures = months(post("ann", date(2024, 6, 1), None))
    assert {(f.sickness_fte_days_lost, f.fte_days_available) for f in figures} == {(None, None)}


def test_an_end_on_the_last_representable_day_is_a_far_end_not_an_overflow() -> None:
    far = date.max  # how some HR systems write "still in post"
    rows = [post("ann", date(2024, 6, 1), date(2025, 1, 31)), post("ann", FEB, far, 0.5)]
    episodes = [absence("ann", date(2025, 1, 31), date(2025, 2, 1), 1.0)]
    assert movement(months(*rows, absences=episodes)) == [(1, 0, 0, 1)] * 3
    assert check_staff([post("ann", far, far)], [absence("ann", far, far, 1.0)]) == []


def test_every_team_of_the_file_gets_every_month_of_the_window() -> None:
    rows = [
        Assignment("ann", 1, date(2020, 1, 1), date(2020, 3, 1), 1.0),
        Assignment("ann", 2, date(2025, 3, 10), None, 1.0),
    ]
    result = aggregate_staff(rows, None, date(2025, 1, 17), date(2025, 3, 31))
    assert sorted(result) == [1, 2]
    assert [f.month for f in result[1]] == [JAN, FEB, MAR]
    assert movement(result[1]) == [(0, 0, 0, 0)] * 3
    assert movement(result[2]) == [(0, 0, 0, 0), (0, 0, 0, 0), (0, 1, 0, 1)]


def problems(
    rows: list[Assignment[str]], absences: list[AbsenceEpisode[str]]
) -> list[tuple[int | None, str, str]]:
    return [(p.row, p.column, p.message) for p in check_staff(rows, absences)]


def test_bad_assignment_rows_are_reported_with_their_row_and_column() -> None:
    rows = [
        Assignment("ann", "ward", date(2025, 2, 1), date(2025, 1, 31), 1.0, row=2),
        Assignment("bob", "ward", date(2025, 2, 1), None, 0.0, row=3),
        Assignment("cat", "ward", date(2025, 2, 1), None, -1.0, row=4),
        Assignment("dan", "ward", date(2025, 2, 1), date(2025, 2, 1), 0.5, row=5),
    ]
    assert problems(rows, []) == [
        (2, "end_date", "end_date is before start_date"),
        (3, "fte", "fte must be more than 0"),
        (4, "fte", "fte must be more than 0"),
    ]


def test_an_episode_must_lie_within_a_spell_of_that_employee_in_that_team() -> None:
    rows = [
        Assignment("ann", "ward", date(2025, 1, 1), date(2025, 1, 31), 1.0, row=2),
        Assignment("ann", "ward", date(2025, 2, 1), date(2025, 2, 28), 0.5, row=3),
        Assignment("bob", "clinic", date(2025, 1, 1), None, 1.0, row=4),
    ]
    episodes = [
        AbsenceEpisode("ann", "ward", date(2025, 1, 30), date(2025, 2, 2), 2.0, row=2),
        AbsenceEpisode("ann", "ward", date(2025, 3, 1), date(2025, 3, 2), 1.0, row=3),
        AbsenceEpisode("ann", "ward", date(2025, 2, 27), date(2025, 3, 2), 1.0, row=4),
        AbsenceEpisode("bob", "ward", date(2025, 1, 5), date(2025, 1, 6), 1.0, row=5),
        AbsenceEpisode("bob", "clinic", date(2025, 1, 5), date(2025, 1, 6), 1.0, row=6),
    ]
    outside = "the episode is outside every spell of this employee in this team"
    assert problems(rows, episodes) == [
        (3, "start_date", outside),
        (4, "end_date", "the episode runs past the employee's last day in this team (2025-02-28)"),
        (5, "start_date", outside),
    ]


def test_an_episode_loses_no_more_than_the_fte_in_post_and_episodes_do_not_overlap() -> None:
    rows = [
        Assignment("ann", "ward", date(2025, 1, 1), date(2025, 1, 31), 1.0, row=2),
        Assignment("ann", "ward", date(2025, 2, 1), None, 0.5, row=3),
    ]
    episodes = [
        # Four days, the least FTE in post 0.5: at most 2 FTE days.
        AbsenceEpisode("ann", "ward", date(2025, 1, 30), date(2025, 2, 2), 2.0, row=2),
        AbsenceEpisode("ann", "ward", date(2025, 2, 10), date(2025, 2, 11), 1.5, row=3),
        AbsenceEpisode("ann", "ward", date(2025, 2, 2), date(2025, 2, 3), 0.5, row=4),
        AbsenceEpisode("ann", "ward", date(2025, 2, 20), date(2025, 2, 10), 0.5, row=5),
        AbsenceEpisode("ann", "ward", date(2025, 2, 20), date(2025, 2, 21), -1.0, row=6),
    ]
    assert problems(rows, episodes) == [
        (
            3,
            "fte_days_lost",
            "fte_days_lost is more than the FTE in post allows over the episode (at most 1)",
        ),
        (4, "start_date", "the episode overlaps the one on row 2"),
        (5, "end_date", "end_date is before start_date"),
        (6, "fte_days_lost", "fte_days_lost must be a number >= 0"),
    ]


def test_fte_sums_carry_no_binary_noise() -> None:
    """0.6 + 0.6 + 0.6 is 1.7999999999999998 in floats: stored and shown, it would be that."""
    staff = [post(name, date(2024, 1, 1), None, 0.6) for name in ("a", "b")]
    figures = months(*staff, post("c", date(2024, 1, 1), date(2025, 1, 31), 0.6))
    assert 0.6 + 0.6 + 0.6 != 1.8
    assert (figures[0].fte_start, figures[0].leavers_fte, figures[1].fte_start) == (1.8, 0.6, 1.2)
    # 0.3 days over three days is 0.09999999999999999 a day; two of them, 0.19999999999999998.
    spread = months(*staff, absences=[absence("a", date(2025, 1, 30), date(2025, 2, 1), 0.3)])
    assert [f.sickness_fte_days_lost for f in spread] == [0.2, 0.1, 0.0]
