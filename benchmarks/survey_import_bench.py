"""Times a `survey-responses` import from the file to the aggregates (app.surveys.extracts over
app.integrations.tabular) beside a bare csv.reader pass over the same file in the same run, and
measures its peak memory at 100,000 and at 1,000,000 rows.

Run: .venv/bin/python benchmarks/survey_import_bench.py [--size tiny]
The file is issue 11's: 100,000 respondents of a local weekly survey (the nine NQPS questions,
their four scores, and three local questions: one with a "don't know" that does not count, one
unscored), two group columns (ethnicity, disability), 40 teams and 13 weeks (520 slices).
Answers are labels as MS Forms writes them (one respondent in ten's as codes), drawn around a
respondent's disposition, 6% blank; submitted_on mixes ISO dates, MS Forms datetimes and UTC
instants. Timed as CPU time, the best of five rounds that each run every step once (so that
a busy moment on a shared machine slows them alike), each with its ratio to (a):
(a) a bare csv.reader pass (the floor); (b) read_csv iterating the rows alone; (c) read_csv and
read_survey_responses with an HMAC-SHA256 hash_id written the obvious way (hmac.new per id);
(c') the same with `keyed_hash`, the same digests computed faster; (h) keyed_hash alone over
the ids, which any reader pays, since each id is hashed in Python; and, for comparison only,
when installed (neither is a dependency), (d) pyarrow.csv's and (e) polars' batched CSV
tokenizers over the same file, as text, and (d') (e') with the cells turned back into Python
rows, as the per-row code would need them.
At the full size, peak memory of (c) at 100,000 and 1,000,000 rows: Python's allocations
(tracemalloc) and the process's peak RSS (a fresh process per size). `--size tiny` (or
BENCH_SIZE=tiny) reads 1,000 rows once and measures no memory: a smoke run.
"""

import argparse
import csv
import hmac
import importlib.util
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.integrations.directory import TeamDirectory
from app.integrations.keyed import keyed_hash
from app.integrations.tabular import read_csv
from app.surveys.builtins import AGREEMENT, NQPS
from app.surveys.definitions import Option, Question, Score, Survey
from app.surveys.extracts import ResponsesExtract, read_survey_responses, responses_columns

SEED = 20250303
KEY = b"benchmark secret, 32 bytes long!"
MIB = 1 << 20
FIRST_DAY = date(2025, 3, 3)  # a Monday: 13 weeks from here
TEAMS = 40
GROUPS = ("group_ethnicity", "group_disability")
MAX_ROWS = 1_000_000

SHORT_STAFFED = Question(
    code="short_staffed",
    text="How many of your shifts this week ran short of staff?",
    scale=(
        Option("none", "None", None),
        Option("one", "One", None),
        Option("several", "Two or more", None),
    ),
    favourable=("none",),
)
SURVEY = Survey(
    code="ward-pulse",
    name="Ward pulse (NQPS engagement and three local questions)",
    frequency="weekly",
    questions=(
        *NQPS.questions,
        Question(
            code="speak_up",
            text="I feel safe to speak up about anything that concerns me in this organisation.",
            scale=tuple(Option(str(i + 1), label, 2.5 * i) for i, label in enumerate(AGREEMENT)),
            favourable=("4", "5"),
        ),
        Question(
            code="recommend_team",
            text="How likely are you to recommend your team as a place to work?",
            scale=(
                *(
                    Option(str(i + 1), label, 2.5 * i)
                    for i, label in enumerate(
                        ("Extremely unlikely", "Unlikely", "Neither", "Likely", "Extremely likely")
                    )
                ),
                Option("dont_know", "Don't know", None, counts=False),
            ),
            favourable=("5",),
        ),
        SHORT_STAFFED,
    ),
    scores=(*NQPS.scores, Score("voice", "Voice", ("q3d", "q3f", "speak_up"))),
)
DIRECTORY = TeamDirectory(
    teams={("RHQ", f"ward {n}"): n for n in range(TEAMS)},
    organisations=frozenset({"RHQ"}),
)
QUESTIONS = tuple(q.code for q in SURVEY.questions)


@dataclass(frozen=True)
class Workload:
    rows: int
    memory_rows: tuple[int, int] | None  # the small and the large file for the peak memory
    repeats: int


SIZES = {
    "full": Workload(100_000, (100_000, 1_000_000), 5),
    "tiny": Workload(1_000, None, 1),
}


def write_extract(path: Path, rows: int) -> None:
    rng = random.Random(SEED)
    with path.open("w", encoding="utf-8", newline="") as file:
        out = csv.writer(file)
        out.writerow(["response_id", "ods_code", "team_ref", "submitted_on", *QUESTIONS, *GROUPS])
        for number in range(rows):
            day = FIRST_DAY + timedelta(days=rng.randrange(91))
            minute = rng.randrange(24 * 60)
            clock = f"{minute // 60:02d}:{minute % 60:02d}"
            form = number % 3
            if form == 0:
                submitted = day.isoformat()
            elif form == 1:
                submitted = f"{day:%d/%m/%Y} {clock}:{rng.randrange(60):02d}"
            else:
                submitted = f"{day.isoformat()}T{clock}:00Z"
            mood = rng.choice((1, 2, 3, 3, 4, 4, 4, 5))
            codes = rng.random() < 0.1
            answers = []
            for question in SURVEY.questions:
                if rng.random() < 0.06:
                    answers.append("")
                    continue
                scale = question.scale
                at = min(len(scale) - 1, max(0, mood - 1 + rng.choice((-1, 0, 0, 1))))
                if question is SHORT_STAFFED:
                    at = rng.randrange(3)
                option = scale[at]
                answers.append(option.code if codes else option.label)
            out.writerow(
                [f"R{number:08d}", "RHQ", f"Ward {rng.randrange(TEAMS)}", submitted, *answers,
                 rng.choice(("A", "B", "C", "D", "H", "J", "M", "N", "R", "S", "Z", "99")),
                 rng.choice("YNNNNZ9")]
            )  # fmt: skip


def hmac_per_id(response_id: str) -> bytes:
    return hmac.new(KEY, response_id.encode(), "sha256").digest()


def bare(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as file:
        return sum(1 for _ in csv.reader(file))


def open_table(path: Path):  # type: ignore[no-untyped-def]
    columns = responses_columns(SURVEY)
    return read_csv(
        path,
        charset=None,
        required=columns.required,
        optional=columns.optional,
        prefixes=columns.prefixes,
        max_rows=MAX_ROWS,
    )


def rows_only(path: Path) -> int:
    with open_table(path) as table:
        return sum(1 for _ in table)


def imported(path: Path, hash_id: Callable[[str], bytes] = hmac_per_id) -> ResponsesExtract[int]:
    with open_table(path) as table:
        return read_survey_responses(table, SURVEY, DIRECTORY, hash_id=hash_id)


def response_ids(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as file:
        return [row[0] for row in csv.reader(file)][1:]


def hash_all(ids: list[str]) -> None:
    """keyed_hash over the response ids alone: what any reader pays per respondent, since
    every id is hashed in Python."""
    hash_id = keyed_hash(KEY)
    for response_id in ids:
        hash_id(response_id)


def compiled_readers() -> list[tuple[str, Callable[[Path, bool], int]]]:
    """The compiled CSV tokenizers installed (neither is a dependency): each reads every
    column as text, batch by batch, and gives back its rows' count; with `rows`, each batch's
    cells are turned back into Python tuples, as the per-row code would need them."""
    readers: list[tuple[str, Callable[[Path, bool], int]]] = []
    if importlib.util.find_spec("pyarrow") is not None:
        arrow = importlib.import_module("pyarrow")
        arrow_csv = importlib.import_module("pyarrow.csv")

        def arrow_batches(path: Path, rows: bool) -> int:
            with path.open(encoding="utf-8") as file:
                names = next(csv.reader(file))
            convert = arrow_csv.ConvertOptions(
                column_types=dict.fromkeys(names, arrow.string()), strings_can_be_null=False
            )
            read = arrow_csv.ReadOptions(block_size=1 << 20, use_threads=False)
            count = 0
            with arrow_csv.open_csv(path, read_options=read, convert_options=convert) as batches:
                for batch in batches:
                    if rows:
                        columns = [column.to_pylist() for column in batch.columns]
                        count += sum(1 for _ in zip(*columns, strict=True))
                    else:
                        count += batch.num_rows
            return count

        readers.append(("pyarrow.csv.open_csv, one thread", arrow_batches))
    if importlib.util.find_spec("polars") is not None:
        polars = importlib.import_module("polars")

        def polars_batches(path: Path, rows: bool) -> int:
            count = 0
            scan = polars.scan_csv(path, infer_schema=False)
            for batch in scan.collect_batches(chunk_size=50_000):
                count += sum(1 for _ in batch.iter_rows()) if rows else batch.height
            return int(count)

        readers.append(("polars.scan_csv batches", polars_batches))
    return readers


def best_of(repeats: int, actions: dict[str, Callable[[], object]]) -> dict[str, float]:
    """Each action's least CPU time (this process's, threads included) over `repeats`
    rounds, each round running every action once: on a shared machine a busy moment then
    slows all of them alike, and waiting for the CPU is not counted."""
    best = dict.fromkeys(actions, float("inf"))
    for _ in range(repeats):
        for label, action in actions.items():
            started = time.process_time()
            action()
            best[label] = min(best[label], time.process_time() - started)
    return best


def memory_child(what: str, path: Path) -> None:
    """In a fresh process: (c) once, under tracemalloc or not, and its peak."""
    if what == "traced":
        tracemalloc.start()
        imported(path)
        print(tracemalloc.get_traced_memory()[1])
        return
    before = peak_rss()
    imported(path)
    print(json.dumps([before, peak_rss()]))


def peak_rss() -> int:
    """The process's peak resident set in bytes: VmHWM, which starts afresh at exec (the
    ru_maxrss of a child started by a big parent begins at the parent's)."""
    with Path("/proc/self/status").open() as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # not Linux: KiB, or bytes


def peak(what: str, path: Path) -> object:
    done = subprocess.run(
        [sys.executable, __file__, "--memory-child", what, str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout)


def survey_import_benchmark(workload: Workload) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "survey-responses.csv"
        write_extract(path, workload.rows)
        extract = imported(path)
        assert not extract.errors, extract.errors.errors[:3]
        assert extract.rows_read == rows_only(path) == workload.rows == bare(path) - 1
        assert imported(path, keyed_hash(KEY)).slices == extract.slices
        repeats = workload.repeats
        ids = response_ids(path)
        hash_id = keyed_hash(KEY)
        actions: dict[str, Callable[[], object]] = {
            "(a) bare csv.reader pass": partial(bare, path),
            "(b) read_csv, rows only": partial(rows_only, path),
            "(c) read_csv + read_survey_responses, hmac.new per id": partial(imported, path),
            "(c') the same, keyed_hash (the same HMAC-SHA256 digests)": partial(
                imported, path, hash_id
            ),
            "(h) keyed_hash alone over the ids (a floor for any reader)": partial(hash_all, ids),
        }
        for letter, (name, reader) in zip("de", compiled_readers(), strict=False):
            assert reader(path, False) == reader(path, True) == workload.rows
            actions[f"({letter}) {name}, tokenizing only"] = partial(reader, path, False)
            actions[f"({letter}') {name}, cells back as Python rows"] = partial(reader, path, True)
        timings = best_of(repeats, actions)
        bare_s = timings.pop("(a) bare csv.reader pass")
        columns = 4 + len(QUESTIONS) + len(GROUPS)
        print(
            f"survey-responses CSV: {workload.rows:,} respondents x {columns} columns, "
            f"{TEAMS} teams over 13 weeks ({len(extract.slices)} team-weeks), "
            f"{path.stat().st_size / MIB:.1f} MiB (best of {repeats})"
        )
        print(f"(a) bare csv.reader pass: {bare_s:.3f} s (CPU time)")
        for label, seconds in timings.items():
            print(f"{label}: {seconds:.3f} s, {seconds / bare_s:.2f}x the bare pass")
        if workload.memory_rows is None:
            return
        traced: list[int] = []
        rss: list[list[int]] = []
        for size in workload.memory_rows:
            write_extract(path, size)
            traced.append(peak("traced", path))  # type: ignore[arg-type]
            rss.append(peak("rss", path))  # type: ignore[arg-type]
        small, large = workload.memory_rows
        print(
            f"(c) peak Python allocations (tracemalloc): {small:,} rows {traced[0] / MIB:.1f} MiB, "
            f"{large:,} rows {traced[1] / MIB:.1f} MiB ({traced[1] / traced[0]:.2f}x)"
        )
        print(
            f"(c) peak RSS of a fresh process: {small:,} rows {rss[0][1] / MIB:.1f} MiB, "
            f"{large:,} rows {rss[1][1] / MIB:.1f} MiB ({rss[1][1] / rss[0][1]:.2f}x; "
            f"{rss[0][0] / MIB:.1f} MiB before reading)"
        )


if __name__ == "__main__":
    from benchmarks.dashboard_bench import size_argument

    if sys.argv[1:2] == ["--memory-child"]:
        memory_child(sys.argv[2], Path(sys.argv[3]))
        sys.exit()
    parser = argparse.ArgumentParser(description="Times a survey-responses import.")
    size_argument(parser)
    survey_import_benchmark(SIZES[parser.parse_args().size])
