"""What the XLSX reader refuses, and how: files that are not workbooks, macros, passwords, zip
bombs (declared and lying), XML bombs, damaged archives; and for any bytes at all, nothing
escapes but a TableProblem."""

import struct
import time
import tracemalloc
import zipfile
from pathlib import Path
from tempfile import TemporaryDirectory

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.integrations.tabular import InvalidTable, TableProblem
from app.integrations.xlsx import (
    EncryptedWorkbook,
    MacroWorkbook,
    NotWorkbook,
    WorkbookTooLarge,
    read_xlsx,
    sheet_names,
)
from tests.integrations.workbooks import MACRO_TYPE, MAIN, row, text, write_openpyxl, write_raw

MIB = 1 << 20


def read_all(path: Path, *, limit: int = 10 * MIB) -> list[tuple[int, tuple[str, ...]]]:
    with read_xlsx(
        path,
        sheet=None,
        required=["a"],
        optional=["b"],
        max_rows=1_000,
        max_uncompressed_bytes=limit,
    ) as table:
        return list(table)


def good(path: Path) -> Path:
    return write_raw(
        path, {"Sheet1": row(1, text("A1", "a"), text("B1", "b")) + row(2, text("A2", "x"))}
    )


def test_the_good_workbook_these_tests_spoil_reads(tmp_path: Path) -> None:
    assert read_all(good(tmp_path / "good.xlsx")) == [(2, ("x", ""))]


@pytest.mark.parametrize(
    ("data", "detected", "message"),
    [
        (
            b"response_id,ods_code\r\nr1,RHQ\r\n",
            "text",
            "the file is text (CSV?), not an XLSX workbook: send CSV as text/csv",
        ),
        (b"\x00\x01\x02garbage", "binary", "the file is not an XLSX workbook (not a ZIP archive)"),
        (b"", "text", "the file is text (CSV?), not an XLSX workbook: send CSV as text/csv"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
            "xls",
            "the file is an Excel 97-2003 workbook (.xls) or another older Office file, not "
            "XLSX: save it as an Excel Workbook (.xlsx)",
        ),
    ],
)
def test_what_is_not_a_zip_is_refused_as_what_it_is(
    tmp_path: Path, data: bytes, detected: str, message: str
) -> None:
    path = tmp_path / "upload.xlsx"
    path.write_bytes(data)
    with pytest.raises(NotWorkbook) as caught:
        read_all(path)
    assert (caught.value.detected, caught.value.message) == (detected, message)
    with pytest.raises(NotWorkbook):
        sheet_names(path)


def test_a_password_protected_workbook_is_refused(tmp_path: Path) -> None:
    """Office encrypts a workbook into an OLE2 file holding an EncryptedPackage stream."""
    path = tmp_path / "secret.xlsx"
    directory = "EncryptedPackage".encode("utf-16-le")
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(70_000) + directory + bytes(64))
    with pytest.raises(EncryptedWorkbook) as caught:
        read_all(path)
    assert caught.value.detected == "encrypted"
    assert "password-protected" in caught.value.message


def test_a_truncated_or_damaged_zip_is_refused(tmp_path: Path) -> None:
    data = good(tmp_path / "good.xlsx").read_bytes()
    for name, spoilt in [
        ("truncated", data[: len(data) // 2]),
        ("no directory", data[:-22]),
        ("bad directory", data[:-22] + b"PK\x05\x06" + bytes(6) + b"\xff\xff" + bytes(10)),
    ]:
        path = tmp_path / f"{name}.xlsx"
        path.write_bytes(spoilt)
        with pytest.raises(NotWorkbook) as caught:
            read_all(path)
        assert caught.value.detected in ("damaged", "zip"), name


def test_a_zip_that_is_no_workbook_is_refused(tmp_path: Path) -> None:
    plain = tmp_path / "plain.xlsx"
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("data.csv", "a,b\r\n1,2\r\n")
    document = tmp_path / "letter.xlsx"
    with zipfile.ZipFile(document, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
    for path in (plain, document):
        with pytest.raises(NotWorkbook) as caught:
            read_all(path)
        assert caught.value.detected == "zip"


def test_macro_enabled_workbooks_are_refused(tmp_path: Path) -> None:
    sheet = {"Sheet1": row(1, text("A1", "a"))}
    by_type = write_raw(tmp_path / "typed.xlsx", sheet, main_type=MACRO_TYPE)
    by_part = write_raw(tmp_path / "part.xlsx", sheet, extra={"xl/vbaProject.bin": b"\xd0\xcf"})
    binary = write_raw(
        tmp_path / "binary.xlsx",
        sheet,
        main_type="application/vnd.ms-excel.sheet.binary.macroEnabled.main",
    )
    for path in (by_type, by_part):
        with pytest.raises(MacroWorkbook) as caught:
            read_all(path)
        assert caught.value.detected == "macros"
        assert caught.value.message.startswith("the workbook contains macros")
        with pytest.raises(MacroWorkbook):
            sheet_names(path)
    with pytest.raises(NotWorkbook) as refused:
        read_all(binary)
    assert refused.value.detected == "xlsb"


def _bomb(path: Path, inflated: int) -> Path:
    """The good workbook, but its sheet is, after the header, `inflated` bytes of spaces."""
    source = good(path.with_suffix(".good.xlsx"))
    head = f'<worksheet xmlns="{MAIN}"><sheetData>{row(1, text("A1", "a"))}'
    padding = b" " * MIB
    with (
        zipfile.ZipFile(source) as original,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for info in original.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                archive.writestr(info.filename, original.read(info))
                continue
            with archive.open(info.filename, "w") as part:
                part.write(head.encode())
                for _ in range(inflated // MIB):
                    part.write(padding)
                part.write(b"</sheetData></worksheet>")
    return path


def test_a_zip_bomb_is_refused_from_its_directory_before_inflating(tmp_path: Path) -> None:
    path = _bomb(tmp_path / "bomb.xlsx", 64 * MIB)
    assert path.stat().st_size < 200_000
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(WorkbookTooLarge) as caught:
            read_all(path, limit=10 * MIB)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert caught.value.limit == 10 * MIB
    assert str(caught.value) == "the workbook inflates to more than 10,485,760 bytes"
    # Inflating 64 MiB would take far longer and hold a chunk at least.
    assert time.perf_counter() - started < 1
    assert peak < 2 * MIB


def _directory_entry(data: bytes, name: bytes) -> int:
    """Where the central directory entry of `name` starts."""
    at = 0
    while (at := data.find(b"PK\x01\x02", at + 1)) >= 0:
        (length,) = struct.unpack_from("<H", data, at + 28)
        if data[at + 46 : at + 46 + length] == name:
            return at
    raise AssertionError(name)


def test_the_check_is_on_the_declared_sizes(tmp_path: Path) -> None:
    """A directory declaring a sheet of 4 GiB is refused though its bytes inflate to little."""
    data = bytearray(good(tmp_path / "good.xlsx").read_bytes())
    at = _directory_entry(bytes(data), b"xl/worksheets/sheet1.xml")
    struct.pack_into("<I", data, at + 24, 0xFFFFFFF0)
    path = tmp_path / "declared.xlsx"
    path.write_bytes(bytes(data))
    with pytest.raises(WorkbookTooLarge):
        read_all(path)


def test_a_directory_that_understates_a_part_gets_no_more_than_it_declared(
    tmp_path: Path,
) -> None:
    """The sheet inflates to 64 MiB but its directory entry says 200 bytes: reading stops
    there (a bad CRC, or XML cut short), a 422, having inflated next to nothing."""
    data = bytearray(_bomb(tmp_path / "bomb.xlsx", 64 * MIB).read_bytes())
    at = _directory_entry(bytes(data), b"xl/worksheets/sheet1.xml")
    assert struct.unpack_from("<I", data, at + 24)[0] > 64 * MIB
    struct.pack_into("<I", data, at + 24, 200)
    path = tmp_path / "liar.xlsx"
    path.write_bytes(bytes(data))
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with (
            pytest.raises(TableProblem) as caught,
            read_xlsx(
                path, sheet=None, required=["a"], max_rows=10, max_uncompressed_bytes=MIB
            ) as table,
        ):
            list(table)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert isinstance(caught.value, InvalidTable | NotWorkbook)
    assert time.perf_counter() - started < 1
    assert peak < 2 * MIB


def test_xml_bombs_and_external_entities_are_refused(tmp_path: Path) -> None:
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is>'
        "<t>&c;</t></is></c></row></sheetData></worksheet>"
    )
    external = (
        '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is>'
        "<t>&x;</t></is></c></row></sheetData></worksheet>"
    )
    for name, sheet in (("laughs", laughs), ("external", external)):
        with pytest.raises(InvalidTable) as caught:
            read_all(write_raw(tmp_path / f"{name}.xlsx", {"Sheet1": sheet}))
        assert caught.value.errors[0].message.startswith("the sheet cannot be read from this row")
    strings = write_raw(
        tmp_path / "strings.xlsx",
        {"Sheet1": row(1, '<c r="A1" t="s"><v>0</v></c>')},
        strings=['<!DOCTYPE sst [<!ENTITY a "a">]><si><t>&a;</t></si>'],
    )
    with pytest.raises(NotWorkbook) as refused:
        read_all(strings)
    assert refused.value.detected == "damaged"


def test_a_sheet_that_breaks_midway_names_the_row_reached(tmp_path: Path) -> None:
    sheet = (
        f'<worksheet xmlns="{MAIN}"><sheetData>{row(1, text("A1", "a"))}'
        f'{row(2, text("A2", "x"))}<row r="3"><c r="A3"><v>1</x></c></row></sheetData></worksheet>'
    )
    path = write_raw(tmp_path / "broken.xlsx", {"Sheet1": "<?xml version='1.0'?>" + sheet})
    with pytest.raises(InvalidTable) as caught:
        read_all(path)
    assert caught.value.errors[0].row == 3


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ('<c r="A5"><v>1</v></c>', None),
        ('<c r="1A"><v>1</v></c>', "a cell has a reference that is not a column and row"),
        ('<c r="XFE1"><v>1</v></c>', "a cell lies past Excel's last column"),
        ('<c r="A1" t="s"><v>7</v></c>', "a cell refers to a shared string the workbook lacks"),
        (f'<c r="A1" t="inlineStr"><is><t>{"x" * 40_000}</t></is></c>', "longer than Excel"),
    ],
)
def test_impossible_cells_are_a_damaged_sheet(
    tmp_path: Path, cells: str, message: str | None
) -> None:
    sheet = row(1, text("A1", "a")) + row(2, cells)
    path = write_raw(tmp_path / "cells.xlsx", {"Sheet1": sheet}, strings=["<si><t>a</t></si>"])
    if message is None:
        assert read_all(path) == [(2, ("1",))]
        return
    with pytest.raises(InvalidTable) as caught:
        read_all(path)
    assert message in caught.value.errors[0].message
    assert caught.value.errors[0].row == 2


def test_rows_outside_excels_grid_are_a_damaged_sheet(tmp_path: Path) -> None:
    for number in ("0", "1048577", "x"):
        sheet = row(1, text("A1", "a")) + f'<row r="{number}"><c><v>1</v></c></row>'
        with pytest.raises(InvalidTable):
            read_all(write_raw(tmp_path / "r.xlsx", {"Sheet1": sheet}))


def _outcome(data: bytes) -> str:
    """What reading these bytes as a workbook does: rows, or which TableProblem."""
    with TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.xlsx"
        path.write_bytes(data)
        try:
            sheet_names(path, max_uncompressed_bytes=MIB)
            with read_xlsx(
                path, sheet=None, required=["a"], max_rows=100, max_uncompressed_bytes=MIB
            ) as table:
                return f"{len(list(table))} rows"
        except TableProblem as problem:
            return type(problem).__name__


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2_000))
def test_any_bytes_raise_nothing_but_a_table_problem(data: bytes) -> None:
    _outcome(data)
    _outcome(b"PK\x03\x04" + data)


def _seeds() -> list[bytes]:
    """A deflated workbook (openpyxl's) and a stored one, whose XML a spoilt byte reaches."""
    with TemporaryDirectory() as folder:
        deflated = write_openpyxl(
            Path(folder) / "seed.xlsx", {"S": [["a", "b"], ["x", 1.5], ["y", "=B2*2"]]}
        ).read_bytes()
        stored = write_raw(
            Path(folder) / "stored.xlsx",
            {"S": row(1, text("A1", "a"), '<c r="B1" t="s"><v>0</v></c>')
             + row(2, '<c r="A2" s="1"><v>45000</v></c>', '<c r="B2"><f>1</f></c>')},
            strings=["<si><t>b</t></si>"],
            compression=zipfile.ZIP_STORED,
        ).read_bytes()  # fmt: skip
    return [deflated, stored]


SEEDS = _seeds()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(SEEDS),
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=8),
    st.integers(0, 10**6),
)
def test_a_spoilt_workbook_raises_nothing_but_a_table_problem(
    seed: bytes, changes: list[tuple[int, int]], cut: int
) -> None:
    data = bytearray(seed)
    for at, value in changes:
        data[at % len(data)] = value
    _outcome(bytes(data))
    _outcome(bytes(data[: cut % len(data)]))
