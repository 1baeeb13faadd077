"""The CSV reader and cell parsers against real files a trust's tools write: encodings, header
spelling, blank rows, limits, and what is refused."""

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pytest

from app.integrations.cells import (
    CellError,
    parse_date,
    parse_datetime_to_london_date,
    parse_month,
    parse_number,
    parse_whole,
)
from app.integrations.tabular import (
    ErrorList,
    InvalidTable,
    NotText,
    RowError,
    Table,
    TooManyRows,
    read_csv,
)

REQUIRED = ("response_id", "ods_code", "team_ref", "submitted_on")


def write(tmp_path: Path, data: bytes | str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "extract.csv"
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


def read(
    path: Path,
    *,
    charset: str | None = None,
    required: Sequence[str] = REQUIRED,
    optional: Sequence[str] = ("q2a", "q2b"),
    max_rows: int = 1_000,
) -> tuple[Table, list[tuple[int, dict[str, str]]]]:
    """The table and its rows as (number, {column: value}), read to the end."""
    with read_csv(
        path, charset=charset, required=required, optional=optional, max_rows=max_rows
    ) as table:
        rows = [(number, dict(zip(table.columns, values, strict=True))) for number, values in table]
    return table, rows


HEADER = "response_id,ods_code,team_ref,submitted_on,q2a\r\n"


def test_utf8_with_a_bom_crlf_and_trimmed_cells(tmp_path: Path) -> None:
    path = write(tmp_path, "\ufeff" + HEADER + "r1, RHQ ,Ward Zoë ,2025-03-03, 4 \r\n")
    table, rows = read(path)
    assert table.encoding == "utf-8-sig"
    assert table.columns == ("response_id", "ods_code", "team_ref", "submitted_on", "q2a")
    assert rows == [
        (
            2,
            {
                "response_id": "r1",
                "ods_code": "RHQ",
                "team_ref": "Ward Zoë",
                "submitted_on": "2025-03-03",
                "q2a": "4",
            },
        )
    ]
    assert table.rows_read == 1
    assert not table.errors


def test_windows_1252_is_read_when_the_bytes_are_not_utf8(tmp_path: Path) -> None:
    text = HEADER + "r1,RHQ,Zoë\u2019s ward,2025-03-03,£5 \u2013 €\r\n"
    table, rows = read(write(tmp_path, text, "cp1252"))
    assert table.encoding == "cp1252"
    assert rows[0][1]["team_ref"] == "Zoë\u2019s ward"
    assert rows[0][1]["q2a"] == "£5 \u2013 €"


def test_windows_1252_breaking_utf8_only_late_in_the_file_is_read_whole_as_1252(
    tmp_path: Path,
) -> None:
    # 200,000 ASCII rows, past the first pass's 1 MiB chunk, then one £ in Windows-1252.
    body = "".join(f"r{i},RHQ,W1,2025-03-03,1\r\n" for i in range(60_000))
    text = HEADER + body + "r-last,RHQ,£,2025-03-03,1\r\n"
    table, rows = read(write(tmp_path, text, "cp1252"), max_rows=100_000)
    assert table.encoding == "cp1252"
    assert len(rows) == 60_001
    assert rows[-1] == (60_002, rows[-1][1])
    assert rows[-1][1]["team_ref"] == "£"


def test_the_five_bytes_windows_1252_leaves_undefined_do_not_refuse_the_file(
    tmp_path: Path,
) -> None:
    table, rows = read(write(tmp_path, HEADER.encode() + b"r1,RHQ,a\x81b\x9d,2025-03-03,\xa3\r\n"))
    assert table.encoding == "cp1252"
    assert rows[0][1]["team_ref"] == "a\x81b\x9d"
    assert rows[0][1]["q2a"] == "£"
    declared, rows = read(
        write(tmp_path, HEADER.encode() + b"r1,RHQ,\x81\x80,2025-03-03,1\r\n"),
        charset="windows-1252",
    )
    assert declared.encoding == "cp1252"
    assert rows[0][1]["team_ref"] == "\x81€"


def test_a_declared_charset_is_used_and_a_utf8_bom_still_dropped(tmp_path: Path) -> None:
    table, rows = read(
        write(tmp_path, "\ufeff" + HEADER + "r1,RHQ,Zoë,2025-03-03,1\n"), charset="UTF-8"
    )
    assert table.encoding == "utf-8-sig"
    assert rows[0][1]["team_ref"] == "Zoë"
    latin, rows = read(
        write(tmp_path, HEADER + "r1,RHQ,Zoë,2025-03-03,1\n", "latin-1"), charset="iso-8859-1"
    )
    assert latin.encoding == "iso8859-1"
    assert rows[0][1]["team_ref"] == "Zoë"


def test_bytes_not_in_the_declared_charset_or_an_unknown_charset_are_not_text(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, HEADER + "r1,RHQ,Zoë,2025-03-03,1\n", "cp1252")
    with pytest.raises(NotText) as declared:
        read(path, charset="utf-8")
    assert declared.value.detected == "charset"
    assert declared.value.message == "the file is not valid utf-8 text"
    with pytest.raises(NotText) as unknown:
        read(path, charset="klingon")
    assert unknown.value.message == "unknown charset 'klingon'"


def test_an_xlsx_sent_as_csv_and_binary_data_are_not_text(tmp_path: Path) -> None:
    with pytest.raises(NotText) as xlsx:
        read(write(tmp_path, b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40))
    assert xlsx.value.detected == "zip"
    assert "ZIP" in xlsx.value.message
    with pytest.raises(NotText) as binary:
        read(write(tmp_path, HEADER.encode() + b"r1,RHQ,W\x00,2025-03-03,1\r\n"))
    assert binary.value.detected == "binary"
    with pytest.raises(NotText) as utf16:
        read(write(tmp_path, HEADER, "utf-16"))
    assert utf16.value.detected == "binary"


def test_header_names_match_trimmed_and_in_any_case_and_extra_columns_are_listed(
    tmp_path: Path,
) -> None:
    text = (
        " Response_ID ,ODS_CODE,Team_Ref,Submitted_On,Comments,Q2A,, Group_Ethnicity ,Comments\n"
        "r1,RHQ,W1,2025-03-03,free text,3,,A,more\n"
    )
    table, rows = read(write(tmp_path, text))
    assert table.columns == (
        "response_id", "ods_code", "team_ref", "submitted_on", "q2a", "group_ethnicity"
    )  # fmt: skip
    assert table.ignored_columns == ("Comments",)
    assert rows[0][1] == {
        "response_id": "r1",
        "ods_code": "RHQ",
        "team_ref": "W1",
        "submitted_on": "2025-03-03",
        "q2a": "3",
        "group_ethnicity": "A",
    }
    assert table.index("q2a") == 4
    assert table.index("q2b") is None


def test_blank_rows_anywhere_are_skipped_uncounted_but_keep_their_row_numbers(
    tmp_path: Path,
) -> None:
    text = (
        HEADER
        + "r1,RHQ,W1,2025-03-03,1\r\n"
        + "\r\n"
        + ",,,,\r\n"
        + "  , ,\t,,  \r\n"
        + "r2,RHQ,W1,2025-03-04,2\r\n"
        + ",,,,\r\n\r\n,,,,\r\n"
    )
    table, rows = read(write(tmp_path, text))
    assert [number for number, _ in rows] == [2, 6]
    assert table.rows_read == 2


def test_blank_lines_before_the_header_are_skipped_and_counted(tmp_path: Path) -> None:
    _, rows = read(write(tmp_path, "\n,,,\n" + HEADER + "r1,RHQ,W1,2025-03-03,1\n"))
    assert [number for number, _ in rows] == [4]


def test_a_cell_with_a_newline_is_one_row(tmp_path: Path) -> None:
    text = HEADER + 'r1,RHQ,"two\nlines",2025-03-03,1\nr2,RHQ,W,2025-03-03,1\n'
    _, rows = read(write(tmp_path, text))
    assert [(n, r["team_ref"]) for n, r in rows] == [(2, "two\nlines"), (3, "W")]


def test_a_missing_required_column_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(InvalidTable) as refused:
        read(write(tmp_path, "response_id,team_ref,q2a\nr1,W1,3\n"))
    assert refused.value.errors == [
        RowError(1, "ods_code", "the required column ods_code is missing"),
        RowError(1, "submitted_on", "the required column submitted_on is missing"),
    ]


def test_a_column_read_twice_is_an_error_one_ignored_twice_is_not(tmp_path: Path) -> None:
    with pytest.raises(InvalidTable) as refused:
        read(
            write(
                tmp_path,
                "response_id,ods_code,team_ref,submitted_on,Q2A,q2a \nr1,R,W,2025-03-03,1,2\n",
            )
        )
    assert refused.value.errors == [RowError(1, "q2a", "the column q2a appears more than once")]


def test_an_empty_file_has_no_header(tmp_path: Path) -> None:
    for data in (b"", b"\r\n\r\n", b"\xef\xbb\xbf", b",,,\n"):
        with pytest.raises(InvalidTable) as refused:
            read(write(tmp_path, data))
        assert refused.value.errors == [RowError(1, None, "the file has no header row")]


def test_a_value_past_the_last_column_is_a_row_error_empty_cells_there_are_not(
    tmp_path: Path,
) -> None:
    text = HEADER + "r1,RHQ,W1,2025-03-03,1,,\r\nr2,RHQ,W1,2025-03-03,1,oops\r\nr3,RHQ,W1\r\n"
    table, rows = read(write(tmp_path, text))
    assert [(n, r["response_id"], r["q2a"]) for n, r in rows] == [(2, "r1", "1"), (4, "r3", "")]
    assert table.errors.errors == [RowError(3, None, "the row has 6 cells, the header 5")]
    assert table.errors.error_count == 1
    assert table.rows_read == 2


def test_more_rows_than_the_limit_stops_at_the_first_one_over(tmp_path: Path) -> None:
    text = HEADER + "\n".join(f"r{i},RHQ,W1,2025-03-03,1" for i in range(10)) + "\n"
    path = write(tmp_path, text)
    seen: list[int] = []

    def read_all() -> None:
        with read_csv(path, charset=None, required=REQUIRED, optional=(), max_rows=5) as table:
            seen.extend(number for number, _ in table)

    with pytest.raises(TooManyRows) as refused:
        read_all()
    assert refused.value.limit == 5
    assert str(refused.value) == "the file has more than 5 data rows"
    assert seen == [2, 3, 4, 5, 6]
    # Exactly the limit is fine, and blank rows do not count towards it.
    _, rows = read(write(tmp_path, HEADER + "\n\n".join(["r,R,W,2025-03-03,1"] * 5)), max_rows=5)
    assert len(rows) == 5


def test_a_field_over_the_csv_modules_size_limit_is_an_invalid_table(tmp_path: Path) -> None:
    text = HEADER + "r1,RHQ,W1,2025-03-03,1\n" + "r2,RHQ," + "x" * 200_000 + ",2025-03-03,1\n"
    with pytest.raises(InvalidTable) as refused:
        read(write(tmp_path, text))
    (error,) = refused.value.errors
    assert error.row == 3
    assert error.message.startswith("unreadable CSV: field larger than field limit")


def test_the_rows_are_read_once_and_the_file_closed(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "r1,RHQ,W1,2025-03-03,1\n")
    with read_csv(path, charset=None, required=REQUIRED, optional=(), max_rows=5) as table:
        assert len(list(table)) == 1
        with pytest.raises(RuntimeError):
            iter(table)
    assert table.closed


def test_the_error_list_keeps_the_first_thousand_and_counts_them_all() -> None:
    errors = ErrorList()
    assert not errors
    for row in range(2, 2_502):
        errors.add(row, "q2a", "expected an option")
    assert errors.error_count == 2_500
    assert len(errors.errors) == 1_000
    assert errors.errors[-1] == RowError(1_001, "q2a", "expected an option")


# Cells --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-04-03", date(2025, 4, 3)),
        ("03/04/2025", date(2025, 4, 3)),  # 3 April, never 4 March
        ("3/4/2025", date(2025, 4, 3)),
        ("29/02/2024", date(2024, 2, 29)),
        ("", None),
    ],
)
def test_dates_are_iso_or_day_first(text: str, expected: date | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("04/13/2025", "not a day of the calendar"),  # MM/DD: there is no 13th month
        ("29/02/2025", "not a day of the calendar"),
        ("2025-02-30", "not a day of the calendar"),
        ("20250403", "expected a date as YYYY-MM-DD or DD/MM/YYYY"),
        ("2025-W14-4", "expected a date as YYYY-MM-DD or DD/MM/YYYY"),
        ("03/04/25", "expected a date as YYYY-MM-DD or DD/MM/YYYY"),
        ("\uff13/\uff14/\uff12\uff10\uff12\uff15", "expected a date as YYYY-MM-DD or DD/MM/YYYY"),
        ("2025-04-03T10:00", "expected a date as YYYY-MM-DD or DD/MM/YYYY"),
    ],
)
def test_other_dates_are_refused(text: str, message: str) -> None:
    with pytest.raises(CellError) as refused:
        parse_date(text)
    assert refused.value.message == message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-04-03", date(2025, 4, 3)),
        ("03/04/2025", date(2025, 4, 3)),
        ("2025-04-03T23:30:00", date(2025, 4, 3)),  # no offset: already London time
        ("2025-04-03 23:30", date(2025, 4, 3)),
        ("03/04/2025 23:30", date(2025, 4, 3)),  # as MS Forms writes it
        ("3/4/2025 9:05:59", date(2025, 4, 3)),
        # Summer time: 23:30 UTC is 00:30 the next day in London.
        ("2025-04-03T23:30:00Z", date(2025, 4, 4)),
        ("2025-04-03T23:30:00.123456+00:00", date(2025, 4, 4)),
        ("2025-04-04T00:30:00+02:00", date(2025, 4, 3)),
        # Winter time: UTC is London time.
        ("2025-01-15T23:30:00Z", date(2025, 1, 15)),
        # The clocks go forward at 01:00 UTC on 30 March 2025.
        ("2025-03-29T23:30:00Z", date(2025, 3, 29)),
        ("2025-03-30T00:30:00Z", date(2025, 3, 30)),
        ("2025-03-30T23:30:00Z", date(2025, 3, 31)),
        # They go back at 01:00 UTC on 26 October 2025.
        ("2025-10-25T23:30:00Z", date(2025, 10, 26)),
        ("2025-10-26T23:30:00Z", date(2025, 10, 26)),
        ("2025-10-26T00:30:00+00:00", date(2025, 10, 26)),
        # A London time that the clock skips or repeats still has its date.
        ("2025-03-30T01:30:00", date(2025, 3, 30)),
        ("26/10/2025 01:30", date(2025, 10, 26)),
        ("", None),
    ],
)
def test_datetimes_give_their_london_date(text: str, expected: date | None) -> None:
    assert parse_datetime_to_london_date(text) == expected


@pytest.mark.parametrize(
    "text",
    ["03/04/2025 24:00", "03/04/2025 10:60", "2025-04-31T10:00", "04/13/2025 10:00",
     "2025-04-03T10:00+25:00", "yesterday", "2025-W14-4T10:00"],
)  # fmt: skip
def test_other_datetimes_are_refused(text: str) -> None:
    with pytest.raises(CellError):
        parse_datetime_to_london_date(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2025-03", date(2025, 3, 1)), ("2025-03-17", date(2025, 3, 1)),
     ("17/03/2025", date(2025, 3, 1)), ("", None)],
)  # fmt: skip
def test_months_are_yyyy_mm_or_any_date_in_them(text: str, expected: date | None) -> None:
    assert parse_month(text) == expected


@pytest.mark.parametrize("text", ["2025-13", "03/2025", "2025-3", "March 2025"])
def test_other_months_are_refused(text: str) -> None:
    with pytest.raises(CellError):
        parse_month(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12", 12.0), ("0.5", 0.5), (".5", 0.5), ("-1.25", -1.25), ("+3", 3.0), ("1e3", 1000.0),
     ("", None)],
)  # fmt: skip
def test_numbers(text: str, expected: float | None) -> None:
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    "text", ["1,000", "1 000", "1_000", "0,5", "nan", "inf", "-Infinity", "1e400", "٣", "12%"]
)
def test_other_numbers_are_refused(text: str) -> None:
    with pytest.raises(CellError):
        parse_number(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0", 0), ("12", 12), ("12.0", 12), ("+7", 7), ("9223372036854775807", 2**63 - 1), ("", None)],
)
def test_whole_numbers(text: str, expected: int | None) -> None:
    assert parse_whole(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-1", "expected a whole number >= 0, not a negative one"),
        ("1.5", "expected a whole number, not a fraction"),
        ("1,000", "expected a whole number >= 0"),
        ("9" * 19, "the number is too large"),
        pytest.param("1" * 5000, "the number is too large", id="5000 digits"),
    ],
)
def test_other_whole_numbers_are_refused(text: str, message: str) -> None:
    with pytest.raises(CellError) as refused:
        parse_whole(text)
    assert refused.value.message == message
