"""Times the XLSX reader (app.integrations.xlsx) beside the two libraries it was chosen
against, openpyxl (read_only=True, data_only=True) and python-calamine, on one generated
survey-responses workbook of 100,000 rows, with two baselines from the same run: inflating the
workbook's parts (the floor of any reader) and read_csv on the same rows saved as CSV.

Run: .venv/bin/python benchmarks/xlsx_bench.py [--size tiny]
The workbook is written as Excel writes one: shared strings, the submission times as date
cells with a date-and-time style, numbers as numbers, blank answers as absent cells; the
columns are csv_bench's. Each reader runs in a fresh interpreter, so that its peak memory (the
process's peak RSS above what it held before reading: calamine allocates outside Python's
tracemalloc) is its own; the time is the best of the repeats. Then read_xlsx's peak Python
allocations (tracemalloc) at two sizes show that it streams. `--size tiny` (or
BENCH_SIZE=tiny) reads 1,000 rows once, and 1,000 and 10,000 for the memory: a smoke run.
"""

import argparse
import csv
import json
import random
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import chain
from pathlib import Path
from xml.parsers import expat
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from app.integrations.tabular import read_csv
from app.integrations.xlsx import read_xlsx

SEED = 20250303
QUESTIONS = ("q2a", "q2b", "q2c", "q3a", "q3b", "q3c", "q4a", "q4b", "q4c")
REQUIRED = ("response_id", "ods_code", "team_ref", "submitted_on")
GROUPS = ("group_ethnicity", "group_disability")
HEADER = (*REQUIRED, *QUESTIONS, *GROUPS, "Comments")
ANSWERS: tuple[str | int, ...] = ("never", "rarely", "sometimes", "often", "always", 0, 1, 2, 3, 4)
MIB = 1 << 20
FIRST_DAY = datetime(2025, 3, 3)
EXCEL_EPOCH = datetime(1899, 12, 30)
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
LIMIT = 10**7  # rows and bytes: no limit for the benchmark


@dataclass(frozen=True)
class Workload:
    rows: int
    memory_rows: tuple[int, int]
    repeats: int


SIZES = {
    "full": Workload(100_000, (100_000, 400_000), 3),
    "tiny": Workload(1_000, (1_000, 10_000), 1),
}


# The target: at most 1.5x a bare read-only iteration by the library the reader uses.
EXPAT_TARGET = 1.5


def records(rows: int) -> Iterator[list[str | int | datetime | None]]:
    """40 teams, 13 weeks of spring 2025, answers as labels or codes, some unanswered."""
    rng = random.Random(SEED)
    for number in range(rows):
        moment = FIRST_DAY + timedelta(days=rng.randrange(91), minutes=rng.randrange(24 * 60))
        answers = [rng.choice(ANSWERS) if rng.random() < 0.9 else None for _ in QUESTIONS]
        yield [
            f"R{number:08d}", "RHQ", f"Ward {rng.randrange(40)}", moment, *answers,
            rng.choice("ABCDEFGHJKLMNPRSZ"), rng.choice("YNZ9"), "no comment",
        ]  # fmt: skip


def _cell(reference: str, value: object, strings: dict[str, int]) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        serial = (value - EXCEL_EPOCH).total_seconds() / 86_400
        return f'<c r="{reference}" s="1"><v>{serial!r}</v></c>'
    if isinstance(value, int):
        return f'<c r="{reference}"><v>{value}</v></c>'
    index = strings.setdefault(str(value), len(strings))
    return f'<c r="{reference}" t="s"><v>{index}</v></c>'


def write_workbook(path: Path, rows: int) -> None:
    """The workbook, written part by part as Excel lays it out (much faster than openpyxl)."""
    letters = [chr(65 + index) for index in range(len(HEADER))]
    strings: dict[str, int] = {}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/>'
            + "".join(
                f'<Override PartName="/xl/{part}" ContentType="application/vnd.openxmlformats-'
                f'officedocument.spreadsheetml.{kind}+xml"/>'
                for part, kind in (
                    ("workbook.xml", "sheet.main"),
                    ("worksheets/sheet1.xml", "worksheet"),
                    ("styles.xml", "styles"),
                    ("sharedStrings.xml", "sharedStrings"),
                )
            )
            + "</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{RELS}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets>'
            '<sheet name="responses" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{RELS}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId3" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>",
        )
        archive.writestr(
            "xl/styles.xml",
            f'<styleSheet xmlns="{MAIN}"><cellXfs count="2"><xf numFmtId="0"/>'
            '<xf numFmtId="22" applyNumberFormat="1"/></cellXfs></styleSheet>',
        )
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(f'<worksheet xmlns="{MAIN}"><sheetData>'.encode())
            header: list[str | int | datetime | None] = list(HEADER)
            for number, values in enumerate(chain([header], records(rows)), start=1):
                cells = "".join(
                    _cell(f"{letter}{number}", value, strings)
                    for letter, value in zip(letters, values, strict=True)
                )
                sheet.write(f'<row r="{number}">{cells}</row>'.encode())
            sheet.write(b"</sheetData></worksheet>")
        items = "".join(f"<si><t>{escape(text)}</t></si>" for text in strings)
        archive.writestr("xl/sharedStrings.xml", f'<sst xmlns="{MAIN}">{items}</sst>')


def write_csv(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as file:
        out = csv.writer(file)
        out.writerow(HEADER)
        for values in records(rows):
            out.writerow(
                value.isoformat(timespec="seconds") if isinstance(value, datetime) else value
                for value in values
            )


# The readers, each counting the data rows it reads ----------------------------------------


def with_read_xlsx(path: Path) -> int:
    with read_xlsx(
        path,
        sheet=None,
        required=REQUIRED,
        optional=QUESTIONS,
        max_rows=LIMIT,
        max_uncompressed_bytes=LIMIT * 100,
    ) as table:
        return sum(1 for _ in table)


def with_openpyxl(path: Path) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "no default style": the generated workbook has none
        book = load_workbook(path, read_only=True, data_only=True)
    try:
        return sum(1 for _ in book.worksheets[0].iter_rows(values_only=True)) - 1
    finally:
        book.close()


def with_calamine(path: Path) -> int:
    book = CalamineWorkbook.from_path(str(path))
    try:
        return sum(1 for _ in book.get_sheet_by_index(0).iter_rows()) - 1
    finally:
        book.close()


def inflate_only(path: Path) -> int:
    """Every part inflated, nothing parsed: the floor."""
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            with archive.open(info) as part:
                while part.read(MIB):
                    pass
    return 0


def expat_only(path: Path) -> int:
    """Every XML part inflated and parsed by expat, the parser read_xlsx is built on, with
    handlers that only count the rows: a bare read-only iteration by the library it uses."""
    rows = 0

    def start(name: str, _: dict[str, str]) -> None:
        nonlocal rows
        if name == "row":
            rows += 1

    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if not info.filename.endswith((".xml", ".rels")):
                continue
            parser = expat.ParserCreate()
            parser.buffer_text = True
            parser.StartElementHandler = start
            parser.CharacterDataHandler = lambda _: None
            with archive.open(info) as part:
                while chunk := part.read(MIB):
                    parser.Parse(chunk, False)
            parser.Parse(b"", True)
    return rows - 1  # the header row


def with_read_csv(path: Path) -> int:
    with read_csv(
        path.with_suffix(".csv"),
        charset=None,
        required=REQUIRED,
        optional=QUESTIONS,
        max_rows=LIMIT,
    ) as table:
        return sum(1 for _ in table)


READERS: dict[str, tuple[str, Callable[[Path], int]]] = {
    "read_xlsx": ("read_xlsx (expat via defusedxml, streamed)", with_read_xlsx),
    "openpyxl": ("openpyxl, read_only=True, data_only=True", with_openpyxl),
    "calamine": ("python-calamine, iter_rows", with_calamine),
    "inflate": ("baseline: inflating the parts only", inflate_only),
    "expat": ("baseline: expat over every part, no-op", expat_only),
    "csv": ("baseline: read_csv on the same rows as CSV", with_read_csv),
}


def _status_mib(field: str) -> float:
    """A memory figure of this process from /proc/self/status (VmRSS, VmHWM: its peak)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    raise LookupError(field)


def child(name: str, path: Path) -> None:
    """Runs one reader once in this process and prints its figures as JSON. The peak is
    reset first (writing 5 to clear_refs), as a process starts with its parent's."""
    reader = READERS[name][1]
    before = _status_mib("VmRSS")
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")
    started = time.perf_counter()
    rows = reader(path)
    seconds = time.perf_counter() - started
    peak = _status_mib("VmHWM") - before
    print(json.dumps({"rows": rows, "seconds": seconds, "peak_mib": max(peak, 0.0)}))


def run(name: str, path: Path, repeats: int) -> tuple[int, float, float]:
    """(rows, best seconds, peak MiB of the first run) of a reader in fresh interpreters."""
    best, peak, rows = float("inf"), 0.0, 0
    for attempt in range(repeats):
        done = subprocess.run(
            [sys.executable, __file__, "--child", name, str(path)],
            check=True,
            capture_output=True,
            text=True,
        )
        figures = json.loads(done.stdout)
        best = min(best, figures["seconds"])
        rows = figures["rows"]
        if attempt == 0:
            peak = figures["peak_mib"]
    return rows, best, peak


def peak_mib(path: Path) -> float:
    tracemalloc.start()
    try:
        with_read_xlsx(path)
        return tracemalloc.get_traced_memory()[1] / MIB
    finally:
        tracemalloc.stop()


def xlsx_benchmark(workload: Workload) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "survey-responses.xlsx"
        write_workbook(path, workload.rows)
        write_csv(path.with_suffix(".csv"), workload.rows)
        with zipfile.ZipFile(path) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
        print(
            f"survey-responses XLSX: {workload.rows:,} rows x {len(HEADER)} columns, "
            f"{path.stat().st_size / MIB:.1f} MiB ({inflated / MIB:.1f} MiB inflated), "
            f"best of {workload.repeats}, each reader in a fresh interpreter"
        )
        figures = {name: run(name, path, workload.repeats) for name in READERS}
        floor = figures["inflate"][1]
        for name, (rows, seconds, peak) in figures.items():
            label = READERS[name][0]
            if name != "inflate":
                assert rows == workload.rows, (name, rows)
            speed = f"{workload.rows / seconds:>10,.0f} rows/s" if name != "inflate" else " " * 17
            print(
                f"{label:<45} {seconds:7.3f} s {speed}, {seconds / floor:6.1f}x the floor, "
                f"peak RSS +{peak:6.1f} MiB"
            )
        ratio = figures["read_xlsx"][1] / figures["expat"][1]
        verdict = "met" if ratio <= EXPAT_TARGET else "NOT met"
        print(
            f"read_xlsx / a bare expat iteration of the same parts: {ratio:.2f}x"
            f" (target <= {EXPAT_TARGET}x: {verdict})"
        )
        peaks = []
        for rows in workload.memory_rows:
            write_workbook(path, rows)
            peaks.append(f"{rows:,} rows {peak_mib(path):.2f} MiB")
        print(f"peak memory of read_xlsx (tracemalloc): {', '.join(peaks)}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], Path(sys.argv[3]))
        sys.exit(0)
    from benchmarks.dashboard_bench import size_argument

    parser = argparse.ArgumentParser(description="Times the XLSX reader beside the libraries.")
    size_argument(parser)
    xlsx_benchmark(SIZES[parser.parse_args().size])
