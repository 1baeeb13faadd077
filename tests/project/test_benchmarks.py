"""The benchmarks still run: each script once at the tiny size, on the suite's database kind.
They print their figures; nothing here is timed."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# Runs the benchmarks in subprocesses.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def bench(script: str, *args: str) -> str:
    """The script's output; it must exit 0. It makes (and drops) its scratch database on the
    suite's PostgreSQL server, or in a SQLite file of its own."""
    server = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
    env = {k: v for k, v in os.environ.items() if k != "BENCH_SIZE"}
    done = subprocess.run(
        [sys.executable, f"benchmarks/{script}", *args, "--size", "tiny"],
        check=False,
        cwd=ROOT,
        env=env | {"BENCH_DATABASE_URL": server},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_the_engine_benchmark_charts_the_tiny_set_beside_its_floor() -> None:
    out = bench("spc_bench.py", "--engine-only")
    assert "series: 10 x 104 weekly points" in out
    assert "compute_chart: " in out
    assert "floor, building the input SeriesPoint objects only: " in out
    assert "dashboard" not in out


def test_the_dashboard_benchmark_signs_in_and_reads_every_cell_over_http() -> None:
    out = bench("dashboard_bench.py")
    kind = "PostgreSQL" if os.environ.get("TEST_DATABASE_URL") else "SQLite"
    assert f"3 teams x 2 measures x 8 weeks = 48 points on {kind}" in out
    assert "dashboard (6 cells), service call: " in out
    assert "dashboard over HTTP, JSON included: " in out
    assert "baseline, one query per series: " in out


def test_make_bench_runs_the_engine_then_the_dashboard() -> None:
    out = bench("spc_bench.py")
    assert out.index("compute_chart: ") < out.index("dashboard (6 cells)")
    # The comparisons with the targets are for the full workload only.
    assert "target <" not in out


def test_the_upload_benchmark_streams_beside_the_whole_body_baseline() -> None:
    out = bench("upload_bench.py")
    assert "upload of a 1 MiB CSV in 64 KiB chunks" in out
    for label in ("streamed to a temporary file, hashed:", "baseline, the whole body read"):
        line = re.search(rf"{label}.* +([\d,]+) MiB/s, peak +([\d.]+) MiB", out)
        assert line is not None, f"{label} missing from\n{out}"


def test_the_workforce_benchmark_aggregates_staff_beside_a_sorting_floor() -> None:
    out = bench("workforce_bench.py")
    shape = r"workforce-staff: 20\d assignments, 600 absence episodes, \d+ teams x 24 months"
    assert re.search(shape, out), out
    for label in ("check_staff", "aggregate_staff", "floor, sorting the same records once"):
        assert re.search(rf"{label}: [\d.]+ s", out), f"{label} missing from\n{out}"


def test_the_csv_benchmark_reads_and_parses_beside_a_bare_csv_reader_pass() -> None:
    out = bench("csv_bench.py")
    assert "survey-responses CSV: 1,000 rows x 16 columns" in out
    assert re.search(r"bare csv.reader pass: [\d.]+ s", out), out
    for label in ("read_csv, rows only", "read_csv, every cell parsed and tallied"):
        assert re.search(rf"{label}: [\d.]+ s, [\d.]+x the bare pass", out), out
    memory = (
        r"peak memory of read_csv, rows only \(tracemalloc\): 1,000 rows [\d.]+ MiB, 10,000 rows"
    )
    assert re.search(memory, out), out


def test_the_xlsx_benchmark_reads_with_each_candidate_beside_the_baselines() -> None:
    out = bench("xlsx_bench.py")
    assert "survey-responses XLSX: 1,000 rows x 16 columns" in out
    for label in (
        "read_xlsx",
        "openpyxl, read_only=True, data_only=True",
        "python-calamine, iter_rows",
        "baseline: read_csv on the same rows as CSV",
    ):
        figures = r"[\d.]+ s +[\d,]+ rows/s, +[\d.]+x the floor, peak RSS \+ *[\d.]+ MiB"
        assert re.search(rf"{re.escape(label)}.* {figures}", out), f"{label} missing from\n{out}"
    assert re.search(r"baseline: inflating the parts only +[\d.]+ s", out), out
    memory = r"peak memory of read_xlsx \(tracemalloc\): 1,000 rows [\d.]+ MiB, 10,000 rows"
    assert re.search(memory, out), out


def test_the_survey_import_benchmark_times_the_import_beside_a_bare_csv_reader_pass() -> None:
    out = bench("survey_import_bench.py")
    shape = r"survey-responses CSV: 1,000 respondents x 18 columns, 40 teams over 13 weeks"
    assert re.search(shape, out), out
    assert re.search(r"\(a\) bare csv.reader pass: [\d.]+ s", out), out
    for label in ("(b) read_csv, rows only", "(c) read_csv + read_survey_responses", "(c')", "(h)"):
        assert re.search(rf"{re.escape(label)}.*: [\d.]+ s, [\d.]+x the bare pass", out), out
    # The memory at 100,000 and 1,000,000 rows is for the full workload only.
    assert "peak" not in out


@pytest.mark.skipif(
    shutil.which("wrk") is None and not os.environ.get("QI_REQUIRE_BENCH"),
    reason="wrk is not installed (set QI_REQUIRE_BENCH=1 to make this a failure)",
)
def test_the_http_benchmark_reports_each_route_as_a_share_of_livez() -> None:
    kind = "postgresql" if os.environ.get("TEST_DATABASE_URL") else "sqlite"
    out = bench("http_bench.py", "--database", kind)
    backend = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}[kind]
    assert f"{backend}, one worker, wrk -t1 -c8 -d1s:" in out
    livez = re.search(r"/livez +([\d,]+) req/s", out)
    assert livez is not None, out
    assert int(livez.group(1).replace(",", "")) > 0
    for label in ("GET /teams", "stored chart", "dashboard"):
        line = re.search(rf"{label} +([\d,]+) req/s +([\d.]+)% of /livez", out)
        assert line is not None, f"{label} missing from\n{out}"
        assert int(line.group(1).replace(",", "")) > 0
    # One database a run here; the targets are judged on the full run only.
    assert ("SQLite" in out) == (kind == "sqlite")
    assert "target" not in out


def test_the_import_benchmark_posts_two_survey_files_to_the_real_server() -> None:
    database = "postgresql" if os.environ.get("TEST_DATABASE_URL") else "sqlite"
    out = bench("import_bench.py", "--database", database)
    for rows in ("1,000", "10,000"):
        line = rf"{rows} rows \( *[\d.]+ MiB\): import +[\d.]+ s, csv.reader +[\d.]+ s, +[\d.]+x;"
        assert re.search(line + r" server peak RSS +\d+ MiB; aggregates \d+, points \d+", out), out
    assert re.search(r"peak RSS 10,000 / 1,000 rows: [\d.]+x", out), out
