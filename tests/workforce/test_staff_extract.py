"""`workforce-staff` files (ingest spec 3.4) read from real CSV files: a hand-checked window,
month by month; the same rows as `aggregate_staff` gives (so as the monthly file of them
stores); row errors of both tables; placing; and the `from`/`to` window."""

import hashlib
import hmac
from datetime import date
from pathlib import Path

import pytest

from app.integrations.directory import TeamDirectory
from app.integrations.spreadsheetml import CHUNK
from app.integrations.tabular import InvalidTable, RowError, read_csv
from app.integrations.xlsx import letters, read_xlsx
from app.workforce.aggregation import AbsenceEpisode, Assignment, aggregate_staff, check_monthly
from app.workforce.staff_extract import (
    ABSENCE_COLUMNS,
    STAFF_COLUMNS,
    StaffExtract,
    WindowError,
    in_absence_table,
    parse_window,
    read_workforce_staff,
)
from tests.integrations.workbooks import MAIN, row, text, write_raw

JAN, FEB, MAR, APR = (date(2025, month, 1) for month in (1, 2, 3, 4))
DIRECTORY = TeamDirectory(
    teams={("RHQ", "ward 3"): "ward", ("RHQ", "ed nursing"): "ed"},
    organisations=frozenset({"RHQ", "RP5"}),
)
STAFF_HEADER = "employee_ref,ods_code,team_ref,start_date,end_date,fte,leaving_reason"
ABSENCE_HEADER = "employee_ref,ods_code,team_ref,start_date,end_date,fte_days_lost"


def hash_employee(ref: str) -> bytes:
    return hmac.new(b"test-secret", ref.encode(), hashlib.sha256).digest()


def csv_file(folder: Path, name: str, header: str, *rows: str) -> Path:
    path = folder / name
    path.write_text("\r\n".join((header, *rows)) + "\r\n", encoding="utf-8")
    return path


def read(
    staff: Path,
    absence: Path | None = None,
    *,
    window: tuple[date, date] = (JAN, MAR),
    directory: TeamDirectory[str] = DIRECTORY,
) -> StaffExtract[str]:
    with read_csv(
        staff,
        charset=None,
        required=STAFF_COLUMNS.required,
        optional=STAFF_COLUMNS.optional,
        prefixes=STAFF_COLUMNS.prefixes,
        max_rows=1_000,
    ) as staff_table:
        if absence is None:
            return read_workforce_staff(
                staff_table,
                None,
                directory,
                window_first=window[0],
                window_last=window[1],
                hash_employee=hash_employee,
            )
        with read_csv(
            absence,
            charset=None,
            required=ABSENCE_COLUMNS.required,
            prefixes=ABSENCE_COLUMNS.prefixes,
            max_rows=1_000,
        ) as absence_table:
            return read_workforce_staff(
                staff_table,
                absence_table,
                directory,
                window_first=window[0],
                window_last=window[1],
                hash_employee=hash_employee,
            )


# ann in post throughout; bob leaves on 14 February; cat starts on 1 February and changes
# contract on 1 March (no move); dan comes and goes in January and comes back on 3 March.
STAFF = (
    "EMP-ANN,RHQ,Ward 3,2024-06-01,,1.0,",
    "EMP-BOB,RHQ,ward 3,15/01/2024,14/02/2025,0.8,Voluntary Resignation - Relocation",
    "EMP-CAT,RHQ,ward 3,2025-02-01,2025-02-28,0.5,",
    "EMP-CAT,RHQ,ward 3,2025-03-01,,0.6,",
    "EMP-DAN,RHQ,ward 3,2025-01-10,20/01/2025,1,",
    "EMP-DAN,RHQ,ward 3,03/03/2025,,1,",
    "EMP-EVE,RHQ,ED Nursing,2023-01-01,,0.4,",
    "EMP-FAY,RP5,Theatres,2024-01-01,,1,",  # another organisation's team: skipped
)
ABSENCE = (
    "EMP-ANN,RHQ,ward 3,2025-01-30,2025-02-02,4",  # 1 FTE day a day: 2 in January, 2 in Feb
    "EMP-CAT,RHQ,ward 3,10/03/2025,11/03/2025,1.2",
)


def test_a_hand_checked_window_month_by_month(tmp_path: Path) -> None:
    extract = read(
        csv_file(tmp_path, "staff.csv", STAFF_HEADER, *STAFF),
        csv_file(tmp_path, "absence.csv", ABSENCE_HEADER, *ABSENCE),
    )
    assert not extract.errors
    assert not extract.forbidden
    ward = [extract.months["ward", month] for month in (JAN, FEB, MAR)]
    # (headcount_start, starters, leavers, headcount_end):
    # January: ann, bob in post; dan starts and leaves. February: bob leaves, cat starts.
    # March: ann and cat in post (cat's new contract is no move); dan starts again.
    assert [(f.headcount_start, f.starters, f.leavers, f.headcount_end) for f in ward] == [
        (2, 1, 1, 2),
        (2, 1, 1, 2),
        (2, 1, 0, 3),
    ]
    assert [f.fte_start for f in ward] == pytest.approx([1.8, 1.8, 1.6])
    assert [f.fte_end for f in ward] == pytest.approx([1.8, 1.5, 2.6])
    assert [f.leavers_fte for f in ward] == pytest.approx([1.0, 0.8, 0.0])
    # Only bob was in post a year before January (as February 2024 opened), until he left.
    assert [f.stable_headcount_12m for f in ward] == [1, 0, 0]
    # Jan: ann 31 + bob 0.8 x 31 + dan 11 days; Feb: ann 28 + bob 0.8 x 14 + cat 0.5 x 28;
    # Mar: ann 31 + cat 0.6 x 31 + dan 29 days.
    assert [f.fte_days_available for f in ward] == pytest.approx([66.8, 53.2, 78.6])
    assert [f.sickness_fte_days_lost for f in ward] == pytest.approx([2.0, 2.0, 1.2])
    assert [(f.headcount_start, f.headcount_end) for f in (extract.months["ed", JAN],)] == [(1, 1)]
    assert extract.teams == {"ward", "ed"}
    assert extract.periods == (JAN, MAR)
    assert extract.with_sickness
    assert (extract.rows_read, extract.rows_skipped) == (10, 1)
    assert extract.unmapped == {("RP5", "Theatres"): 1}
    # Every row the monthly kind would store without an error (the headcounts balance).
    assert all(check_monthly(f) == [] for f in extract.months.values())


def test_the_staff_file_stores_what_aggregate_staff_gives_so_what_a_monthly_file_would(
    tmp_path: Path,
) -> None:
    extract = read(
        csv_file(tmp_path, "staff.csv", STAFF_HEADER, *STAFF),
        csv_file(tmp_path, "absence.csv", ABSENCE_HEADER, *ABSENCE),
    )
    d = date
    assignments = [
        Assignment("ann", "ward", d(2024, 6, 1), None, 1.0),
        Assignment("bob", "ward", d(2024, 1, 15), d(2025, 2, 14), 0.8),
        Assignment("cat", "ward", d(2025, 2, 1), d(2025, 2, 28), 0.5),
        Assignment("cat", "ward", d(2025, 3, 1), None, 0.6),
        Assignment("dan", "ward", d(2025, 1, 10), d(2025, 1, 20), 1.0),
        Assignment("dan", "ward", d(2025, 3, 3), None, 1.0),
        Assignment("eve", "ed", d(2023, 1, 1), None, 0.4),
    ]
    absences = [
        AbsenceEpisode("ann", "ward", d(2025, 1, 30), d(2025, 2, 2), 4.0),
        AbsenceEpisode("cat", "ward", d(2025, 3, 10), d(2025, 3, 11), 1.2),
    ]
    expected = aggregate_staff(assignments, absences, JAN, MAR)
    assert extract.months == {(team, f.month): f for team, rows in expected.items() for f in rows}


def test_without_an_absence_table_no_month_has_sickness_figures(tmp_path: Path) -> None:
    extract = read(csv_file(tmp_path, "staff.csv", STAFF_HEADER, *STAFF))
    assert not extract.errors
    assert not extract.with_sickness
    assert {(f.sickness_fte_days_lost, f.fte_days_available) for f in extract.months.values()} == {
        (None, None)
    }
    assert extract.months["ward", FEB].leavers == 1


def test_dates_are_day_first(tmp_path: Path) -> None:
    # 03/04/2025 is 3 April: a starter of April, not of March.
    staff = csv_file(tmp_path, "staff.csv", STAFF_HEADER, "E1,RHQ,ward 3,03/04/2025,,1,")
    extract = read(staff, window=(MAR, APR))
    assert [extract.months["ward", m].starters for m in (MAR, APR)] == [0, 1]


def test_employee_refs_are_never_kept(tmp_path: Path) -> None:
    extract = read(
        csv_file(tmp_path, "staff.csv", STAFF_HEADER, *STAFF, "EMP-GUY,RHQ,ward 3,,,1,"),
        csv_file(tmp_path, "absence.csv", ABSENCE_HEADER, *ABSENCE),
    )
    assert extract.errors  # the last row has no start_date
    assert "EMP-" not in repr(extract)


def test_row_errors_of_both_tables_name_their_row_and_column(tmp_path: Path) -> None:
    staff = csv_file(
        tmp_path,
        "staff.csv",
        STAFF_HEADER,
        "E1,RHQ,ward 3,2025-01-01,,1,",  # 2: good
        ",RHQ,ward 3,2025-01-01,,1,",  # 3: no employee_ref
        "E2,RHQ,ward 3,2025-01-01,,,",  # 4: no fte
        "E3,RHQ,ward 3,2025-01-01,,0,",  # 5: fte not > 0
        "E4,RHQ,ward 3,2025-02-01,2025-01-31,1,",  # 6: ends before it starts
        "E5,RHQ,ward 3,2025-13-01,,1,",  # 7: no such month
        "E6,RHQ,ward 3,12/31/2024,,1,",  # 8: month first is never read
        "E7,RHQ,ward 3,2025-01-01,,1," + "x" * 201,  # 9: not a leaving reason
        "E8,QQQ,ward 3,2025-01-01,,1,",  # 10: unknown organisation
        "E9,RHQ,ward 3,2025-01-01,,1.5.2,",  # 11: not a number
    )
    absence = csv_file(
        tmp_path,
        "absence.csv",
        ABSENCE_HEADER,
        "E1,RHQ,ward 3,2024-12-01,2024-12-02,1",  # 2: before E1's spell
        "E1,RHQ,ward 3,2025-01-05,,1",  # 3: no end_date
        "E3,RHQ,ward 3,2025-01-05,2025-01-06,1",  # 4: E3's row is bad: not faulted again
        "E1,RHQ,ward 3,2025-01-05,2025-01-06,-1",  # 5: lost days below 0
        "E1,RHQ,ward 3,2025-01-07,2025-01-08,1,surplus",  # 6: more cells than the header
        "E1,RHQ,ward 3,2025-01-10,2025-01-11,1",  # 7: good
    )
    extract = read(staff, absence)
    assert [(e.row, e.column) for e in extract.errors.errors] == [
        (3, "employee_ref"),
        (4, "fte"),
        (5, "fte"),
        (6, "end_date"),
        (7, "start_date"),
        (8, "start_date"),
        (9, "leaving_reason"),
        (10, "ods_code"),
        (11, "fte"),
        (2, "absence.start_date"),
        (3, "absence.end_date"),
        (5, "absence.fte_days_lost"),
        (6, "absence"),
    ]
    messages = {(e.row, e.column): e.message for e in extract.errors.errors}
    assert messages[5, "fte"] == "fte must be more than 0"
    assert messages[6, "end_date"] == "end_date is before start_date"
    assert messages[2, "absence.start_date"] == (
        "the episode is outside every spell of this employee in this team"
    )
    assert not any("E1" in m or "x" * 10 in m for m in messages.values())
    # Only the good rows count: E1 and the rest whose rows parsed and passed, in January.
    assert extract.months["ward", JAN].starters == 1
    assert extract.months["ward", JAN].sickness_fte_days_lost == pytest.approx(1.0)


def test_rows_of_another_organisation_are_forbidden_in_either_table(tmp_path: Path) -> None:
    bound = TeamDirectory(DIRECTORY.teams, DIRECTORY.organisations, frozenset({"RP5"}))
    extract = read(
        csv_file(tmp_path, "staff.csv", STAFF_HEADER, "E1,RHQ,ward 3,2025-01-01,,1,"),
        csv_file(tmp_path, "absence.csv", ABSENCE_HEADER, "E1,RHQ,ward 3,2025-01-05,2025-01-05,1"),
        directory=bound,
    )
    assert not extract.errors
    assert [(e.row, e.column) for e in extract.forbidden.errors] == [
        (2, "ods_code"),
        (2, "absence.ods_code"),
    ]
    assert (extract.months, extract.periods, extract.teams) == ({}, None, frozenset())


def test_the_window_is_months_both_included() -> None:
    assert parse_window("2025-01", "2025-03") == (JAN, MAR)
    assert parse_window("2025-01-31", "15/03/2025") == (JAN, MAR)
    assert parse_window(" 2025-02 ", "2025-02") == (FEB, FEB)
    cases = [
        (None, "2025-03", "from", "from is required (a month, YYYY-MM)"),
        ("2025-01", "", "to", "to is required (a month, YYYY-MM)"),
        ("2025-1", "2025-03", "from", "expected a month as YYYY-MM, or a date in it"),
        ("2025-04", "2025-03", "to", "the window ends before it starts (to is before from)"),
        ("2015-01", "2025-01", "to", "the window is longer than 120 months"),
    ]
    for first, last, parameter, message in cases:
        with pytest.raises(WindowError) as caught:
            parse_window(first, last)
        assert (caught.value.parameter, caught.value.message) == (parameter, message)
    assert parse_window("2015-02", "2025-01") == (date(2015, 2, 1), JAN)  # 120 months


def test_an_absence_sheet_that_breaks_midway_is_named_as_the_absence_table(tmp_path: Path) -> None:
    """The reader cannot go past a broken row: InvalidTable, its column `absence`, so that its
    row number is not taken for the staff table's."""
    staff = csv_file(tmp_path, "staff.csv", STAFF_HEADER, "e1,RHQ,Ward 3,01/01/2024,,1,")
    header = "".join(
        text(f"{letters(n)}1", name) for n, name in enumerate(ABSENCE_COLUMNS.required, start=1)
    )
    # Blank rows past the reader's first chunk, so that the header reads and the break is met
    # while the rows are.
    blank = "".join(f'<row r="{n}"/>' for n in range(2, 2 + CHUNK // 10))
    broken = CHUNK // 10 + 2
    sheet = (
        f'<worksheet xmlns="{MAIN}"><sheetData>{row(1, header)}{blank}'
        f'<row r="{broken}"><c r="A{broken}"><v>1</x></c></row></sheetData></worksheet>'
    )
    workbook = write_raw(tmp_path / "absence.xlsx", {"absence": "<?xml version='1.0'?>" + sheet})
    with (
        read_csv(staff, charset=None, required=STAFF_COLUMNS.required, max_rows=10) as staff_table,
        read_xlsx(
            workbook,
            sheet=None,
            required=ABSENCE_COLUMNS.required,
            max_rows=10,
            max_uncompressed_bytes=1 << 20,
        ) as absence_table,
        pytest.raises(InvalidTable) as caught,
    ):
        read_workforce_staff(
            staff_table,
            absence_table,
            DIRECTORY,
            window_first=JAN,
            window_last=MAR,
            hash_employee=hash_employee,
        )
    assert [(e.row, e.column) for e in caught.value.errors] == [(broken, "absence")]


def test_in_absence_table_names_each_column_of_the_absence_table() -> None:
    invalid = InvalidTable([RowError(1, "fte_days_lost", "missing"), RowError(7, None, "broken")])
    assert [(e.row, e.column, e.message) for e in in_absence_table(invalid).errors] == [
        (1, "absence.fte_days_lost", "missing"),
        (7, "absence", "broken"),
    ]
