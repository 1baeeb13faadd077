"""The XLSX reader against real workbooks (openpyxl's, LibreOffice's, and parts written by
hand): cells as their stored values, dates, header matching, sheets, blank rows, limits, and
formulas with and without a stored value."""

import os
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

import pytest

from app.integrations.cells import (
    parse_date,
    parse_datetime_to_london_date,
    parse_number,
    parse_whole,
)
from app.integrations.tabular import InvalidTable, Table, TooManyRows
from app.integrations.xlsx import (
    FORMULA_WITHOUT_VALUE,
    NoSuchSheet,
    read_xlsx,
    sheet_names,
)
from tests.integrations.workbooks import row, text, write_openpyxl, write_raw

FIXTURES = Path(__file__).parent / "fixtures"
REQUIRED = ("response_id", "ods_code", "team_ref", "submitted_on")


def read(
    path: Path,
    *,
    sheet: str | None = None,
    required: Sequence[str] = REQUIRED,
    optional: Sequence[str] = ("q2a", "q2b"),
    max_rows: int = 1_000,
) -> tuple[Table, list[tuple[int, dict[str, str]]]]:
    """The table and its rows as (number, {column: value}), read to the end."""
    with read_xlsx(
        path,
        sheet=sheet,
        required=required,
        optional=optional,
        max_rows=max_rows,
        max_uncompressed_bytes=10 << 20,
    ) as table:
        rows = [(number, dict(zip(table.columns, values, strict=True))) for number, values in table]
    return table, rows


def handles(path: Path) -> int:
    """How many of this process's open files are `path`."""
    folder = Path("/proc/self/fd")
    count = 0
    for link in folder.iterdir():
        try:
            count += os.readlink(link) == str(path)
        except OSError:
            continue
    return count


def test_an_openpyxl_workbook_reads_as_its_stored_values(tmp_path: Path) -> None:
    path = write_openpyxl(
        tmp_path / "responses.xlsx",
        {
            "responses": [
                ["  Response_ID ", "ODS_CODE", "Team_Ref", "submitted_on", "Q2A", "q2b", "notes"],
                ["r1", " RHQ ", "Ward 1 ", date(2025, 3, 3), 3, 2.5, "ignored"],
                [None, None, None, None, None, None, None],
                ["r2", "RHQ", "Ward 2", datetime(2025, 3, 4, 14, 30), 3.0, 0.1, None],
                [],
                ["r3", "RHQ", "Ward 3", datetime(2025, 3, 5), True, 1e-05, None],
                ["r4", "RHQ", 1234, datetime(2025, 3, 6, 23, 59, 59), False, -7, None],
            ]
        },
    )
    table, rows = read(path)
    assert table.columns == ("response_id", "ods_code", "team_ref", "submitted_on", "q2a", "q2b")
    assert table.ignored_columns == ("notes",)
    assert table.encoding == "xlsx"
    assert [(number, tuple(cells.values())) for number, cells in rows] == [
        (2, ("r1", "RHQ", "Ward 1", "2025-03-03", "3", "2.5")),
        (4, ("r2", "RHQ", "Ward 2", "2025-03-04T14:30:00", "3", "0.1")),
        (6, ("r3", "RHQ", "Ward 3", "2025-03-05", "TRUE", "1e-05")),
        (7, ("r4", "RHQ", "1234", "2025-03-06T23:59:59", "FALSE", "-7")),
    ]
    assert table.rows_read == 4
    assert not table.errors
    # The cell parsers take what the reader writes.
    assert [parse_datetime_to_london_date(cells["submitted_on"]) for _, cells in rows] == [
        date(2025, 3, 3),
        date(2025, 3, 4),
        date(2025, 3, 5),
        date(2025, 3, 6),
    ]
    assert parse_date(rows[0][1]["submitted_on"]) == date(2025, 3, 3)
    assert parse_date(rows[2][1]["submitted_on"]) == date(2025, 3, 5)
    assert parse_whole(rows[1][1]["q2a"]) == 3
    assert [parse_number(cells["q2b"]) for _, cells in rows] == [2.5, 0.1, 1e-05, -7]


def test_date_styles_as_excel_and_libreoffice_write_them(tmp_path: Path) -> None:
    """Built-in and custom formats; the 1900 calendar's phantom 29 February; times alone."""
    cells = [
        '<c r="A2" s="1"><v>45719</v></c>',  # built-in date: 2025-03-03
        '<c r="B2" s="2"><v>45719.604166666664</v></c>',  # date and time: 14:30
        '<c r="C2" s="3"><v>0.75</v></c>',  # a time: 18:00
        '<c r="D2" s="4"><v>45719.9</v></c>',  # DD/MM/YYYY: the date shown
        '<c r="E2" s="5"><v>45720</v></c>',  # a date and time at midnight: the date
        '<c r="F2" s="1"><v>59</v></c>',  # 1900-02-28
        '<c r="G2" s="1"><v>61</v></c>',  # 1900-03-01
        '<c r="H2" s="1"><v>60</v></c>',  # 1900-02-29, which never was: the number
        '<c r="I2" s="1"><v>-1</v></c>',  # before the epoch: the number
        '<c r="J2"><v>45719</v></c>',  # no date style: a number
        '<c r="K2" t="s"/>',  # an empty cell of any type is blank
    ]
    header = row(1, *(text(f"{column}1", f"c{column.lower()}") for column in "ABCDEFGHIJK"))
    path = write_raw(tmp_path / "dates.xlsx", {"Sheet1": header + row(2, *cells)})
    _, rows = read(path, required=[f"c{column}" for column in "abcdefghijk"], optional=())
    assert list(rows[0][1].values()) == [
        "2025-03-03",
        "2025-03-03T14:30:00",
        "18:00:00",
        "2025-03-03",
        "2025-03-04",
        "1900-02-28",
        "1900-03-01",
        "60",
        "-1",
        "45719",
        "",
    ]


def test_the_1904_calendar_iso_date_cells_and_text_kinds(tmp_path: Path) -> None:
    strings = [
        "<si><t>answer</t></si>",
        "<si><r><t>Ward</t></r><r><t xml:space='preserve'> 1</t></r><rPh><t>WADO</t></rPh></si>",
        "<si><t>line_x000D_break_x005F_x0041_</t></si>",
    ]
    cells = [
        '<c r="A2" s="1"><v>43892</v></c>',  # 1904 days: 2024-03-03
        '<c r="B2" t="d"><v>2025-03-03T10:15:00</v></c>',
        '<c r="C2" t="d"><v>2025-03-04</v></c>',
        '<c r="D2" t="s"><v>1</v></c>',
        '<c r="E2" t="s"><v>2</v></c>',
        '<c r="F2" t="e"><v>#N/A</v></c>',
        '<c r="G2" t="str"><f>A1</f><v>answer</v></c>',
        '<c r="H2" t="inlineStr"><is><t>in</t><rPh><t>ignored</t></rPh></is></c>',
    ]
    header = row(1, *(f'<c r="{c}1" t="s"><v>0</v></c>' for c in "A"), *(
        text(f"{c}1", f"c{c.lower()}") for c in "BCDEFGH"
    ))  # fmt: skip
    path = write_raw(
        tmp_path / "kinds.xlsx",
        {"Sheet1": header + row(2, *cells)},
        strings=strings,
        workbook_pr='<workbookPr date1904="1"/>',
    )
    table, rows = read(path, required=["answer"], optional=[f"c{c}" for c in "bcdefgh"])
    assert list(rows[0][1].values()) == [
        "2024-03-03",
        "2025-03-03T10:15:00",
        "2025-03-04",
        "Ward 1",
        "line\rbreak_x0041_",
        "#N/A",
        "answer",
        "in",
    ]
    assert not table.errors


def test_a_formula_reads_as_its_stored_value_and_one_without_is_a_row_error(
    tmp_path: Path,
) -> None:
    header = row(1, text("A1", "response_id"), text("B1", "q2a"), text("C1", "note"))
    sheet = (
        header
        + row(2, text("A2", "r1"), '<c r="B2"><f>1+2</f><v>3</v></c>')
        + row(3, text("A3", "r2"), '<c r="B3"><f>1+2</f></c>')
        + row(4, text("A4", "r3"), '<c r="B4" t="str"><f>""</f><v></v></c>')
        # A formula with no value in a column nobody reads is no error.
        + row(5, text("A5", "r4"), '<c r="B5"><v>4</v></c>', '<c r="C5"><f>B5*2</f></c>')
    )
    path = write_raw(tmp_path / "formulas.xlsx", {"Sheet1": sheet})
    table, rows = read(path, required=["response_id"], optional=["q2a"])
    assert rows == [
        (2, {"response_id": "r1", "q2a": "3"}),
        (4, {"response_id": "r3", "q2a": ""}),
        (5, {"response_id": "r4", "q2a": "4"}),
    ]
    assert [(e.row, e.column, e.message) for e in table.errors.errors] == [
        (3, "q2a", FORMULA_WITHOUT_VALUE)
    ]
    assert FORMULA_WITHOUT_VALUE == (
        "a formula with no stored value; save the file in Excel or LibreOffice so its values "
        "are stored"
    )
    assert table.rows_read == 3


def test_openpyxl_saves_formulas_without_values_so_they_are_row_errors(tmp_path: Path) -> None:
    path = write_openpyxl(
        tmp_path / "f.xlsx", {"Sheet": [["response_id", "q2a"], ["r1", 2], ["r2", "=B2+1"]]}
    )
    table, rows = read(path, required=["response_id"], optional=["q2a"])
    assert rows == [(2, {"response_id": "r1", "q2a": "2"})]
    assert [(e.row, e.column) for e in table.errors.errors] == [(3, "q2a")]


def test_a_header_formula_without_a_value_is_refused(tmp_path: Path) -> None:
    sheet = row(1, text("A1", "response_id"), '<c r="B1" t="str"><f>"q"&amp;"2a"</f></c>')
    path = write_raw(tmp_path / "h.xlsx", {"Sheet1": sheet})
    with pytest.raises(InvalidTable) as caught:
        read(path, required=["response_id"])
    assert [(e.row, e.column) for e in caught.value.errors] == [(1, None)]
    assert "column B" in caught.value.errors[0].message


def test_a_second_sheet_is_read_by_name_and_the_sheets_are_listed(tmp_path: Path) -> None:
    path = write_openpyxl(
        tmp_path / "staff.xlsx",
        {
            "staff": [["employee_ref"], ["e1"]],
            "absence": [["employee_ref", "fte_days_lost"], ["e1", 2.5], ["e2", 1]],
        },
    )
    assert sheet_names(path) == ["staff", "absence"]
    for name in ("absence", " ABSENCE "):
        _, rows = read(path, sheet=name, required=["employee_ref", "fte_days_lost"], optional=())
        assert rows == [
            (2, {"employee_ref": "e1", "fte_days_lost": "2.5"}),
            (3, {"employee_ref": "e2", "fte_days_lost": "1"}),
        ]
    _, first = read(path, required=["employee_ref"], optional=())
    assert first == [(2, {"employee_ref": "e1"})]
    with pytest.raises(NoSuchSheet) as caught:
        read(path, sheet="absences", required=["employee_ref"])
    assert caught.value.sheets == ["staff", "absence"]
    assert caught.value.errors[0].message == (
        "the workbook has no sheet named 'absences'; its sheets: 'staff', 'absence'"
    )
    assert isinstance(caught.value, InvalidTable)


def test_the_header_is_the_first_row_with_a_value_and_rows_keep_the_sheets_numbers(
    tmp_path: Path,
) -> None:
    sheet = (
        row(2, '<c r="A2" s="0"/>')
        + row(3, text("B3", "response_id"), text("C3", "q2a"))
        + row(7, text("B7", "r1"), '<c r="C7"><v>1</v></c>')
        + row(9, text("B9", "  "))
    )
    table, rows = read(
        write_raw(tmp_path / "late.xlsx", {"Sheet1": sheet}),
        required=["response_id"],
        optional=["q2a"],
    )
    assert rows == [(7, {"response_id": "r1", "q2a": "1"})]
    assert table.rows_read == 1


def test_a_value_past_the_headers_last_column_is_a_row_error(tmp_path: Path) -> None:
    sheet = (
        row(1, text("A1", "response_id"), text("B1", "q2a"))
        + row(2, text("A2", "r1"), text("D2", "stray"))
        + row(3, text("A3", "r2"), text("D3", "  "))
    )
    table, rows = read(write_raw(tmp_path / "w.xlsx", {"S": sheet}), required=["response_id"])
    assert rows == [(3, {"response_id": "r2", "q2a": ""})]
    assert [(e.row, e.column, e.message) for e in table.errors.errors] == [
        (2, None, "the row has a value in column D, past the header's last column B")
    ]


def test_a_missing_required_column_or_no_header_is_a_422(tmp_path: Path) -> None:
    path = write_openpyxl(tmp_path / "m.xlsx", {"S": [["response_id", "ods_code"], ["r1", "X"]]})
    with pytest.raises(InvalidTable) as caught:
        read(path)
    assert [(e.row, e.column, e.message) for e in caught.value.errors] == [
        (1, "team_ref", "the required column team_ref is missing"),
        (1, "submitted_on", "the required column submitted_on is missing"),
    ]
    empty = write_openpyxl(tmp_path / "e.xlsx", {"S": []})
    with pytest.raises(InvalidTable) as caught:
        read(empty)
    assert caught.value.errors[0].message == "the sheet has no header row"


def test_too_many_rows_stops_at_the_first_one_over_and_closes_the_file(tmp_path: Path) -> None:
    rows = [["response_id"], *([f"r{n}"] for n in range(30))]
    path = write_openpyxl(tmp_path / "many.xlsx", {"S": rows})
    seen: list[int] = []

    def read_all(table: Table) -> None:
        seen.extend(number for number, _ in table)

    with read_xlsx(
        path, sheet=None, required=["response_id"], max_rows=10, max_uncompressed_bytes=1 << 20
    ) as table:
        assert handles(path) == 1
        with pytest.raises(TooManyRows):
            read_all(table)
    assert seen == list(range(2, 12))
    assert table.rows_read == 10
    assert handles(path) == 0


def test_a_refused_header_closes_the_file(tmp_path: Path) -> None:
    path = write_openpyxl(tmp_path / "m.xlsx", {"S": [["response_id"], ["r1"]]})
    with pytest.raises(InvalidTable):
        read(path)
    assert handles(path) == 0


def test_a_workbook_libreoffice_saved_reads_as_it_shows(tmp_path: Path) -> None:
    """tests/integrations/fixtures/README.md says how the fixture was made."""
    table, rows = read(
        FIXTURES / "libreoffice.xlsx", required=REQUIRED, optional=("q2a", "q2b", "fte")
    )
    assert table.ignored_columns == ("Comments",)
    assert rows == [
        (
            2,
            {
                "response_id": "r1",
                "ods_code": "RHQ",
                "team_ref": "Ward 1",
                "submitted_on": "2025-03-03",
                "q2a": "4",
                "q2b": "often",
                "fte": "0.8",
            },
        ),
        (
            4,
            {
                "response_id": "r2",
                "ods_code": "RHQ",
                "team_ref": "Ward 2",
                "submitted_on": "2025-03-04T14:30:00",
                "q2a": "3",
                "q2b": "",
                "fte": "1",
            },
        ),
    ]
    assert not table.errors
