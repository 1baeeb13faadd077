"""Times the CSV reader (app.integrations.tabular) on a survey-responses extract of 100,000
rows, beside a bare csv.reader pass over the same file in the same run, and shows that it
streams: its peak memory is the same at 100,000 and at 1,000,000 rows.

Run: .venv/bin/python benchmarks/csv_bench.py [--size tiny]
The file has response_id, ods_code, team_ref, submitted_on (ISO dates, MS Forms datetimes and
UTC instants), nine question columns, two group columns and one column the reader ignores.
Three passes are timed (best of the repeats): the bare csv.reader pass (the issue's floor),
read_csv with the rows only, and read_csv with every cell parsed as an import would (the
London date, the answer looked up among the options, the team key, the groups, tallied per
team and week). Peak memory is Python's allocations while read_csv reads the rows
(tracemalloc), at 100,000 and at 1,000,000 rows. `--size tiny` (or
BENCH_SIZE=tiny) reads 1,000 rows once, and 1,000 and 10,000 for the memory: a smoke run.
"""

import argparse
import csv
import random
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.integrations.cells import CellError, parse_datetime_to_london_date
from app.integrations.tabular import ErrorList, detect_encoding, read_csv

SEED = 20250303
QUESTIONS = ("q2a", "q2b", "q2c", "q3a", "q3b", "q3c", "q4a", "q4b", "q4c")
REQUIRED = ("response_id", "ods_code", "team_ref", "submitted_on")
GROUPS = ("group_ethnicity", "group_disability")
OPTIONS = {
    **{str(code): code for code in range(5)},
    **{
        label: code
        for code, label in enumerate(("never", "rarely", "sometimes", "often", "always"))
    },
}
MIB = 1 << 20
FIRST_DAY = date(2025, 3, 3)


@dataclass(frozen=True)
class Workload:
    rows: int
    memory_rows: tuple[int, int]  # the small and the large file for the peak memory
    repeats: int


SIZES = {
    "full": Workload(100_000, (100_000, 1_000_000), 3),
    "tiny": Workload(1_000, (1_000, 10_000), 1),
}


def write_extract(path: Path, rows: int) -> None:
    """40 teams, 13 weeks of spring 2025, the answers as codes or labels, some unanswered."""
    rng = random.Random(SEED)
    labels = list(OPTIONS)
    with path.open("w", encoding="utf-8", newline="") as file:
        out = csv.writer(file)
        out.writerow([*REQUIRED, *QUESTIONS, *GROUPS, "Comments"])
        for number in range(rows):
            day = FIRST_DAY + timedelta(days=rng.randrange(91))
            minute = rng.randrange(24 * 60)
            clock = f"{minute // 60:02d}:{minute % 60:02d}"
            form = number % 3
            if form == 0:
                submitted = day.isoformat()
            elif form == 1:
                submitted = f"{day:%d/%m/%Y} {clock}"
            else:
                submitted = f"{day.isoformat()}T{clock}:00Z"
            answers = [rng.choice(labels) if rng.random() < 0.9 else "" for _ in QUESTIONS]
            out.writerow(
                [f"R{number:08d}", "RHQ", f"Ward {rng.randrange(40)}", submitted, *answers,
                 rng.choice("ABCDEFGHJKLMNPRSZ"), rng.choice("YNZ9"), "no comment"]
            )  # fmt: skip


def bare(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as file:
        return sum(1 for _ in csv.reader(file))


def rows_only(path: Path) -> int:
    with read_csv(path, charset=None, required=REQUIRED, optional=QUESTIONS, max_rows=10**6) as t:
        return sum(1 for _ in t)


def parsed(path: Path) -> int:
    """Every cell as an import reads it; the tallies stand in for the aggregates."""
    tallies: dict[tuple[object, ...], list[int]] = {}  # per (team, week): answers, groups
    width = len(OPTIONS) // 2
    with read_csv(path, charset=None, required=REQUIRED, optional=QUESTIONS, max_rows=10**6) as t:
        errors: ErrorList = t.errors
        ods, team, submitted = t.index("ods_code"), t.index("team_ref"), t.index("submitted_on")
        assert ods is not None
        assert team is not None
        assert submitted is not None
        questions = [
            (name, index, slot * width)
            for slot, name in enumerate(QUESTIONS)
            if (index := t.index(name)) is not None
        ]
        groups = [index for name in GROUPS if (index := t.index(name)) is not None]
        for number, cells in t:
            try:
                day = parse_datetime_to_london_date(cells[submitted])
            except CellError as error:
                errors.add(number, "submitted_on", error.message)
                continue
            if day is None:
                errors.add(number, "submitted_on", "required")
                continue
            # The period: the Monday of the week, as for a weekly survey.
            key = (cells[ods].upper(), cells[team].lower(), day - timedelta(days=day.weekday()))
            counts = tallies.get(key)
            if counts is None:
                counts = tallies[key] = [0] * (len(QUESTIONS) * width)
            for name, index, offset in questions:
                if answer := cells[index]:
                    code = OPTIONS.get(answer.lower())
                    if code is None:
                        errors.add(number, name, "not one of the question's options")
                    else:
                        counts[offset + code] += 1
            for index in groups:
                group = (*key, index, cells[index])
                tallies[group] = tallies.get(group) or [0]
                tallies[group][0] += 1
        assert not errors, errors.errors[:3]
        return t.rows_read


def best_of(repeats: int, action: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - started)
    return best


def peak_mib(action: Callable[[Path], object], path: Path) -> float:
    tracemalloc.start()
    try:
        action(path)
        return tracemalloc.get_traced_memory()[1] / MIB
    finally:
        tracemalloc.stop()


def csv_benchmark(workload: Workload) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "survey-responses.csv"
        write_extract(path, workload.rows)
        assert bare(path) == workload.rows + 1
        assert rows_only(path) == parsed(path) == workload.rows
        repeats = workload.repeats
        bare_s = best_of(repeats, lambda: bare(path))
        first_s = best_of(repeats, lambda: detect_encoding(path, None))
        rows_s = best_of(repeats, lambda: rows_only(path))
        parsed_s = best_of(repeats, lambda: parsed(path))
        columns = len(REQUIRED) + len(QUESTIONS) + len(GROUPS) + 1
        print(
            f"survey-responses CSV: {workload.rows:,} rows x {columns} columns, "
            f"{path.stat().st_size / MIB:.1f} MiB (best of {repeats})"
        )
        print(f"bare csv.reader pass: {bare_s:.3f} s")
        print(f"read_csv's first pass (encoding, binary check): {first_s:.3f} s")
        print(f"read_csv, rows only: {rows_s:.3f} s, {rows_s / bare_s:.2f}x the bare pass")
        ratio = parsed_s / bare_s
        print(
            f"read_csv, every cell parsed and tallied: {parsed_s:.3f} s, {ratio:.2f}x the bare pass"
        )
        peaks = []
        for rows in workload.memory_rows:
            write_extract(path, rows)
            peaks.append(f"{rows:,} rows {peak_mib(rows_only, path):.2f} MiB")
        print(f"peak memory of read_csv, rows only (tracemalloc): {', '.join(peaks)}")


if __name__ == "__main__":
    from benchmarks.dashboard_bench import size_argument

    parser = argparse.ArgumentParser(description="Times the CSV reader beside csv.reader.")
    size_argument(parser)
    csv_benchmark(SIZES[parser.parse_args().size])
