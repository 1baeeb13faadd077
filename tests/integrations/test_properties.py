"""Properties of the CSV reader: what csv.writer writes in UTF-8 (with or without BOM) or
Windows-1252 reads back as written, trimmed, and the error list is capped but counts exactly."""

import csv
from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from app.integrations.tabular import MAX_ERRORS, ErrorList, read_csv

# Any text but NUL (a file with one is refused as binary), lone surrogates (not encodable) and
# U+FEFF (a BOM inside the first header cell is dropped as a BOM), with the characters CSV
# quotes weighted in.
CELL = st.text(
    alphabet=st.one_of(
        st.sampled_from([",", '"', "\n", "\r", " ", "\t", "£", "é", "\u2019", "€", "a"]),
        st.characters(codec="utf-8", exclude_characters="\x00\ufeff"),
    ),
    max_size=12,
)
NAME = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    """A header of distinct names (some in odd case and padded) and rows as wide as it."""
    names = draw(st.lists(NAME, min_size=1, max_size=5, unique=True))
    width = len(names)
    rows = draw(st.lists(st.lists(CELL, min_size=width, max_size=width), max_size=12))
    return names, rows


def cp1252_only(text: str) -> bool:
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


@settings(max_examples=300, deadline=None)
@given(
    table=tables(),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
    terminator=st.sampled_from(["\r\n", "\n"]),
    padded=st.booleans(),
)
def test_what_csv_writer_writes_reads_back_trimmed(
    table: tuple[list[str], list[list[str]]], encoding: str, terminator: str, padded: bool
) -> None:
    names, rows = table
    # csv.writer quotes a cell holding a character of its line terminator only, so a bare CR
    # under "\n" endings is written unquoted and reads back as a line break: its own quirk.
    assume(terminator == "\r\n" or not any("\r" in cell for row in rows for cell in row))
    header = [f"  {name.upper()} " if padded else name for name in names]
    with TemporaryDirectory() as folder:
        path = Path(folder) / "t.csv"
        with path.open("w", encoding=encoding, errors="strict", newline="") as file:
            try:
                csv.writer(file, lineterminator=terminator).writerows([header, *rows])
            except UnicodeEncodeError:
                assume(False)
        data = path.read_bytes()
        if encoding == "cp1252":
            # Windows-1252 bytes that happen to be valid UTF-8 are read as UTF-8: by design.
            assume(data.isascii() or not _is_utf8(data))
        with read_csv(path, charset=None, required=names, optional=(), max_rows=100) as read:
            got = list(read)
    expected = [
        (number, tuple(cell.strip() for cell in row))
        for number, row in enumerate(rows, start=2)
        if any(cell.strip() for cell in row)
    ]
    assert got == expected
    assert read.rows_read == len(expected)
    assert read.columns == tuple(names)
    if not data.isascii():
        assert read.encoding == ("cp1252" if encoding == "cp1252" else "utf-8-sig")


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@settings(max_examples=50, deadline=None)
@given(good=st.integers(0, 50), bad=st.integers(0, 2_500), seed=st.randoms())
def test_the_error_list_never_holds_more_than_the_cap_and_counts_exactly(
    good: int, bad: int, seed: object
) -> None:
    """Rows with a value past the header's last column, shuffled among good ones."""
    lines = ["a,b\r\n"] + ["1,2\r\n"] * good + ["1,2,3\r\n"] * bad
    body = lines[1:]
    seed.shuffle(body)  # type: ignore[attr-defined]
    with TemporaryDirectory() as folder:
        path = Path(folder) / "t.csv"
        path.write_text(lines[0] + "".join(body), newline="")
        with read_csv(path, charset=None, required=["a", "b"], max_rows=10_000) as read:
            assert sum(1 for _ in read) == good
    assert read.errors.error_count == bad
    assert len(read.errors.errors) == min(bad, MAX_ERRORS)
    bad_rows = [number for number, line in enumerate(body, start=2) if line == "1,2,3\r\n"]
    assert [e.row for e in read.errors.errors] == bad_rows[:MAX_ERRORS]


@given(st.lists(st.tuples(st.integers(2, 10**6), st.sampled_from(["q2a", None])), max_size=3000))
def test_an_error_list_keeps_the_first_of_any_sequence(added: list[tuple[int, str | None]]) -> None:
    errors = ErrorList()
    for row, column in added:
        errors.add(row, column, "wrong")
    assert errors.error_count == len(added)
    assert [(e.row, e.column) for e in errors.errors] == added[:MAX_ERRORS]
    assert bool(errors) == bool(added)
