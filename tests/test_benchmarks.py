"""The benchmarks still run: each script once at the tiny size, on the suite's database kind.
They print their figures; nothing here is timed."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Runs the benchmarks in subprocesses.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


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
